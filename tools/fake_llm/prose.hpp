#pragma once
// Deterministic stand-in for an LLM's creative writing: infers the requested element and
// length from the prompt and assembles prose from our own word banks and templates.

#include <cstdint>
#include <string>

namespace zega::fake {

enum class prose_kind { scene, character, dialogue, setting };

struct prose_spec {
  prose_kind kind = prose_kind::scene;
  int words = 150;    // target words (not used for dialogue)
  int lines_min = 5;  // dialogue only
  int lines_max = 10;
  std::string genre;  // lower-case genre word found in the prompt, may be empty
};

// The element is the first of "dialogue", "character", "setting", "scene" that appears in
// the text; "about N words" and "N to M lines" set the length.
prose_spec infer_spec(const std::string& prompt);

// Same (spec, seed, index) → same text; neighbouring indexes give unrelated texts.
std::string write_prose(const prose_spec& spec, std::uint64_t seed, std::uint64_t index);

int count_words(const std::string& text);

} // namespace zega::fake
