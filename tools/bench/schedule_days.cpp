// Thirty simulated days of ZEGA's schedule (issue 9), time-scaled, on the real zegad and
// zega-fake-llm: Ollama serves one call at a time (so it carries small days but not the
// 10-a-day phase within the window), Groq and Gemini have small daily quotas. Prints each
// day (target, done, status), the days with the target met, the cloud calls used against
// the minimum those days needed, and the 429s. Figures only, not a test.
// Usage: zega-bench-schedule_days [days=30] [time_scale=1000] [ollama_latency_ms=3000]
// (1000 is the largest routing.time_scale: a day lasts 86.4 s, thirty days 43 minutes)

#include "bench_support.hpp"

#include "actors/policy/calendar.hpp"
#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

namespace {

constexpr int window_start_min = 60;  // 01:00 UTC
constexpr int window_end_min = 7 * 60; // 07:00 UTC
constexpr int groq_rpd = 12;
constexpr int gemini_rpd = 8;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

rapidjson::Document get_json(zega::net::http_client& client, const std::string& url,
                             const std::string& method = "GET") {
  zega::net::http_request req;
  req.method = method;
  req.url = url;
  if (method == "POST") {
    req.body = "{}";
    req.headers.emplace_back("content-type", "application/json");
  }
  zega::net::client_limits limits;
  auto result = zega::net::blocking_request(client, req, limits);
  rapidjson::Document doc;
  if (auto* resp = std::get_if<zega::net::http_response>(&result))
    doc.Parse(resp->body.c_str(), resp->body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    std::cerr << "bad answer from " << url << "\n";
    std::exit(1);
  }
  return doc;
}

long stat_of(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsNumber() ? v[key].GetInt64() : 0;
}

std::string fake_config(double scale, int ollama_ms) {
  return "{\"time_scale\":" + std::to_string(scale) + ",\"providers\":{"
         "\"ollama\":{\"latency_ms\":" + std::to_string(ollama_ms) + ",\"max_concurrency\":1},"
         "\"groq\":{\"latency_ms\":60,\"limits\":{\"rpm\":30,\"rpd\":" + std::to_string(groq_rpd) + "}},"
         "\"gemini\":{\"latency_ms\":80,\"limits\":{\"rpm\":15,\"rpd\":" + std::to_string(gemini_rpd) + "}}}}";
}

std::string zegad_config(const std::string& base, double scale) {
  auto provider = [&](const char* name, const std::string& url, int prio, const std::string& limits) {
    return std::string("{\"name\":\"") + name + "\",\"preset\":\"" + name + "\",\"base_url\":\"" +
           url + "\",\"priority\":" + std::to_string(prio) + ",\"limits\":{" + limits + "}}";
  };
  return "{\"routing\":{\"time_scale\":" + std::to_string(scale) + "},"
         "\"schedules\":[{\"name\":\"zega\",\"timezone\":\"UTC\","
         "\"window\":{\"start\":\"01:00\",\"end\":\"07:00\"},"
         "\"phases\":[{\"days\":2,\"per_day\":5},{\"until_total\":50,\"per_day\":10},"
         "{\"per_day\":{\"min\":2,\"max\":5}}]}],"
         "\"providers\":[" +
         provider("ollama", base, 1, "\"max_in_flight\":1") + "," +
         provider("groq", base + "/openai/v1", 2,
                  "\"rpm\":30,\"rpd\":" + std::to_string(groq_rpd)) + "," +
         provider("gemini", base + "/v1beta", 3,
                  "\"rpm\":15,\"rpd\":" + std::to_string(gemini_rpd)) + "]}";
}

} // namespace

