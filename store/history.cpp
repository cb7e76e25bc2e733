#include "store/history.hpp"

#include "store/codec.hpp"

#include <map>

namespace zega::store {

namespace {

void write_time(json_writer& w, const char* key, std::int64_t ms) {
  w.Key(key);
  if (ms == 0)
    w.Null();
  else
    write_string(w, iso8601_utc(ms));
}

void write_job(json_writer& w, const job_record& j) {
  w.StartObject();
  write_field(w, "session_id", j.id);
  write_field(w, "user_id", j.user);
  write_field(w, "state", j.state);
  // The request is stored in the scheduler's compact JSON; only scheduled ones carry a kind.
  write_field(w, "kind", std::string(j.request_json.find(R"("kind":"scheduled")") != std::string::npos
                                       ? "scheduled"
                                       : "batch"));
  w.Key("total_requested");
  w.Int(j.requested);
  w.Key("successful");
  w.Int(j.successful);
  w.Key("failed");
  w.Int(j.failed);
  w.Key("duplicates");
  w.Int(j.duplicates);
  write_field(w, "average_quality", j.avg_quality);
  write_field(w, "min_quality", j.min_quality);
  write_field(w, "max_quality", j.max_quality);
  write_field(w, "best_model", j.best_model);
  w.Key("model_performance");
  w.StartObject();
  for (const auto& [model, p] : j.model_performance) {
    write_string(w, model);
    w.StartObject();
    w.Key("count");
    w.Int(p.count);
    write_field(w, "avg_quality", p.count > 0 ? p.total_quality / p.count : 0.0);
    write_field(w, "total_quality", p.total_quality);
    w.EndObject();
  }
  w.EndObject();
  for (const auto* dist : {&j.genre_distribution, &j.element_distribution}) {
    w.Key(dist == &j.genre_distribution ? "genre_distribution" : "element_distribution");
    w.StartObject();
    for (const auto& [name, n] : *dist) {
      write_string(w, name);
      w.Int(n);
    }
    w.EndObject();
  }
  w.Key("stories_saved");
  w.Int(j.stories_saved);
  w.Key("examples_before");
  w.Int(j.examples_before);
  w.Key("examples_after");
  w.Int(j.examples_after);
  w.Key("fine_tuning_triggered");
  w.Bool(j.fine_tuning_triggered);
  write_time(w, "started_at", j.started_ms);
  write_time(w, "completed_at", j.completed_ms);
  double total_s = j.completed_ms > j.started_ms && j.started_ms > 0
                     ? static_cast<double>(j.completed_ms - j.started_ms) / 1000.0
                     : 0.0;
  write_field(w, "total_time", total_s);
  w.EndObject();
}

// Count and quality sum of examples, attempts and successes for one group.
struct tally {
  long examples = 0;
  double quality_sum = 0;
  long attempts = 0;
  long successes = 0;

  void add_example(double q) {
    ++examples;
    quality_sum += q;
  }
  void add_attempt(bool ok) {
    ++attempts;
    successes += ok ? 1 : 0;
  }
  double average() const { return examples > 0 ? quality_sum / examples : 0.0; }
  double success_rate() const {
    return attempts > 0 ? static_cast<double>(successes) / attempts : 0.0;
  }
};

enum class tally_fields { examples, examples_and_attempts };

void write_tallies(json_writer& w, const char* key, const std::map<std::string, tally>& m,
                   tally_fields fields) {
  w.Key(key);
  w.StartObject();
  for (const auto& [name, t] : m) {
    write_string(w, name);
    w.StartObject();
    w.Key("examples");
    w.Int64(t.examples);
    write_field(w, "average_quality", t.average());
    if (fields == tally_fields::examples_and_attempts) {
      w.Key("attempts");
      w.Int64(t.attempts);
      w.Key("successes");
      w.Int64(t.successes);
      write_field(w, "success_rate", t.success_rate());
    }
    w.EndObject();
  }
  w.EndObject();
}

} // namespace

std::string job_json(const job_record& j) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  write_job(w, j);
  return {buf.GetString(), buf.GetSize()};
}

std::string history_json(const page<job_record>& p) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("history");
  w.StartArray();
  for (const auto& j : p.items)
    write_job(w, j);
  w.EndArray();
  w.Key("count");
  w.Uint64(p.items.size());
  w.Key("next_cursor");
  if (p.next_cursor.empty())
    w.Null();
  else
    write_string(w, p.next_cursor);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string stats_json(const store& db) {
  long sessions = 0;
  long fine_tuning = 0;
  double training_s = 0;
  db.for_each_job([&](const job_record& j) {
    ++sessions;
    fine_tuning += j.fine_tuning_triggered ? 1 : 0;
    if (j.started_ms > 0 && j.completed_ms > j.started_ms)
      training_s += static_cast<double>(j.completed_ms - j.started_ms) / 1000.0;
    return true;
  });

  tally all;
  std::map<std::string, tally> by_provider, by_genre, by_element, by_day;
  db.for_each_example({}, [&](const example_record& ex) {
    all.add_example(ex.quality);
    by_provider[ex.provider].add_example(ex.quality);
    by_genre[ex.genre].add_example(ex.quality);
    by_element[ex.element].add_example(ex.quality);
    by_day[utc_day(ex.created_ms)].add_example(ex.quality);
    return true;
  });
  db.for_each_attempt([&](const attempt_record& a) {
    // A local "busy" never reached the provider: it says nothing about its reliability.
    if (a.outcome == "busy")
      return true;
    bool ok = a.outcome == "ok";
    all.add_attempt(ok);
    by_provider[a.provider].add_attempt(ok);
    by_day[utc_day(a.at_ms)].add_attempt(ok);
    return true;
  });

  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("total_sessions");
  w.Int64(sessions);
  w.Key("total_examples_generated");
  w.Int64(all.examples);
  w.Key("total_stories_saved");
  w.Uint64(db.count_library());
  write_field(w, "average_quality", all.average());
  write_field(w, "total_training_time", training_s);
  w.Key("fine_tuning_sessions");
  w.Int64(fine_tuning);
  w.Key("total_attempts");
  w.Int64(all.attempts);
  write_field(w, "success_rate", all.success_rate());
  write_tallies(w, "by_provider", by_provider, tally_fields::examples_and_attempts);
  write_tallies(w, "by_genre", by_genre, tally_fields::examples);
  write_tallies(w, "by_element", by_element, tally_fields::examples);
  write_tallies(w, "by_day", by_day, tally_fields::examples_and_attempts);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

} // namespace zega::store
