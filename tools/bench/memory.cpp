// Anonymous memory of a running zegad after it generated 20,000 examples in jobs of 500
// (issue 8): the real daemon against zega-fake-llm with no latency, jobs submitted one
// after another through POST /auto-train. Reads RssAnon from /proc/<zegad>/status before
// the first job and after the last. Figures only, not a test.
// Usage: zega-bench-memory [examples] [job_size]

#include "bench_support.hpp"

#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"

#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

// RssAnon of a process in KiB (0 when unreadable).
long rss_anon_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("RssAnon:", 0) == 0)
      return std::atol(line.c_str() + 8);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  int examples = argc > 1 ? std::atoi(argv[1]) : 20000;
  int job_size = argc > 2 ? std::atoi(argv[2]) : 500;
  if (examples <= 0 || job_size <= 0) {
    std::cerr << "usage: zega-bench-memory [examples] [job_size]\n";
    return 2;
  }
  zega::tools::temp_dir dir;
  std::ofstream(dir.path() + "/fake.json")
    << R"({"latency_ms":0,"providers":{"ollama":{"latency_ms":0}}})";
  zega::tools::child_process fake;
  std::string base = zega::bench::start_fake(
    fake, {"--config", dir.path() + "/fake.json", "--seed", "5", "--log", dir.path() + "/fake.log"});
  if (base.empty()) {
    std::cerr << "cannot start zega-fake-llm next to this program\n";
    return 1;
  }
  std::ofstream(dir.path() + "/zegad.json")
    << R"({"routing":{"max_in_flight":16},"providers":[{"name":"ollama","preset":"ollama",)"
    << R"("base_url":")" << base << R"(","priority":1,"limits":{"max_in_flight":16}}]})";
  zega::tools::child_process daemon;
  daemon.start({zega::bench::self_dir() + "/zegad", "--config", dir.path() + "/zegad.json",
                "--data-dir", dir.path() + "/data", "--listen", "127.0.0.1:0", "--env-file",
                "/dev/null"},
               dir.path() + "/zegad.log");
  std::string port = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)",
                                          std::chrono::seconds(30));
  if (port.empty()) {
    std::cerr << "zegad did not start (log: " << dir.path() << "/zegad.log)\n";
    return 1;
  }
  std::string url = "http://127.0.0.1:" + port;
  zega::net::io_runtime io;
  io.start();
  zega::net::http_client client{io};
  long start_kib = rss_anon_kib(daemon.pid());
  auto t0 = std::chrono::steady_clock::now();
  long made = 0, failed = 0, duplicates = 0;
  std::string last_error;
  for (int done = 0; done < examples; done += job_size) {
    zega::net::http_request req;
    req.method = "POST";
    req.url = url + "/auto-train";
    req.body = "{\"num_examples\":" + std::to_string(std::min(job_size, examples - done)) + "}";
    req.headers.emplace_back("content-type", "application/json");
    zega::net::client_limits limits;
    limits.first_byte_ms = limits.total_ms = 30 * 60 * 1000;
    auto result = zega::net::blocking_request(client, req, limits);
    auto* resp = std::get_if<zega::net::http_response>(&result);
    rapidjson::Document doc;
    if (resp)
      doc.Parse(resp->body.c_str(), resp->body.size());
    if (!resp || doc.HasParseError() || !doc.IsObject() || !doc.HasMember("successful")) {
      std::cerr << "job " << done / job_size << " failed\n";
      return 1;
    }
    made += doc["successful"].GetInt64();
    if (doc.HasMember("failed") && doc["failed"].IsInt64())
      failed += doc["failed"].GetInt64();
    if (doc.HasMember("duplicates_rejected") && doc["duplicates_rejected"].IsInt64())
      duplicates += doc["duplicates_rejected"].GetInt64();
    if (doc.HasMember("examples") && doc["examples"].IsArray())
      for (const auto& ex : doc["examples"].GetArray())
        if (ex.IsObject() && ex.HasMember("error") && ex["error"].IsString())
          last_error = ex["error"].GetString();
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  long end_kib = rss_anon_kib(daemon.pid());
  std::printf("memory: %ld examples made in jobs of %d, %.1f s; %ld failed, %ld outputs "
              "rejected as near-duplicates%s%s\n",
              made, job_size, wall, failed, duplicates, last_error.empty() ? "" : "; e.g. ",
              last_error.substr(0, 200).c_str());
  std::printf("zegad RssAnon: %.1f MiB at start, %.1f MiB after the last job\n",
              start_kib / 1024.0, end_kib / 1024.0);
  client.close_idle();
  io.stop();
  daemon.signal(SIGTERM);
  daemon.wait_exit(std::chrono::seconds(30));
  return 0;
}
