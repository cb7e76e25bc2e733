#include "config/schema.hpp"

#include "config/strings.hpp"
#include "training/element.hpp"
#include "training/genres.hpp"

#include <date/tz.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <set>

namespace zega::schema {

namespace {

using rapidjson::Value;
using alloc_t = rapidjson::Document::AllocatorType;

// ---- messages -----------------------------------------------------------------------

// A value as it was written, cut short so a huge array does not become a huge message.
std::string show(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  std::string out(buf.GetString(), buf.GetSize());
  constexpr std::size_t max_shown = 200;
  if (out.size() > max_shown)
    out = out.substr(0, max_shown) + "...";
  return out;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// "a", "a or b", "a, b or c"
std::string one_of(const std::vector<std::string>& options, bool quote) {
  std::string out;
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (i > 0)
      out += i + 1 == options.size() ? " or " : ", ";
    out += quote ? quoted(options[i]) : options[i];
  }
  return out;
}

std::string string_of(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

bool has_nul(const Value& v) {
  return v.IsString() && std::string_view(v.GetString(), v.GetStringLength()).find('\0')
                           != std::string_view::npos;
}

const std::vector<std::string> preset_names{"ollama", "groq", "gemini", "huggingface"};

// ---- the table types ----------------------------------------------------------------

class reader {
public:
  explicit reader(std::vector<config_error>& errors) : errors_(errors) {}
  void fail(const std::string& path, const std::string& problem) {
    errors_.push_back({path, problem});
  }
  std::size_t error_count() const { return errors_.size(); }

private:
  std::vector<config_error>& errors_;
};

using path_t = std::string;

// How one value type is read and printed.
template <class T>
struct codec {
  std::function<void(reader&, const Value&, const path_t&, T&)> read;
  std::function<Value(const T&, alloc_t&)> write;
};

// One key of an object. A field without `read` is printed only (resolved state); one
// without `write` is accepted only (an alias, a preset selector).
template <class S>
struct field {
  std::string key;
  std::function<void(reader&, const Value&, const path_t&, S&)> read;
  std::function<Value(const S&, alloc_t&)> write;
  bool suggested = true; // offered in "unknown key" messages
};

template <class S>
struct section {
  std::vector<field<S>> fields;
  std::vector<std::string> required;
  // Rules across fields, run after them on the object's path.
  std::function<void(reader&, const path_t&, S&)> check;
};

template <class S, class T>
field<S> member(const char* key, T S::*m, codec<T> c) {
  return {key, [m, c](reader& r, const Value& v, const path_t& p, S& s) { c.read(r, v, p, s.*m); },
          [m, c](const S& s, alloc_t& a) { return c.write(s.*m, a); }};
}

Value string_value(const std::string& s, alloc_t& a) {
  return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

// Dispatches each member to its field; unknown keys are errors so typos do not pass
// silently as defaults, and a key given twice is an error instead of "last one wins".
template <class S>
void read_object(reader& r, const Value& v, const path_t& path, const section<S>& sec, S& out) {
  if (!v.IsObject()) {
    r.fail(path, "expected an object, got " + show(v));
    return;
  }
  std::set<std::string> seen;
  for (const auto& m : v.GetObject()) {
    const std::string key = string_of(m.name);
    const std::string sub = path.empty() ? key : path + "." + key;
    if (!seen.insert(key).second) {
      r.fail(sub, "duplicate key");
      continue;
    }
    auto it = std::find_if(sec.fields.begin(), sec.fields.end(),
                           [&](const field<S>& f) { return f.key == key && f.read; });
    if (it == sec.fields.end()) {
      std::vector<std::string> known;
      for (const auto& f : sec.fields)
        if (f.read && f.suggested)
          known.push_back(f.key);
      r.fail(sub, "unknown key; expected one of " + one_of(known, false));
      continue;
    }
    // A NUL inside a name would be cut short by every C API the value reaches.
    bool nul = has_nul(m.value);
    if (m.value.IsArray())
      for (const auto& item : m.value.GetArray())
        nul = nul || has_nul(item);
    if (nul) {
      r.fail(sub, "contains a NUL character");
      continue;
    }
    it->read(r, m.value, sub, out);
  }
  for (const auto& key : sec.required)
    if (!v.HasMember(key.c_str()))
      r.fail(path.empty() ? key : path + "." + key, "missing");
  if (sec.check)
    sec.check(r, path, out);
}

template <class S>
Value write_object(const S& s, const section<S>& sec, alloc_t& a) {
  Value out(rapidjson::kObjectType);
  for (const auto& f : sec.fields)
    if (f.write)
      out.AddMember(string_value(f.key, a), f.write(s, a), a);
  return out;
}

// ---- value codecs -------------------------------------------------------------------

codec<int> integer(int min) {
  return {[min](reader& r, const Value& v, const path_t& p, int& out) {
            if (v.IsInt() && v.GetInt() >= min)
              out = v.GetInt();
            else
              r.fail(p, std::string("expected a ") + (min > 0 ? "positive" : "non-negative")
                          + " integer, got " + show(v));
          },
          [](const int& x, alloc_t&) { return Value(x); }};
}

codec<int> integer_in(int min, int max) {
  return {[min, max](reader& r, const Value& v, const path_t& p, int& out) {
            if (v.IsInt() && v.GetInt() >= min && v.GetInt() <= max)
              out = v.GetInt();
            else
              r.fail(p, "expected an integer from " + std::to_string(min) + " to "
                          + std::to_string(max) + ", got " + show(v));
          },
          [](const int& x, alloc_t&) { return Value(x); }};
}

template <class U>
codec<U> big_integer() {
  return {[](reader& r, const Value& v, const path_t& p, U& out) {
            if (v.IsUint64() && v.GetUint64() > 0)
              out = static_cast<U>(v.GetUint64());
            else
              r.fail(p, "expected a positive integer, got " + show(v));
          },
          [](const U& x, alloc_t&) { return Value(static_cast<std::uint64_t>(x)); }};
}

// A rate limit: positive, or null for "not configured, learn it from the provider".
codec<int> limit() {
  return {[](reader& r, const Value& v, const path_t& p, int& out) {
            if (v.IsNull())
              out = 0;
            else
              integer(1).read(r, v, p, out);
          },
          [](const int& x, alloc_t&) { return x == 0 ? Value() : Value(x); }};
}

codec<double> number(double min, double max) {
  return {[min, max](reader& r, const Value& v, const path_t& p, double& out) {
            if (v.IsNumber() && v.GetDouble() >= min && v.GetDouble() <= max)
              out = v.GetDouble();
            else
              r.fail(p, "expected a number from " + show(Value(min)) + " to " + show(Value(max))
                          + ", got " + show(v));
          },
          [](const double& x, alloc_t&) { return Value(x); }};
}

codec<bool> boolean() {
  return {[](reader& r, const Value& v, const path_t& p, bool& out) {
            if (v.IsBool())
              out = v.GetBool();
            else
              r.fail(p, "expected true or false, got " + show(v));
          },
          [](const bool& x, alloc_t&) { return Value(x); }};
}

codec<std::string> string_codec(std::function<void(reader&, const Value&, const path_t&,
                                                   std::string&)> read) {
  return {std::move(read), [](const std::string& s, alloc_t& a) { return string_value(s, a); }};
}

codec<std::string> text(bool allow_empty) {
  return string_codec([allow_empty](reader& r, const Value& v, const path_t& p, std::string& out) {
    if (v.IsString() && (allow_empty || v.GetStringLength() > 0))
      out = string_of(v);
    else
      r.fail(p, std::string("expected a ") + (allow_empty ? "" : "non-empty ") + "string, got "
                  + show(v));
  });
}

// A string judged by `problem`, which returns the message, or empty when it fits.
codec<std::string> checked_text(std::function<std::string(const std::string&)> problem) {
  return string_codec([problem](reader& r, const Value& v, const path_t& p, std::string& out) {
    if (!v.IsString()) {
      r.fail(p, "expected a string, got " + show(v));
      return;
    }
    if (auto why = problem(string_of(v)); !why.empty())
      r.fail(p, why);
    else
      out = string_of(v);
  });
}

codec<std::string> choice(std::vector<std::string> options) {
  return string_codec([options](reader& r, const Value& v, const path_t& p, std::string& out) {
    const std::string s = v.IsString() ? string_of(v) : "";
    if (v.IsString() && std::find(options.begin(), options.end(), s) != options.end())
      out = s;
    else
      r.fail(p, "expected " + one_of(options, true) + ", got " + show(v));
  });
}

codec<std::string> url() {
  return string_codec([](reader& r, const Value& v, const path_t& p, std::string& out) {
    url_parts parts;
    if (v.IsString() && parse_url(string_of(v), parts))
      out = string_of(v);
    else
      r.fail(p, "expected an http:// or https:// URL, got " + show(v));
  });
}

codec<std::string> listen_address() {
  return string_codec([](reader& r, const Value& v, const path_t& p, std::string& out) {
    if (!v.IsString())
      r.fail(p, "expected host:port, got " + show(v));
    else if (auto why = listen_problem(string_of(v)); !why.empty())
      r.fail(p, why);
    else
      out = bindable_listen(string_of(v));
  });
}

codec<std::string> timezone() {
  return checked_text([](const std::string& name) -> std::string {
    try {
      date::locate_zone(name);
      return {};
    } catch (const std::exception&) {
      return "unknown time zone " + quoted(name) + " (expected an IANA name such as "
             "\"Europe/Berlin\" or \"UTC\")";
    }
  });
}

std::string clock_text(int minutes) {
  const int h = minutes / 60, m = minutes % 60;
  return std::string{char('0' + h / 10), char('0' + h % 10), ':', char('0' + m / 10),
                     char('0' + m % 10)};
}

// "HH:MM" <-> minutes after midnight.
codec<int> clock_time() {
  return {[](reader& r, const Value& v, const path_t& p, int& out) {
            const std::string s = v.IsString() ? string_of(v) : "";
            auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(s[i])); };
            if (s.size() == 5 && s[2] == ':' && digit(0) && digit(1) && digit(3) && digit(4)) {
              const int h = std::stoi(s.substr(0, 2)), m = std::stoi(s.substr(3, 2));
              if (h < 24 && m < 60) {
                out = h * 60 + m;
                return;
              }
            }
            r.fail(p, "expected a time \"HH:MM\" from 00:00 to 23:59, got " + show(v));
          },
          [](const int& m, alloc_t& a) { return string_value(clock_text(m), a); }};
}

// An array of strings; `item_problem` judges each one (empty = fine).
codec<std::vector<std::string>> string_list(std::string expected, bool allow_empty_list,
                                            std::function<std::string(const std::string&)>
                                              item_problem) {
  return {[=](reader& r, const Value& v, const path_t& p, std::vector<std::string>& out) {
            bool ok = v.IsArray() && (allow_empty_list || !v.Empty());
            if (ok)
              for (const auto& item : v.GetArray())
                ok = ok && item.IsString() && item.GetStringLength() > 0;
            if (!ok) {
              r.fail(p, "expected " + expected + ", got " + show(v));
              return;
            }
            std::vector<std::string> items;
            for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
              items.push_back(string_of(v[i]));
              if (auto why = item_problem(items.back()); !why.empty())
                r.fail(p + "[" + std::to_string(i) + "]", why);
            }
            out = std::move(items);
          },
          [](const std::vector<std::string>& xs, alloc_t& a) {
            Value arr(rapidjson::kArrayType);
            for (const auto& x : xs)
              arr.PushBack(string_value(x, a), a);
            return arr;
          }};
}

std::string no_problem(const std::string&) { return {}; }

// api_key_env: one variable name, or a list tried in order.
codec<std::vector<std::string>> env_names() {
  auto list = string_list("a variable name or an array of them", true, no_problem);
  auto read = list.read;
  list.read = [read](reader& r, const Value& v, const path_t& p, std::vector<std::string>& out) {
    if (v.IsString() && v.GetStringLength() > 0)
      out = {string_of(v)};
    else
      read(r, v, p, out);
  };
  return list;
}

codec<std::vector<int>> int_list() {
  return {[](reader& r, const Value& v, const path_t& p, std::vector<int>& out) {
            bool ok = v.IsArray();
            if (ok)
              for (const auto& item : v.GetArray())
                ok = ok && item.IsInt() && item.GetInt() >= 0;
            if (!ok) {
              r.fail(p, "expected an array of non-negative integers, got " + show(v));
              return;
            }
            out.clear();
            for (const auto& item : v.GetArray())
              out.push_back(item.GetInt());
          },
          [](const std::vector<int>& xs, alloc_t& a) {
            Value arr(rapidjson::kArrayType);
            for (int x : xs)
              arr.PushBack(x, a);
            return arr;
          }};
}

// null (or absence) = not set.
template <class T>
codec<std::optional<T>> optional(codec<T> inner) {
  return {[inner](reader& r, const Value& v, const path_t& p, std::optional<T>& out) {
            if (v.IsNull()) {
              out.reset();
              return;
            }
            T value = out.value_or(T{});
            const auto before = r.error_count();
            inner.read(r, v, p, value);
            if (r.error_count() == before)
              out = std::move(value);
          },
          [inner](const std::optional<T>& x, alloc_t& a) { return x ? inner.write(*x, a) : Value(); }};
}

template <class T>
codec<T> object(const section<T>& sec) {
  return {[&sec](reader& r, const Value& v, const path_t& p, T& out) { read_object(r, v, p, sec, out); },
          [&sec](const T& x, alloc_t& a) { return write_object(x, sec, a); }};
}

template <class T>
codec<std::vector<T>> list(codec<T> item, bool allow_empty) {
  return {[item, allow_empty](reader& r, const Value& v, const path_t& p, std::vector<T>& out) {
            if (!v.IsArray() || (!allow_empty && v.Empty())) {
              r.fail(p, std::string("expected ") + (allow_empty ? "an" : "a non-empty")
                          + " array, got " + show(v));
              return;
            }
            std::vector<T> items(v.Size());
            for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
              item.read(r, v[i], p + "[" + std::to_string(i) + "]", items[i]);
            out = std::move(items);
          },
          [item](const std::vector<T>& xs, alloc_t& a) {
            Value arr(rapidjson::kArrayType);
            for (const auto& x : xs)
              arr.PushBack(item.write(x, a), a);
            return arr;
          }};
}

// Secrets in a config file end up in backups and bug reports; point at the variable.
// Printed as "***" when resolved, null when not.
template <class S>
field<S> secret(const char* key, std::string S::*m, const char* variable_key) {
  return {key,
          [variable_key](reader& r, const Value&, const path_t& p, S&) {
            r.fail(p, std::string("secrets are not read from the config file; put it in the "
                                  "environment or .env under the name given by ")
                        + variable_key);
          },
          [m](const S& s, alloc_t&) { return (s.*m).empty() ? Value() : Value("***"); },
          false};
}

// ---- checks shared by several keys --------------------------------------------------

bool valid_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
  });
}

