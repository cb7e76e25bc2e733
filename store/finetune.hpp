#pragma once
// The store's side of fine-tuning (issue 12): one pass over a user's examples gathers the
// few-shot pool and ZEGA's training_stats, the dataset is exported beside the data, and the
// per-user fine-tuning record lives in meta. The Ollama call itself belongs to the actors.

#include "config/config.hpp"
#include "store/export.hpp"
#include "store/store.hpp"
#include "training/finetune.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zega::store {

training::finetune_settings finetune_settings_from(const config& cfg);
// Export options carrying the configured thresholds (floor = memory threshold).
export_options export_options_from(const config& cfg);

// What fine-tuning has done for a user, kept in meta under finetune_meta_key(user) and
// written by the archiver through write_batch::meta.
struct finetune_record {
  std::string model;         // zega-{user}
  std::size_t runs = 0;      // successful builds so far
  std::int64_t last_ms = 0;  // last attempt, Unix ms
  bool last_ok = false;
  std::string last_message;
};
std::string finetune_meta_key(const std::string& user); // "finetune:" + user
std::string encode(const finetune_record& r);
std::optional<finetune_record> decode_finetune_record(std::string_view json);
std::optional<finetune_record> get_finetune_record(const store& db, const std::string& user);
// The record after a build attempt (runs counts successes only).
finetune_record after_attempt(std::optional<finetune_record> previous, const std::string& model,
                              bool ok, const std::string& message, std::int64_t now_ms);

// One pass over a user's examples (rejected ones left out).
struct user_dataset {
  training::shot_pool pool;
  training::training_stats_input stats;
  std::uint64_t last_id = 0; // the newest good example read (ids grow with each commit)
  std::string error; // the archive could not be read to the end
};
user_dataset gather_user_dataset(const store& db, const std::string& user,
                                 const training::finetune_settings& s);

// GET /user/{id}/training-stats and the batch results' training_stats.
training::training_stats user_training_stats(const store& db, const std::string& user,
                                             const training::finetune_settings& s);

// Everything POST /user/{id}/trigger-finetuning does before calling Ollama: exports the
// user's dataset into data_dir/finetune/<model>/ and builds the /api/create body.
struct finetune_plan {
  std::string model;
  std::string create_body;       // POST it to the Ollama provider's /api/create
  std::vector<training::shot> shots;
  export_dir_result exported;
  std::string error;             // nothing to build (no good example) or the export failed
};
finetune_plan prepare_finetune(const store& db, const config& cfg, const std::string& user,
                               std::int64_t now_ms);

// ZEGA's answer once the Ollama call is done (or when the plan failed: success false).
training::finetune_outcome finetune_outcome_of(const finetune_plan& plan, bool success,
                                               const std::string& message);

} // namespace zega::store
