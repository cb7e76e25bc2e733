#include "store/rescore.hpp"

#include "store/codec.hpp"

#include <rapidjson/document.h>

namespace zega::store {

rescore_counts& rescore_counts::operator+=(const rescore_counts& o) {
  examined += o.examined;
  rescored += o.rescored;
  skipped += o.skipped;
  memory_up += o.memory_up;
  memory_down += o.memory_down;
  library_up += o.library_up;
  library_down += o.library_down;
  return *this;
}

namespace {

struct stored_report {
  bool truncated = false; // the provider stopped at its token limit
  int version = 0;
};

// The rubric notes "token limit" in its truncation part only when the provider reported
// finish reason "length", the one input of score() the record does not keep. Records
// written before example_record::rubric_version existed carry the version in the report.
stored_report read_report(const std::string& quality_json) {
  stored_report out;
  rapidjson::Document d;
  d.Parse(quality_json.data(), quality_json.size());
  if (d.HasParseError() || !d.IsObject())
    return out;
  if (auto v = d.FindMember("rubric_version"); v != d.MemberEnd() && v->value.IsInt())
    out.version = v->value.GetInt();
  auto parts = d.FindMember("parts");
  if (parts == d.MemberEnd() || !parts->value.IsArray())
    return out;
  for (const auto& p : parts->value.GetArray()) {
    if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString()
        || std::string(p["name"].GetString()) != "truncation")
      continue;
    if (p.HasMember("note") && p["note"].IsString())
      out.truncated = std::string(p["note"].GetString()).find("token limit") != std::string::npos;
  }
  return out;
}

void count_crossing(double before, double after, double threshold, std::size_t& up,
                    std::size_t& down) {
  const bool was = before >= threshold;
  const bool is = after >= threshold;
  up += !was && is ? 1 : 0;
  down += was && !is ? 1 : 0;
}

} // namespace

bool rescore_example(example_record& ex, const rescore_options& opts, rescore_counts& counts) {
  ++counts.examined;
  auto e = training::element_from_string(ex.element);
  const auto stored = read_report(ex.quality_json);
  const int version = ex.rubric_version ? ex.rubric_version : stored.version;
  if (!e || (!opts.force && version == training::rubric_version)) {
    ++counts.skipped;
    return false;
  }
  const auto report = training::score(*e, ex.output, stored.truncated, opts.rubric);
  const double before = ex.quality;
  const double after = report.score;
  count_crossing(before, after, opts.memory_threshold, counts.memory_up, counts.memory_down);
  count_crossing(before, after, opts.library_threshold, counts.library_up,
                 counts.library_down);
  auto json = report.to_json();
  const bool changed = after != before || json != ex.quality_json
                       || ex.rubric_version != report.version
                       || ex.in_memory != (after >= opts.memory_threshold)
                       || ex.in_library != (after >= opts.library_threshold);
  if (!changed) {
    ++counts.skipped;
    return false;
  }
  ex.quality = after;
  ex.quality_json = std::move(json);
  ex.rubric_version = report.version;
  ex.in_memory = after >= opts.memory_threshold;
  ex.in_library = after >= opts.library_threshold;
  ++counts.rescored;
  return true;
}

rescore_chunk_result rescore_chunk(store& db, std::uint64_t cursor, std::size_t n,
                                   const rescore_options& opts) {
  rescore_chunk_result out;
  rescore_counts counts;
  auto res = db.update_examples(cursor, n, [&](example_record& ex) {
    return rescore_example(ex, opts, counts);
  });
  out.status = res.status;
  out.message = res.message;
  out.next_cursor = res.next_id;
  // A failed transaction wrote nothing: report nothing crossed, so the caller can retry the
  // same cursor without counting twice.
  if (res.status == commit_status::ok)
    out.counts = counts;
  else
    out.next_cursor = cursor;
  return out;
}

std::string to_json(const rescore_counts& c) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  auto num = [&](const char* key, std::size_t v) {
    w.Key(key);
    w.Uint64(v);
  };
  w.StartObject();
  num("examined", c.examined);
  num("rescored", c.rescored);
  num("skipped", c.skipped);
  w.Key("memory");
  w.StartObject();
  num("up", c.memory_up);
  num("down", c.memory_down);
  w.EndObject();
  w.Key("library");
  w.StartObject();
  num("up", c.library_up);
  num("down", c.library_down);
  w.EndObject();
  w.Key("rubric_version");
  w.Int(training::rubric_version);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

} // namespace zega::store