codec<std::string> name_codec() {
  return checked_text([](const std::string& s) -> std::string {
    if (valid_name(s))
      return {};
    return "expected a name of letters, digits, '-', '_' or '.', got " + quoted(s);
  });
}

bool valid_port(const std::string& port) {
  return !port.empty() && port.size() <= 5
         && std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })
         && std::stoi(port) <= 65535;
}

bool valid_host_name(const std::string& host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.';
  });
}

// An origin as browsers send it: scheme://host[:port], nothing after.
std::string origin_problem(const std::string& s) {
  const std::string expected = "expected an origin like \"http://localhost:5173\" "
                               "(scheme://host[:port], no path), got " + quoted(s);
  const auto sep = s.find("://");
  if (sep == std::string::npos)
    return expected;
  const std::string scheme = s.substr(0, sep);
  std::string authority = s.substr(sep + 3);
  if ((scheme != "http" && scheme != "https") || authority.empty())
    return expected;
  std::string host = authority, port;
  if (authority.front() == '[') { // IPv6 literal
    const auto close = authority.find(']');
    if (close == std::string::npos)
      return expected;
    host = authority.substr(1, close - 1);
    const std::string rest = authority.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1))))
      return expected;
    return host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos
             ? expected : std::string();
  }
  if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (!valid_port(port))
      return expected;
  }
  return valid_host_name(host) ? std::string() : expected;
}

