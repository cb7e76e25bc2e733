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

// A whole reply as a model gives it. Most are clean prose; a share `flaws` (0..1), chosen by
// (seed, index), gets one realistic flaw: a chatty wrapper, a cut at the token limit, an
// overlong text, a note about itself, a too-short text, or a polite refusal.
struct reply_text {
  std::string text;
  bool truncated = false; // finish reason "length"
  std::string flaw;       // "" when clean: "chatty", "cut", "overlong", "meta", "short", "refusal"
};
reply_text write_reply(const prose_spec& spec, std::uint64_t seed, std::uint64_t index,
                       double flaws);

// The JSON verdict for an LLM-judge prompt (training/judge.hpp): the candidate's rubric
// score, nudged by (seed, index) as a real judge disagrees a little, with a reason.
std::string judge_reply(const std::string& prompt, std::uint64_t seed, std::uint64_t index);

} // namespace zega::fake
