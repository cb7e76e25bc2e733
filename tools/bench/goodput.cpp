// Interactive goodput (issues 4 and 9): the real zegad with DEFAULT routing settings against
// zega-fake-llm on loopback, on the mix: Ollama 1 in flight at ~3 s a call, Groq 30
// requests/min, Gemini 15/min, Hugging Face 5/min (cloud latencies 1, 2 and 4 s). Each
// scenario is one POST /auto-train on a fresh zegad; it prints wall time / the theoretical
// best, wasted calls (429 + 503 as the fake server counted them), 429s per provider and
// calls per provider.
//
// Scenarios: limits configured in zegad, or left to be learned (the fake enforces them and
// reports them through headers and 429s); time-scaled (windows and latencies divided by
// --scale) and, with --real, 60 examples in real time; faults (Gemini answering 503 for a
// while, Hugging Face broken by a revoked key) and Groq at a per-day limit, repeated
// --reps times for a range. Figures only, not a test.

#include "bench_support.hpp"

#include "actors/policy/deadline.hpp"
#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"

#include <CLI/CLI.hpp>
#include <rapidjson/document.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace {

struct emulated {
  const char* name;   // fake server's provider and zegad's preset
  const char* path;   // API prefix under the fake server
  int rpm;            // 0 = none
  int latency_ms;     // real-time latency; divided by the time scale
};

constexpr emulated mix[] = {
  {"ollama", "", 0, 3000},
  {"groq", "/openai/v1", 30, 1000},
  {"gemini", "/v1beta", 15, 2000},
  {"huggingface", "/v1", 5, 4000},
};

struct scenario {
  std::string name;
  int examples = 60;
  double scale = 30;
  bool configured = true; // limits in zegad's config, or learned from the provider
  int groq_rpd = 0;       // Groq's requests per day (0 = no daily limit)
  std::string fault_provider;
  std::string fault = "none";
  int fault_count = 0;
  double slack = -1; // routing.slack; < 0 = the default
};

bool broken_by_fault(const scenario& s, const std::string& provider) {
  return s.fault_provider == provider && s.fault == "401";
}

