#pragma once
// Prompt templates: one element, one genre, one topic, one style modifier.

#include "training/element.hpp"
#include "training/genres.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace zega::training {

struct task_spec {
  element el = element::scene;
  std::string genre;
  std::string topic;
  std::string style;
};

struct prompt {
  std::string system;
  std::string user;
  int max_tokens = 400; // output budget that fits the element's word limit
};

const std::vector<std::string>& style_modifiers();

prompt build_prompt(const task_spec& t);

// Deterministic choice of the n-th task of a batch: rotates elements and genres, picks a
// topic and style from `seed`. `genres` empty = all genres; `elements` empty = all.
task_spec pick_task(std::uint64_t seed, std::size_t n, const std::vector<std::string>& genres,
                    const std::vector<element>& elements);

} // namespace zega::training
