#pragma once
// JSON bodies for GET /history, GET /jobs/{id} and GET /history/stats, in the old ZEGA
// service's training-history shape (plus the daemon's extra fields).

#include "store/store.hpp"

#include <string>

namespace zega::store {

// One batch: session_id, total_requested, successful, failed, average/min/max_quality,
// best_model, model_performance{model:{count,avg_quality,total_quality}},
// genre_distribution, element_distribution, stories_saved, examples_before/after,
// fine_tuning_triggered, started_at/completed_at (ISO 8601 UTC, null while running),
// total_time (seconds), state.
std::string job_json(const job_record& j);

// {"history":[job_json…],"count":N,"next_cursor":"…"|null}
std::string history_json(const page<job_record>& p);

// Totals over the whole store: total_sessions, total_examples_generated,
// total_stories_saved (library), average_quality, total_training_time (s),
// fine_tuning_sessions, total_attempts, and by_provider{attempts,successes,success_rate,
// examples,average_quality}, by_genre / by_element{examples,average_quality},
// by_day{"YYYY-MM-DD":{examples,average_quality,attempts,success_rate}}.
// Success rates come from the attempts still inside the retention window.
std::string stats_json(const store& db);

} // namespace zega::store
