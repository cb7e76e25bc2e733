// The goodput scenario (issue 4): Ollama (1 in flight, 300 ms per call, 503 when busy),
// Groq 30 requests/min, Gemini 15/min, Hugging Face 5/min, all emulated by zega-fake-llm
// with time scaled so a minute lasts 60/scale seconds; 60 examples. Runs the real zegad
// once with adaptive pacing and once with the old fixed pacing (its pauses scaled by the
// same factor) and prints wall time, ratio to the theoretical minimum, upstream calls,
// wasted calls (429 + 503) and examples per provider. Figures only, not a test.

#include "bench_support.hpp"

#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"

#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

namespace {

struct emulated {
  const char* name;
  int rpm;            // 0 = none
  int max_concurrency; // 0 = none
  int latency_ms;
};

constexpr emulated providers[] = {
  {"ollama", 0, 1, 300},
  {"groq", 30, 0, 120},
  {"gemini", 15, 0, 150},
  {"huggingface", 5, 0, 200},
};

// Earliest time the n-th example can be complete if every provider works at exactly its
// capacity from t = 0: Ollama serially, the others sending N at the start of each window.
double theoretical_minimum_s(int examples, double scale) {
  std::vector<double> done;
  double window = 60.0 / scale;
  for (const auto& p : providers) {
    double lat = p.latency_ms / 1000.0;
    for (int i = 0; i < examples; ++i) {
      if (p.max_concurrency == 1)
        done.push_back((i + 1) * lat);
      else if (p.rpm > 0)
        done.push_back((i / p.rpm) * window + lat);
    }
  }
  std::sort(done.begin(), done.end());
  return done[static_cast<std::size_t>(examples - 1)];
}

struct http {
  zega::net::io_runtime io;
  std::unique_ptr<zega::net::http_client> client;
  http() {
    io.start();
    client = std::make_unique<zega::net::http_client>(io);
  }
  rapidjson::Document call(const std::string& method, const std::string& url,
                           const std::string& body = {}) {
    zega::net::http_request req;
    req.method = method;
    req.url = url;
    req.body = body;
    if (!body.empty())
      req.headers.emplace_back("content-type", "application/json");
    zega::net::client_limits limits;
    limits.first_byte_ms = limits.total_ms = 30 * 60 * 1000;
    auto result = zega::net::blocking_request(*client, req, limits);
    rapidjson::Document doc;
    if (auto* resp = std::get_if<zega::net::http_response>(&result))
      doc.Parse(resp->body.c_str(), resp->body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      std::cerr << "bad answer from " << url << "\n";
      std::exit(1);
    }
    return doc;
  }
};

std::string fake_config(double scale) {
  std::string json = "{\"time_scale\":" + std::to_string(scale) + ",\"providers\":{";
  bool first = true;
  for (const auto& p : providers) {
    json += (first ? "" : ",") + std::string("\"") + p.name + "\":{\"latency_ms\":"
            + std::to_string(p.latency_ms);
    if (p.rpm)
      json += ",\"limits\":{\"rpm\":" + std::to_string(p.rpm) + "}";
    if (p.max_concurrency)
      json += ",\"max_concurrency\":" + std::to_string(p.max_concurrency);
    json += "}";
    first = false;
  }
  return json + "}}";
}

std::string zegad_config(const std::string& base, bool fixed, double scale) {
  auto provider = [&](const char* name, const char* preset, const std::string& url, int prio,
                      int rpm, int in_flight) {
    std::string s = std::string("{\"name\":\"") + name + "\",\"preset\":\"" + preset
                    + "\",\"base_url\":\"" + url + "\",\"priority\":" + std::to_string(prio)
                    + ",\"limits\":{\"max_in_flight\":" + std::to_string(in_flight);
    if (rpm)
      s += ",\"rpm\":" + std::to_string(rpm);
    return s + "}}";
  };
  auto ms = [&](int v) { return std::to_string(static_cast<int>(v / scale)); };
  std::string routing = "\"routing\":{\"time_scale\":" + std::to_string(scale)
                        + ",\"max_in_flight\":16,\"pacing\":\""
                        + std::string(fixed ? "fixed" : "adaptive") + "\"";
  if (fixed)
    routing += ",\"fixed\":{\"pause_min_ms\":" + ms(3000) + ",\"pause_max_ms\":" + ms(5000)
               + ",\"between_models_ms\":" + ms(500) + ",\"between_groups_ms\":" + ms(2000)
               + ",\"retries\":2,\"retry_backoff_ms\":[" + ms(2000) + "," + ms(4000) + "]}";
  routing += "}";
  return "{" + routing + ",\"providers\":["
         + provider("ollama", "ollama", base, 1, 0, 1) + ","
         + provider("groq", "groq", base + "/openai/v1", 2, 30, 8) + ","
         + provider("gemini", "gemini", base + "/v1beta", 3, 15, 8) + ","
         + provider("huggingface", "huggingface", base + "/v1", 4, 5, 8) + "]}";
}

struct run_result {
  double wall_s = 0;
  long upstream = 0;
  long wasted = 0;
  int successful = 0;
  std::map<std::string, int> served;
};

long stat_of(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsNumber() ? v[key].GetInt64() : 0;
}

run_result run(const std::string& mode, const std::string& fake_base, double scale,
               int examples) {
  zega::tools::temp_dir dir;
  std::string cfg_path = dir.path() + "/zegad.json";
  std::ofstream(cfg_path) << zegad_config(fake_base, mode == "fixed", scale);
  http h;
  h.call("POST", fake_base + "/_fake/reset", "{}");
  setenv("GROQ_API_KEY", "bench-key", 1);
  setenv("GEMINI_API_KEY", "bench-key", 1);
  setenv("HF_TOKEN", "bench-key", 1);
  zega::tools::child_process daemon;
  daemon.start({zega::bench::self_dir() + "/zegad", "--config", cfg_path, "--data-dir",
                dir.path() + "/data", "--listen", "127.0.0.1:0", "--env-file", "/dev/null"},
               dir.path() + "/zegad.log");
  std::string port = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)",
                                          std::chrono::seconds(30));
  if (port.empty()) {
    std::cerr << "zegad did not start (" << mode << ")\n";
    std::exit(1);
  }
  std::string url = "http://127.0.0.1:" + port;
  auto t0 = std::chrono::steady_clock::now();
  auto summary = h.call("POST", url + "/auto-train",
                        "{\"num_examples\":" + std::to_string(examples) + "}");
  auto t1 = std::chrono::steady_clock::now();
  run_result r;
  r.wall_s = std::chrono::duration<double>(t1 - t0).count();
  r.successful = static_cast<int>(stat_of(summary, "successful"));
  if (summary.HasMember("examples") && summary["examples"].IsArray())
    for (const auto& ex : summary["examples"].GetArray())
      if (ex.HasMember("provider") && ex["provider"].IsString())
        ++r.served[ex["provider"].GetString()];
  auto stats = h.call("GET", fake_base + "/_fake/stats");
  if (stats.HasMember("providers") && stats["providers"].IsObject())
    for (const auto& p : stats["providers"].GetObject()) {
      r.upstream += stat_of(p.value, "requests");
      r.wasted += stat_of(p.value, "rate_limited") + stat_of(p.value, "busy");
    }
  daemon.signal(SIGTERM);
  daemon.wait_exit(std::chrono::seconds(30));
  return r;
}

} // namespace

