#include "training/judge.hpp"

#include "training/premise.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace zega::training {

namespace {

const char* const judge_system =
  "You are a strict editor grading short creative-writing examples for a training dataset. "
  "Answer with one JSON object and nothing else.";

const char* criteria(element e) {
  switch (e) {
    case element::scene: return "it is one scene with a clear moment of action or change";
    case element::character:
      return "it is a prose profile with both appearance and backstory, not a list";
    case element::dialogue: return "it is 5 to 10 lines of 'Name: words' between speakers";
    case element::setting: return "it evokes one place through the senses, not a conversation";
  }
  return "";
}

} // namespace

judge_prompt build_judge_prompt(element e, std::string_view genre, std::string_view task,
                                std::string_view candidate) {
  judge_prompt p;
  p.system = judge_system;
  p.user = std::string(judge_marker) + " (a " + to_string(e) + " for "
           + with_article(std::string(genre) + " story") + ") from 0 to 10 on this rubric:\n"
           + "1. It does what was asked: " + criteria(e) + ".\n"
           + "2. It is fluent, vivid English with no clichés and no commentary about itself.\n"
           + "3. It is complete and at most 200 words.\n";
  if (!task.empty())
    p.user += "\nThe request was:\n" + std::string(task) + "\n";
  p.user += "\n" + std::string(judge_open_tag) + "\n" + std::string(candidate) + "\n"
            + std::string(judge_close_tag) + "\n\n"
            + "Reply with only JSON: {\"score\": <integer 0-10>, \"reason\": \"<one sentence>\"}";
  return p;
}

bool is_judge_prompt(std::string_view text) {
  return text.find(judge_marker) != std::string_view::npos;
}

std::optional<std::string> judge_candidate(std::string_view prompt) {
  const auto open = prompt.find(judge_open_tag);
  if (open == std::string_view::npos)
    return std::nullopt;
  const auto from = open + judge_open_tag.size();
  const auto close = prompt.find(judge_close_tag, from);
  if (close == std::string_view::npos)
    return std::nullopt;
  auto body = prompt.substr(from, close - from);
  while (!body.empty() && (body.front() == '\n' || body.front() == ' '))
    body.remove_prefix(1);
  while (!body.empty() && (body.back() == '\n' || body.back() == ' '))
    body.remove_suffix(1);
  return std::string(body);
}

std::optional<judge_verdict> parse_judge_reply(std::string_view reply, std::string& error) {
  // Models wrap the object in fences or a sentence; the outermost braces hold it.
  const auto open = reply.find('{');
  const auto close = reply.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    error = "judge reply has no JSON object";
    return std::nullopt;
  }
  const std::string json(reply.substr(open, close - open + 1));
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    error = "judge reply is not a JSON object";
    return std::nullopt;
  }
  const auto it = doc.FindMember("score");
  if (it == doc.MemberEnd()) {
    error = "judge reply has no \"score\"";
    return std::nullopt;
  }
  judge_verdict v;
  if (it->value.IsNumber()) {
    v.score = it->value.GetDouble();
  } else if (it->value.IsString()) {
    char* end = nullptr;
    const std::string s = it->value.GetString();
    v.score = std::strtod(s.c_str(), &end);
    if (end == s.c_str()) {
      error = "judge \"score\" is not a number";
      return std::nullopt;
    }
  } else {
    error = "judge \"score\" is not a number";
    return std::nullopt;
  }
  if (!(v.score >= 0 && v.score <= 10)) {
    error = "judge \"score\" is outside 0..10";
    return std::nullopt;
  }
  if (const auto r = doc.FindMember("reason"); r != doc.MemberEnd() && r->value.IsString())
    v.reason = r->value.GetString();
  return v;
}

double blend_scores(double rubric, double judge, double weight) {
  const double w = std::clamp(weight, 0.0, 1.0);
  return std::round(((1 - w) * rubric + w * judge) * 10) / 10;
}

} // namespace zega::training
