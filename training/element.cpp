#include "training/element.hpp"

namespace zega::training {

const char* to_string(element e) {
  switch (e) {
    case element::scene: return "scene";
    case element::character: return "character";
    case element::dialogue: return "dialogue";
    case element::setting: return "setting";
  }
  return "scene";
}

std::optional<element> element_from_string(std::string_view s) {
  for (element e : all_elements())
    if (s == to_string(e))
      return e;
  return std::nullopt;
}

const std::vector<element>& all_elements() {
  static const std::vector<element> all{element::scene, element::character, element::dialogue,
                                        element::setting};
  return all;
}

const element_target& target_of(element e) {
  // words_min is where the length score starts to fall off, not a hard floor; 200 is the
  // dataset's hard ceiling for every element.
  static const element_target scene{120, 150, 200, 0, 0, 2, 3};
  static const element_target character{120, 150, 200, 0, 0, 1, 3};
  static const element_target dialogue{40, 110, 200, 5, 10, 0, 0};
  static const element_target setting{80, 100, 200, 0, 0, 1, 2};
  switch (e) {
    case element::scene: return scene;
    case element::character: return character;
    case element::dialogue: return dialogue;
    case element::setting: return setting;
  }
  return scene;
}

} // namespace zega::training