int main(int argc, char** argv) {
  int examples = argc > 1 ? std::atoi(argv[1]) : 60;
  double scale = argc > 2 ? std::atof(argv[2]) : 10.0;
  zega::tools::temp_dir dir;
  std::string cfg = dir.path() + "/fake.json";
  std::ofstream(cfg) << fake_config(scale);
  zega::tools::child_process fake;
  std::string base = zega::bench::start_fake(
    fake, {"--config", cfg, "--time-scale", std::to_string(scale), "--seed", "11", "--log",
           dir.path() + "/fake.log"});
  if (base.empty()) {
    std::cerr << "cannot start zega-fake-llm next to this program\n";
    return 1;
  }
  double minimum = theoretical_minimum_s(examples, scale);
  std::printf("goodput: %d examples; ollama 1 in flight 300 ms; groq 30/min, gemini 15/min, "
              "hf 5/min; time scale %.0f (a minute lasts %.1f s)\n",
              examples, scale, 60.0 / scale);
  std::printf("theoretical minimum wall time: %.2f s\n\n", minimum);
  std::printf("%-9s %8s %8s %9s %7s %5s  %s\n", "pacing", "wall s", "x min", "upstream",
              "wasted", "ok", "served by");
  run_result adaptive, fixed;
  for (const char* mode : {"adaptive", "fixed"}) {
    auto r = run(mode, base, scale, examples);
    std::string served;
    for (const auto& [name, n] : r.served)
      served += name + "=" + std::to_string(n) + " ";
    std::printf("%-9s %8.2f %8.2f %9ld %7ld %5d  %s\n", mode, r.wall_s, r.wall_s / minimum,
                r.upstream, r.wasted, r.successful, served.c_str());
    (std::string(mode) == "adaptive" ? adaptive : fixed) = r;
  }
  std::printf("\nadaptive is %.1fx faster than fixed\n", fixed.wall_s / adaptive.wall_s);
  return 0;
}
