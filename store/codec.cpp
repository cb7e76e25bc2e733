#include "store/codec.hpp"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdio>
#include <ctime>

namespace zega::store {

namespace {


// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if ill-formed
// (Unicode table 3-7).

using value = rapidjson::Value;

std::string get_string(const value& o, const char* key, std::string fallback = {}) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || !it->value.IsString())
    return fallback;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::int64_t get_int(const value& o, const char* key) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd())
    return 0;
  if (it->value.IsInt64())
    return it->value.GetInt64();
  if (it->value.IsNumber())
    return static_cast<std::int64_t>(it->value.GetDouble());
  return 0;
}

std::uint64_t get_uint(const value& o, const char* key) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd())
    return 0;
  if (it->value.IsUint64())
    return it->value.GetUint64();
  return 0;
}

double get_double(const value& o, const char* key) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || !it->value.IsNumber())
    return 0;
  return it->value.GetDouble();
}

bool get_bool(const value& o, const char* key) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

bool parse_object(std::string_view json, rapidjson::Document& doc) {
  doc.Parse(json.data(), json.size());
  return !doc.HasParseError() && doc.IsObject();
}

void write_int(json_writer& w, const char* key, std::int64_t v) {
  w.Key(key);
  w.Int64(v);
}

void write_uint(json_writer& w, const char* key, std::uint64_t v) {
  w.Key(key);
  w.Uint64(v);
}

void write_bool(json_writer& w, const char* key, bool v) {
  w.Key(key);
  w.Bool(v);
}

std::string finish(rapidjson::StringBuffer& buf) {
  return std::string(buf.GetString(), buf.GetSize());
}

// Records written before example_record::rubric_version existed (or by writers that leave
// it unset) still name the version inside the stored report; a plain search is enough
// because quality_report::to_json writes the key once, at the top level.
int report_rubric_version(const std::string& quality_json) {
  static const std::string key = "\"rubric_version\":";
  auto at = quality_json.find(key);
  if (at == std::string::npos)
    return 0;
  int v = 0;
  for (std::size_t i = at + key.size(); i < quality_json.size() && v < 100000; ++i) {
    const char c = quality_json[i];
    if (c < '0' || c > '9')
      break;
    v = v * 10 + (c - '0');
  }
  return v;
}

} // namespace


const char* to_string(review_status s) {
  switch (s) {
  case review_status::accepted:
    return "accepted";
  case review_status::rejected:
    return "rejected";
  case review_status::none:
    break;
  }
  return "none";
}

std::optional<review_status> parse_review_status(const std::string& s) {
  for (auto v : {review_status::none, review_status::accepted, review_status::rejected})
    if (s == to_string(v))
      return v;
  return std::nullopt;
}

