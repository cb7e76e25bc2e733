#include "actors/policy/call_stats.hpp"
#include "net/api/metrics.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

using namespace zega;

namespace {

status_report sample_report() {
  status_report r;
  r.state = "paused";
  r.paused = true;
  r.queue_depth = 7;
  r.in_flight = 2;
  r.examples_by_quality["8"] = 3;
  r.jobs_by_state["started"] = 2;
  r.jobs_by_state["completed"] = 1;
  r.queue_wait_s.observe(0.05);
  r.task_duration_s.observe(3.5);
  provider_status g;
  g.view.name = "groq";
  g.view.state = provider_state::cooldown;
  g.view.in_flight = 1;
  g.day = {41, 1000, 12345678, 0, 1796169600000};
  g.minute = {3, 30, 800, 8000, 1796137872000};
  g.calls_by_outcome = {{"ok", 40}, {"429", 1}};
  g.latency_s.observe(0.8);
  g.latency_s.observe(2.4);
  g.error_rate = 1.0 / 41;
  r.providers.push_back(g);
  provider_status odd;
  odd.view.name = "we\"ird";
  r.providers.push_back(odd);
  return r;
}

std::vector<schedule_view> sample_schedules() {
  schedule_view v;
  v.name = "default";
  v.user_id = "default";
  v.phase = 1;
  v.today.target = 10;
  v.today.done = 4;
  v.today.failed = 1;
  v.total_done = 14;
  v.missed_days = 2;
  v.next_task_at_ms = 1796137872000;
  return {v};
}

} // namespace

