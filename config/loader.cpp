#include "config/config.hpp"

#include "net/http/types.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <utility>

namespace zega {

namespace {

using rapidjson::Value;

// ---- small text helpers -------------------------------------------------------------

std::string show(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
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

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::vector<std::string> preset_names{"ollama", "groq", "gemini", "huggingface"};

// ---- the validating reader ----------------------------------------------------------

using handler = std::function<void(const Value&, const std::string&)>;
using handlers = std::vector<std::pair<std::string, handler>>;

class reader {
public:
  std::vector<config_error> errors;

  void fail(const std::string& path, const std::string& problem) {
    errors.push_back({path, problem});
  }

  // Dispatches each member to its handler; unknown keys are errors so typos do not pass
  // silently as defaults.
  void object(const Value& v, const std::string& path, const handlers& hs) {
    if (!v.IsObject()) {
      fail(path, "expected an object, got " + show(v));
      return;
    }
    for (const auto& m : v.GetObject()) {
      const std::string key(m.name.GetString(), m.name.GetStringLength());
      const std::string sub = path.empty() ? key : path + "." + key;
      auto it = std::find_if(hs.begin(), hs.end(), [&](const auto& h) { return h.first == key; });
      if (it == hs.end()) {
        std::vector<std::string> known;
        // The refused secret keys are not offered as suggestions.
        for (const auto& h : hs)
          if (h.first != "api_key" && h.first != "token")
            known.push_back(h.first);
        fail(sub, "unknown key; expected one of " + one_of(known, false));
        continue;
      }
      it->second(m.value, sub);
    }
  }

  handler integer(int& out, int min) {
    return [this, &out, min](const Value& v, const std::string& path) {
      if (v.IsInt() && v.GetInt() >= min)
        out = v.GetInt();
      else
        fail(path, std::string("expected a ") + (min > 0 ? "positive" : "non-negative")
                     + " integer, got " + show(v));
    };
  }

  handler big_integer(std::uint64_t& out) {
    return [this, &out](const Value& v, const std::string& path) {
      if (v.IsUint64() && v.GetUint64() > 0)
        out = v.GetUint64();
      else
        fail(path, "expected a positive integer, got " + show(v));
    };
  }

  // A rate limit: positive, or null for "not configured, learn it from the provider".
  handler limit(int& out) {
    return [this, &out](const Value& v, const std::string& path) {
      if (v.IsNull())
        out = 0;
      else
        integer(out, 1)(v, path);
    };
  }

  handler number(double& out, double min, double max) {
    return [this, &out, min, max](const Value& v, const std::string& path) {
      if (v.IsNumber() && v.GetDouble() >= min && v.GetDouble() <= max)
        out = v.GetDouble();
      else
        fail(path, "expected a number from " + show(Value(min)) + " to " + show(Value(max))
                     + ", got " + show(v));
    };
  }

  handler boolean(bool& out) {
    return [this, &out](const Value& v, const std::string& path) {
      if (v.IsBool())
        out = v.GetBool();
      else
        fail(path, "expected true or false, got " + show(v));
    };
  }

  handler text(std::string& out, bool allow_empty) {
    return [this, &out, allow_empty](const Value& v, const std::string& path) {
      if (v.IsString() && (allow_empty || v.GetStringLength() > 0))
        out.assign(v.GetString(), v.GetStringLength());
      else
        fail(path, std::string("expected a ") + (allow_empty ? "" : "non-empty ")
                     + "string, got " + show(v));
    };
  }

  handler choice(std::string& out, std::vector<std::string> options) {
    return [this, &out, options](const Value& v, const std::string& path) {
      const std::string s = v.IsString() ? v.GetString() : "";
      if (v.IsString() && std::find(options.begin(), options.end(), s) != options.end())
        out = s;
      else
        fail(path, "expected " + one_of(options, true) + ", got " + show(v));
    };
  }

  handler url(std::string& out) {
    return [this, &out](const Value& v, const std::string& path) {
      net::url_parts parts;
      if (v.IsString() && net::parse_url(v.GetString(), parts))
        out = v.GetString();
      else
        fail(path, "expected an http:// or https:// URL, got " + show(v));
    };
  }

  handler listen_address(std::string& out) {
    return [this, &out](const Value& v, const std::string& path) {
      if (v.IsString() && check_listen(v.GetString(), path))
        out = v.GetString();
      else if (!v.IsString())
        fail(path, "expected host:port, got " + show(v));
    };
  }

  bool check_listen(const std::string& s, const std::string& path) {
    net::url_parts parts;
    const auto colon = s.rfind(':');
    // Reuse the URL parser for the host[:port] grammar, but demand an explicit port
    // (0 = any free port, printed at start).
    if (colon == std::string::npos || colon + 1 == s.size()
        || !net::parse_url("http://" + s + "/", parts)) {
      fail(path, "expected host:port (port 0 = any free port), got " + quoted(s));
      return false;
    }
    return true;
  }

  handler string_list(std::vector<std::string>& out) {
    return [this, &out](const Value& v, const std::string& path) {
      if (v.IsString() && v.GetStringLength() > 0) {
        out = {v.GetString()};
        return;
      }
      bool ok = v.IsArray();
      if (ok)
        for (const auto& item : v.GetArray())
          ok = ok && item.IsString() && item.GetStringLength() > 0;
      if (!ok) {
        fail(path, "expected a variable name or an array of them, got " + show(v));
        return;
      }
      out.clear();
      for (const auto& item : v.GetArray())
        out.emplace_back(item.GetString());
    };
  }

  // Secrets in a config file end up in backups and bug reports; point at the variable.
  handler no_secret(const char* variable_key) {
    return [this, variable_key](const Value&, const std::string& path) {
      fail(path, std::string("secrets are not read from the config file; put it in the "
                             "environment or .env under the name given by ")
                   + variable_key);
    };
  }

  handler int_list(std::vector<int>& out) {
    return [this, &out](const Value& v, const std::string& path) {
      bool ok = v.IsArray();
      if (ok)
        for (const auto& item : v.GetArray())
          ok = ok && item.IsInt() && item.GetInt() >= 0;
      if (!ok) {
        fail(path, "expected an array of non-negative integers, got " + show(v));
        return;
      }
      out.clear();
      for (const auto& item : v.GetArray())
        out.push_back(item.GetInt());
    };
  }
};

// ---- sections -----------------------------------------------------------------------

void read_server(reader& r, const Value& v, server_config& s) {
  r.object(v, "server",
           {{"listen", r.listen_address(s.listen)},
            {"token_env", r.text(s.token_env, false)},
            {"shutdown_grace_ms", r.integer(s.shutdown_grace_ms, 0)},
            {"heartbeat_ms", r.integer(s.heartbeat_ms, 1)},
            {"token", r.no_secret("token_env")}});
}

void read_storage(reader& r, const Value& v, storage_config& s) {
  r.object(v, "storage",
           {{"data_dir", r.text(s.data_dir, false)},
            {"map_size_mb", r.big_integer(s.map_size_mb)},
            {"max_map_size_mb", r.big_integer(s.max_map_size_mb)},
            {"commit_batch", r.integer(s.commit_batch, 1)},
            {"commit_interval_ms", r.integer(s.commit_interval_ms, 0)},
            {"attempts_retention_days", r.integer(s.attempts_retention_days, 1)},
            {"on_interrupted", r.choice(s.on_interrupted, {"resume", "mark"})}});
  if (s.max_map_size_mb < s.map_size_mb)
    r.fail("storage.max_map_size_mb", "must be at least map_size_mb ("
                                        + std::to_string(s.map_size_mb) + "), got "
                                        + std::to_string(s.max_map_size_mb));
}

void read_routing(reader& r, const Value& v, routing_config& s) {
  auto& f = s.fixed;
  auto fixed = [&](const Value& fv, const std::string& path) {
    r.object(fv, path,
             {{"pause_min_ms", r.integer(f.pause_min_ms, 0)},
              {"pause_max_ms", r.integer(f.pause_max_ms, 0)},
              {"between_models_ms", r.integer(f.between_models_ms, 0)},
              {"between_groups_ms", r.integer(f.between_groups_ms, 0)},
              {"retries", r.integer(f.retries, 0)},
              {"retry_backoff_ms", r.int_list(f.retry_backoff_ms)}});
    if (f.pause_max_ms < f.pause_min_ms)
      r.fail(path + ".pause_max_ms", "must be at least pause_min_ms ("
                                       + std::to_string(f.pause_min_ms) + "), got "
                                       + std::to_string(f.pause_max_ms));
  };
  r.object(v, "routing",
           {{"max_wait_for_higher_ms", r.integer(s.max_wait_for_higher_ms, 0)},
            {"max_in_flight", r.integer(s.max_in_flight, 1)},
            {"retries_per_provider", r.integer(s.retries_per_provider, 0)},
            {"task_deadline_ms", r.integer(s.task_deadline_ms, 1)},
            {"queue_limit", r.integer(s.queue_limit, 1)},
            {"pacing", r.choice(s.pacing, {"adaptive", "fixed"})},
            {"time_scale", r.number(s.time_scale, 1, 1000)},
            {"fixed", fixed}});
}

void read_quality(reader& r, const Value& v, quality_config& s) {
  auto distance = [&](const Value& dv, const std::string& path) {
    if (dv.IsInt() && dv.GetInt() >= 0 && dv.GetInt() <= 64)
      s.dedup_max_distance = dv.GetInt();
    else
      r.fail(path, "expected an integer from 0 to 64, got " + show(dv));
  };
  r.object(v, "quality",
           {{"memory_threshold", r.number(s.memory_threshold, 0, 10)},
            {"library_threshold", r.number(s.library_threshold, 0, 10)},
            {"fine_tune_threshold", r.integer(s.fine_tune_threshold, 1)},
            {"dedup_max_distance", distance}});
}

bool valid_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
  });
}

