#include "tools/fake_llm/emulation.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace zega::fake {

namespace {

std::string normalize_model(provider_kind p, std::string m) {
  switch (p) {
    case provider_kind::ollama:
      if (m.find(':') == std::string::npos)
        m += ":latest";
      break;
    case provider_kind::gemini:
      if (m.rfind("models/", 0) == 0)
        m.erase(0, 7);
      break;
    case provider_kind::huggingface: // ":fastest", ":novita", ... pick a route, not a model
      if (auto colon = m.find(':'); colon != std::string::npos)
        m.erase(colon);
      break;
    case provider_kind::groq:
      break;
  }
  return m;
}

bool listed(provider_kind p, const std::vector<std::string>& list, const std::string& model) {
  auto m = normalize_model(p, model);
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& x) { return normalize_model(p, x) == m; });
}

provider_settings defaults_for(provider_kind p) {
  provider_settings s;
  switch (p) {
    case provider_kind::ollama:
      s.max_concurrency = 4;
      s.models = {"llama3.2:latest", "qwen3:8b"};
      break;
    case provider_kind::groq:
      s.lim = {30, 8000, 1000};
      s.models = {"openai/gpt-oss-20b", "openai/gpt-oss-120b", "qwen/qwen3.6-27b"};
      s.decommissioned = {"llama-3.1-70b-versatile", "llama-3.1-8b-instant",
                          "llama-3.3-70b-versatile"};
      break;
    case provider_kind::gemini:
      s.lim = {10, 250000, 250};
      s.models = {"gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3.5-flash-lite"};
      s.decommissioned = {"gemini-1.5-flash", "gemini-2.0-flash"};
      break;
    case provider_kind::huggingface:
      s.lim = {60, 0, 0};
      s.models = {"meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct"};
      break;
  }
  return s;
}

using json_value = rapidjson::Value;

std::string read_int(const json_value& v, const char* key, std::int64_t& out) {
  if (!v.IsInt64())
    return std::string("\"") + key + "\" must be an integer";
  out = v.GetInt64();
  return {};
}

std::string read_strings(const json_value& v, const char* key, std::vector<std::string>& out) {
  if (!v.IsArray())
    return std::string("\"") + key + "\" must be an array of strings";
  std::vector<std::string> items;
  for (const auto& x : v.GetArray()) {
    if (!x.IsString())
      return std::string("\"") + key + "\" must be an array of strings";
    items.emplace_back(x.GetString(), x.GetStringLength());
  }
  out = std::move(items);
  return {};
}

// Merges one provider object into `s`; present keys overwrite, "limits" merges per field.
std::string merge_provider(const json_value& obj, provider_settings& s) {
  if (!obj.IsObject())
    return "provider settings must be an object";
  bool fault_set = false, count_set = false;
  for (const auto& m : obj.GetObject()) {
    std::string key = m.name.GetString();
    const auto& v = m.value;
    std::string err;
    std::int64_t n = 0;
    if (key == "latency_ms" || key == "max_concurrency" || key == "fault_count"
        || key == "slow_body_ms") {
      if (err = read_int(v, key.c_str(), n); !err.empty())
        return err;
      if (n < (key == "fault_count" ? -1 : 0) || n > 100000000)
        return "\"" + key + "\" is out of range";
      (key == "latency_ms"        ? s.latency_ms
       : key == "max_concurrency" ? s.max_concurrency
       : key == "fault_count"     ? s.fault_count
                                  : s.slow_body_ms) = static_cast<int>(n);
      count_set |= key == "fault_count";
    } else if (key == "limits") {
      if (!v.IsObject())
        return "\"limits\" must be an object";
      for (const auto& l : v.GetObject()) {
        std::string lk = l.name.GetString();
        std::int64_t* target = lk == "rpm" ? &s.lim.rpm : lk == "tpm" ? &s.lim.tpm
                               : lk == "rpd" ? &s.lim.rpd : nullptr;
        if (!target)
          return "unknown limit \"" + lk + "\" (rpm, tpm, rpd)";
        if (err = read_int(l.value, lk.c_str(), *target); !err.empty())
          return err;
        if (*target < 0)
          return "\"" + lk + "\" must be >= 0";
      }
    } else if (key == "models") {
      err = read_strings(v, "models", s.models);
    } else if (key == "decommissioned") {
      err = read_strings(v, "decommissioned", s.decommissioned);
    } else if (key == "invalid_keys") {
      err = read_strings(v, "invalid_keys", s.invalid_keys);
    } else if (key == "fault") {
      if (!v.IsString())
        return "\"fault\" must be a string";
      std::string f = v.GetString();
      const auto& names = fault_names();
      if (std::find(names.begin(), names.end(), f) == names.end())
        return "unknown fault \"" + f + "\"";
      s.fault = f;
      fault_set = true;
    } else {
      return "unknown setting \"" + key + "\"";
    }
    if (!err.empty())
      return err;
  }
  if (fault_set && !count_set)
    s.fault_count = -1;
  if (s.fault == "none")
    s.fault_count = 0;
  if (s.fault_count == 0)
    s.fault = "none";
  return {};
}

} // namespace

