#include "actors/job.hpp"

#include "training/dedup.hpp"
#include "training/element.hpp"
#include "training/genres.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>

namespace zega::jobs {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void key(writer& w, const char* k) {
  w.Key(k);
}

validation bad(const std::string& msg) {
  return {400, "bad_request", msg};
}

} // namespace

validation validate(const job_request& req, int enabled_providers) {
  if (req.num_examples < 1 || req.num_examples > 1000)
    return bad("num_examples: must be between 1 and 1000, got " + std::to_string(req.num_examples));
  for (std::size_t i = 0; i < req.genres.size(); ++i)
    if (training::find_genre(req.genres[i]) == nullptr)
      return bad("genres[" + std::to_string(i) + "]: " + training::unknown_genre_message(req.genres[i]));
  for (std::size_t i = 0; i < req.elements.size(); ++i)
    if (!training::element_from_string(req.elements[i]))
      return bad("elements[" + std::to_string(i) + "]: unknown element \"" + req.elements[i]
                 + "\" (expected scene, character, dialogue or setting)");
  if (req.min_votes < 1)
    return bad("min_votes: must be at least 1, got " + std::to_string(req.min_votes));
  if (req.min_votes > enabled_providers)
    return bad("min_votes: " + std::to_string(req.min_votes) + " exceeds the "
               + std::to_string(enabled_providers) + " enabled providers");
  return {};
}

std::string request_to_json(const job_request& req, std::uint64_t seed) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  key(w, "user_id");
  str(w, req.user_id);
  key(w, "num_examples");
  w.Int(req.num_examples);
  key(w, "genres");
  w.StartArray();
  for (const auto& g : req.genres)
    str(w, g);
  w.EndArray();
  key(w, "elements");
  w.StartArray();
  for (const auto& e : req.elements)
    str(w, e);
  w.EndArray();
  key(w, "min_votes");
  w.Int(req.min_votes);
  key(w, "store_in_memory");
  w.Bool(req.store_in_memory);
  key(w, "save_to_database");
  w.Bool(req.save_to_database);
  // Only scheduled jobs record their origin: interactive records keep their old shape.
  if (req.kind == job_kind::scheduled) {
    key(w, "kind");
    str(w, "scheduled");
    key(w, "deadline_ms");
    w.Int64(req.deadline_ms);
    if (!req.origin.empty()) {
      key(w, "origin");
      str(w, req.origin);
    }
  }
  key(w, "seed");
  w.Uint64(seed);
  w.EndObject();
  return buf.GetString();
}

bool request_from_json(const std::string& json, job_request& req, std::uint64_t& seed) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("seed") || !d["seed"].IsUint64())
    return false;
  std::string error;
  job_request parsed;
  if (!parse_request(json, parsed, error))
    return false;
  if (d.HasMember("kind") && d["kind"].IsString()
      && d["kind"].GetString() == std::string("scheduled")) {
    parsed.kind = job_kind::scheduled;
    if (d.HasMember("deadline_ms") && d["deadline_ms"].IsInt64())
      parsed.deadline_ms = d["deadline_ms"].GetInt64();
    if (d.HasMember("origin") && d["origin"].IsString())
      parsed.origin = d["origin"].GetString();
  }
  req = std::move(parsed);
  seed = d["seed"].GetUint64();
  return true;
}

bool parse_request(const std::string& json, job_request& out, std::string& error) {
  rapidjson::Document doc;
  // Iterative: a client's deeply nested body must not exhaust the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(json.c_str(), json.size());
  if (doc.HasParseError()) {
    error = "body: invalid JSON at offset " + std::to_string(doc.GetErrorOffset());
    return false;
  }
  if (!doc.IsObject()) {
    error = "body: expected a JSON object";
    return false;
  }
  auto string_list = [&](const char* field, std::vector<std::string>& dst) {
    if (!doc.HasMember(field))
      return true;
    const auto& v = doc[field];
    if (v.IsNull())
      return true;
    if (!v.IsArray()) {
      error = std::string(field) + ": expected an array of strings";
      return false;
    }
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (!v[i].IsString()) {
        error = std::string(field) + "[" + std::to_string(i) + "]: expected a string";
        return false;
      }
      dst.emplace_back(v[i].GetString(), v[i].GetStringLength());
    }
    return true;
  };
  auto boolean = [&](const char* field, bool& dst) {
    if (!doc.HasMember(field))
      return true;
    if (!doc[field].IsBool()) {
      error = std::string(field) + ": expected true or false";
      return false;
    }
    dst = doc[field].GetBool();
    return true;
  };
  if (doc.HasMember("user_id")) {
    if (!doc["user_id"].IsString() || doc["user_id"].GetStringLength() == 0) {
      error = "user_id: expected a non-empty string";
      return false;
    }
    out.user_id = doc["user_id"].GetString();
  }
  if (doc.HasMember("num_examples")) {
    const auto& n = doc["num_examples"];
    if (!n.IsInt()) {
      error = "num_examples: expected an integer from 1 to 1000";
      return false;
    }
    out.num_examples = n.GetInt();
  }
  if (doc.HasMember("min_votes")) {
    const auto& n = doc["min_votes"];
    if (!n.IsInt()) {
      error = "min_votes: expected a positive integer";
      return false;
    }
    out.min_votes = n.GetInt();
  }
  if (!string_list("genres", out.genres) || !string_list("elements", out.elements)
      || !boolean("store_in_memory", out.store_in_memory)
      || !boolean("save_to_database", out.save_to_database))
    return false;
  return true;
}

