// Load figures of issue 10, hole 5: the real zegad (with zega-fake-llm) on a running job,
// `idle` connections that never send and `stalled` SSE subscribers that never read, while
// /health is called `probes` times on fresh connections. Prints health p50/p99/max and the
// daemon's peak RSS, then its RSS after everyone left. Figures only; the test is
// tests/test_load.cpp.
//
//   zega-bench-load [idle=2000] [stalled=500] [probes=500] [examples=1000]

#include "tools/bench/bench_support.hpp"
#include "tools/bench/load_driver.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using namespace zega;

namespace {

std::string temp_directory() {
  char tmpl[] = "/tmp/zega-bench-load-XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

// Sends one request and returns the response text (Connection: close).
std::string call(std::uint16_t port, const std::string& request) {
  int fd = bench::connect_loopback(port, 10000);
  if (fd < 0 || !bench::send_text(fd, request))
    return {};
  std::string got;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

} // namespace

int main(int argc, char** argv) {
  int idle = argc > 1 ? std::atoi(argv[1]) : 2000;
  int stalled = argc > 2 ? std::atoi(argv[2]) : 500;
  int probes = argc > 3 ? std::atoi(argv[3]) : 500;
  int examples = argc > 4 ? std::atoi(argv[4]) : 1000;
  long limit = bench::raise_open_files();
  std::printf("open-files limit of the driver: %ld\n", limit);

  std::string dir = temp_directory();
  tools::child_process fake;
  std::string fake_url = bench::start_fake(fake, {"--seed", "7", "--latency-ms", "5"});
  if (fake_url.empty()) {
    std::fprintf(stderr, "cannot start zega-fake-llm\n");
    return 1;
  }
  std::ofstream(dir + "/zegad.json")
    << R"({"providers":[{"name":"ollama","kind":"ollama","base_url":")" << fake_url
    << R"(","model":"llama3.2","priority":1}]})";
  tools::child_process daemon;
  if (!daemon.start({bench::self_dir() + "/zegad", "--config", dir + "/zegad.json", "--data-dir",
                     dir + "/data", "--listen", "127.0.0.1:0", "--env-file", "/dev/null"},
                    dir + "/zegad.log")) {
    std::fprintf(stderr, "cannot start zegad\n");
    return 1;
  }
  auto port_text = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)",
                                        std::chrono::seconds(30));
  if (port_text.empty()) {
    std::fprintf(stderr, "zegad did not start (see %s/zegad.log)\n", dir.c_str());
    return 1;
  }
  auto port = static_cast<std::uint16_t>(std::stoi(port_text));
  int pid = 0; // the daemon records it in its data-directory lock
  std::ifstream(dir + "/data/zegad.lock") >> pid;
  std::string body = "{\"num_examples\":" + std::to_string(examples) + "}";
  std::string reply = call(port, "POST /auto-train?async=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Content-Type: application/json\r\nConnection: close\r\n"
                                 "Content-Length: "
                                   + std::to_string(body.size()) + "\r\n\r\n" + body);
  auto at = reply.find("\"job_id\":\"");
  if (at == std::string::npos) {
    std::fprintf(stderr, "job not accepted: %s\n", reply.c_str());
    return 1;
  }
  std::string job = reply.substr(at + 10, reply.find('"', at + 10) - at - 10);
  long rss_start = bench::memory_kib(pid, "VmRSS");

  std::vector<double> ms;
  int failed = 0;
  {
    bench::socket_set conns;
    int s = bench::open_stalled(conns, port, "/jobs/" + job + "/events", stalled);
    int i = bench::open_idle(conns, port, idle);
    std::printf("job %s: %d stalled SSE subscribers, %d idle connections\n", job.c_str(), s, i);
    for (int k = 0; k < probes; ++k) {
      double v = bench::health_ms(port);
      if (v < 0)
        ++failed;
      else
        ms.push_back(v);
    }
  }
  long peak = bench::memory_kib(pid, "VmHWM");
  double p99_after = 0;
  {
    std::vector<double> after;
    for (int k = 0; k < 50; ++k)
      after.push_back(bench::health_ms(port));
    p99_after = bench::percentile(after, 99);
  }
  long rss_end = bench::memory_kib(pid, "VmRSS");
  std::printf("health under load: %zu answered, %d failed; p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              ms.size(), failed, bench::percentile(ms, 50), bench::percentile(ms, 99),
              bench::percentile(ms, 100));
  std::printf("health after: p99 %.2f ms\n", p99_after);
  std::printf("zegad RSS: %ld MiB at start, peak %ld MiB, %ld MiB after the clients left\n",
              rss_start / 1024, peak / 1024, rss_end / 1024);
  daemon.signal(SIGTERM);
  daemon.wait_exit(std::chrono::seconds(30));
  fake.signal(SIGTERM);
  fake.wait_exit(std::chrono::seconds(10));
  std::string rm = "rm -rf '" + dir + "'";
  return std::system(rm.c_str()) == 0 && failed == 0 ? 0 : 1;
}