// The best wall time with every provider at exactly its capacity: the deadline module's
// planner (earliest finish first over the providers' windows, slots and daily budgets),
// fed the true limits and latencies. A provider broken by the scenario is left out.
double theoretical_best_s(const scenario& s, int calls) {
  std::vector<zega::deadline::provider_limits> ls;
  int priority = 1;
  for (const auto& p : mix) {
    ++priority;
    if (broken_by_fault(s, p.name))
      continue;
    zega::deadline::provider_limits l;
    l.name = p.name;
    l.priority = priority;
    l.rpm = p.rpm;
    l.day_left = std::string(p.name) == "groq" && s.groq_rpd > 0 ? s.groq_rpd : -1;
    l.max_in_flight = 1; // the presets' max_in_flight
    l.latency = static_cast<zega::deadline::time_ns>(p.latency_ms * 1e6 / s.scale);
    l.time_scale = s.scale;
    ls.push_back(l);
  }
  const auto e = zega::deadline::best_completion(ls, calls, 0);
  return static_cast<double>(e.best) / 1e9;
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
    limits.first_byte_ms = limits.total_ms = 60 * 60 * 1000;
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

// The fake server's settings for a scenario: only the limits (the fake's own
// defaults add token and daily limits), latencies scaled, the scenario's fault.
std::string fake_settings(const scenario& s) {
  std::string json = "{\"prose_flaws\":0,\"providers\":{";
  bool first = true;
  for (const auto& p : mix) {
    const bool ollama = std::string(p.name) == "ollama";
    const int rpd = std::string(p.name) == "groq" ? s.groq_rpd : 0;
    const bool faulty = s.fault_provider == p.name;
    json += (first ? "\"" : ",\"") + std::string(p.name) + "\":{\"latency_ms\":"
            + std::to_string(static_cast<int>(std::lround(p.latency_ms / s.scale)))
            + ",\"max_concurrency\":" + (ollama ? "1" : "0") + ",\"limits\":{\"rpm\":"
            + std::to_string(p.rpm) + ",\"tpm\":0,\"rpd\":" + std::to_string(rpd)
            + "},\"fault\":\"" + (faulty ? s.fault : "none") + "\",\"fault_count\":"
            + std::to_string(faulty ? s.fault_count : 0) + "}";
    first = false;
  }
  return json + "}}";
}

// zegad's config: presets pointed at the fake server, default routing apart from the time
// scale. Configured: the limits; learned: every limit null.
std::string zegad_config(const std::string& base, const scenario& s) {
  std::string providers;
  for (const auto& p : mix) {
    std::string limits;
    if (s.configured) {
      const bool groq = std::string(p.name) == "groq";
      limits = std::string("{\"rpm\":") + (p.rpm ? std::to_string(p.rpm) : "null")
               + ",\"tpm\":null,\"tpd\":null,\"rpd\":"
               + (groq && s.groq_rpd > 0 ? std::to_string(s.groq_rpd) : "null") + "}";
    } else {
      limits = "{\"rpm\":null,\"tpm\":null,\"rpd\":null,\"tpd\":null}";
    }
    providers += (providers.empty() ? "" : ",") + std::string("{\"name\":\"") + p.name
                 + "\",\"preset\":\"" + p.name + "\",\"base_url\":\"" + base + p.path
                 + "\",\"limits\":" + limits + "}";
  }
  std::ostringstream routing;
  routing << "\"time_scale\":" << s.scale;
  if (s.slack >= 0)
    routing << ",\"slack\":" << s.slack;
  return "{\"routing\":{" + routing.str() + "},\"providers\":[" + providers + "]}";
}

struct run_result {
  double wall_s = 0;
  double best_s = 0;
  double best_calls_s = 0; // the best for the calls the batch really made (rejected outputs too)
  int successful = 0;
  long duplicates = 0;     // outputs the dataset gate rejected as near-duplicates
  long wasted = 0; // 429 + 503 answered by the fake server
  std::map<std::string, long> calls;    // upstream generation calls per provider
  std::map<std::string, long> refusals; // 429s per provider
};

long number_of(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsNumber() ? v[key].GetInt64() : 0;
}

run_result run(const scenario& s, const std::string& fake_base) {
  zega::tools::temp_dir dir;
  std::string cfg_path = dir.path() + "/zegad.json";
  std::ofstream(cfg_path) << zegad_config(fake_base, s);
  http h;
  h.call("POST", fake_base + "/_fake/config", fake_settings(s));
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
    std::cerr << "zegad did not start (" << s.name << "); its log: " << dir.path() << "\n";
    std::exit(1);
  }
  std::string url = "http://127.0.0.1:" + port;
  auto t0 = std::chrono::steady_clock::now();
  auto summary = h.call("POST", url + "/auto-train",
                        "{\"num_examples\":" + std::to_string(s.examples) + "}");
  auto t1 = std::chrono::steady_clock::now();
  run_result r;
  r.wall_s = std::chrono::duration<double>(t1 - t0).count();
  r.best_s = theoretical_best_s(s, s.examples);
  r.successful = static_cast<int>(number_of(summary, "successful"));
  r.duplicates = number_of(summary, "duplicates_rejected");
  auto stats = h.call("GET", fake_base + "/_fake/stats");
  if (stats.HasMember("providers") && stats["providers"].IsObject())
    for (const auto& p : stats["providers"].GetObject()) {
      const std::string name = p.name.GetString();
      r.calls[name] = number_of(p.value, "requests");
      if (p.value.HasMember("by_status")) {
        const auto& by = p.value["by_status"];
        r.refusals[name] = number_of(by, "429");
        r.wasted += number_of(by, "429") + number_of(by, "503");
      }
    }
  long accepted = -r.wasted;
  for (const auto& [name, n] : r.calls)
    accepted += n;
  r.best_calls_s = theoretical_best_s(s, static_cast<int>(std::max<long>(accepted, s.examples)));
  daemon.signal(SIGTERM);
  daemon.wait_exit(std::chrono::seconds(30));
  return r;
}

std::string per_provider(const std::map<std::string, long>& m) {
  std::string out;
  for (const auto& p : mix) {
    auto it = m.find(p.name);
    out += (out.empty() ? "" : "/") + std::to_string(it == m.end() ? 0 : it->second);
  }
  return out;
}

void print_header() {
  std::printf("%-34s %5s %6s %8s %8s %6s %6s %6s %9s  %-16s %s\n", "scenario", "n", "scale",
              "wall s", "best s", "ratio", "r/call", "wasted", "ok", "calls o/g/gm/hf",
              "429 o/g/gm/hf");
}

void print_row(const scenario& s, const run_result& r) {
  std::printf("%-34s %5d %6.0f %8.2f %8.2f %6.3f %6.3f %6ld %4d/%-4d  %-16s %s (%ld near-dup)\n",
              s.name.c_str(), s.examples, s.scale, r.wall_s, r.best_s, r.wall_s / r.best_s,
              r.wall_s / r.best_calls_s, r.wasted, r.successful, s.examples,
              per_provider(r.calls).c_str(), per_provider(r.refusals).c_str(), r.duplicates);
  std::fflush(stdout);
}

