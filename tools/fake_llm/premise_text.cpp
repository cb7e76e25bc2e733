#include "tools/fake_llm/premise_text.hpp"

#include <regex>

namespace zega::fake {

std::optional<premise_bits> find_premise(const std::string& prompt) {
  // The topic follows "about" or a colon ("this premise:", "unfolds:") and runs to the first
  // full stop; "about 150 words" is not one (a digit follows).
  static const std::regex topic(R"((?:about|:) ([^0-9.][^.]*? who wants [^.]*)\.)");
  std::smatch m;
  if (!std::regex_search(prompt, m, topic))
    return std::nullopt;
  const std::string text = m[1].str();
  premise_bits p;
  const auto who_end = text.find(" who wants ");
  const auto but = text.find(", but ", who_end);
  const auto when = text.rfind(", ");
  const auto in = text.rfind(", in ", when == std::string::npos ? when : when - 1);
  if (who_end == std::string::npos || but == std::string::npos || in == std::string::npos
      || when == std::string::npos || !(who_end < but && but < in && in < when))
    return std::nullopt;
  p.who = text.substr(0, who_end);
  p.wants = text.substr(who_end + 11, but - who_end - 11);
  p.obstacle = text.substr(but + 6, in - but - 6);
  p.place = text.substr(in + 5, when - in - 5);
  p.when = text.substr(when + 2);
  return p;
}

namespace {

std::string with_the(const std::string& phrase) {
  if (phrase.rfind("a ", 0) == 0)
    return "the " + phrase.substr(2);
  if (phrase.rfind("an ", 0) == 0)
    return "the " + phrase.substr(3);
  return phrase;
}

} // namespace

std::string fill_premise(const std::string& tmpl, const premise_bits& p) {
  const std::pair<const char*, std::string> slots[] = {
    {"{who}", p.who},           {"{the_who}", with_the(p.who)}, {"{wants}", p.wants},
    {"{obstacle}", p.obstacle}, {"{the_place}", with_the(p.place)}, {"{when}", p.when},
    {"{wants_bare}", p.wants.rfind("to ", 0) == 0 ? p.wants.substr(3) : p.wants}};
  std::string out = tmpl;
  for (const auto& [slot, value] : slots)
    for (auto at = out.find(slot); at != std::string::npos; at = out.find(slot, at + value.size()))
      out.replace(at, std::char_traits<char>::length(slot), value);
  return out;
}

const premise_lines& premise_templates() {
  static const premise_lines lines{
    {"{name} had come to {the_place} for one reason: {wants}.",
     "All {name} had ever wanted was {wants}, and tonight it felt close.",
     "{name} was {who}, and everyone in {the_place} seemed to know it.",
     "It began {when}, the way these things usually do, with nobody watching.",
     "The plan had been simple enough: {wants}, then leave before anyone asked questions."},
    {"But {obstacle}, and {name2} would not let them forget it.",
     "The trouble was plain now: {obstacle}.",
     "{name} had known all along that {obstacle}; knowing did not make it easier.",
     "Nobody in {the_place} said it aloud, but {obstacle}."},
    {"{name} is {who}, though few people in {the_place} would guess it at first.",
     "More than anything, {name} wants {wants}, and will not say why.",
     "The trouble is that {obstacle}, and {name} knows it better than anyone.",
     "{name} first came to {the_place} {when} and never quite left.",
     "Friends say {name} has been trying {wants} for as long as they can remember."},
    {"This is {the_place}, {when}.",
     "Here {the_who} once tried {wants}, and the place still seems to remember it.",
     "Everyone who comes here has heard that {obstacle}.",
     "{when}, {the_place} empties early, and the light goes first from the corners."},
    {{"You still want {wants}?", "More than ever. Don't ask me to explain it."},
     {"We can't stay in {the_place} much longer.", "One more night. That's all I'm asking."},
     {"Have you forgotten that {obstacle}?", "I haven't forgotten anything. That's the problem."},
     {"Why you? You're {who}, not a hero.", "Because nobody else was foolish enough to try."},
     {"It has to be {when}. There won't be another chance.", "Then we'd better be ready."},
     {"Tell me the truth: can we still {wants_bare}?", "Maybe. If we stop lying to each other."},
     {"Everyone in {the_place} is watching us.", "Let them watch. We're not doing anything yet."},
     {"And if {obstacle}?", "Then we find another way. There is always another way."},
     {"I never asked to be {who}.", "None of us asked. It happened anyway."},
     {"How long until we can {wants_bare}?", "Longer than you'd like. Shorter than I'd like."}},
  };
  return lines;
}

} // namespace zega::fake
