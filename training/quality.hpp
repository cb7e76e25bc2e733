#pragma once
// Deterministic quality rubric (0–10) with a breakdown (design.md section 8).

#include "training/element.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace zega::training {

// Bumped whenever scores change meaning; stored with each score so `rescore` can tell stale
// scores apart. 1 = shape only; 2 = reads content (refusals, meta-commentary, language,
// element conformity, coherence, smooth length curve); 3 = refusal and meta phrases match
// whole words only ("she was an airship pilot" no longer reads as "as an ai").
constexpr int rubric_version = 3;

struct quality_part {
  std::string name;  // "length", "structure", "variety", "repetition", "clean", "truncation",
                     // "coherence", "language"
  double score;      // points earned
  double max;        // points available
  std::string note;  // why, for the operator
};

struct quality_report {
  double score = 0;  // 0..10, rounded to 0.1
  int words = 0;
  int lines = 0;
  int paragraphs = 0;
  std::vector<quality_part> parts;
  // Flaws that capped the score: "refusal", "meta-commentary", "wrong language",
  // "not the element", "word salad", "over the word limit", "too short", "repetitive",
  // "cut off", "empty"; most severe (lowest cap) first.
  std::vector<std::string> flags;
  int version = rubric_version;
  // {"score":..,"rubric_version":2,"words":..,"lines":..,"paragraphs":..,"flags":[..],
  //  "parts":[{name,score,max,note}]}
  std::string to_json() const;
};

struct rubric_options {
  std::string language = "en"; // quality.language; codes detect_language() knows are checked
};

// Scores the raw reply: shape and content are judged on clean_output(text), the "clean" part
// and refusals on the raw text. Flaws that make an example unusable cap the total below the
// memory threshold (7): a refusal or the wrong language 3, word salad or heavy repetition 5,
// meta-commentary left in the content, a text that is not the element asked for, far too
// short or cut off mid-sentence 6; going over 200 words lowers the cap smoothly (205 words:
// 9.4, 225: 7). The affected part's note and `flags` say so. `truncated` = the provider
// reported finish reason "length".
quality_report score(element e, std::string_view text, bool truncated,
                     const rubric_options& options = {});

// Strips the chatter models wrap around the content ("Sure! Here's a scene:", markdown
// headings, code fences, trailing "Let me know...") — stored outputs are cleaned.
std::string clean_output(std::string_view text);

} // namespace zega::training