const char* to_string(provider_kind p) {
  switch (p) {
    case provider_kind::ollama: return "ollama";
    case provider_kind::groq: return "groq";
    case provider_kind::gemini: return "gemini";
    case provider_kind::huggingface: return "huggingface";
  }
  return "?";
}

std::optional<provider_kind> provider_from_string(const std::string& name) {
  for (auto p : all_providers)
    if (name == to_string(p))
      return p;
  return std::nullopt;
}

const char* to_string(limit_kind k) {
  switch (k) {
    case limit_kind::rpm: return "rpm";
    case limit_kind::tpm: return "tpm";
    case limit_kind::rpd: return "rpd";
  }
  return "?";
}

const char* to_string(verdict v) {
  switch (v) {
    case verdict::serve: return "served";
    case verdict::missing_key: return "missing_key";
    case verdict::invalid_key: return "invalid_key";
    case verdict::fault: return "fault";
    case verdict::decommissioned: return "decommissioned";
    case verdict::unknown_model: return "unknown_model";
    case verdict::busy: return "busy";
    case verdict::rate_limited: return "rate_limited";
    case verdict::too_large: return "too_large";
  }
  return "?";
}

const std::vector<std::string>& fault_names() {
  static const std::vector<std::string> names = {
    "none", "500", "502", "503", "400", "401", "404", "410", "decommissioned",
    "api_key_invalid", "hang", "slow_body", "malformed_json", "truncated_json", "reset"};
  return names;
}

void sliding_window::prune(time_point now, duration window) {
  // An entry made at t counts for times in [t, t + window).
  while (!log_.empty() && log_.front().first + window <= now) {
    total_ -= log_.front().second;
    log_.pop_front();
  }
}

std::int64_t sliding_window::used(time_point now, duration window) {
  prune(now, window);
  return total_;
}

std::optional<time_point> sliding_window::fits_at(time_point now, duration window,
                                                  std::int64_t limit, std::int64_t amount) {
  prune(now, window);
  if (limit <= 0)
    return now;
  if (amount > limit)
    return std::nullopt;
  std::int64_t in_window = total_;
  for (const auto& [t, a] : log_) {
    if (in_window + amount <= limit)
      break;
    in_window -= a;
    if (in_window + amount <= limit)
      return t + window;
  }
  return now;
}

duration sliding_window::next_release(time_point now, duration window) {
  prune(now, window);
  return log_.empty() ? duration{0} : log_.front().first + window - now;
}

void sliding_window::add(time_point now, std::int64_t amount) {
  log_.emplace_back(now, amount);
  total_ += amount;
}

void sliding_window::clear() {
  log_.clear();
  total_ = 0;
}

