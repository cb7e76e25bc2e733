#include "store/finetune.hpp"

#include "store/codec.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace zega::store {

training::finetune_settings finetune_settings_from(const config& cfg) {
  training::finetune_settings s;
  s.max_examples = static_cast<std::size_t>(std::max(0, cfg.finetune.max_examples));
  s.threshold = static_cast<std::size_t>(std::max(0, cfg.finetune.threshold));
  s.min_quality = cfg.quality.memory_threshold;
  s.base_model = cfg.finetune.base_model;
  s.system_prompt = cfg.finetune.system_prompt.value_or("");
  return s;
}

export_options export_options_from(const config& cfg) {
  export_options o;
  o.memory_threshold = cfg.quality.memory_threshold;
  o.library_threshold = cfg.quality.library_threshold;
  return o;
}

std::string finetune_meta_key(const std::string& user) {
  return "finetune:" + user;
}

std::string encode(const finetune_record& r) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  write_field(w, "model", r.model);
  w.Key("runs");
  w.Uint64(r.runs);
  w.Key("last_ms");
  w.Int64(r.last_ms);
  w.Key("last_ok");
  w.Bool(r.last_ok);
  write_field(w, "last_message", r.last_message);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::optional<finetune_record> decode_finetune_record(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject())
    return std::nullopt;
  finetune_record r;
  if (d.HasMember("model") && d["model"].IsString())
    r.model = d["model"].GetString();
  if (d.HasMember("runs") && d["runs"].IsUint64())
    r.runs = d["runs"].GetUint64();
  if (d.HasMember("last_ms") && d["last_ms"].IsInt64())
    r.last_ms = d["last_ms"].GetInt64();
  if (d.HasMember("last_ok") && d["last_ok"].IsBool())
    r.last_ok = d["last_ok"].GetBool();
  if (d.HasMember("last_message") && d["last_message"].IsString())
    r.last_message = d["last_message"].GetString();
  return r;
}

std::optional<finetune_record> get_finetune_record(const store& db, const std::string& user) {
  auto v = db.get_meta(finetune_meta_key(user));
  return v ? decode_finetune_record(*v) : std::nullopt;
}

finetune_record after_attempt(std::optional<finetune_record> previous, const std::string& model,
                              bool ok, const std::string& message, std::int64_t now_ms) {
  finetune_record r = previous.value_or(finetune_record{});
  r.model = model;
  r.runs += ok ? 1 : 0;
  r.last_ms = now_ms;
  r.last_ok = ok;
  r.last_message = message;
  return r;
}

user_dataset gather_user_dataset(const store& db, const std::string& user,
                                 const training::finetune_settings& s) {
  user_dataset out{training::shot_pool(s), {}, 0, {}};
  example_filter f;
  f.user = user;
  f.min_quality = s.min_quality;
  out.error = db.for_each_example(f, [&](const example_record& ex) {
    if (ex.review == review_status::rejected)
      return true;
    ++out.stats.good_examples;
    out.stats.good_quality_total += ex.quality;
    out.last_id = std::max(out.last_id, ex.id);
    out.pool.offer({ex.id, ex.element, ex.genre, ex.prompt, ex.output, ex.quality});
    return true;
  });
  return out;
}

training::training_stats user_training_stats(const store& db, const std::string& user,
                                             const training::finetune_settings& s) {
  auto data = gather_user_dataset(db, user, s);
  if (auto rec = get_finetune_record(db, user)) {
    data.stats.finetune_runs = rec->runs;
    data.stats.custom_model_exists = rec->runs > 0;
  }
  return training::compute_training_stats(data.stats, s.threshold);
}

finetune_plan prepare_finetune(const store& db, const config& cfg, const std::string& user,
                               std::int64_t now_ms) {
  finetune_plan plan;
  const auto settings = finetune_settings_from(cfg);
  plan.model = training::model_name_for(user);
  auto data = gather_user_dataset(db, user, settings);
  if (!data.error.empty()) {
    plan.error = "cannot read the archive: " + data.error;
    return plan;
  }
  plan.shots = data.pool.select();
  if (plan.shots.empty()) {
    char floor[32];
    std::snprintf(floor, sizeof floor, "%.1f", settings.min_quality);
    plan.error = "no example of user \"" + user + "\" reaches the memory threshold (" + floor
                 + ") yet";
    return plan;
  }
  if (settings.base_model.empty()) {
    plan.error = "no base model: set finetune.base_model or configure an ollama provider";
    return plan;
  }
  auto opts = export_options_from(cfg);
  opts.filter.user = user;
  // The validation share ZEGA's users get without asking: one premise in ten.
  opts.validation_fraction = 0.1;
  const auto dir = std::filesystem::path(cfg.storage.data_dir) / "finetune" / plan.model;
  plan.exported = export_to_directory(db, opts, dir.string(), now_ms);
  if (!plan.exported.error.empty()) {
    plan.error = "export failed: " + plan.exported.error;
    return plan;
  }
  plan.create_body = training::create_body(user, settings, plan.shots);
  return plan;
}

training::finetune_outcome finetune_outcome_of(const finetune_plan& plan, bool success,
                                               const std::string& message) {
  training::finetune_outcome o;
  o.success = success && plan.error.empty();
  o.message = plan.error.empty() ? message : plan.error;
  o.model = plan.model;
  o.examples_used = plan.shots.size();
  for (const auto& s : plan.shots)
    ++o.by_element[s.element];
  o.training_examples = plan.exported.stats.train;
  o.validation_examples = plan.exported.stats.validation;
  o.train_path = plan.exported.train_path;
  o.validation_path = plan.exported.validation_path;
  o.card_path = plan.exported.card_path;
  return o;
}

} // namespace zega::store