std::string allowed_host_problem(const std::string& s) {
  if (valid_host_name(s))
    return {};
  return "expected a host name without port (letters, digits, '-' and '.'), got " + quoted(s);
}

std::string genre_problem(const std::string& s) {
  if (training::find_genre(s))
    return {};
  std::vector<std::string> names;
  for (const auto& g : training::all_genres())
    names.push_back(g.name);
  return "unknown genre " + quoted(s) + "; expected one of " + one_of(names, true);
}

std::string element_problem(const std::string& s) {
  if (training::element_from_string(s))
    return {};
  std::vector<std::string> names;
  for (auto e : training::all_elements())
    names.emplace_back(training::to_string(e));
  return "unknown element " + quoted(s) + "; expected one of " + one_of(names, true);
}

std::string language_problem(const std::string& s) {
  const bool ok = s.size() == 2 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return c >= 'a' && c <= 'z';
  });
  return ok ? std::string() : "expected a two-letter language code such as \"en\", got " + quoted(s);
}

std::string not_empty_problem(const std::string& s) {
  return s.empty() ? "expected a non-empty string" : std::string();
}

void at_least(reader& r, const path_t& path, int value, const char* other_key, int other) {
  if (value < other)
    r.fail(path, std::string("must be at least ") + other_key + " (" + std::to_string(other)
                   + "), got " + std::to_string(value));
}

