#include "training/finetune.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace zega::training {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string_field(writer& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void count_field(writer& w, const char* key, std::size_t v) {
  w.Key(key);
  w.Uint64(v);
}

// Ollama names are at most a few hundred bytes; a short one reads well in `ollama list`.
constexpr std::size_t max_user_part = 48;

bool better(const shot& a, const shot& b) {
  if (a.quality != b.quality)
    return a.quality > b.quality;
  return a.id < b.id;
}

} // namespace

const std::string& default_system_prompt() {
  static const std::string prompt =
    "You are a creative-writing assistant. When asked for a scene, a character, a dialogue "
    "or a setting in a genre, write exactly that piece of fiction in vivid, concrete English "
    "prose: no title, no preamble, no notes about the writing, no offers of alternatives. "
    "Keep it under 200 words. A scene shows action or change; a character gives both "
    "description and backstory in prose; a dialogue is speaker lines; a setting is a place "
    "through the senses.";
  return prompt;
}

std::string model_name_for(std::string_view user) {
  std::string part;
  bool changed = false;
  for (unsigned char c : user) {
    char out = static_cast<char>(c);
    if (c >= 'A' && c <= 'Z')
      out = static_cast<char>(c - 'A' + 'a');
    else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
               || c == '-'))
      out = '-';
    changed |= out != static_cast<char>(c);
    if (out == '-' && !part.empty() && part.back() == '-')
      continue;
    part.push_back(out);
  }
  auto punct = [](char c) { return c == '-' || c == '.' || c == '_'; };
  while (!part.empty() && punct(part.back()))
    part.pop_back(), changed = true;
  std::size_t lead = 0;
  while (lead < part.size() && punct(part[lead]))
    ++lead;
  changed |= lead > 0;
  part.erase(0, lead);
  if (part.size() > max_user_part) {
    part.resize(max_user_part);
    changed = true;
  }
  if (part.empty()) {
    part = "user";
    changed = true;
  }
  if (changed) {
    // FNV-1a of the original id keeps distinct ids apart after folding.
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : user) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "-%06llx",
                  static_cast<unsigned long long>(h & 0xffffff));
    part += suffix;
  }
  return "zega-" + part;
}

void shot_pool::offer(const shot& s) {
  ++offered_;
  if (!(s.quality >= settings_.min_quality) || settings_.max_examples == 0)
    return;
  auto& list = by_element_[s.element];
  auto pos = std::lower_bound(list.begin(), list.end(), s, better);
  if (list.size() == settings_.max_examples && pos == list.end())
    return;
  list.insert(pos, s);
  if (list.size() > settings_.max_examples)
    list.pop_back();
}

std::vector<shot> shot_pool::select() const {
  std::vector<shot> out;
  for (std::size_t round = 0; out.size() < settings_.max_examples; ++round) {
    bool any = false;
    for (const auto& [element, list] : by_element_) {
      if (round >= list.size() || out.size() == settings_.max_examples)
        continue;
      out.push_back(list[round]);
      any = true;
    }
    if (!any)
      break;
  }
  return out;
}

std::string create_body(std::string_view user, const finetune_settings& s,
                        const std::vector<shot>& shots) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  string_field(w, "model", model_name_for(user));
  string_field(w, "from", s.base_model);
  string_field(w, "system", s.system_prompt.empty() ? default_system_prompt() : s.system_prompt);
  w.Key("messages");
  w.StartArray();
  for (const auto& sh : shots)
    for (const auto& [role, content] : {std::pair<const char*, const std::string*>{"user", &sh.prompt},
                                        {"assistant", &sh.output}}) {
      w.StartObject();
      string_field(w, "role", role);
      string_field(w, "content", *content);
      w.EndObject();
    }
  w.EndArray();
  w.Key("stream");
  w.Bool(false);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string to_json(const finetune_outcome& o) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  string_field(w, "status", o.success ? "success" : "failed");
  string_field(w, "message", o.message);
  string_field(w, "model", o.model);
  count_field(w, "examples_used", o.examples_used);
  w.Key("by_element");
  w.StartObject();
  for (const auto& [element, n] : o.by_element)
    count_field(w, element.c_str(), n);
  w.EndObject();
  count_field(w, "training_examples", o.training_examples);
  count_field(w, "validation_examples", o.validation_examples);
  w.Key("export");
  w.StartObject();
  string_field(w, "train", o.train_path);
  string_field(w, "validation", o.validation_path);
  string_field(w, "card", o.card_path);
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

training_stats compute_training_stats(const training_stats_input& in, std::size_t threshold) {
  training_stats s;
  s.training_examples = in.good_examples;
  s.examples_until_next_training = threshold ? threshold - in.good_examples % threshold : 0;
  s.custom_model_exists = in.custom_model_exists;
  s.training_steps = in.finetune_runs;
  if (in.good_examples)
    s.avg_quality_score =
      std::round(in.good_quality_total / static_cast<double>(in.good_examples) * 100) / 100;
  return s;
}

std::string to_json(const training_stats& s) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  count_field(w, "training_examples", s.training_examples);
  count_field(w, "examples_until_next_training", s.examples_until_next_training);
  w.Key("custom_model_exists");
  w.Bool(s.custom_model_exists);
  count_field(w, "training_steps", s.training_steps);
  w.Key("avg_quality_score");
  w.Double(s.avg_quality_score);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

} // namespace zega::training