// One provider entry. It starts from a preset when it names one ("preset", or a preset's
// name with no "kind"), otherwise from scratch with kind, base_url and model required.
std::optional<provider_config> read_provider(reader& r, const Value& v, const std::string& path) {
  if (!v.IsObject()) {
    r.fail(path, "expected an object, got " + show(v));
    return std::nullopt;
  }
  auto member = [&](const char* key) -> const Value* {
    auto it = v.FindMember(key);
    return it == v.MemberEnd() ? nullptr : &it->value;
  };

  provider_config p;
  bool from_preset = false;
  if (const Value* preset = member("preset")) {
    auto found = preset->IsString() ? provider_preset(preset->GetString()) : std::nullopt;
    if (!found) {
      r.fail(path + ".preset", "expected " + one_of(preset_names, true) + ", got " + show(*preset));
      return std::nullopt;
    }
    p = *found;
    from_preset = true;
  } else if (const Value* name = member("name"); name && name->IsString() && !member("kind")) {
    if (auto found = provider_preset(name->GetString())) {
      p = *found;
      from_preset = true;
    }
  }

  const std::size_t errors_before = r.errors.size();
  auto kind = [&](const Value& kv, const std::string& kpath) {
    const auto k = kv.IsString() ? net::provider_kind_from_string(kv.GetString()) : std::nullopt;
    if (k)
      p.kind = *k;
    else
      r.fail(kpath, "expected \"ollama\", \"openai\" or \"gemini\", got " + show(kv));
  };
  auto name = [&](const Value& nv, const std::string& npath) {
    if (nv.IsString() && valid_name(nv.GetString()))
      p.name = nv.GetString();
    else
      r.fail(npath, "expected a name of letters, digits, '-', '_' or '.', got " + show(nv));
  };
  auto limits = [&](const Value& lv, const std::string& lpath) {
    r.object(lv, lpath,
             {{"rpm", r.limit(p.limits.rpm)},
              {"tpm", r.limit(p.limits.tpm)},
              {"rpd", r.limit(p.limits.rpd)},
              {"tpd", r.limit(p.limits.tpd)},
              {"max_in_flight", r.integer(p.limits.max_in_flight, 1)},
              {"min_interval_ms", r.integer(p.limits.min_interval_ms, 0)}});
  };
  auto timeouts = [&](const Value& tv, const std::string& tpath) {
    r.object(tv, tpath,
             {{"connect_ms", r.integer(p.timeouts.connect_ms, 1)},
              {"tls_ms", r.integer(p.timeouts.tls_ms, 1)},
              {"first_byte_ms", r.integer(p.timeouts.first_byte_ms, 1)},
              {"total_ms", r.integer(p.timeouts.total_ms, 1)}});
  };
  auto backoff = [&](const Value& bv, const std::string& bpath) {
    auto& b = p.backoff;
    r.object(bv, bpath,
             {{"base_ms", r.integer(b.base_ms, 1)},
              {"cap_ms", r.integer(b.cap_ms, 1)},
              {"circuit_failures", r.integer(b.circuit_failures, 1)},
              {"circuit_cooldown_ms", r.integer(b.circuit_cooldown_ms, 1)},
              {"probe_interval_ms", r.integer(b.probe_interval_ms, 1)}});
    if (b.cap_ms < b.base_ms)
      r.fail(bpath + ".cap_ms", "must be at least base_ms (" + std::to_string(b.base_ms)
                                  + "), got " + std::to_string(b.cap_ms));
  };
  auto ca_file = [&](const Value& cv, const std::string& cpath) {
    r.text(p.ca_file, true)(cv, cpath);
    if (!p.ca_file.empty() && !read_file(p.ca_file))
      r.fail(cpath, "cannot read " + quoted(p.ca_file));
  };
  r.object(v, path,
           {{"name", name},
            {"preset", [](const Value&, const std::string&) {}},
            {"kind", kind},
            {"base_url", r.url(p.base_url)},
            {"model", r.text(p.model, false)},
            {"api_key_env", r.string_list(p.api_key_env)},
            {"priority", r.integer(p.priority, 1)},
            {"limits", limits},
            {"timeouts", timeouts},
            {"backoff", backoff},
            {"ca_file", ca_file},
            {"enabled", r.boolean(p.enabled)},
            {"max_output_tokens", r.integer(p.max_output_tokens, 1)},
            {"temperature", r.number(p.temperature, 0, 2)},
            {"api_key", r.no_secret("api_key_env")}});

  if (!from_preset)
    for (const char* required : {"name", "kind", "base_url", "model"})
      if (!member(required))
        r.fail(path + "." + required, "missing (required unless the entry names a preset: "
                                        + one_of(preset_names, false) + ")");
  if (r.errors.size() != errors_before)
    return std::nullopt;
  return p;
}