emulator::emulator(double time_scale, int default_latency_ms)
  : time_scale_(time_scale > 0 ? time_scale : 1.0), default_latency_ms_(default_latency_ms) {
  for (auto p : all_providers)
    state(p).settings = defaults_for(p);
}

std::string emulator::apply_config(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return "config is not a JSON object";
  std::lock_guard<std::mutex> lock(mutex_);
  // Validate into copies first so a bad document changes nothing.
  provider_state* targets[4] = {};
  provider_settings merged[4];
  double scale = time_scale_;
  int latency = default_latency_ms_;
  double flaws = prose_flaws_;
  for (const auto& m : doc.GetObject()) {
    std::string key = m.name.GetString();
    if (key == "time_scale") {
      if (!m.value.IsNumber() || m.value.GetDouble() <= 0)
        return "\"time_scale\" must be a positive number";
      scale = m.value.GetDouble();
    } else if (key == "latency_ms") {
      if (!m.value.IsInt() || m.value.GetInt() < 0)
        return "\"latency_ms\" must be a non-negative integer";
      latency = m.value.GetInt();
    } else if (key == "prose_flaws") {
      if (!m.value.IsNumber() || m.value.GetDouble() < 0 || m.value.GetDouble() > 1)
        return "\"prose_flaws\" must be a number from 0 to 1";
      flaws = m.value.GetDouble();
    } else if (key == "providers") {
      if (!m.value.IsObject())
        return "\"providers\" must be an object";
      for (const auto& pm : m.value.GetObject()) {
        auto p = provider_from_string(pm.name.GetString());
        if (!p)
          return std::string("unknown provider \"") + pm.name.GetString()
                 + "\" (ollama, groq, gemini, huggingface)";
        int i = static_cast<int>(*p);
        if (!targets[i]) {
          targets[i] = &state(*p);
          merged[i] = targets[i]->settings;
        }
        if (auto err = merge_provider(pm.value, merged[i]); !err.empty())
          return std::string(pm.name.GetString()) + ": " + err;
      }
    } else {
      return "unknown key \"" + key + "\" (time_scale, latency_ms, prose_flaws, providers)";
    }
  }
  prose_flaws_ = flaws;
  time_scale_ = scale;
  default_latency_ms_ = latency;
  for (int i = 0; i < 4; ++i)
    if (targets[i])
      targets[i]->settings = merged[i];
  return {};
}

double emulator::time_scale() {
  std::lock_guard<std::mutex> lock(mutex_);
  return time_scale_;
}

duration emulator::window(limit_kind k) const {
  double seconds = k == limit_kind::rpd ? 86400.0 : 60.0;
  return duration{static_cast<std::int64_t>(seconds / time_scale_ * 1e9)};
}

admission emulator::admit(const generation_request& req, time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& st = state(req.provider);
  auto& s = st.settings;
  admission a;
  if (req.provider != provider_kind::ollama) {
    if (!req.key || req.key->empty()) {
      a.v = verdict::missing_key;
      return a;
    }
    if (std::find(s.invalid_keys.begin(), s.invalid_keys.end(), *req.key) != s.invalid_keys.end()) {
      a.v = verdict::invalid_key;
      return a;
    }
  }
  if (s.fault != "none" && s.fault_count != 0) {
    a.v = verdict::fault;
    a.fault = s.fault;
    if (s.fault_count > 0 && --s.fault_count == 0)
      s.fault = "none";
    return a;
  }
  if (listed(req.provider, s.decommissioned, req.model)) {
    a.v = verdict::decommissioned;
    return a;
  }
  const bool created = std::any_of(created_.begin(), created_.end(),
                                   [&](const created_model& c) { return c.name == req.model; });
  if (!s.models.empty() && !created && !listed(req.provider, s.models, req.model)) {
    a.v = verdict::unknown_model;
    return a;
  }
  if (s.max_concurrency > 0 && st.in_flight >= s.max_concurrency) {
    a.v = verdict::busy;
    return a;
  }
  struct check {
    limit_kind kind;
    sliding_window* w;
    std::int64_t limit;
    std::int64_t amount;
  };
  const check checks[] = {{limit_kind::rpm, &st.requests_minute, s.lim.rpm, 1},
                          {limit_kind::tpm, &st.tokens_minute, s.lim.tpm, req.tokens},
                          {limit_kind::rpd, &st.requests_day, s.lim.rpd, 1}};
  time_point latest = now;
  for (const auto& c : checks) {
    auto at = c.w->fits_at(now, window(c.kind), c.limit, c.amount);
    if (!at || *at > latest) {
      a.v = at ? verdict::rate_limited : verdict::too_large;
      a.hit = c.kind;
      a.limit = c.limit;
      a.used = c.w->used(now, window(c.kind));
      a.requested = c.amount;
      if (!at)
        return a;
      latest = *at;
      a.retry_after = latest - now;
    }
  }
  if (a.v == verdict::rate_limited)
    return a;
  st.requests_minute.add(now, 1);
  st.requests_day.add(now, 1);
  st.tokens_minute.add(now, req.tokens);
  ++st.in_flight;
  ++text_index_;
  return a;
}

