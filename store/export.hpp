#pragma once
// The dataset for fine-tuning, streamed: examples are read in pages of short read
// transactions and each line goes to a sink as soon as it is built, so the file is never
// held in memory. Every line is one valid JSON object in valid UTF-8. Rejected examples
// never export; the quality floor defaults to the memory threshold.

#include "store/store.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace zega::store {

enum class export_format {
  // {"messages":[{"role":"system",…}?,{"role":"user",…},{"role":"assistant",…}]}
  openai,
  // {"prompt":prompt,"completion":output}
  completion,
  // {"input":prompt,"output":output,"metadata":{genre,element,quality_score,timestamp,best_model}}
  zega,
};
// "openai" (alias "messages") | "completion" (alias "prompt_completion") | "zega"
std::optional<export_format> parse_export_format(std::string_view s);
const char* to_string(export_format f);

enum class export_split { all, train, validation };
std::optional<export_split> parse_export_split(std::string_view s); // "all" | "train" | "validation"

struct export_options {
  export_format format = export_format::openai;
  // user, genre, element, provider, min_quality (and the rest). An unset min_quality means
  // memory_threshold, unless all_qualities.
  example_filter filter;
  double memory_threshold = 7.0;  // quality.memory_threshold: the default floor
  double library_threshold = 8.0; // quality.library_threshold: shown in the dataset card
  bool all_qualities = false;     // min_quality=all: every score exports
  double validation_fraction = 0; // share of premises held out for validation, [0, 1]
  export_split split = export_split::all;
};

// The export's query parameters as the client sent them (absent = not given).
struct export_query {
  std::optional<std::string> format;
  std::optional<std::string> min_quality;         // a number 0..10 or "all"
  std::optional<std::string> split;               // all | train | validation
  std::optional<std::string> validation_fraction; // a number 0..1
};

// Applies `q` to `opts`; returns "" or "field: problem" (the API answers it with a 400, zegactl
// prints it). A train or validation split without a validation fraction above 0 is an error.
std::string apply_export_query(const export_query& q, export_options& opts);
// The same split check for options built in code: "" or the problem.
std::string validate(const export_options& opts);

// The quality floor the export applies, or none for "all".
std::optional<double> effective_min_quality(const export_options& opts);

// What the split groups by: the premise (stored as the topic), case and spacing folded, or
// the prompt for records without one. Examples that share it share a side.
std::string premise_key(const example_record& ex);
// Deterministic split by a hash of the premise key: a premise stays on its side across
// exports and as the dataset grows, and never appears on both sides.
bool in_validation(std::string_view premise_key, double validation_fraction);

// One line, '\n'-terminated.
std::string export_line(const example_record& ex, export_format format);

struct export_result {
  std::size_t lines = 0;
  std::size_t rejected = 0; // matched the filter but were rejected by an operator
  bool stopped = false;     // the sink returned false (client gone)
  std::string error;        // unreadable archive (partial export) or invalid options (nothing sent)
};

// Calls `sink` with each line ('\n'-terminated) in id order; the sink returns false to stop.
export_result export_jsonl(const store& db, const export_options& opts,
                           const std::function<bool(std::string_view line)>& sink);

// What a dataset card reports, gathered while exporting.
struct dataset_stats {
  struct tally {
    std::size_t count = 0;
    double total_quality = 0;
  };
  std::size_t train = 0;
  std::size_t validation = 0;
  std::size_t rejected = 0;  // left out by curation
  std::size_t accepted = 0;  // exported and marked accepted by an operator
  std::array<std::size_t, 10> histogram{}; // [0,1), [1,2), ... [9,10]
  std::map<std::string, tally> providers;  // "provider / model"
  std::map<std::string, std::size_t> genres, elements;
  std::map<int, std::size_t> rubric_versions; // 0 = scored before versions were kept
  void add(const example_record& ex, bool validation);
};

// The README.md written beside the JSONL: counts, score histogram, providers, genres,
// elements, the rubric version, the thresholds and the export time (`now_ms`, Unix ms UTC).
std::string dataset_card(const dataset_stats& stats, const export_options& opts,
                         std::int64_t now_ms);

struct export_dir_result {
  std::string train_path, validation_path, card_path;
  dataset_stats stats;
  std::string error; // "" on success; on error no file was replaced
};

// Writes train.jsonl, validation.jsonl (empty without a validation fraction) and README.md
// into `dir` (created if missing). Each file is written beside its final name and renamed,
// so readers never see a half-written dataset. opts.split is ignored: both sides are written.
export_dir_result export_to_directory(const store& db, const export_options& opts,
                                      const std::string& dir, std::int64_t now_ms);

} // namespace zega::store
