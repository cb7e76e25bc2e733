#include "net/api/views_status.hpp"

#include "store/codec.hpp"

#include <algorithm>
#include <cmath>

namespace zega::net {

namespace {

// A limit of 0 means none is known: the console shows "41 (no limit)".
void limit(view_writer& w, long n) {
  if (n > 0)
    w.Int64(n);
  else
    w.Null();
}

void window(view_writer& w, const quota_window& q) {
  w.StartObject();
  w.Key("requests_used");
  w.Int64(q.requests_used);
  w.Key("requests_limit");
  limit(w, q.requests_limit);
  w.Key("tokens_used");
  w.Int64(q.tokens_used);
  w.Key("tokens_limit");
  limit(w, q.tokens_limit);
  w.Key("resets_at");
  write_time_or_null(w, q.resets_at_ms);
  w.EndObject();
}

void number_or_null(view_writer& w, const std::optional<double>& v, double scale) {
  if (v)
    w.Double(std::round(*v * scale) / scale);
  else
    w.Null();
}

constexpr clock_ns ns_per_ms = 1'000'000;

} // namespace

void write_str(view_writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_time_or_null(view_writer& w, std::int64_t unix_ms) {
  if (unix_ms > 0)
    write_str(w, store::iso8601_utc(unix_ms));
  else
    w.Null();
}

void write_provider(view_writer& w, const provider_status& s) {
  const auto& v = s.view;
  auto from_now = [&](clock_ns t) { return t > s.now ? (t - s.now) / ns_per_ms : 0; };
  bool cooling = v.state == provider_state::cooldown || v.state == provider_state::backoff
                 || v.state == provider_state::open;
  w.StartObject();
  w.Key("name");
  write_str(w, v.name);
  w.Key("model");
  write_str(w, v.model);
  w.Key("kind");
  write_str(w, s.kind);
  w.Key("priority");
  w.Int(v.priority);
  w.Key("enabled");
  w.Bool(s.enabled);
  w.Key("state");
  // A used-up daily quota is not a momentary "busy": it lasts until the day's reset.
  w.String(s.quota_exhausted ? "quota_exhausted" : to_string(v.state));
  w.Key("available");
  w.Bool(s.available);
  w.Key("in_flight");
  w.Int(v.in_flight);
  w.Key("max_in_flight");
  w.Int(v.max_in_flight);
  // Instants as RFC 3339 (null = not busy): "ms from now" goes stale in every cache.
  auto instant = [&](clock_ns t) {
    if (t <= s.now || s.wall_now_ms <= 0)
      w.Null();
    else
      write_str(w, store::iso8601_utc(s.wall_now_ms + from_now(t)));
  };
  w.Key("busy_until");
  instant(v.next_free);
  w.Key("busy_for_ms");
  w.Int64(from_now(v.next_free));
  w.Key("cooldown_until");
  instant(cooling ? v.next_free : 0);
  w.Key("cooldown_reason");
  write_str(w, !s.cooldown_reason.empty() ? s.cooldown_reason : (cooling ? v.reason : std::string{}));
  w.Key("reason");
  write_str(w, v.reason);
  w.Key("reserve_reached");
  w.Bool(v.reserve_reached);
  w.Key("circuit");
  write_str(w, s.circuit.empty() ? std::string{"closed"} : s.circuit);
  w.Key("broken");
  w.Bool(v.state == provider_state::broken);
  w.Key("broken_message");
  write_str(w, s.broken_message);
  w.Key("requests_today");
  w.Int64(s.requests_today);
  w.Key("tokens_today");
  w.Int64(s.tokens_today);
  w.Key("remaining_today");
  if (s.rpd > 0)
    w.Int64(std::max(0L, s.rpd - s.requests_today));
  else
    w.Null();
  w.Key("quota");
  w.StartObject();
  w.Key("minute");
  window(w, s.minute);
  w.Key("day");
  window(w, s.day);
  w.EndObject();
  if (s.quota_exhausted) {
    w.Key("until");
    write_time_or_null(w, s.day.resets_at_ms);
  }
  w.Key("latency_ms");
  w.StartObject();
  w.Key("p50");
  number_or_null(w, s.latency_p50_ms, 1);
  w.Key("p95");
  number_or_null(w, s.latency_p95_ms, 1);
  w.EndObject();
  w.Key("error_rate");
  number_or_null(w, s.error_rate, 1000);
  w.EndObject();
}

namespace {

// "finetune": settings, builds running, and finetune.command's last run (null: none yet).
void write_finetune(view_writer& w, const finetune_report& f) {
  w.Key("finetune");
  w.StartObject();
  w.Key("threshold");
  w.Int(f.threshold);
  w.Key("auto");
  w.Bool(f.auto_trigger);
  w.Key("base_model");
  write_str(w, f.base_model);
  w.Key("building");
  w.StartArray();
  for (const auto& user : f.building)
    write_str(w, user);
  w.EndArray();
  w.Key("command");
  if (!f.command) {
    w.Null();
  } else {
    const auto& c = *f.command;
    w.StartObject();
    w.Key("user");
    write_str(w, c.user);
    w.Key("running");
    w.Bool(c.running);
    w.Key("pid");
    w.Int(c.pid);
    w.Key("exit_status");
    if (c.running || !c.error.empty())
      w.Null();
    else
      w.Int(c.exit_status);
    w.Key("started_ms");
    w.Int64(c.started_ms);
    w.Key("finished_ms");
    w.Int64(c.finished_ms);
    w.Key("log");
    write_str(w, c.log_path);
    w.Key("log_tail");
    write_str(w, c.log_tail);
    w.Key("error");
    write_str(w, c.error);
    w.EndObject();
  }
  w.EndObject();
}

} // namespace

std::string status_view(const status_report& r) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("state");
  write_str(w, r.state);
  w.Key("paused");
  w.Bool(r.paused);
  w.Key("paused_since");
  if (r.paused)
    w.Int64(r.paused_since_ms);
  else
    w.Null();
  w.Key("reason");
  write_str(w, r.reason);
  w.Key("pacing");
  write_str(w, r.pacing);
  w.Key("queue_depth");
  w.Int(r.queue_depth);
  w.Key("in_flight");
  w.Int(r.in_flight);
  w.Key("pending_archive");
  w.Int(r.pending_archive);
  w.Key("jobs");
  w.StartObject();
  w.Key("active");
  w.Uint64(r.jobs_active);
  w.Key("finished");
  w.Uint64(r.jobs_finished);
  w.Key("tasks_pending");
  w.Uint64(r.tasks_pending);
  w.EndObject();
  w.Key("providers");
  w.StartArray();
  for (const auto& p : r.providers)
    write_provider(w, p);
  w.EndArray();
  w.Key("dataset");
  w.StartObject();
  w.Key("user_id");
  write_str(w, r.dataset_user);
  w.Key("examples");
  w.Int64(r.dataset_examples);
  w.Key("fine_tune_threshold");
  w.Int(r.fine_tune_threshold);
  w.Key("ready_for_finetuning");
  w.Bool(r.ready_for_finetuning);
  w.EndObject();
  write_finetune(w, r.finetune);
  w.EndObject();
  return buf.GetString();
}

std::string models_view(const status_report& r) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("models");
  w.StartArray();
  for (const auto& p : r.providers)
    write_provider(w, p);
  w.EndArray();
  w.Key("total");
  w.Uint64(r.providers.size());
  w.EndObject();
  return buf.GetString();
}

std::string pause_view(const pause_report& r) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("paused");
  w.Bool(r.paused);
  w.Key("since");
  if (r.paused)
    w.Int64(r.since_ms);
  else
    w.Null();
  w.Key("state");
  write_str(w, r.state);
  w.EndObject();
  return buf.GetString();
}

std::string probe_view(const probe_report& r) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("provider");
  write_str(w, r.provider);
  w.Key("model");
  write_str(w, r.model);
  w.Key("ok");
  w.Bool(r.result.cls == outcome_class::ok);
  w.Key("class");
  w.String(to_string(r.result.cls));
  w.Key("http_status");
  w.Int(r.result.http_status);
  w.Key("text");
  write_str(w, r.result.text);
  w.Key("message");
  write_str(w, r.result.message);
  w.Key("latency_ms");
  w.Int64(r.latency_ms);
  w.Key("busy_until");
  w.Int64(r.busy_for_ms);
  w.EndObject();
  return buf.GetString();
}

} // namespace zega::net
