#pragma once
// Deterministic quality rubric (0–10) with a breakdown (design.md section 8).

#include "training/element.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace zega::training {

struct quality_part {
  std::string name;  // "length", "structure", "variety", "repetition", "clean", "truncation"
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
  std::string to_json() const; // {"score":..,"words":..,"parts":[{name,score,max,note}]}
};

// Scores the raw reply: shape (length, structure, variety, repetition, truncation) is judged
// on clean_output(text), the "clean" part on the raw text. Flaws that make an example
// unusable cap the total below the memory threshold (over 200 words or far too short: 6,
// heavy repetition: 5, cut off mid-sentence by the token limit: 6); the affected part's note
// says so. `truncated` = the provider reported finish reason "length".
quality_report score(element e, std::string_view text, bool truncated);

// Strips the chatter models wrap around the content ("Sure! Here's a scene:", markdown
// headings, code fences, trailing "Let me know...") — stored outputs are cleaned.
std::string clean_output(std::string_view text);

} // namespace zega::training