// ---- sections -----------------------------------------------------------------------

const section<server_config>& server_section() {
  using S = server_config;
  static const section<S> sec{
    {member("listen", &S::listen, listen_address()),
     member("token_env", &S::token_env, text(false)),
     secret("token", &S::token, "token_env"),
     member("shutdown_grace_ms", &S::shutdown_grace_ms, integer(0)),
     member("heartbeat_ms", &S::heartbeat_ms, integer(1)),
     member("cors_origins", &S::cors_origins,
            string_list("an array of origins", true, origin_problem)),
     member("allowed_hosts", &S::allowed_hosts,
            string_list("an array of host names", true, allowed_host_problem)),
     member("max_connections", &S::max_connections, integer(1)),
     member("metrics_require_token", &S::metrics_require_token, boolean()),
     member("sse_queue_max_events", &S::sse_queue_max_events, integer(1))},
    {},
    {}};
  return sec;
}

const section<storage_config>& storage_section() {
  using S = storage_config;
  static const section<S> sec{
    {member("data_dir", &S::data_dir, text(false)),
     member("map_size_mb", &S::map_size_mb, big_integer<std::uint64_t>()),
     member("max_map_size_mb", &S::max_map_size_mb, big_integer<std::uint64_t>()),
     member("commit_batch", &S::commit_batch, integer(1)),
     member("commit_interval_ms", &S::commit_interval_ms, integer(0)),
     member("attempts_retention_days", &S::attempts_retention_days, integer(1)),
     member("on_interrupted", &S::on_interrupted, choice({"resume", "mark"})),
     member("finished_jobs_max_bytes", &S::finished_jobs_max_bytes, big_integer<std::size_t>())},
    {},
    [](reader& r, const path_t& path, S& s) {
      if (s.max_map_size_mb < s.map_size_mb)
        r.fail(path + ".max_map_size_mb", "must be at least map_size_mb ("
                                            + std::to_string(s.map_size_mb) + "), got "
                                            + std::to_string(s.max_map_size_mb));
    }};
  return sec;
}

