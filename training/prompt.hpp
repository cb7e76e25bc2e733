#pragma once
// Prompt templates: one element, one genre, one topic, one style modifier.

#include "training/element.hpp"
#include "training/genres.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace zega::training {

struct user_topics; // premise.hpp

struct task_spec {
  element el = element::scene;
  std::string genre;
  std::string topic; // the premise
  std::string style; // one of styles_for(el)
  std::string pov;   // point of view; empty = the model's choice (set for fiction scenes only)
  std::string tone;  // empty = none asked
};

struct prompt {
  std::string system;
  std::string user;
  int max_tokens = 400; // output budget that fits the element's word limit
};

// Every style; styles_for(e) only those that suit element e (no "lyrical prose" for a
// dialogue, no "hopeful ending" for a setting).
const std::vector<std::string>& style_modifiers();
const std::vector<std::string>& styles_for(element e);

prompt build_prompt(const task_spec& t);

// Deterministic choice of the n-th task of a batch: rotates elements and genres, composes a
// premise (premise.hpp) and picks a suitable style, point of view and tone from `seed`.
// `attempt` > 0 gives another premise for the same slot (draw_task() uses it to skip recent
// premises). `genres` empty = all genres; `elements` empty = all.
task_spec pick_task(std::uint64_t seed, std::size_t n, const std::vector<std::string>& genres,
                    const std::vector<element>& elements, std::uint64_t attempt = 0,
                    const user_topics* extra = nullptr);

} // namespace zega::training
