#include "net/api/views_jobs.hpp"

#include "net/api/views_errors.hpp"
#include "net/api/views_status.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace zega::net {

namespace {

// {"name": count, ...}
void write_counts(view_writer& w, const std::map<std::string, int>& counts) {
  w.StartObject();
  for (const auto& [name, n] : counts) {
    w.Key(name.c_str());
    w.Int(n);
  }
  w.EndObject();
}

double round1(double x) {
  return std::round(x * 10.0) / 10.0;
}

double round3(double x) {
  return std::round(x * 1000.0) / 1000.0;
}

void write_provider_errors(view_writer& w, const std::vector<std::pair<std::string, std::string>>& errors) {
  w.StartObject();
  for (const auto& [p, why] : errors) {
    w.Key(p.c_str());
    write_str(w, why);
  }
  w.EndObject();
}

// A success kept with fewer votes than the request's min_votes (a provider was down).
bool short_of_votes(const jobs::example_result& r, int min_votes) {
  return r.success && static_cast<int>(r.candidates.size()) < min_votes;
}

void write_example(view_writer& w, const jobs::example_result& r, int min_votes) {
  w.StartObject();
  w.Key("success");
  w.Bool(r.success);
  w.Key("genre");
  write_str(w, r.genre);
  w.Key("element");
  write_str(w, r.element);
  w.Key("topic");
  write_str(w, r.topic);
  w.Key("prompt");
  write_str(w, r.prompt);
  if (r.success) {
    w.Key("output");
    write_str(w, r.output);
    w.Key("quality_score");
    w.Double(round1(r.quality));
    w.Key("stored_in_memory");
    w.Bool(r.in_memory);
    w.Key("saved_to_database");
    w.Bool(r.in_library);
    w.Key("story_id");
    w.Uint64(r.story_id);
    w.Key("length");
    w.Uint64(r.output.size());
    w.Key("best_model");
    write_str(w, r.model);
    w.Key("provider");
    write_str(w, r.provider);
    w.Key("candidates");
    w.StartArray();
    for (const auto& c : r.candidates) {
      w.StartObject();
      w.Key("provider");
      write_str(w, c.provider);
      w.Key("model");
      write_str(w, c.model);
      w.Key("quality");
      w.Double(round1(c.quality));
      w.EndObject();
    }
    w.EndArray();
    if (short_of_votes(r, min_votes)) {
      w.Key("votes_received");
      w.Uint64(r.candidates.size());
      w.Key("min_votes");
      w.Int(min_votes);
      w.Key("missing_votes");
      write_provider_errors(w, r.provider_errors);
    }
  } else {
    w.Key("error");
    write_str(w, r.error);
    w.Key("provider_errors");
    write_provider_errors(w, r.provider_errors);
  }
  w.EndObject();
}

// ZEGA's /auto-train response plus job_id, state, duplicates_rejected; training_stats is
// null while the user's stats are not known yet.
void write_summary(view_writer& w, const jobs::job_summary& s) {
  const auto& j = s.info;
  const auto& results = j.results();
  const int min_votes = j.request().min_votes;
  auto rec = j.record(0, s.ready_for_finetuning);
  w.StartObject();
  w.Key("job_id");
  write_str(w, j.id());
  w.Key("state");
  write_str(w, j.state());
  w.Key("total_requested");
  w.Int(j.requested());
  w.Key("successful");
  w.Int(j.successful());
  w.Key("failed");
  w.Int(j.failed());
  w.Key("duplicates_rejected");
  w.Int(j.duplicates());
  w.Key("short_of_votes");
  w.Int64(std::count_if(results.begin(), results.end(),
                        [&](const jobs::example_result& r) { return short_of_votes(r, min_votes); }));
  w.Key("examples");
  w.StartArray();
  for (const auto& r : results)
    write_example(w, r, min_votes);
  w.EndArray();
  w.Key("genre_distribution");
  write_counts(w, rec.genre_distribution);
  w.Key("element_distribution");
  write_counts(w, rec.element_distribution);
  w.Key("average_quality");
  w.Double(round3(rec.avg_quality));
  w.Key("min_quality");
  w.Double(round1(rec.min_quality));
  w.Key("max_quality");
  w.Double(round1(rec.max_quality));
  w.Key("total_time");
  w.Double(round3(s.total_time_s));
  w.Key("stored_in_memory");
  w.Int(j.stored_in_memory());
  w.Key("saved_to_database");
  w.Int(j.saved_to_database());
  w.Key("stories_saved");
  w.Int(j.saved_to_database());
  w.Key("model_performance");
  w.StartObject();
  for (const auto& [m, p] : rec.model_performance) {
    w.Key(m.c_str());
    w.StartObject();
    w.Key("count");
    w.Int(p.count);
    w.Key("avg_quality");
    w.Double(round3(p.total_quality / p.count));
    w.Key("total_quality");
    w.Double(round3(p.total_quality));
    w.EndObject();
  }
  w.EndObject();
  w.Key("best_examples");
  std::vector<const jobs::example_result*> best;
  for (const auto& r : results)
    if (r.success)
      best.push_back(&r);
  std::stable_sort(best.begin(), best.end(),
                   [](const jobs::example_result* a, const jobs::example_result* b) { return a->quality > b->quality; });
  w.StartArray();
  for (std::size_t i = 0; i < best.size() && i < 3; ++i)
    write_example(w, *best[i], min_votes);
  w.EndArray();
  w.Key("training_stats");
  if (s.stats) {
    auto raw = training::to_json(*s.stats);
    w.RawValue(raw.c_str(), raw.size(), rapidjson::kObjectType);
  } else
    w.Null();
  w.Key("ready_for_finetuning");
  w.Bool(s.ready_for_finetuning);
  w.EndObject();
}

} // namespace