void read_providers(reader& r, const Value& v, std::vector<provider_config>& out) {
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
    const std::string path = "providers[" + std::to_string(i) + "]";
    auto p = read_provider(r, v[i], path);
    if (!p)
      continue;
    auto dup = std::find_if(seen.begin(), seen.end(),
                            [&](const auto& s) { return s.first == p->name; });
    if (dup != seen.end()) {
      r.fail(path + ".name", "duplicate provider name " + quoted(p->name) + " (also providers["
                               + std::to_string(dup->second) + "])");
      continue;
    }
    seen.emplace_back(p->name, i);
    out.push_back(std::move(*p));
  }
}

// ---- environment --------------------------------------------------------------------

bool valid_env_name(const std::string& s) {
  return !s.empty() && std::isdigit(static_cast<unsigned char>(s.front())) == 0
         && std::all_of(s.begin(), s.end(), [](unsigned char c) {
              return std::isalnum(c) != 0 || c == '_';
            });
}

// KEY=VALUE lines as the seed's .env uses them: '#' comments, optional `export `, optional
// single or double quotes, and " #" starting a comment after an unquoted value.
std::map<std::string, std::string> parse_dotenv(const std::string& text, const std::string& file,
                                                std::vector<config_error>& errors) {
  std::map<std::string, std::string> vars;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line.front() == '#')
      continue;
    if (line.rfind("export ", 0) == 0)
      line = trim(line.substr(7));
    const auto eq = line.find('=');
    const std::string key = eq == std::string::npos ? line : trim(line.substr(0, eq));
    if (eq == std::string::npos || !valid_env_name(key)) {
      // The line itself may hold a secret, so it is not echoed.
      errors.push_back({file + ":" + std::to_string(number), "expected KEY=VALUE"});
      continue;
    }
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')
        && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    else if (const auto hash = value.find(" #"); hash != std::string::npos)
      value = trim(value.substr(0, hash));
    vars[key] = value;
  }
  return vars;
}