void emulator::release(provider_kind p) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& st = state(p);
  if (st.in_flight > 0)
    --st.in_flight;
}

ratelimit_snapshot emulator::snapshot(provider_kind p, time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& st = state(p);
  ratelimit_snapshot r;
  r.limit_requests = st.settings.lim.rpd;
  r.remaining_requests =
    std::max<std::int64_t>(0, r.limit_requests - st.requests_day.used(now, window(limit_kind::rpd)));
  r.reset_requests = st.requests_day.next_release(now, window(limit_kind::rpd));
  r.limit_tokens = st.settings.lim.tpm;
  r.remaining_tokens =
    std::max<std::int64_t>(0, r.limit_tokens - st.tokens_minute.used(now, window(limit_kind::tpm)));
  r.reset_tokens = st.tokens_minute.next_release(now, window(limit_kind::tpm));
  return r;
}

void emulator::count(provider_kind p, bool generation, int status, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& c = state(p).stats;
  if (!generation) {
    ++c.probes;
    return;
  }
  ++c.requests;
  // No status (hang, reset): the fault's name stands in for it.
  const std::string prefix = "fault:";
  ++c.by_status[status ? std::to_string(status)
                       : outcome.rfind(prefix, 0) == 0 ? outcome.substr(prefix.size()) : outcome];
  if (status >= 200 && status < 300 && outcome == "served")
    ++c.served;
  if (status == 429)
    ++c.rate_limited;
  if (status == 503)
    ++c.busy;
  if (outcome.rfind("fault", 0) == 0)
    ++c.faults;
}

