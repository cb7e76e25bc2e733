#pragma once
// The optional LLM judge (quality.judge): the prompt that asks a model to rate a candidate on
// a short rubric with a JSON reply, the parser of that reply, and the blend with the rubric.
// Pure: the caller sends the prompt through a provider and hands back the reply text.

#include "training/element.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace zega::training {

// Every judge prompt contains this phrase; the fake LLM server recognises judge calls by it.
constexpr std::string_view judge_marker = "Rate the candidate text";
// The candidate sits between these tags, so a server (or a test) can take it back out.
constexpr std::string_view judge_open_tag = "<candidate>";
constexpr std::string_view judge_close_tag = "</candidate>";

struct judge_prompt {
  std::string system;
  std::string user;
  int max_tokens = 150;
};

// `task` is the user prompt the candidate answered (may be empty).
judge_prompt build_judge_prompt(element e, std::string_view genre, std::string_view task,
                                std::string_view candidate);

bool is_judge_prompt(std::string_view text);
// The candidate inside a judge prompt; nullopt when the tags are missing.
std::optional<std::string> judge_candidate(std::string_view prompt);

struct judge_verdict {
  double score = 0; // 0..10
  std::string reason;
};

// Accepts the JSON object alone or wrapped in prose or a code fence; "score" may be a number
// or a numeric string. Errors: no JSON object, no score, score outside 0..10.
std::optional<judge_verdict> parse_judge_reply(std::string_view reply, std::string& error);

// (1 - weight) * rubric + weight * judge, rounded to 0.1; weight is clamped to 0..1.
double blend_scores(double rubric, double judge, double weight);

} // namespace zega::training