void write_string(json_writer& w, std::string_view s) {
  std::string clean = valid_utf8(s);
  w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void write_double(json_writer& w, double d) {
  // JSON has no NaN or infinity; a non-finite score is no score.
  w.Double(std::isfinite(d) ? d : 0.0);
}

void write_field(json_writer& w, const char* key, std::string_view value) {
  w.Key(key);
  write_string(w, value);
}

void write_field(json_writer& w, const char* key, double value) {
  w.Key(key);
  write_double(w, value);
}

std::string encode(const example_record& r) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  write_uint(w, "id", r.id);
  write_field(w, "user", r.user);
  write_field(w, "job_id", r.job_id);
  write_uint(w, "task_seq", r.task_seq);
  write_field(w, "element", r.element);
  write_field(w, "genre", r.genre);
  write_field(w, "topic", r.topic);
  write_field(w, "style", r.style);
  write_field(w, "system", r.system);
  write_field(w, "prompt", r.prompt);
  write_field(w, "output", r.output);
  write_field(w, "quality", r.quality);
  write_field(w, "quality_json", r.quality_json);
  write_field(w, "provider", r.provider);
  write_field(w, "model", r.model);
  write_int(w, "prompt_tokens", r.prompt_tokens);
  write_int(w, "completion_tokens", r.completion_tokens);
  write_int(w, "latency_ms", r.latency_ms);
  write_int(w, "created_ms", r.created_ms);
  write_bool(w, "in_memory", r.in_memory);
  write_bool(w, "in_library", r.in_library);
  write_uint(w, "fingerprint", r.fingerprint);
  if (r.review != review_status::none)
    write_field(w, "review", to_string(r.review));
  write_int(w, "rubric_version", r.rubric_version);
  w.Key("candidates");
  w.StartArray();
  for (const auto& c : r.candidates) {
    w.StartObject();
    write_field(w, "provider", c.provider);
    write_field(w, "model", c.model);
    write_field(w, "quality", c.quality);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return finish(buf);
}

bool decode(std::string_view json, example_record& r) {
  rapidjson::Document d;
  if (!parse_object(json, d))
    return false;
  r.id = get_uint(d, "id");
  r.user = get_string(d, "user", "default");
  r.job_id = get_string(d, "job_id");
  r.task_seq = get_uint(d, "task_seq");
  r.element = get_string(d, "element");
  r.genre = get_string(d, "genre");
  r.topic = get_string(d, "topic");
  r.style = get_string(d, "style");
  r.system = get_string(d, "system");
  r.prompt = get_string(d, "prompt");
  r.output = get_string(d, "output");
  r.quality = get_double(d, "quality");
  r.quality_json = get_string(d, "quality_json");
  r.provider = get_string(d, "provider");
  r.model = get_string(d, "model");
  r.prompt_tokens = static_cast<long>(get_int(d, "prompt_tokens"));
  r.completion_tokens = static_cast<long>(get_int(d, "completion_tokens"));
  r.latency_ms = get_int(d, "latency_ms");
  r.created_ms = get_int(d, "created_ms");
  r.in_memory = get_bool(d, "in_memory");
  r.in_library = get_bool(d, "in_library");
  r.fingerprint = get_uint(d, "fingerprint");
  r.review = parse_review_status(get_string(d, "review", "none")).value_or(review_status::none);
  r.rubric_version = static_cast<int>(get_int(d, "rubric_version"));
  if (r.rubric_version == 0)
    r.rubric_version = report_rubric_version(r.quality_json);
  r.candidates.clear();
  if (auto it = d.FindMember("candidates"); it != d.MemberEnd() && it->value.IsArray()) {
    for (const auto& c : it->value.GetArray()) {
      if (!c.IsObject())
        continue;
      r.candidates.push_back({get_string(c, "provider"), get_string(c, "model"),
                              get_double(c, "quality")});
    }
  }
  return true;
}

std::string encode(const job_record& r) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  write_field(w, "id", r.id);
  write_field(w, "user", r.user);
  write_field(w, "state", r.state);
  write_int(w, "requested", r.requested);
  write_int(w, "successful", r.successful);
  write_int(w, "failed", r.failed);
  write_int(w, "duplicates", r.duplicates);
  write_field(w, "avg_quality", r.avg_quality);
  write_field(w, "min_quality", r.min_quality);
  write_field(w, "max_quality", r.max_quality);
  write_field(w, "best_model", r.best_model);
  w.Key("model_performance");
  w.StartObject();
  for (const auto& [model, perf] : r.model_performance) {
    write_string(w, model);
    w.StartObject();
    write_int(w, "count", perf.count);
    write_field(w, "total_quality", perf.total_quality);
    w.EndObject();
  }
  w.EndObject();
  for (const auto* dist : {&r.genre_distribution, &r.element_distribution}) {
    w.Key(dist == &r.genre_distribution ? "genre_distribution" : "element_distribution");
    w.StartObject();
    for (const auto& [name, n] : *dist) {
      write_string(w, name);
      w.Int(n);
    }
    w.EndObject();
  }
  write_int(w, "stories_saved", r.stories_saved);
  write_int(w, "examples_before", r.examples_before);
  write_int(w, "examples_after", r.examples_after);
  write_bool(w, "fine_tuning_triggered", r.fine_tuning_triggered);
  write_int(w, "started_ms", r.started_ms);
  write_int(w, "completed_ms", r.completed_ms);
  write_field(w, "request_json", r.request_json);
  w.EndObject();
  return finish(buf);
}

