#include "net/api/metrics.hpp"

#include <algorithm>
#include <sstream>

namespace zega::net {

namespace {

// Label values escape backslash, double quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class writer {
public:
  writer() {
    out_.precision(15); // counters in the millions print whole, not as 1.23457e+06
  }
  void family(const char* name, const char* type, const char* help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  // `labels` is already rendered: a="x",b="y" (or empty).
  void sample(const std::string& name, const std::string& labels, double value) {
    out_ << name;
    if (!labels.empty())
      out_ << '{' << labels << '}';
    out_ << ' ' << value << '\n';
  }
  void histogram(const std::string& name, const std::string& labels, const stats::histogram& h) {
    const auto cumulative = h.cumulative();
    const std::string sep = labels.empty() ? "" : ",";
    for (std::size_t i = 0; i < h.bounds().size(); ++i) {
      std::ostringstream le;
      le << h.bounds()[i];
      sample(name + "_bucket", labels + sep + "le=\"" + le.str() + "\"",
             static_cast<double>(cumulative[i]));
    }
    sample(name + "_bucket", labels + sep + "le=\"+Inf\"", static_cast<double>(h.count()));
    sample(name + "_sum", labels, h.sum());
    sample(name + "_count", labels, static_cast<double>(h.count()));
  }
  std::string str() const { return out_.str(); }

private:
  std::ostringstream out_;
};

std::string provider_label(const provider_status& p) {
  return "provider=\"" + label(p.view.name) + "\"";
}

} // namespace

std::string metrics_from_report(const status_report& r, std::size_t examples_in_archive,
                                const std::vector<schedule_view>& schedules) {
  writer w;
  w.family("zega_paused", "gauge", "1 while dispatch is paused (by an operator or storage full)");
  w.sample("zega_paused", "", r.paused ? 1 : 0);
  w.family("zega_queue_depth", "gauge", "tasks waiting for a provider");
  w.sample("zega_queue_depth", "", r.queue_depth);
  w.family("zega_in_flight", "gauge", "upstream calls in flight");
  w.sample("zega_in_flight", "", r.in_flight);
  w.family("zega_jobs_active", "gauge", "jobs not finished yet");
  w.sample("zega_jobs_active", "", static_cast<double>(r.jobs_active));
  w.family("zega_dataset_examples", "gauge", "examples in the archive");
  w.sample("zega_dataset_examples", "", static_cast<double>(examples_in_archive));

  w.family("zega_examples_total", "counter",
           "examples archived since start, by quality score bucket (floor of the 0-10 score)");
  for (int b = 0; b < 10; ++b) {
    auto it = r.examples_by_quality.find(std::to_string(b));
    w.sample("zega_examples_total", "quality_bucket=\"" + std::to_string(b) + "\"",
             it == r.examples_by_quality.end() ? 0 : static_cast<double>(it->second));
  }
  w.family("zega_jobs_total", "counter",
           "jobs since start: started, and finished by final state");
  for (const char* s : {"started", "completed", "cancelled", "failed", "interrupted"}) {
    auto it = r.jobs_by_state.find(s);
    w.sample("zega_jobs_total", std::string("state=\"") + s + "\"",
             it == r.jobs_by_state.end() ? 0 : static_cast<double>(it->second));
  }
  w.family("zega_queue_wait_seconds", "histogram",
           "time from a task's creation to its first upstream call");
  w.histogram("zega_queue_wait_seconds", "", r.queue_wait_s);
  w.family("zega_task_duration_seconds", "histogram",
           "end-to-end time of a task, from creation to archived or failed");
  w.histogram("zega_task_duration_seconds", "", r.task_duration_s);

  w.family("zega_upstream_calls_total", "counter",
           "upstream calls by provider and outcome (ok, 429, quota, 5xx, timeout, network, 4xx, "
           "too_big, broken, unreachable, refused)");
  for (const auto& p : r.providers) {
    // "ok" always appears, so a provider with no calls yet still has its series.
    if (p.calls_by_outcome.count("ok") == 0)
      w.sample("zega_upstream_calls_total", provider_label(p) + ",outcome=\"ok\"", 0);
    for (const auto& [outcome, n] : p.calls_by_outcome)
      w.sample("zega_upstream_calls_total",
               provider_label(p) + ",outcome=\"" + label(outcome) + "\"", static_cast<double>(n));
  }
  w.family("zega_upstream_latency_seconds", "histogram", "upstream call latency by provider");
  for (const auto& p : r.providers)
    w.histogram("zega_upstream_latency_seconds", provider_label(p), p.latency_s);

  w.family("zega_provider_state", "gauge", "1 for the provider's current state");
  for (const auto& p : r.providers)
    w.sample("zega_provider_state",
             provider_label(p) + ",state=\""
               + (p.quota_exhausted ? "quota_exhausted" : to_string(p.view.state)) + "\"",
             1);
  w.family("zega_provider_in_flight", "gauge", "calls in flight per provider");
  for (const auto& p : r.providers)
    w.sample("zega_provider_in_flight", provider_label(p), p.view.in_flight);
  w.family("zega_provider_error_ratio", "gauge", "share of failed calls among the recent ones");
  for (const auto& p : r.providers)
    if (p.error_rate)
      w.sample("zega_provider_error_ratio", provider_label(p), *p.error_rate);

  // Quota windows: minute (trailing) and day (the provider's quota day), in requests and
  // tokens. Limit and remaining only where a limit is known.
  struct unit_of {
    const char* name;
    long quota_window::*used;
    long quota_window::*limit;
  };
  const unit_of units[] = {{"requests", &quota_window::requests_used, &quota_window::requests_limit},
                           {"tokens", &quota_window::tokens_used, &quota_window::tokens_limit}};
  auto each_window = [&](auto fn) {
    for (const auto& p : r.providers)
      for (const auto& [wname, q] : {std::pair<const char*, const quota_window*>{"minute", &p.minute},
                                     {"day", &p.day}})
        for (const auto& u : units)
          fn(provider_label(p) + ",window=\"" + wname + "\",unit=\"" + u.name + "\"", *q, u);
  };
  w.family("zega_quota_used", "gauge", "quota used in the current window");
  each_window([&](const std::string& l, const quota_window& q, const unit_of& u) {
    w.sample("zega_quota_used", l, static_cast<double>(q.*u.used));
  });
  w.family("zega_quota_limit", "gauge", "quota limit of the window (configured or reported)");
  each_window([&](const std::string& l, const quota_window& q, const unit_of& u) {
    if (q.*u.limit > 0)
      w.sample("zega_quota_limit", l, static_cast<double>(q.*u.limit));
  });
  w.family("zega_quota_remaining", "gauge", "quota left in the window");
  each_window([&](const std::string& l, const quota_window& q, const unit_of& u) {
    if (q.*u.limit > 0)
      w.sample("zega_quota_remaining", l,
               static_cast<double>(std::max(0L, q.*u.limit - q.*u.used)));
  });
  w.family("zega_quota_resets_at_seconds", "gauge",
           "Unix time at which the window's count next drops");
  for (const auto& p : r.providers)
    for (const auto& [wname, q] : {std::pair<const char*, const quota_window*>{"minute", &p.minute},
                                   {"day", &p.day}})
      if (q->resets_at_ms > 0)
        w.sample("zega_quota_resets_at_seconds",
                 provider_label(p) + ",window=\"" + wname + "\"",
                 static_cast<double>(q->resets_at_ms) / 1000.0);

  // Schedules: today's target against what is done, as the console's gauge shows it.
  auto schedule_label = [](const schedule_view& v) {
    return "schedule=\"" + label(v.name) + "\",user_id=\"" + label(v.user_id) + "\"";
  };
  w.family("zega_schedule_today_target", "gauge", "examples the schedule plans for today");
  for (const auto& v : schedules)
    w.sample("zega_schedule_today_target", schedule_label(v), v.today.target);
  w.family("zega_schedule_today_done", "gauge", "of today's target, examples done");
  for (const auto& v : schedules)
    w.sample("zega_schedule_today_done", schedule_label(v), v.today.done);
  w.family("zega_schedule_today_failed", "gauge", "of today's tasks, those that failed");
  for (const auto& v : schedules)
    w.sample("zega_schedule_today_failed", schedule_label(v), v.today.failed);
  w.family("zega_schedule_done_total", "counter",
           "examples the schedule produced since it began (kept across restarts)");
  for (const auto& v : schedules)
    w.sample("zega_schedule_done_total", schedule_label(v), static_cast<double>(v.total_done));
  w.family("zega_schedule_missed_days", "gauge", "days the daemon did not run the schedule");
  for (const auto& v : schedules)
    w.sample("zega_schedule_missed_days", schedule_label(v), static_cast<double>(v.missed_days));
  w.family("zega_schedule_phase", "gauge", "index of the schedule's current phase (0 = first)");
  for (const auto& v : schedules)
    w.sample("zega_schedule_phase", schedule_label(v), v.phase);
  w.family("zega_schedule_next_task_at_seconds", "gauge", "Unix time of the next planned task");
  for (const auto& v : schedules)
    if (v.next_task_at_ms > 0)
      w.sample("zega_schedule_next_task_at_seconds", schedule_label(v),
               static_cast<double>(v.next_task_at_ms) / 1000.0);
  return w.str();
}

} // namespace zega::net
