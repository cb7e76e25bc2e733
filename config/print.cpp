#include "config/config.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace zega {

namespace {

// The input format's keys plus what loading resolved (api_key, token, disabled_reason);
// resolved secrets are only ever shown as "***".
template <class Writer>
class printer {
public:
  explicit printer(Writer& w) : w_(w) {}

  void str(const char* key, const std::string& v) {
    w_.Key(key);
    w_.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  void num(const char* key, long long v) {
    w_.Key(key);
    w_.Int64(v);
  }
  void real(const char* key, double v) {
    w_.Key(key);
    w_.Double(v);
  }
  void flag(const char* key, bool v) {
    w_.Key(key);
    w_.Bool(v);
  }
  void secret(const char* key, const std::string& v) {
    w_.Key(key);
    if (v.empty())
      w_.Null();
    else
      w_.String("***");
  }
  void limit(const char* key, int v) {
    w_.Key(key);
    if (v == 0)
      w_.Null(); // not configured: learned from the provider
    else
      w_.Int(v);
  }
  template <class F>
  void object(const char* key, F&& body) {
    w_.Key(key);
    w_.StartObject();
    body();
    w_.EndObject();
  }

  void provider(const provider_config& p) {
    w_.StartObject();
    str("name", p.name);
    str("kind", net::to_string(p.kind));
    str("base_url", p.base_url);
    str("model", p.model);
    w_.Key("api_key_env");
    w_.StartArray();
    for (const auto& var : p.api_key_env)
      w_.String(var.c_str(), static_cast<rapidjson::SizeType>(var.size()));
    w_.EndArray();
    num("priority", p.priority);
    object("limits", [&] {
      limit("rpm", p.limits.rpm);
      limit("tpm", p.limits.tpm);
      limit("rpd", p.limits.rpd);
      limit("tpd", p.limits.tpd);
      num("max_in_flight", p.limits.max_in_flight);
      num("min_interval_ms", p.limits.min_interval_ms);
    });
    object("timeouts", [&] {
      num("connect_ms", p.timeouts.connect_ms);
      num("tls_ms", p.timeouts.tls_ms);
      num("first_byte_ms", p.timeouts.first_byte_ms);
      num("total_ms", p.timeouts.total_ms);
    });
    object("backoff", [&] {
      num("base_ms", p.backoff.base_ms);
      num("cap_ms", p.backoff.cap_ms);
      num("circuit_failures", p.backoff.circuit_failures);
      num("circuit_cooldown_ms", p.backoff.circuit_cooldown_ms);
      num("probe_interval_ms", p.backoff.probe_interval_ms);
    });
    str("ca_file", p.ca_file);
    flag("enabled", p.enabled);
    num("max_output_tokens", p.max_output_tokens);
    real("temperature", p.temperature);
    secret("api_key", p.api_key);
    str("disabled_reason", p.disabled_reason);
    w_.EndObject();
  }

  void all(const config& c) {
    w_.StartObject();
    object("server", [&] {
      str("listen", c.server.listen);
      str("token_env", c.server.token_env);
      secret("token", c.server.token);
      num("shutdown_grace_ms", c.server.shutdown_grace_ms);
      num("heartbeat_ms", c.server.heartbeat_ms);
    });
    object("storage", [&] {
      const auto& s = c.storage;
      str("data_dir", s.data_dir);
      num("map_size_mb", static_cast<long long>(s.map_size_mb));
      num("max_map_size_mb", static_cast<long long>(s.max_map_size_mb));
      num("commit_batch", s.commit_batch);
      num("commit_interval_ms", s.commit_interval_ms);
      num("attempts_retention_days", s.attempts_retention_days);
      str("on_interrupted", s.on_interrupted);
    });
    object("routing", [&] {
      const auto& r = c.routing;
      num("max_wait_for_higher_ms", r.max_wait_for_higher_ms);
      num("max_in_flight", r.max_in_flight);
      num("retries_per_provider", r.retries_per_provider);
      num("task_deadline_ms", r.task_deadline_ms);
      num("queue_limit", r.queue_limit);
      str("pacing", r.pacing);
      real("time_scale", r.time_scale);
      object("fixed", [&] {
        const auto& f = r.fixed;
        num("pause_min_ms", f.pause_min_ms);
        num("pause_max_ms", f.pause_max_ms);
        num("between_models_ms", f.between_models_ms);
        num("between_groups_ms", f.between_groups_ms);
        num("retries", f.retries);
        w_.Key("retry_backoff_ms");
        w_.StartArray();
        for (int ms : f.retry_backoff_ms)
          w_.Int(ms);
        w_.EndArray();
      });
    });
    object("quality", [&] {
      const auto& q = c.quality;
      real("memory_threshold", q.memory_threshold);
      real("library_threshold", q.library_threshold);
      num("fine_tune_threshold", q.fine_tune_threshold);
      num("dedup_max_distance", q.dedup_max_distance);
    });
    w_.Key("providers");
    w_.StartArray();
    for (const auto& p : c.providers)
      provider(p);
    w_.EndArray();
    w_.EndObject();
  }

private:
  Writer& w_;
};

} // namespace

std::string to_json(const config& cfg, bool pretty) {
  rapidjson::StringBuffer buf;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
    printer<decltype(w)>(w).all(cfg);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    printer<decltype(w)>(w).all(cfg);
  }
  return buf.GetString();
}

} // namespace zega