class environment {
public:
  environment(const load_options& opts, std::vector<config_error>& errors) : opts_(opts) {
    std::optional<std::string> path = opts.env_file;
    // The working directory's .env is only implied for a real run, never for tests that
    // isolate themselves from the process environment.
    if (!path && opts.use_process_env)
      path = ".env";
    if (!path)
      return;
    if (auto text = read_file(*path))
      dotenv_ = parse_dotenv(*text, *path, errors);
    else if (opts.env_file)
      errors.push_back({"env_file", "cannot read " + quoted(*path)});
  }

  // Explicit overrides first, then the process environment, then .env.
  std::optional<std::string> get(const std::string& name) const {
    if (auto it = opts_.env_override.find(name); it != opts_.env_override.end())
      if (!it->second.empty())
        return it->second;
    if (opts_.use_process_env)
      if (const char* v = std::getenv(name.c_str()); v && *v)
        return std::string(v);
    if (auto it = dotenv_.find(name); it != dotenv_.end() && !it->second.empty())
      return it->second;
    return std::nullopt;
  }

private:
  const load_options& opts_;
  std::map<std::string, std::string> dotenv_;
};

void resolve_secrets(config& cfg, const environment& env) {
  if (auto token = env.get(cfg.server.token_env))
    cfg.server.token = *token;
  for (auto& p : cfg.providers) {
    if (!p.enabled) {
      p.disabled_reason = "disabled in config";
      continue;
    }
    if (!p.needs_key())
      continue;
    for (const auto& var : p.api_key_env)
      if (auto key = env.get(var)) {
        p.api_key = *key;
        break;
      }
    if (p.api_key.empty()) {
      p.enabled = false;
      p.disabled_reason = p.api_key_env.empty()
                            ? "no API key: api_key_env names no variable"
                            : "no API key: set " + one_of(p.api_key_env, false);
    }
  }
}

} // namespace