const section<fixed_pacing_config>& fixed_section() {
  using S = fixed_pacing_config;
  static const section<S> sec{
    {member("pause_min_ms", &S::pause_min_ms, integer(0)),
     member("pause_max_ms", &S::pause_max_ms, integer(0)),
     member("between_models_ms", &S::between_models_ms, integer(0)),
     member("between_groups_ms", &S::between_groups_ms, integer(0)),
     member("retries", &S::retries, integer(0)),
     member("retry_backoff_ms", &S::retry_backoff_ms, int_list())},
    {},
    [](reader& r, const path_t& path, S& f) {
      at_least(r, path + ".pause_max_ms", f.pause_max_ms, "pause_min_ms", f.pause_min_ms);
    }};
  return sec;
}

// max_wait_for_higher_ms: -1 stands for "absent" in the struct and prints as null.
codec<int> override_ms() {
  return {[](reader& r, const Value& v, const path_t& p, int& out) {
            if (v.IsNull())
              out = -1;
            else
              integer(0).read(r, v, p, out);
          },
          [](const int& x, alloc_t&) { return x < 0 ? Value() : Value(x); }};
}

const section<routing_config>& routing_section() {
  using S = routing_config;
  static const section<S> sec{
    {member("max_wait_for_higher_ms", &S::max_wait_for_higher_ms, override_ms()),
     member("slack", &S::slack, number(0, 100)),
     member("max_in_flight", &S::max_in_flight, integer(1)),
     member("retries_per_provider", &S::retries_per_provider, integer(0)),
     member("task_deadline_ms", &S::task_deadline_ms, integer(1)),
     member("queue_limit", &S::queue_limit, integer(1)),
     member("pacing", &S::pacing, choice({"adaptive", "fixed"})),
     member("time_scale", &S::time_scale, number(1, 1000)),
     member("fixed", &S::fixed, object(fixed_section()))},
    {},
    {}};
  return sec;
}

const section<judge_config>& judge_section() {
  using S = judge_config;
  static const section<S> sec{{member("provider", &S::provider, text(false)),
                               member("weight", &S::weight, number(0, 1)),
                               member("min_rubric", &S::min_rubric, number(0, 10))},
                              {"provider"},
                              {}};
  return sec;
}

const section<quality_config>& quality_section() {
  using S = quality_config;
  auto alias = member("fine_tune_threshold", &S::fine_tune_threshold, integer(1));
  alias.write = nullptr; // printed once, as finetune.threshold
  static const section<S> sec{
    {member("memory_threshold", &S::memory_threshold, number(0, 10)),
     member("library_threshold", &S::library_threshold, number(0, 10)), alias,
     member("dedup_max_distance", &S::dedup_max_distance, integer_in(0, 64)),
     member("language", &S::language, checked_text(language_problem)),
     member("judge", &S::judge, optional(object(judge_section()))),
     member("dedup_jaccard", &S::dedup_jaccard, number(0, 1)),
     member("dedup_changed_words", &S::dedup_changed_words, integer_in(0, 200))},
    {},
    {}};
  return sec;
}

const section<prompts_config>& prompts_section() {
  using S = prompts_config;
  static const section<S> sec{
    {member("no_repeat_within", &S::no_repeat_within, integer(0)),
     member("topics_file", &S::topics_file, optional(text(false)))},
    {},
    {}};
  return sec;
}

const section<finetune_config>& finetune_section() {
  using S = finetune_config;
  static const section<S> sec{
    {member("threshold", &S::threshold, integer(1)),
     member("auto", &S::auto_trigger, boolean()),
     member("base_model", &S::base_model, text(false)),
     member("max_examples", &S::max_examples, integer(1)),
     member("command", &S::command,
            string_list("a program and its arguments as a non-empty array of strings", false,
                        no_problem)),
     member("system_prompt", &S::system_prompt, optional(text(false)))},
    {},
    {}};
  return sec;
}

const section<logging_config>& logging_section() {
  using S = logging_config;
  static const section<S> sec{
    {member("level", &S::level, choice({"trace", "debug", "info", "warning", "error"}))}, {}, {}};
  return sec;
}

// ---- providers ----------------------------------------------------------------------