bool decode(std::string_view json, job_record& r) {
  rapidjson::Document d;
  if (!parse_object(json, d))
    return false;
  r.id = get_string(d, "id");
  r.user = get_string(d, "user", "default");
  r.state = get_string(d, "state", "queued");
  r.requested = static_cast<int>(get_int(d, "requested"));
  r.successful = static_cast<int>(get_int(d, "successful"));
  r.failed = static_cast<int>(get_int(d, "failed"));
  r.duplicates = static_cast<int>(get_int(d, "duplicates"));
  r.avg_quality = get_double(d, "avg_quality");
  r.min_quality = get_double(d, "min_quality");
  r.max_quality = get_double(d, "max_quality");
  r.best_model = get_string(d, "best_model");
  r.model_performance.clear();
  if (auto it = d.FindMember("model_performance");
      it != d.MemberEnd() && it->value.IsObject()) {
    for (const auto& m : it->value.GetObject()) {
      if (!m.value.IsObject())
        continue;
      model_perf p;
      p.count = static_cast<int>(get_int(m.value, "count"));
      p.total_quality = get_double(m.value, "total_quality");
      r.model_performance[std::string(m.name.GetString(), m.name.GetStringLength())] = p;
    }
  }
  auto read_dist = [&](const char* key, std::map<std::string, int>& out) {
    out.clear();
    auto it = d.FindMember(key);
    if (it == d.MemberEnd() || !it->value.IsObject())
      return;
    for (const auto& m : it->value.GetObject())
      if (m.value.IsInt())
        out[std::string(m.name.GetString(), m.name.GetStringLength())] = m.value.GetInt();
  };
  read_dist("genre_distribution", r.genre_distribution);
  read_dist("element_distribution", r.element_distribution);
  r.stories_saved = static_cast<int>(get_int(d, "stories_saved"));
  r.examples_before = static_cast<int>(get_int(d, "examples_before"));
  r.examples_after = static_cast<int>(get_int(d, "examples_after"));
  r.fine_tuning_triggered = get_bool(d, "fine_tuning_triggered");
  r.started_ms = get_int(d, "started_ms");
  r.completed_ms = get_int(d, "completed_ms");
  r.request_json = get_string(d, "request_json");
  return true;
}

std::string encode(const attempt_record& r) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  write_uint(w, "id", r.id);
  write_field(w, "job_id", r.job_id);
  write_uint(w, "task_seq", r.task_seq);
  write_field(w, "provider", r.provider);
  write_field(w, "model", r.model);
  write_field(w, "outcome", r.outcome);
  write_int(w, "http_status", r.http_status);
  write_int(w, "latency_ms", r.latency_ms);
  write_field(w, "error", r.error);
  write_int(w, "at_ms", r.at_ms);
  w.EndObject();
  return finish(buf);
}

bool decode(std::string_view json, attempt_record& r) {
  rapidjson::Document d;
  if (!parse_object(json, d))
    return false;
  r.id = get_uint(d, "id");
  r.job_id = get_string(d, "job_id");
  r.task_seq = get_uint(d, "task_seq");
  r.provider = get_string(d, "provider");
  r.model = get_string(d, "model");
  r.outcome = get_string(d, "outcome");
  r.http_status = static_cast<int>(get_int(d, "http_status"));
  r.latency_ms = get_int(d, "latency_ms");
  r.error = get_string(d, "error");
  r.at_ms = get_int(d, "at_ms");
  return true;
}

std::string encode(const quota_record& r) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  write_field(w, "provider", r.provider);
  write_field(w, "day", r.day);
  write_int(w, "requests", r.requests);
  write_int(w, "tokens", r.tokens);
  w.EndObject();
  return finish(buf);
}

bool decode(std::string_view json, quota_record& r) {
  rapidjson::Document d;
  if (!parse_object(json, d))
    return false;
  r.provider = get_string(d, "provider");
  r.day = get_string(d, "day");
  r.requests = static_cast<long>(get_int(d, "requests"));
  r.tokens = static_cast<long>(get_int(d, "tokens"));
  return true;
}

namespace {

std::tm utc_tm(std::int64_t unix_ms) {
  std::int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

} // namespace

std::string utc_day(std::int64_t unix_ms) {
  std::tm tm = utc_tm(unix_ms);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string iso8601_utc(std::int64_t unix_ms) {
  std::tm tm = utc_tm(unix_ms);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  int millis = static_cast<int>(((unix_ms % 1000) + 1000) % 1000);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", millis);
  return buf;
}

} // namespace zega::store
