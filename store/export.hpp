#pragma once
// The dataset as JSONL for fine-tuning, streamed: examples are read in pages of short read
// transactions and each line goes to a sink as soon as it is built, so the file is never
// held in memory. Every line is one valid JSON object in valid UTF-8.

#include "store/store.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace zega::store {

enum class export_format {
  // {"messages":[{"role":"system",…}?,{"role":"user",…},{"role":"assistant",…}]}
  openai,
  // {"input":prompt,"output":output,"metadata":{genre,element,quality_score,timestamp,best_model}}
  zega,
};
std::optional<export_format> parse_export_format(std::string_view s); // "openai" | "zega"

enum class export_split { all, train, validation };
std::optional<export_split> parse_export_split(std::string_view s); // "all" | "train" | "validation"

struct export_options {
  export_format format = export_format::openai;
  example_filter filter;            // user, genre, element, min_quality (and the rest)
  double validation_fraction = 0;   // share of examples in the validation split, [0, 1]
  export_split split = export_split::all;
};

// Deterministic split: a hash of the id, so an example stays on its side across exports
// and as the dataset grows.
bool in_validation(std::uint64_t example_id, double validation_fraction);

// One line, '\n'-terminated.
std::string export_line(const example_record& ex, export_format format);

struct export_result {
  std::size_t lines = 0;
  bool stopped = false; // the sink returned false (client gone)
  std::string error;    // the archive could not be read to the end: the export is partial
};

// Calls `sink` with each line ('\n'-terminated) in id order; the sink returns false to stop.
export_result export_jsonl(const store& db, const export_options& opts,
                           const std::function<bool(std::string_view line)>& sink);

} // namespace zega::store