const section<limits_config>& limits_section() {
  using S = limits_config;
  static const section<S> sec{
    {member("rpm", &S::rpm, limit()), member("tpm", &S::tpm, limit()),
     member("rpd", &S::rpd, limit()), member("tpd", &S::tpd, limit()),
     member("max_in_flight", &S::max_in_flight, integer(1)),
     member("min_interval_ms", &S::min_interval_ms, integer(0)),
     member("reserve_per_day", &S::reserve_per_day, integer(0))},
    {},
    [](reader& r, const path_t& path, S& l) {
      if (l.rpd > 0 && l.reserve_per_day >= l.rpd)
        r.fail(path + ".reserve_per_day", "must be less than rpd (" + std::to_string(l.rpd)
                                            + "), got " + std::to_string(l.reserve_per_day));
    }};
  return sec;
}

const section<timeouts_config>& timeouts_section() {
  using S = timeouts_config;
  static const section<S> sec{{member("connect_ms", &S::connect_ms, integer(1)),
                               member("tls_ms", &S::tls_ms, integer(1)),
                               member("first_byte_ms", &S::first_byte_ms, integer(1)),
                               member("total_ms", &S::total_ms, integer(1))},
                              {},
                              {}};
  return sec;
}

const section<backoff_config>& backoff_section() {
  using S = backoff_config;
  static const section<S> sec{
    {member("base_ms", &S::base_ms, integer(1)), member("cap_ms", &S::cap_ms, integer(1)),
     member("circuit_failures", &S::circuit_failures, integer(1)),
     member("circuit_cooldown_ms", &S::circuit_cooldown_ms, integer(1)),
     member("probe_interval_ms", &S::probe_interval_ms, integer(1))},
    {},
    [](reader& r, const path_t& path, S& b) {
      at_least(r, path + ".cap_ms", b.cap_ms, "base_ms", b.base_ms);
    }};
  return sec;
}

const section<day_reset_config>& fixed_reset_section() {
  using S = day_reset_config;
  static const section<S> sec{{member("timezone", &S::timezone, timezone()),
                               member("time", &S::minute_of_day, clock_time())},
                              {},
                              {}};
  return sec;
}

// "headers" (the provider reports its resets), or {"timezone": …, "time": "HH:MM"}.
codec<day_reset_config> day_reset() {
  return {[](reader& r, const Value& v, const path_t& p, day_reset_config& out) {
            if (v.IsString() && string_of(v) == "headers") {
              out.from_headers = true;
              return;
            }
            if (!v.IsObject()) {
              r.fail(p, "expected \"headers\" or {\"timezone\": …, \"time\": \"HH:MM\"}, got "
                          + show(v));
              return;
            }
            out = day_reset_config{};
            read_object(r, v, p, fixed_reset_section(), out);
          },
          [](const day_reset_config& d, alloc_t& a) {
            return d.from_headers ? Value("headers") : write_object(d, fixed_reset_section(), a);
          }};
}

codec<provider_kind> kind_codec() {
  return {[](reader& r, const Value& v, const path_t& p, provider_kind& out) {
            const auto k = v.IsString() ? provider_kind_from_string(string_of(v)) : std::nullopt;
            if (k)
              out = *k;
            else
              r.fail(p, "expected \"ollama\", \"openai\" or \"gemini\", got " + show(v));
          },
          [](const provider_kind& k, alloc_t&) { return Value(rapidjson::StringRef(to_string(k))); }};
}

codec<std::string> readable_file() {
  return string_codec([](reader& r, const Value& v, const path_t& p, std::string& out) {
    text(true).read(r, v, p, out);
    if (!out.empty() && !std::ifstream(out))
      r.fail(p, "cannot read " + quoted(out));
  });
}

const section<provider_config>& provider_section() {
  using S = provider_config;
  static const section<S> sec{
    {member("name", &S::name, name_codec()),
     // Chosen before the fields are read (read_provider); accepted, never printed.
     {"preset", [](reader&, const Value&, const path_t&, S&) {}, nullptr},
     member("kind", &S::kind, kind_codec()),
     member("base_url", &S::base_url, url()),
     member("model", &S::model, text(false)),
     member("api_key_env", &S::api_key_env, env_names()),
     member("priority", &S::priority, integer(1)),
     member("limits", &S::limits, object(limits_section())),
     member("day_reset", &S::day_reset, day_reset()),
     member("timeouts", &S::timeouts, object(timeouts_section())),
     member("backoff", &S::backoff, object(backoff_section())),
     member("ca_file", &S::ca_file, readable_file()),
     member("enabled", &S::enabled, boolean()),
     member("max_output_tokens", &S::max_output_tokens, integer(1)),
     member("temperature", &S::temperature, number(0, 2)),
     secret("api_key", &S::api_key, "api_key_env"),
     {"disabled_reason", nullptr,
      [](const S& s, alloc_t& a) { return string_value(s.disabled_reason, a); }}},
    {},
    {}};
  return sec;
}