TEST_CASE("metrics express the typed status in Prometheus text", "[unit]") {
  auto text = net::metrics_from_report(sample_report(), 123);
  CHECK_THAT(text, Catch::Contains("zega_paused 1\n"));
  CHECK_THAT(text, Catch::Contains("zega_queue_depth 7\n"));
  CHECK_THAT(text, Catch::Contains("zega_dataset_examples 123\n"));
  CHECK_THAT(text, Catch::Contains("zega_examples_total{quality_bucket=\"8\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("zega_jobs_total{state=\"completed\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("zega_upstream_calls_total{provider=\"groq\",outcome=\"429\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("zega_upstream_calls_total{provider=\"we\\\"ird\",outcome=\"ok\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("zega_upstream_latency_seconds_bucket{provider=\"groq\",le=\"1\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("zega_upstream_latency_seconds_bucket{provider=\"groq\",le=\"+Inf\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("zega_upstream_latency_seconds_count{provider=\"groq\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("zega_provider_state{provider=\"groq\",state=\"cooldown\"} 1\n"));
  CHECK_THAT(text, Catch::Contains(
                     "zega_quota_used{provider=\"groq\",window=\"day\",unit=\"tokens\"} 12345678\n"));
  CHECK_THAT(text, Catch::Contains(
                     "zega_quota_remaining{provider=\"groq\",window=\"day\",unit=\"requests\"} 959\n"));
  // No day token limit: no limit or remaining series for it.
  CHECK_THAT(text, !Catch::Contains("zega_quota_remaining{provider=\"groq\",window=\"day\",unit=\"tokens\"}"));
  CHECK_THAT(text, Catch::Contains("# TYPE zega_queue_wait_seconds histogram\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE zega_upstream_calls_total counter\n"));
  // No planner: the schedule families are there, without samples.
  CHECK_THAT(text, Catch::Contains("# TYPE zega_schedule_today_target gauge\n"));
  CHECK_THAT(text, !Catch::Contains("zega_schedule_today_target{"));
  auto with = net::metrics_from_report(sample_report(), 123, sample_schedules());
  const std::string l = "{schedule=\"default\",user_id=\"default\"} ";
  CHECK_THAT(with, Catch::Contains("zega_schedule_today_target" + l + "10\n"));
  CHECK_THAT(with, Catch::Contains("zega_schedule_today_done" + l + "4\n"));
  CHECK_THAT(with, Catch::Contains("zega_schedule_today_failed" + l + "1\n"));
  CHECK_THAT(with, Catch::Contains("zega_schedule_done_total" + l + "14\n"));
  CHECK_THAT(with, Catch::Contains("zega_schedule_missed_days" + l + "2\n"));
  CHECK_THAT(with, Catch::Contains("zega_schedule_next_task_at_seconds" + l + "1796137872\n"));
}

TEST_CASE("an independent parser reads every metric family with its type", "[integration]") {
  // Debian's python3-prometheus-client text parser: the families and types Prometheus
  // itself would see.
  auto dir = std::filesystem::temp_directory_path() / ("zega-metrics-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto in = dir / "metrics.txt";
  std::ofstream(in) << net::metrics_from_report(sample_report(), 5, sample_schedules());
  auto script = dir / "parse.py";
  std::ofstream(script)
    << "import sys\n"
       "from prometheus_client.parser import text_string_to_metric_families\n"
       "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
       "    print(f.name, f.type, len(f.samples))\n";
  // Debian's interpreter, where the package lives (a python3 earlier on PATH may lack it).
  std::string cmd = "/usr/bin/python3 " + script.string() + " " + in.string() + " 2>&1";
  std::map<std::string, std::string> types;
  std::string all;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char name[256], type[64];
    int samples = 0;
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
      all += line;
      if (std::sscanf(line, "%255s %63s %d", name, type, &samples) == 3 && samples > 0)
        types[name] = type;
    }
    CHECK(::pclose(p) == 0);
  }
  std::filesystem::remove_all(dir);
  INFO(all);
  // The parser names counters without their _total suffix.
  const std::map<std::string, std::string> expected{
    {"zega_upstream_calls", "counter"},        {"zega_examples", "counter"},
    {"zega_jobs", "counter"},                  {"zega_upstream_latency_seconds", "histogram"},
    {"zega_queue_wait_seconds", "histogram"},  {"zega_task_duration_seconds", "histogram"},
    {"zega_quota_used", "gauge"},              {"zega_quota_remaining", "gauge"},
    {"zega_quota_limit", "gauge"},             {"zega_quota_resets_at_seconds", "gauge"},
    {"zega_paused", "gauge"},                  {"zega_queue_depth", "gauge"},
    {"zega_in_flight", "gauge"},               {"zega_provider_state", "gauge"},
    {"zega_provider_in_flight", "gauge"},      {"zega_provider_error_ratio", "gauge"},
    {"zega_dataset_examples", "gauge"},        {"zega_jobs_active", "gauge"},
    {"zega_schedule_today_target", "gauge"},   {"zega_schedule_today_done", "gauge"},
    {"zega_schedule_today_failed", "gauge"},   {"zega_schedule_done", "counter"},
    {"zega_schedule_missed_days", "gauge"},    {"zega_schedule_phase", "gauge"},
    {"zega_schedule_next_task_at_seconds", "gauge"}};
  for (const auto& [name, type] : expected) {
    INFO(name);
    REQUIRE(types.count(name) == 1);
    CHECK(types.at(name) == type);
  }
}

TEST_CASE("call statistics: histogram buckets, percentiles and error rate", "[unit]") {
  stats::histogram h({1, 5});
  h.observe(0.5);
  h.observe(1);   // on a bound: that bucket
  h.observe(7);   // only +Inf
  CHECK(h.cumulative() == std::vector<std::uint64_t>{2, 2});
  CHECK(h.count() == 3);
  CHECK(h.sum() == Approx(8.5));

  stats::recent_calls recent(4);
  CHECK_FALSE(recent.latency_percentile(50));
  CHECK_FALSE(recent.error_rate());
  for (double ms : {100.0, 200.0, 300.0, 400.0})
    recent.add(ms, true);
  CHECK(*recent.latency_percentile(50) == 200);
  CHECK(*recent.latency_percentile(95) == 400);
  CHECK(*recent.error_rate() == 0);
  recent.add(1000, false); // the oldest call (100 ms) leaves the window
  CHECK(recent.size() == 4);
  CHECK(*recent.latency_percentile(50) == 300);
  CHECK(*recent.error_rate() == Approx(0.25));
}
