#include "store/export.hpp"

#include "store/codec.hpp"
#include "training/quality.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace zega::store {

std::optional<export_format> parse_export_format(std::string_view s) {
  if (s == "openai" || s == "messages")
    return export_format::openai;
  if (s == "completion" || s == "prompt_completion")
    return export_format::completion;
  if (s == "zega")
    return export_format::zega;
  return std::nullopt;
}

const char* to_string(export_format f) {
  switch (f) {
  case export_format::completion:
    return "completion";
  case export_format::zega:
    return "zega";
  case export_format::openai:
    break;
  }
  return "openai";
}

std::optional<export_split> parse_export_split(std::string_view s) {
  if (s == "all")
    return export_split::all;
  if (s == "train")
    return export_split::train;
  if (s == "validation")
    return export_split::validation;
  return std::nullopt;
}

namespace {

// A whole-string number within [lo, hi].
std::optional<double> parse_number(const std::string& v, double lo, double hi) {
  if (v.empty())
    return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (*end != '\0' || !std::isfinite(d) || d < lo || d > hi)
    return std::nullopt;
  return d;
}

} // namespace

std::string apply_export_query(const export_query& q, export_options& opts) {
  if (q.format) {
    auto f = parse_export_format(*q.format);
    if (!f)
      return "format: expected openai, completion or zega, got \"" + *q.format + "\"";
    opts.format = *f;
  }
  if (q.min_quality) {
    if (*q.min_quality == "all") {
      opts.all_qualities = true;
      opts.filter.min_quality.reset();
    } else if (auto v = parse_number(*q.min_quality, 0, 10)) {
      opts.all_qualities = false;
      opts.filter.min_quality = *v;
    } else {
      return "min_quality: expected a number from 0 to 10 or \"all\", got \"" + *q.min_quality
             + "\"";
    }
  }
  if (q.validation_fraction) {
    auto v = parse_number(*q.validation_fraction, 0, 1);
    if (!v)
      return "validation_fraction: expected a number from 0 to 1, got \""
             + *q.validation_fraction + "\"";
    opts.validation_fraction = *v;
  }
  if (q.split) {
    auto s = parse_export_split(*q.split);
    if (!s)
      return "split: expected all, train or validation, got \"" + *q.split + "\"";
    opts.split = *s;
  }
  return validate(opts);
}

std::string validate(const export_options& opts) {
  if (opts.split != export_split::all && !(opts.validation_fraction > 0))
    return std::string("split: \"") + (opts.split == export_split::train ? "train" : "validation")
           + "\" needs validation_fraction, a number above 0 and at most 1 (the share of "
             "premises held out)";
  if (!(opts.validation_fraction >= 0 && opts.validation_fraction <= 1))
    return "validation_fraction: expected a number from 0 to 1";
  return {};
}

std::optional<double> effective_min_quality(const export_options& opts) {
  if (opts.filter.min_quality)
    return opts.filter.min_quality;
  if (opts.all_qualities)
    return std::nullopt;
  return opts.memory_threshold;
}

std::string premise_key(const example_record& ex) {
  const std::string& source = ex.topic.empty() ? ex.prompt : ex.topic;
  std::string key;
  key.reserve(source.size());
  bool space = false;
  for (unsigned char c : source) {
    if (std::isspace(c)) {
      space = !key.empty();
      continue;
    }
    if (space)
      key.push_back(' ');
    space = false;
    key.push_back(static_cast<char>(std::tolower(c)));
  }
  return key;
}

bool in_validation(std::string_view premise_key, double validation_fraction) {
  if (!(validation_fraction > 0))
    return false;
  // FNV-1a over the key, then the splitmix64 finaliser so that near-identical keys land
  // far apart; the side depends on the premise alone, never on ids or on order.
  std::uint64_t z = 0xcbf29ce484222325ull;
  for (unsigned char c : premise_key) {
    z ^= c;
    z *= 0x100000001b3ull;
  }
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  double unit = static_cast<double>(z >> 11) / static_cast<double>(1ull << 53);
  return unit < validation_fraction;
}

namespace {

void write_message(json_writer& w, const char* role, std::string_view content) {
  w.StartObject();
  write_field(w, "role", role);
  write_field(w, "content", content);
  w.EndObject();
}

} // namespace

