#include "training/prompt.hpp"

#include <numeric>

namespace zega::training {

const std::vector<std::string>& style_modifiers() {
  static const std::vector<std::string> styles{
    "vivid sensory detail",
    "a quiet, understated tone",
    "tense, short sentences",
    "warm humour",
    "a melancholic mood",
    "lyrical, rhythmic prose",
    "a wry, ironic voice",
    "a sense of mounting suspense",
    "plain, concrete language with no clichés",
    "an unexpected small twist",
    "a hopeful ending note",
  };
  return styles;
}

namespace {

const char* const system_text =
  "You write short creative-writing examples used to train a story model. "
  "Reply with ONLY the requested text: no preamble, no title, no markdown, no headings, "
  "no notes or offers afterwards. Never exceed 200 words.";

// Each prompt names exactly one element word: the fake LLM server (and any reader of the
// attempt log) recognises the element by it, so the other three never appear.
std::string user_text(const task_spec& t) {
  const auto& target = target_of(t.el);
  const std::string about = "about " + std::to_string(target.words_ideal) + " words";
  const std::string story = " for a " + t.genre + " story";
  const std::string style = " Style: " + t.style + ". ";
  switch (t.el) {
    case element::scene:
      return "Write a scene" + story + " about " + t.topic + "." + style
             + "Use 2 to 3 paragraphs, " + about
             + " in total, with a clear moment of action or change. Reply with only the scene.";
    case element::character:
      // Topics are premises, not always people, so the profile is of someone inside one.
      return "Write a character profile" + story + ", of someone at the heart of this premise: "
             + t.topic + "." + style
             + "Describe their appearance and personality, then tell their backstory, " + about
             + " in total, in prose. Reply with only the character profile.";
    case element::dialogue:
      return "Write a dialogue" + story + " about " + t.topic + "." + style
             + "Use 5 to 10 lines between two or three speakers, each line starting with the "
               "speaker's name and a colon (Name: words). Reply with only the dialogue lines.";
    case element::setting:
      return "Write a setting description" + story + ", the place where this premise unfolds: "
             + t.topic + "." + style
             + "Describe the place through sight, sound, smell and touch, " + about
             + ", in one or two paragraphs. Reply with only the setting.";
  }
  return {};
}

// splitmix64 finaliser: a cheap, well-mixed hash so nearby (seed, n) pairs diverge.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

} // namespace

prompt build_prompt(const task_spec& t) {
  prompt p;
  p.system = system_text;
  p.user = user_text(t);
  // 200 words of English prose are ~270 tokens; the rest is headroom for names and
  // punctuation so a compliant answer never ends with finish reason "length".
  p.max_tokens = 400;
  return p;
}

task_spec pick_task(std::uint64_t seed, std::size_t n, const std::vector<std::string>& genres,
                    const std::vector<element>& elements) {
  const std::vector<element>& els = elements.empty() ? all_elements() : elements;

  std::vector<std::string> names;
  if (genres.empty())
    for (const genre& g : all_genres())
      names.push_back(g.name);
  else
    names = genres;

  const std::size_t ne = els.size();
  const std::size_t ng = names.size();
  // Shifting the genre by one every lcm(ne, ng) tasks makes every (element, genre) pair
  // appear within ne * ng tasks even when the two counts share a factor.
  const std::size_t period = ne / std::gcd(ne, ng) * ng;
  const std::uint64_t base = mix(seed);
  const std::size_t genre_index = (base % ng + n + n / period) % ng;

  task_spec t;
  t.el = els[n % ne];
  const genre* g = find_genre(names[genre_index]);
  t.genre = g ? g->name : names[genre_index];
  const std::uint64_t h = mix(base ^ mix(n));
  if (g && !g->topics.empty())
    t.topic = g->topics[h % g->topics.size()];
  else
    t.topic = "a moment that changes someone's life";
  const auto& styles = style_modifiers();
  t.style = styles[(h >> 32) % styles.size()];
  return t;
}

} // namespace zega::training