std::string jobs_view(const jobs_report& r) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("jobs");
  w.StartArray();
  for (const auto& j : r.jobs) {
    w.StartObject();
    w.Key("job_id");
    write_str(w, j.job_id);
    w.Key("user_id");
    write_str(w, j.user_id);
    w.Key("state");
    write_str(w, j.state);
    w.Key("total_requested");
    w.Int(j.total_requested);
    w.Key("successful");
    w.Int(j.successful);
    w.Key("failed");
    w.Int(j.failed);
    w.Key("duplicates_rejected");
    w.Int(j.duplicates_rejected);
    w.Key("queued");
    w.Int(j.queued);
    w.Key("in_flight");
    w.Int(j.in_flight);
    w.Key("min_votes");
    w.Int(j.min_votes);
    w.Key("started_ms");
    w.Int64(j.started_ms);
    w.EndObject();
  }
  w.EndArray();
  w.Key("total");
  w.Uint64(r.jobs.size());
  w.EndObject();
  return buf.GetString();
}

std::string job_view(const jobs::job_summary& s) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  write_summary(w, s);
  return buf.GetString();
}

std::string job_event_json(const job_event& e) {
  if (e.kind == job_event_kind::error) {
    // {"type":"error","error":{"code":"not_found","message":...}}: the error body a 404
    // carries, with the event's type in front.
    return R"({"type":"error",)" + error_view(make_error(e.error, e.message), {}).body.substr(1);
  }
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("type");
  switch (e.kind) {
    case job_event_kind::heartbeat:
      w.String("heartbeat");
      w.EndObject();
      return buf.GetString();
    case job_event_kind::complete:
      w.String("complete");
      w.Key("job_id");
      write_str(w, e.job_id);
      w.Key("result");
      if (e.summary)
        write_summary(w, *e.summary);
      else
        w.Null();
      w.EndObject();
      return buf.GetString();
    case job_event_kind::progress:
    case job_event_kind::error:
      break;
  }
  w.String("progress");
  w.Key("job_id");
  write_str(w, e.job_id);
  w.Key("current");
  w.Int(e.current);
  w.Key("total");
  w.Int(e.total);
  w.Key("percentage");
  w.Double(round1(100.0 * e.current / std::max(1, e.total)));
  w.Key("latest_quality");
  if (e.latest_quality)
    w.Double(round1(*e.latest_quality));
  else
    w.Null();
  w.Key("current_genre");
  write_str(w, e.current_genre);
  w.Key("story_id");
  if (e.story_id)
    w.Uint64(*e.story_id);
  else
    w.Null();
  w.Key("best_model");
  write_str(w, e.best_model);
  w.Key("successful");
  w.Int(e.successful);
  w.Key("failed");
  w.Int(e.failed);
  w.Key("stories_saved");
  w.Int(e.stories_saved);
  w.EndObject();
  return buf.GetString();
}

std::string cancel_view(const cancel_report& r) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("job_id");
  write_str(w, r.job_id);
  w.Key("state");
  write_str(w, r.state);
  w.Key("dropped");
  w.Int(r.dropped);
  w.Key("in_flight");
  w.Int(r.in_flight);
  w.EndObject();
  return buf.GetString();
}

} // namespace zega::net
