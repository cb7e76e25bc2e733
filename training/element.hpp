#pragma once
// The four kinds of training example and their targets.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zega::training {

enum class element { scene, character, dialogue, setting };

const char* to_string(element e);
std::optional<element> element_from_string(std::string_view s);
const std::vector<element>& all_elements();

// Word-count target of an element (dialogue counts lines instead; see quality.hpp).
struct element_target {
  int words_min;
  int words_ideal;
  int words_max;   // never over 200 words
  int lines_min;   // dialogue only: 5–10 speaker lines
  int lines_max;
  int paragraphs_min; // scene: 2–3 paragraphs
  int paragraphs_max;
};
const element_target& target_of(element e);

} // namespace zega::training
