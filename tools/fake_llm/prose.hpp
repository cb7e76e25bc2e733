#pragma once
// Deterministic stand-in for an LLM's creative writing: infers the requested element and
// length from the prompt and assembles prose from our own word banks and templates.

#include "tools/fake_llm/premise_text.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace zega::fake {

enum class prose_kind { scene, character, dialogue, setting };

struct prose_spec {
  prose_kind kind = prose_kind::scene;
  int words = 150;    // target words (not used for dialogue)
  int lines_min = 5;  // dialogue only
  int lines_max = 10;
  std::string genre;  // lower-case genre word found in the prompt, may be empty
  std::optional<premise_bits> premise; // woven into the text when the prompt has one
};

// The element is the first of "dialogue", "character", "setting", "scene" that appears in
// the text; "about N words" and "N to M lines" set the length; the premise is found as
// find_premise() finds it.
prose_spec infer_spec(const std::string& prompt);

// Same (spec, seed, index) → same text; neighbouring indexes give unrelated texts.
std::string write_prose(const prose_spec& spec, std::uint64_t seed, std::uint64_t index);

int count_words(const std::string& text);

// A whole reply as a model gives it. A share `flaws` (0..1), chosen by (seed, index), gets one
// realistic flaw that makes it unusable (a cut at the token limit, an overlong text, a note
// about itself, a too-short text, a polite refusal) or a chatty wrapper; about half of the
// rest carry a small blemish (a title line, a few words over 200, paragraphs run together).
struct reply_text {
  std::string text;
  bool truncated = false; // finish reason "length"
  // "" when clean; "chatty", "title", "long", "one block" (still usable); "cut", "overlong",
  // "meta", "short", "refusal" (not).
  std::string flaw;
};
reply_text write_reply(const prose_spec& spec, std::uint64_t seed, std::uint64_t index,
                       double flaws);

// The JSON verdict for an LLM-judge prompt (training/judge.hpp): the candidate's rubric
// score, nudged by (seed, index) as a real judge disagrees a little, with a reason.
std::string judge_reply(const std::string& prompt, std::uint64_t seed, std::uint64_t index);

} // namespace zega::fake
