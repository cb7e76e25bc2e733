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

// The rubric notes "token limit" in its truncation part only when the provider reported
// finish reason "length", the one input of score() the record does not keep.
bool provider_truncated(const std::string& quality_json) {
  rapidjson::Document d;
  d.Parse(quality_json.data(), quality_json.size());
  if (d.HasParseError() || !d.IsObject())
    return false;
  auto parts = d.FindMember("parts");
  if (parts == d.MemberEnd() || !parts->value.IsArray())
    return false;
  for (const auto& p : parts->value.GetArray()) {
    if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString()
        || std::string(p["name"].GetString()) != "truncation")
      continue;
    return p.HasMember("note") && p["note"].IsString()
           && std::string(p["note"].GetString()).find("token limit") != std::string::npos;
  }
  return false;
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
  if (!e || (!opts.force && ex.rubric_version == training::rubric_version)) {
    ++counts.skipped;
    return false;
  }
  const auto report =
    training::score(*e, ex.output, provider_truncated(ex.quality_json), opts.rubric);
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