std::string start_fake(zega::tools::child_process& fake, const std::string& log_dir,
                       double scale) {
  std::ostringstream sc;
  sc << scale;
  return zega::bench::start_fake(fake, {"--time-scale", sc.str(), "--seed", "11", "--log",
                                        log_dir + "/fake-" + sc.str() + ".log"});
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Interactive goodput of zegad's routing on the issue-9 provider mix"};
  std::vector<int> sizes{60, 300, 1000};
  double scale = 30;
  bool real = false;
  int reps = 3;
  int fault_examples = 300;
  app.add_option("--sizes", sizes, "batch sizes of the main scenarios")->delimiter(',');
  double small_scale = 20;
  app.add_option("--scale", scale, "time scale of the scaled runs (a minute lasts 60/scale s)");
  app.add_option("--small-scale", small_scale,
                 "time scale of batches under 100 (their best is under a minute: a higher "
                 "scale would leave a call's fixed overhead as large as its latency)");
  app.add_flag("--real", real, "also run 60 examples in real time (about a minute)");
  app.add_option("--reps", reps, "repetitions of the fault and daily-limit scenarios");
  app.add_option("--fault-examples", fault_examples, "batch size of those scenarios");
  double slack = -1;
  app.add_option("--slack", slack, "routing.slack for every run (default: zegad's default)");
  std::string logs;
  app.add_option("--logs", logs, "keep the fake server's request log (one JSON line a call) here");
  CLI11_PARSE(app, argc, argv);

  zega::tools::temp_dir dir;
  const std::string log_dir = logs.empty() ? dir.path() : logs;
  zega::tools::child_process fake_scaled;
  std::string scaled_base = start_fake(fake_scaled, log_dir, scale);
  if (scaled_base.empty()) {
    std::cerr << "cannot start zega-fake-llm next to this program\n";
    return 1;
  }
  zega::tools::child_process fake_small;
  std::string small_base = start_fake(fake_small, log_dir, small_scale);
  if (small_base.empty()) {
    std::cerr << "cannot start zega-fake-llm next to this program\n";
    return 1;
  }
  std::printf("goodput: routing defaults (deadline rule)%s; ollama 1 in flight 3 s, "
              "groq 30/min 1 s, gemini 15/min 2 s, hf 5/min 4 s; presets' max_in_flight 1\n"
              "ratio = wall / theoretical best for n examples; r/call = wall / the best for the calls "
              "the batch made (outputs the gate rejected cost calls too); wasted = 429 + 503; "
              "calls and 429s per provider "
              "(ollama/groq/gemini/hf)\n\n",
              slack >= 0 ? (", slack " + std::to_string(slack)).c_str() : ", slack 0.1");
  print_header();
  for (bool configured : {true, false})
    for (int n : sizes) {
      scenario s;
      s.name = configured ? "limits configured" : "limits learned";
      s.examples = n;
      s.scale = n < 100 ? small_scale : scale;
      s.configured = configured;
      s.slack = slack;
      print_row(s, run(s, n < 100 ? small_base : scaled_base));
    }
  if (real) {
    zega::tools::child_process fake_real;
    std::string real_base = start_fake(fake_real, log_dir, 1);
    for (bool configured : {true, false}) {
      scenario s;
      s.name = std::string(configured ? "limits configured" : "limits learned") + ", real time";
      s.examples = 60;
      s.scale = 1;
      s.configured = configured;
      s.slack = slack;
      print_row(s, run(s, real_base));
    }
  }
  std::vector<scenario> extra;
  for (bool configured : {true, false}) {
    const std::string how = configured ? ", configured" : ", learned";
    scenario gemini_503;
    gemini_503.name = "gemini 503 x10" + how;
    gemini_503.fault_provider = "gemini";
    gemini_503.fault = "503";
    gemini_503.fault_count = 10;
    scenario hf_broken;
    hf_broken.name = "hf broken (401)" + how;
    hf_broken.fault_provider = "huggingface";
    hf_broken.fault = "401";
    hf_broken.fault_count = -1;
    scenario groq_day;
    groq_day.name = "groq 40 per day" + how;
    groq_day.groq_rpd = 40;
    for (auto* s : {&gemini_503, &hf_broken, &groq_day}) {
      s->configured = configured;
      s->examples = fault_examples;
      s->scale = scale;
      s->slack = slack;
      extra.push_back(*s);
    }
  }
  if (reps > 0) {
    std::printf("\nfaults and a daily limit, %d runs each:\n", reps);
    print_header();
  }
  for (const auto& s : extra) {
    double lo = 1e9, hi = 0;
    long wasted_lo = 1L << 40, wasted_hi = 0;
    for (int i = 0; i < reps; ++i) {
      auto r = run(s, scaled_base);
      print_row(s, r);
      lo = std::min(lo, r.wall_s / r.best_s);
      hi = std::max(hi, r.wall_s / r.best_s);
      wasted_lo = std::min(wasted_lo, r.wasted);
      wasted_hi = std::max(wasted_hi, r.wasted);
    }
    if (reps > 1)
      std::printf("%-34s range: ratio %.3f-%.3f, wasted %ld-%ld\n", s.name.c_str(), lo, hi,
                  wasted_lo, wasted_hi);
  }
  return 0;
}