// One provider entry. It starts from a preset when it names one ("preset", or a preset's
// name with no "kind"), otherwise from scratch with kind, base_url and model required.
std::optional<provider_config> read_provider(reader& r, const Value& v, const path_t& path) {
  if (!v.IsObject()) {
    r.fail(path, "expected an object, got " + show(v));
    return std::nullopt;
  }
  auto member_of = [&](const char* key) -> const Value* {
    auto it = v.FindMember(key);
    return it == v.MemberEnd() ? nullptr : &it->value;
  };

  provider_config p;
  bool from_preset = false;
  if (const Value* preset = member_of("preset")) {
    auto found = preset->IsString() ? provider_preset(string_of(*preset)) : std::nullopt;
    if (!found) {
      r.fail(path + ".preset", "expected " + one_of(preset_names, true) + ", got " + show(*preset));
      return std::nullopt;
    }
    p = *found;
    from_preset = true;
  } else if (const Value* name = member_of("name"); name && name->IsString() && !member_of("kind")) {
    if (auto found = provider_preset(string_of(*name))) {
      p = *found;
      from_preset = true;
    }
  }

  const std::size_t errors_before = r.error_count();
  read_object(r, v, path, provider_section(), p);
  if (!from_preset)
    for (const char* required : {"name", "kind", "base_url", "model"})
      if (!member_of(required))
        r.fail(path + "." + required, "missing (required unless the entry names a preset: "
                                        + one_of(preset_names, false) + ")");
  if (r.error_count() != errors_before)
    return std::nullopt;
  return p;
}

codec<std::vector<provider_config>> providers_codec() {
  return {[](reader& r, const Value& v, const path_t&, std::vector<provider_config>& out) {
            if (!v.IsArray()) {
              r.fail("providers", "expected an array of provider entries, got " + show(v));
              return;
            }
            if (v.Empty()) {
              r.fail("providers", "expected at least one provider");
              return;
            }
            out.clear();
            std::vector<std::pair<std::string, std::size_t>> seen;
            for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
              const path_t path = "providers[" + std::to_string(i) + "]";
              auto p = read_provider(r, v[i], path);
              if (!p)
                continue;
              auto dup = std::find_if(seen.begin(), seen.end(),
                                      [&](const auto& s) { return s.first == p->name; });
              if (dup != seen.end()) {
                r.fail(path + ".name", "duplicate provider name " + quoted(p->name)
                                         + " (also providers[" + std::to_string(dup->second) + "])");
                continue;
              }
              seen.emplace_back(p->name, i);
              out.push_back(std::move(*p));
            }
          },
          [](const std::vector<provider_config>& ps, alloc_t& a) {
            Value arr(rapidjson::kArrayType);
            for (const auto& p : ps)
              arr.PushBack(write_object(p, provider_section(), a), a);
            return arr;
          }};
}

// ---- schedules ----------------------------------------------------------------------

const section<per_day_config>& per_day_range_section() {
  using S = per_day_config;
  static const section<S> sec{
    {member("min", &S::min, integer(1)), member("max", &S::max, integer(1))},
    {"min", "max"},
    [](reader& r, const path_t& path, S& d) {
      at_least(r, path + ".max", d.max, "min", d.min);
    }};
  return sec;
}

// A number of tasks a day, or {"min", "max"} drawn per day.
codec<per_day_config> per_day() {
  return {[](reader& r, const Value& v, const path_t& p, per_day_config& out) {
            if (v.IsObject()) {
              read_object(r, v, p, per_day_range_section(), out);
            } else if (v.IsInt() && v.GetInt() >= 1) {
              out.min = out.max = v.GetInt();
            } else {
              r.fail(p, "expected a positive integer or {\"min\": N, \"max\": M}, got " + show(v));
            }
          },
          [](const per_day_config& d, alloc_t& a) {
            return d.min == d.max ? Value(d.min) : write_object(d, per_day_range_section(), a);
          }};
}

const section<phase_config>& phase_section() {
  using S = phase_config;
  static const section<S> sec{{member("days", &S::days, optional(integer(1))),
                               member("until_total", &S::until_total, optional(integer(1))),
                               member("per_day", &S::per_day, per_day())},
                              {"per_day"},
                              {}};
  return sec;
}

const section<window_config>& window_section() {
  using S = window_config;
  static const section<S> sec{
    {member("start", &S::start_minute, clock_time()), member("end", &S::end_minute, clock_time())},
    {"start", "end"},
    [](reader& r, const path_t& path, S& w) {
      if (w.start_minute == w.end_minute)
        r.fail(path + ".end", "must differ from start (" + clock_text(w.start_minute)
                                + "); leave out \"window\" for the whole day");
    }};
  return sec;
}