std::string emulator::stats_json() {
  std::lock_guard<std::mutex> lock(mutex_);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  counters total;
  w.StartObject();
  w.Key("providers");
  w.StartObject();
  for (auto p : all_providers) {
    const auto& st = state(p);
    const auto& c = st.stats;
    w.Key(to_string(p));
    w.StartObject();
    w.Key("requests"); w.Int64(c.requests);
    w.Key("served"); w.Int64(c.served);
    w.Key("rate_limited"); w.Int64(c.rate_limited);
    w.Key("busy"); w.Int64(c.busy);
    w.Key("faults"); w.Int64(c.faults);
    w.Key("wasted"); w.Int64(c.rate_limited + c.busy);
    w.Key("probes"); w.Int64(c.probes);
    w.Key("in_flight"); w.Int(st.in_flight);
    w.Key("by_status");
    w.StartObject();
    for (const auto& [k, v] : c.by_status) {
      w.Key(k.c_str());
      w.Int64(v);
    }
    w.EndObject();
    w.EndObject();
    total.requests += c.requests;
    total.served += c.served;
    total.rate_limited += c.rate_limited;
    total.busy += c.busy;
    total.faults += c.faults;
    total.probes += c.probes;
  }
  w.EndObject();
  w.Key("total");
  w.StartObject();
  w.Key("requests"); w.Int64(total.requests);
  w.Key("served"); w.Int64(total.served);
  w.Key("rate_limited"); w.Int64(total.rate_limited);
  w.Key("busy"); w.Int64(total.busy);
  w.Key("faults"); w.Int64(total.faults);
  w.Key("wasted"); w.Int64(total.rate_limited + total.busy);
  w.Key("probes"); w.Int64(total.probes);
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

std::string emulator::config_json() {
  std::lock_guard<std::mutex> lock(mutex_);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto strings = [&w](const char* key, const std::vector<std::string>& list) {
    w.Key(key);
    w.StartArray();
    for (const auto& s : list)
      w.String(s.c_str());
    w.EndArray();
  };
  w.StartObject();
  w.Key("time_scale"); w.Double(time_scale_);
  w.Key("prose_flaws"); w.Double(prose_flaws_);
  w.Key("latency_ms"); w.Int(default_latency_ms_);
  w.Key("providers");
  w.StartObject();
  for (auto p : all_providers) {
    const auto& s = state(p).settings;
    w.Key(to_string(p));
    w.StartObject();
    w.Key("latency_ms"); w.Int(s.latency_ms);
    w.Key("limits");
    w.StartObject();
    w.Key("rpm"); w.Int64(s.lim.rpm);
    w.Key("tpm"); w.Int64(s.lim.tpm);
    w.Key("rpd"); w.Int64(s.lim.rpd);
    w.EndObject();
    w.Key("max_concurrency"); w.Int(s.max_concurrency);
    strings("models", s.models);
    strings("decommissioned", s.decommissioned);
    w.Key("invalid_keys"); w.Int(static_cast<int>(s.invalid_keys.size())); // never echo keys
    w.Key("fault"); w.String(s.fault.c_str());
    w.Key("fault_count"); w.Int(s.fault_count);
    w.Key("slow_body_ms"); w.Int(s.slow_body_ms);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

void emulator::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto p : all_providers) {
    auto& st = state(p);
    st.stats = {};
    st.requests_minute.clear();
    st.requests_day.clear();
    st.tokens_minute.clear();
  }
  text_index_ = 0;
  created_.clear();
}

void emulator::create_model(created_model m) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& c : created_)
    if (c.name == m.name) {
      c = std::move(m);
      return;
    }
  created_.push_back(std::move(m));
}

std::vector<created_model> emulator::created_models() {
  std::lock_guard<std::mutex> lock(mutex_);
  return created_;
}

double emulator::prose_flaws() {
  std::lock_guard<std::mutex> lock(mutex_);
  return prose_flaws_;
}

provider_settings emulator::settings(provider_kind p) {
  std::lock_guard<std::mutex> lock(mutex_);
  return state(p).settings;
}

int emulator::latency_ms(provider_kind p) {
  std::lock_guard<std::mutex> lock(mutex_);
  int l = state(p).settings.latency_ms;
  return l >= 0 ? l : default_latency_ms_;
}

std::uint64_t emulator::text_index() {
  std::lock_guard<std::mutex> lock(mutex_);
  return text_index_;
}

std::string go_duration(duration d) {
  auto ms_total = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms_total <= 0)
    return "0s";
  if (ms_total < 1000)
    return std::to_string(ms_total) + "ms";
  auto hours = ms_total / 3600000;
  auto minutes = (ms_total / 60000) % 60;
  double seconds = static_cast<double>(ms_total % 60000) / 1000.0;
  std::string out;
  if (hours)
    out += std::to_string(hours) + "h";
  if (hours || minutes)
    out += std::to_string(minutes) + "m";
  char sec[32];
  std::snprintf(sec, sizeof sec, "%.3f", seconds);
  std::string s = sec; // trim trailing zeros as Go does: 7.660 -> 7.66, 5.000 -> 5
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.')
    s.pop_back();
  return out + s + "s";
}

} // namespace zega::fake