job::job(std::string id, job_request req, std::uint64_t seed, std::int64_t started_ms,
         int examples_before)
  : id_(std::move(id)),
    req_(std::move(req)),
    seed_(seed),
    started_ms_(started_ms),
    examples_before_(examples_before) {
}

namespace {

// Heap bytes of one result: its strings and vectors (capacity is what the allocator holds).
std::size_t result_bytes(const example_result& r) {
  std::size_t n = sizeof(example_result) + r.genre.capacity() + r.element.capacity()
                  + r.topic.capacity() + r.prompt.capacity() + r.output.capacity()
                  + r.provider.capacity() + r.model.capacity() + r.error.capacity();
  for (const auto& c : r.candidates)
    n += sizeof(c) + c.provider.capacity() + c.model.capacity();
  for (const auto& e : r.provider_errors)
    n += sizeof(e) + e.first.capacity() + e.second.capacity();
  return n;
}

} // namespace

void job::add(example_result r) {
  bytes_ += result_bytes(r);
  if (r.success) {
    ++successful_;
    in_memory_ += r.in_memory ? 1 : 0;
    saved_ += r.in_library ? 1 : 0;
  } else {
    ++failed_;
  }
  results_.push_back(std::move(r));
}

namespace {

// The model with the best average quality (empty when nothing succeeded).
std::string best_of(const std::map<std::string, store::model_perf>& perf) {
  std::string best;
  double best_avg = -1;
  for (const auto& [m, p] : perf) {
    double avg = p.total_quality / p.count;
    if (avg > best_avg) {
      best_avg = avg;
      best = m;
    }
  }
  return best;
}

} // namespace

std::string job::best_model() const {
  std::map<std::string, store::model_perf> perf;
  for (const auto& r : results_)
    if (r.success) {
      ++perf[r.model].count;
      perf[r.model].total_quality += r.quality;
    }
  return best_of(perf);
}

store::job_record job::record(std::int64_t completed_ms, bool fine_tuning,
                              const example_result* pending) const {
  store::job_record j;
  j.id = id_;
  j.user = req_.user_id;
  j.state = state_;
  j.requested = req_.num_examples;
  j.successful = successful_;
  j.failed = failed_;
  j.duplicates = duplicates_;
  j.stories_saved = saved_;
  if (pending != nullptr) {
    (pending->success ? j.successful : j.failed) += 1;
    j.stories_saved += pending->success && pending->in_library ? 1 : 0;
  }
  bool first = true;
  double total = 0;
  auto count = [&](const example_result& r) {
    if (!r.success)
      return;
    total += r.quality;
    j.min_quality = first ? r.quality : std::min(j.min_quality, r.quality);
    j.max_quality = first ? r.quality : std::max(j.max_quality, r.quality);
    first = false;
    auto& p = j.model_performance[r.model];
    ++p.count;
    p.total_quality += r.quality;
    ++j.genre_distribution[r.genre];
    ++j.element_distribution[r.element];
  };
  for (const auto& r : results_)
    count(r);
  if (pending != nullptr)
    count(*pending);
  j.avg_quality = j.successful > 0 ? total / j.successful : 0;
  j.best_model = best_of(j.model_performance);
  j.examples_before = examples_before_;
  j.examples_after = examples_before_ + j.successful;
  j.fine_tuning_triggered = fine_tuning;
  j.started_ms = started_ms_;
  j.completed_ms = completed_ms;
  j.request_json = request_to_json(req_, seed_);
  return j;
}

job_event job::progress_event() const {
  job_event e;
  e.kind = job_event_kind::progress;
  e.job_id = id_;
  e.current = done();
  e.total = req_.num_examples;
  if (const auto* last = latest()) {
    e.current_genre = last->genre;
    if (last->success) {
      e.latest_quality = last->quality;
      e.story_id = last->story_id;
    }
  }
  e.best_model = best_model();
  e.successful = successful_;
  e.failed = failed_;
  e.stories_saved = saved_;
  return e;
}

job_brief job::brief(int queued, int in_flight) const {
  job_brief b;
  b.job_id = id_;
  b.user_id = req_.user_id;
  b.state = state_;
  b.total_requested = req_.num_examples;
  b.successful = successful_;
  b.failed = failed_;
  b.duplicates_rejected = duplicates_;
  b.queued = queued;
  b.in_flight = in_flight;
  b.min_votes = req_.min_votes;
  b.started_ms = started_ms_;
  return b;
}

std::uint64_t job::add_event(job_event e) {
  std::uint64_t id = events_.empty() ? 1 : events_.back().first + 1;
  // A completion keeps a copy of the results (its summary) for replay: count it too.
  bytes_ += sizeof(events_.front()) + e.job_id.capacity() + e.current_genre.capacity()
            + e.best_model.capacity() + e.message.capacity()
            + (e.summary ? sizeof(job_summary) + e.summary->info.memory_bytes() : 0);
  events_.emplace_back(id, std::move(e));
  return id;
}

void job::drop_events() {
  events_.clear();
  events_.shrink_to_fit();
}

bool fingerprint_set::near(std::uint64_t fp, int max_distance) const {
  return std::any_of(fps_.begin(), fps_.end(), [&](std::uint64_t x) {
    return training::near_duplicate(x, fp, max_distance);
  });
}

} // namespace zega::jobs