std::string export_line(const example_record& ex, export_format format) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  switch (format) {
  case export_format::openai:
    w.Key("messages");
    w.StartArray();
    if (!ex.system.empty())
      write_message(w, "system", ex.system);
    write_message(w, "user", ex.prompt);
    write_message(w, "assistant", ex.output);
    w.EndArray();
    break;
  case export_format::completion:
    write_field(w, "prompt", ex.prompt);
    write_field(w, "completion", ex.output);
    break;
  case export_format::zega:
    write_field(w, "input", ex.prompt);
    write_field(w, "output", ex.output);
    w.Key("metadata");
    w.StartObject();
    write_field(w, "genre", ex.genre);
    write_field(w, "element", ex.element);
    write_field(w, "quality_score", ex.quality);
    write_field(w, "timestamp", iso8601_utc(ex.created_ms));
    write_field(w, "best_model", ex.model);
    w.EndObject();
    break;
  }
  w.EndObject();
  std::string line(buf.GetString(), buf.GetSize());
  line.push_back('\n');
  return line;
}

namespace {

// Walks the examples the options select (floor applied, rejected ones counted and left
// out), telling `fn` each one and its side. Returns "" or why the walk stopped early.
std::string for_each_exported(const store& db, const export_options& opts,
                              std::size_t& rejected,
                              const std::function<bool(const example_record&, bool)>& fn) {
  example_filter f = opts.filter;
  f.min_quality = effective_min_quality(opts);
  return db.for_each_example(f, [&](const example_record& ex) {
    if (ex.review == review_status::rejected) {
      ++rejected;
      return true;
    }
    return fn(ex, in_validation(premise_key(ex), opts.validation_fraction));
  });
}

} // namespace

export_result export_jsonl(const store& db, const export_options& opts,
                           const std::function<bool(std::string_view line)>& sink) {
  export_result res;
  res.error = validate(opts);
  if (!res.error.empty())
    return res;
  res.error = for_each_exported(db, opts, res.rejected, [&](const example_record& ex,
                                                            bool validation) {
    if (opts.split != export_split::all && validation != (opts.split == export_split::validation))
      return true;
    if (!sink(export_line(ex, opts.format))) {
      res.stopped = true;
      return false;
    }
    ++res.lines;
    return true;
  });
  return res;
}

void dataset_stats::add(const example_record& ex, bool is_validation) {
  ++(is_validation ? validation : train);
  accepted += ex.review == review_status::accepted ? 1 : 0;
  const double q = std::isfinite(ex.quality) ? ex.quality : 0;
  const auto bucket = static_cast<std::size_t>(std::clamp(std::floor(q), 0.0, 9.0));
  ++histogram[bucket];
  auto& p = providers[ex.provider + " / " + ex.model];
  ++p.count;
  p.total_quality += q;
  ++genres[ex.genre];
  ++elements[ex.element];
  ++rubric_versions[ex.rubric_version];
}

namespace {

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Markdown table cells must not break the table.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : valid_utf8(s)) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out.empty() ? "(none)" : out;
}

void count_table(std::ostringstream& o, const char* title, const char* column,
                 const std::map<std::string, std::size_t>& counts) {
  o << "\n## " << title << "\n\n| " << column << " | examples |\n|---|---:|\n";
  for (const auto& [name, n] : counts)
    o << "| " << cell(name) << " | " << n << " |\n";
}

} // namespace