const section<schedule_config>& schedule_section() {
  using S = schedule_config;
  static const section<S> sec{
    {member("name", &S::name, name_codec()),
     member("user_id", &S::user_id, checked_text(not_empty_problem)),
     member("timezone", &S::timezone, timezone()),
     member("window", &S::window, optional(object(window_section()))),
     member("genres", &S::genres, string_list("an array of genres", true, genre_problem)),
     member("elements", &S::elements, string_list("an array of elements", true, element_problem)),
     member("min_votes", &S::min_votes, integer(1)),
     member("catch_up_days", &S::catch_up_days, integer(0)),
     member("phases", &S::phases, list(object(phase_section()), false))},
    {"name", "phases"},
    [](reader& r, const path_t& path, S& s) {
      // Only the last phase may run forever; one before it must say when it ends.
      for (std::size_t i = 0; i + 1 < s.phases.size(); ++i)
        if (!s.phases[i].days && !s.phases[i].until_total)
          r.fail(path + ".phases[" + std::to_string(i) + "]",
                 "a phase before the last needs \"days\" or \"until_total\"");
    }};
  return sec;
}

codec<std::vector<schedule_config>> schedules_codec() {
  auto base = list(object(schedule_section()), true);
  auto read = base.read;
  base.read = [read](reader& r, const Value& v, const path_t& p, std::vector<schedule_config>& out) {
    read(r, v, p, out);
    for (std::size_t i = 0; i < out.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (!out[i].name.empty() && out[i].name == out[j].name) {
          r.fail(p + "[" + std::to_string(i) + "].name",
                 "duplicate schedule name " + quoted(out[i].name) + " (also " + p + "["
                   + std::to_string(j) + "])");
          break;
        }
  };
  return base;
}

// ---- the document -------------------------------------------------------------------

const section<config>& config_section() {
  using S = config;
  static const section<S> sec{
    {member("server", &S::server, object(server_section())),
     member("storage", &S::storage, object(storage_section())),
     member("routing", &S::routing, object(routing_section())),
     member("quality", &S::quality, object(quality_section())),
     member("providers", &S::providers, providers_codec()),
     member("schedules", &S::schedules, schedules_codec()),
     member("logging", &S::logging, object(logging_section())),
     member("prompts", &S::prompts, object(prompts_section())),
     member("finetune", &S::finetune, object(finetune_section()))},
    {},
    {}};
  return sec;
}

const Value* find_path(const Value& doc, const char* section_key, const char* key) {
  if (!doc.IsObject())
    return nullptr;
  auto s = doc.FindMember(section_key);
  if (s == doc.MemberEnd() || !s->value.IsObject())
    return nullptr;
  auto k = s->value.FindMember(key);
  return k == s->value.MemberEnd() ? nullptr : &k->value;
}

// Rules that join sections: references to providers, the threshold alias, defaults that
// follow other keys.
void check_across(reader& r, const Value& doc, config& cfg) {
  if (const auto& judge = cfg.quality.judge) {
    const bool known = std::any_of(cfg.providers.begin(), cfg.providers.end(),
                                   [&](const provider_config& p) { return p.name == judge->provider; });
    if (!known) {
      std::vector<std::string> names;
      for (const auto& p : cfg.providers)
        names.push_back(p.name);
      r.fail("quality.judge.provider", "no provider named " + quoted(judge->provider)
                                         + "; expected one of " + one_of(names, true));
    }
  }
  // finetune.threshold is the source of truth; quality.fine_tune_threshold is its older
  // spelling, accepted alone, and refused when it contradicts the new one.
  const Value* alias = find_path(doc, "quality", "fine_tune_threshold");
  const Value* threshold = find_path(doc, "finetune", "threshold");
  if (alias && !threshold)
    cfg.finetune.threshold = cfg.quality.fine_tune_threshold;
  else if (alias && threshold && cfg.quality.fine_tune_threshold != cfg.finetune.threshold)
    r.fail("quality.fine_tune_threshold",
           "contradicts finetune.threshold (" + std::to_string(cfg.finetune.threshold)
             + "); give only finetune.threshold");
  cfg.quality.fine_tune_threshold = cfg.finetune.threshold;

  if (cfg.finetune.base_model.empty())
    for (const auto& p : cfg.providers)
      if (p.kind == provider_kind::ollama) {
        cfg.finetune.base_model = p.model;
        break;
      }
}

} // namespace

std::string listen_problem(const std::string& s) {
  url_parts parts;
  const auto colon = s.rfind(':');
  // Reuse the URL parser for the host[:port] grammar, but demand an explicit port
  // (0 = any free port, printed at start).
  if (colon == std::string::npos || colon + 1 == s.size() || !parse_url("http://" + s + "/", parts))
    return "expected host:port (port 0 = any free port), got " + quoted(s);
  return {};
}

std::string bindable_listen(const std::string& s) {
  const auto colon = s.rfind(':');
  if (colon != std::string::npos && iequals(s.substr(0, colon), "localhost"))
    return "127.0.0.1" + s.substr(colon);
  return s;
}

void read(const Value& doc, config& cfg, std::vector<config_error>& errors) {
  reader r(errors);
  read_object(r, doc, "", config_section(), cfg);
  check_across(r, doc, cfg);
}

Value write(const config& cfg, alloc_t& alloc) {
  return write_object(cfg, config_section(), alloc);
}

} // namespace zega::schema