load_result parse_config(const std::string& json_text, const load_options& opts) {
  load_result result;
  reader r;
  config cfg = default_config();

  rapidjson::Document doc;
  doc.Parse(json_text.c_str(), json_text.size());
  if (doc.HasParseError()) {
    r.fail("", "invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": "
                 + rapidjson::GetParseError_En(doc.GetParseError()));
    result.errors = std::move(r.errors);
    return result;
  }
  r.object(doc, "",
           {{"server", [&](const Value& v, const std::string&) { read_server(r, v, cfg.server); }},
            {"storage",
             [&](const Value& v, const std::string&) { read_storage(r, v, cfg.storage); }},
            {"routing",
             [&](const Value& v, const std::string&) { read_routing(r, v, cfg.routing); }},
            {"quality",
             [&](const Value& v, const std::string&) { read_quality(r, v, cfg.quality); }},
            {"providers",
             [&](const Value& v, const std::string&) { read_providers(r, v, cfg.providers); }}});

  if (opts.data_dir) {
    if (opts.data_dir->empty())
      r.fail("--data-dir", "expected a directory, got \"\"");
    else
      cfg.storage.data_dir = *opts.data_dir;
  }
  if (opts.listen && r.check_listen(*opts.listen, "--listen"))
    cfg.server.listen = *opts.listen;

  const environment env(opts, r.errors);
  resolve_secrets(cfg, env);

  result.errors = std::move(r.errors);
  if (result.errors.empty())
    result.cfg = std::move(cfg);
  return result;
}

load_result load_config(const load_options& opts) {
  if (!opts.config_file)
    return parse_config("{}", opts);
  auto text = read_file(*opts.config_file);
  if (!text) {
    load_result result;
    result.errors.push_back({"--config", "cannot read " + quoted(*opts.config_file)});
    return result;
  }
  auto result = parse_config(*text, opts);
  for (auto& e : result.errors)
    if (e.path.empty())
      e.path = *opts.config_file;
  return result;
}

} // namespace zega