std::string dataset_card(const dataset_stats& s, const export_options& opts, std::int64_t now_ms) {
  std::ostringstream o;
  const std::size_t total = s.train + s.validation;
  o << "# zegad dataset";
  if (opts.filter.user)
    o << " for user " << cell(*opts.filter.user);
  o << "\n\nCreative-writing training examples (one scene, character, dialogue or setting each) "
       "generated by zegad, exported "
    << iso8601_utc(now_ms) << ".\n\n| file | examples |\n|---|---:|\n"
    << "| train.jsonl | " << s.train << " |\n"
    << "| validation.jsonl | " << s.validation << " |\n"
    << "| total | " << total << " |\n\n"
    << "Format: `" << to_string(opts.format) << "` ("
    << (opts.format == export_format::openai       ? "chat `messages`: system, user, assistant"
        : opts.format == export_format::completion ? "`prompt` / `completion`"
                                                   : "zega `input` / `output` / `metadata`")
    << ").\n";

  o << "\n## Selection\n\n";
  const auto floor = effective_min_quality(opts);
  o << "- minimum quality: " << (floor ? fixed1(*floor) : std::string("all (no floor)"))
    << (opts.filter.min_quality || opts.all_qualities ? "" : " (the memory threshold)") << "\n"
    << "- thresholds: memory " << fixed1(opts.memory_threshold) << ", library "
    << fixed1(opts.library_threshold) << "\n"
    << "- rubric version: " << training::rubric_version;
  std::size_t stale = 0;
  for (const auto& [version, n] : s.rubric_versions)
    stale += version == training::rubric_version ? 0 : n;
  if (stale)
    o << " (" << stale << " examples were scored by an older rubric or unversioned; "
      << "`zegactl rescore` updates them)";
  o << "\n- validation: " << fixed1(100 * opts.validation_fraction)
    << "% of premises, split by a hash of the premise: no premise is on both sides\n"
    << "- curation: " << s.rejected << " rejected examples left out, " << s.accepted
    << " exported examples accepted by an operator\n";
  if (opts.filter.genre)
    o << "- genre: " << cell(*opts.filter.genre) << "\n";
  if (opts.filter.element)
    o << "- element: " << cell(*opts.filter.element) << "\n";
  if (opts.filter.provider)
    o << "- provider: " << cell(*opts.filter.provider) << "\n";

  o << "\n## Quality scores\n\n| score | examples |\n|---|---:|\n";
  for (std::size_t b = 0; b < s.histogram.size(); ++b)
    o << "| " << b << (b + 1 == s.histogram.size() ? "–10" : "–<" + std::to_string(b + 1))
      << " | " << s.histogram[b] << " |\n";

  o << "\n## Providers\n\n| provider / model | examples | average quality |\n|---|---:|---:|\n";
  for (const auto& [name, t] : s.providers)
    o << "| " << cell(name) << " | " << t.count << " | "
      << fixed1(t.count ? t.total_quality / static_cast<double>(t.count) : 0) << " |\n";
  count_table(o, "Genres", "genre", s.genres);
  count_table(o, "Elements", "element", s.elements);
  return o.str();
}

namespace {

// Moves a finished temporary file onto its final name.
bool replace_file(const std::string& tmp, const std::string& path, std::string& error) {
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    error = "cannot rename " + tmp + " to " + path + ": " + ec.message();
  return !ec;
}

} // namespace

export_dir_result export_to_directory(const store& db, const export_options& opts,
                                      const std::string& dir, std::int64_t now_ms) {
  export_dir_result res;
  export_options o = opts;
  o.split = export_split::all;
  if (res.error = validate(o); !res.error.empty())
    return res;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    res.error = "cannot create " + dir + ": " + ec.message();
    return res;
  }
  const auto base = std::filesystem::path(dir);
  res.train_path = (base / "train.jsonl").string();
  res.validation_path = (base / "validation.jsonl").string();
  res.card_path = (base / "README.md").string();
  const std::string suffix = ".part";
  std::ofstream train(res.train_path + suffix, std::ios::binary | std::ios::trunc);
  std::ofstream validation(res.validation_path + suffix, std::ios::binary | std::ios::trunc);
  auto cleanup = [&] {
    for (const auto* p : {&res.train_path, &res.validation_path, &res.card_path})
      std::filesystem::remove(*p + suffix, ec);
  };
  if (!train || !validation) {
    res.error = "cannot write in " + dir;
    cleanup();
    return res;
  }
  res.error = for_each_exported(db, o, res.stats.rejected,
                                [&](const example_record& ex, bool is_validation) {
                                  auto line = export_line(ex, o.format);
                                  auto& out = is_validation ? validation : train;
                                  out.write(line.data(), static_cast<std::streamsize>(line.size()));
                                  res.stats.add(ex, is_validation);
                                  return static_cast<bool>(out);
                                });
  train.close();
  validation.close();
  if (res.error.empty() && (!train || !validation))
    res.error = "cannot write in " + dir + " (disk full?)";
  if (res.error.empty()) {
    std::ofstream card(res.card_path + suffix, std::ios::binary | std::ios::trunc);
    card << dataset_card(res.stats, o, now_ms);
    card.close();
    if (!card)
      res.error = "cannot write " + res.card_path + suffix;
  }
  if (!res.error.empty()) {
    cleanup();
    return res;
  }
  for (const auto* p : {&res.train_path, &res.validation_path, &res.card_path})
    if (!replace_file(*p + suffix, *p, res.error))
      return res;
  return res;
}

} // namespace zega::store
