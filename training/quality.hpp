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

quality_report score(element e, std::string_view text, bool truncated);

// Strips the chatter models wrap around the content ("Sure! Here's a scene:", markdown
// headings, code fences, trailing "Let me know...") — stored outputs are cleaned.
std::string clean_output(std::string_view text);

} // namespace zega::training