int main(int argc, char** argv) {
  const int days = argc > 1 ? std::atoi(argv[1]) : 30;
  const double scale = argc > 2 ? std::atof(argv[2]) : 1000;
  const int ollama_ms = argc > 3 ? std::atoi(argv[3]) : 3000;
  zega::tools::temp_dir dir;
  std::ofstream(dir.path() + "/fake.json") << fake_config(scale, ollama_ms);
  zega::tools::child_process fake;
  const std::string base = zega::bench::start_fake(
    fake, {"--config", dir.path() + "/fake.json", "--time-scale", std::to_string(scale), "--seed",
           "13", "--log", dir.path() + "/fake.log"});
  if (base.empty()) {
    std::cerr << "cannot start zega-fake-llm next to this program\n";
    return 1;
  }
  std::ofstream(dir.path() + "/zegad.json") << zegad_config(base, scale);
  setenv("GROQ_API_KEY", "bench-key", 1);
  setenv("GEMINI_API_KEY", "bench-key", 1);

  // Start on a (scaled) midnight so day 0 has its whole window.
  const auto cal = zega::cal::utc_days(scale);
  const auto start = cal.next_start(wall_ms());
  std::this_thread::sleep_for(std::chrono::milliseconds(std::max<std::int64_t>(0, start - wall_ms())));
  zega::tools::child_process daemon;
  daemon.start({zega::bench::self_dir() + "/zegad", "--config", dir.path() + "/zegad.json",
                "--data-dir", dir.path() + "/data", "--listen", "127.0.0.1:0", "--env-file",
                "/dev/null"},
               dir.path() + "/zegad.log");
  const auto port = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)",
                                         std::chrono::seconds(30));
  if (port.empty()) {
    std::cerr << "zegad did not start\n";
    return 1;
  }
  const std::string url = "http://127.0.0.1:" + port;
  const double day_s = 86400.0 / scale;
  const double window_s = (window_end_min - window_start_min) * 60.0 / scale;
  // Ollama alone, one call at a time: what it can finish inside one window.
  const int ollama_capacity = static_cast<int>(window_s * 1000.0 / ollama_ms);
  std::printf("schedule_days: %d days of ZEGA's schedule (5/day x2, 10/day until 50, then 2-5), "
              "window 01:00-07:00 UTC; time scale %.0f (a day lasts %.1f s, the window %.2f s); "
              "ollama 1 in flight, %d ms (carries %d a window); groq rpd %d, gemini rpd %d\n",
              days, scale, day_s, window_s, ollama_ms, ollama_capacity, groq_rpd, gemini_rpd);
  std::fflush(stdout);
  zega::net::io_runtime io;
  io.start();
  zega::net::http_client client{io};
  auto cloud_so_far = [&] {
    auto s = get_json(client, base + "/_fake/stats");
    return stat_of(s["providers"]["groq"], "requests") + stat_of(s["providers"]["gemini"], "requests");
  };
  // Cloud calls per day: the fake server's counts read at each (scaled) midnight, when the
  // 01:00-07:00 window has long closed and nothing is in flight.
  std::vector<long> cloud_per_day;
  long cloud_before = 0;
  for (int d = 1; d <= days; ++d) {
    const auto midnight = cal.start_of(cal.day_of(start) + d) + 200;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max<std::int64_t>(0, midnight - wall_ms())));
    const long now_cloud = cloud_so_far();
    cloud_per_day.push_back(now_cloud - cloud_before);
    cloud_before = now_cloud;
  }

  auto sched = get_json(client, url + "/schedule");
  auto stats = get_json(client, base + "/_fake/stats");
  int met = 0, counted = 0;
  long minimum_cloud = 0, cloud_on_ollama_days = 0;
  std::printf("\n%-11s %6s %5s %7s %10s %6s\n", "date", "target", "done", "status", "min cloud",
              "cloud");
  if (sched.HasMember("days") && sched["days"].IsArray())
    for (const auto& d : sched["days"].GetArray()) {
      const int target = static_cast<int>(stat_of(d, "target"));
      const int need = std::max(0, target - ollama_capacity);
      minimum_cloud += need;
      ++counted;
      const std::string status = d["status"].GetString();
      met += status == "met" ? 1 : 0;
      const long used = static_cast<std::size_t>(counted - 1) < cloud_per_day.size()
                          ? cloud_per_day[static_cast<std::size_t>(counted - 1)]
                          : -1;
      if (need == 0 && used > 0)
        cloud_on_ollama_days += used;
      std::printf("%-11s %6d %5ld %7s %10d %6ld\n", d["date"].GetString(), target,
                  stat_of(d, "done"), status.c_str(), need, used);
    }
  long cloud = 0, r429 = 0, ollama_calls = 0;
  for (const char* p : {"ollama", "groq", "gemini"}) {
    const auto& v = stats["providers"][p];
    (std::string(p) == "ollama" ? ollama_calls : cloud) += stat_of(v, "requests");
    r429 += stat_of(v, "rate_limited");
  }
  std::printf("\ndays with the target met: %d of %d\n", met, counted);
  std::printf("cloud calls: %ld used, %ld the minimum those days needed; ollama calls %ld\n",
              cloud, minimum_cloud, ollama_calls);
  std::printf("cloud calls on days Ollama alone could carry: %ld\n", cloud_on_ollama_days);
  std::printf("429s: %ld\n", r429);
  std::printf("missed days (daemon view): %ld, total done %ld\n", stat_of(sched, "missed_days"),
              stat_of(sched, "total_done"));
  daemon.signal(SIGTERM);
  daemon.wait_exit(std::chrono::seconds(30));
  return 0;
}
