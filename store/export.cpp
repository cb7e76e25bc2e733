#include "store/export.hpp"

#include "store/codec.hpp"

namespace zega::store {

std::optional<export_format> parse_export_format(std::string_view s) {
  if (s == "openai")
    return export_format::openai;
  if (s == "zega")
    return export_format::zega;
  return std::nullopt;
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

bool in_validation(std::uint64_t example_id, double validation_fraction) {
  if (!(validation_fraction > 0))
    return false;
  // splitmix64 finaliser: consecutive ids land far apart, so the split is not by age.
  std::uint64_t z = example_id + 0x9E3779B97F4A7C15ull;
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
  if (format == export_format::openai) {
    w.Key("messages");
    w.StartArray();
    if (!ex.system.empty())
      write_message(w, "system", ex.system);
    write_message(w, "user", ex.prompt);
    write_message(w, "assistant", ex.output);
    w.EndArray();
  } else {
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
  }
  w.EndObject();
  std::string line(buf.GetString(), buf.GetSize());
  line.push_back('\n');
  return line;
}

export_result export_jsonl(const store& db, const export_options& opts,
                           const std::function<bool(std::string_view line)>& sink) {
  export_result res;
  res.error = db.for_each_example(opts.filter, [&](const example_record& ex) {
    if (opts.split != export_split::all) {
      bool validation = in_validation(ex.id, opts.validation_fraction);
      if (validation != (opts.split == export_split::validation))
        return true;
    }
    if (!sink(export_line(ex, opts.format))) {
      res.stopped = true;
      return false;
    }
    ++res.lines;
    return true;
  });
  return res;
}

} // namespace zega::store
