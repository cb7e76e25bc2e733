#include "training/prompt.hpp"

#include "training/premise.hpp"

#include <numeric>

namespace zega::training {

namespace {

struct style_entry {
  const char* text;
  std::vector<element> suits;
};

const std::vector<style_entry>& style_table() {
  using E = element;
  static const std::vector<style_entry> table{
    {"vivid sensory detail", {E::scene, E::character, E::setting}},
    {"a quiet, understated tone", {E::scene, E::character, E::dialogue, E::setting}},
    {"tense, short sentences", {E::scene, E::dialogue}},
    {"warm humour", {E::scene, E::character, E::dialogue}},
    {"a melancholic mood", {E::scene, E::character, E::dialogue, E::setting}},
    {"lyrical, rhythmic prose", {E::scene, E::character, E::setting}},
    {"a wry, ironic voice", {E::scene, E::character, E::dialogue}},
    {"a sense of mounting suspense", {E::scene, E::dialogue, E::setting}},
    {"plain, concrete language with no clichés", {E::scene, E::character, E::dialogue, E::setting}},
    {"an unexpected small twist", {E::scene, E::dialogue}},
    {"a hopeful ending note", {E::scene, E::dialogue}},
    {"clipped lines where people talk past each other", {E::dialogue}},
    {"subtext: what is left unsaid matters most", {E::dialogue}},
    {"distinct voices, each with its own rhythm", {E::dialogue}},
    {"one telling habit or gesture", {E::character}},
    {"a contrast between appearance and inner life", {E::character}},
    {"a strong sense of weather and season", {E::setting}},
    {"a place that shows the traces of the people who use it", {E::setting}},
    {"a shift in light from one moment to the next", {E::setting, E::scene}},
  };
  return table;
}

const char* const system_text =
  "You write short creative-writing examples used to train a story model. "
  "Reply with ONLY the requested text: no preamble, no title, no markdown, no headings, "
  "no notes or offers afterwards. Never exceed 200 words.";

// "for a fantasy story", "for an adventure story", "for a short story", "for a poetry
// collection", "for a biography": how the genre is named inside a prompt.
std::string genre_phrase(const std::string& genre) {
  switch (form_of(genre)) {
    case genre_form::verse: return "for a poetry collection";
    case genre_form::biography: return "for a biography";
    case genre_form::memoir: return "for a memoir";
    case genre_form::fiction: break;
  }
  const bool is_story = genre.size() >= 5 && genre.compare(genre.size() - 5, 5, "story") == 0;
  return "for " + with_article(is_story ? genre : genre + " story");
}

std::string extras(const task_spec& t) {
  std::string s = " Style: " + t.style + ".";
  if (!t.tone.empty())
    s += " Tone: " + t.tone + ".";
  if (!t.pov.empty())
    s += " Point of view: " + t.pov + ".";
  return s + " ";
}

// Each prompt names exactly one element word: the fake LLM server (and any reader of the
// attempt log) recognises the element by it, so the other three never appear.
std::string user_text(const task_spec& t) {
  const auto& target = target_of(t.el);
  const std::string about = "about " + std::to_string(target.words_ideal) + " words";
  const std::string where = " " + genre_phrase(t.genre);
  const std::string more = extras(t);
  const genre_form form = form_of(t.genre);
  const bool verse = form == genre_form::verse;
  const bool life = form == genre_form::biography || form == genre_form::memoir;
  const std::string truth = form == genre_form::memoir
                              ? (t.el == element::setting
                                   ? " Describe it as a real place remembered, in the first person."
                                   : " Write it as a true remembered episode, in the first person.")
                              : form == genre_form::biography
                                  ? " Write it as true events from a real-seeming life, in the "
                                    "third person."
                                  : "";
  switch (t.el) {
    case element::scene:
      if (verse)
        return "Write a scene in verse" + where + ": a short narrative poem about " + t.topic
               + "." + more + "Use 2 to 3 stanzas, " + about
               + " in total, capturing one moment of change. Reply with only the poem.";
      return "Write a scene" + where + " about " + t.topic + "." + truth + more
             + "Use 2 to 3 paragraphs, " + about
             + " in total, with a clear moment of action or change. Reply with only the scene.";
    case element::character:
      if (verse)
        return "Write a character portrait in verse" + where + ", of someone at the heart of "
               "this premise: " + t.topic + "." + more
               + "Show their appearance and what shaped them, " + about
               + ". Reply with only the poem.";
      // Topics are premises, not always people, so the profile is of someone inside one.
      return "Write a character profile" + where + ", of "
             + (life ? std::string("the person at the heart of this account: ")
                     : std::string("someone at the heart of this premise: "))
             + t.topic + "." + more
             + "Describe their appearance and personality, then tell their backstory, " + about
             + " in total, in prose. Reply with only the character profile.";
    case element::dialogue:
      return "Write a dialogue" + where + " about " + t.topic + "." + truth + more
             + (verse ? "Write it as an exchange of short verse lines, " : "Use ")
             + "5 to 10 lines between two or three speakers, each line starting with the "
               "speaker's name and a colon (Name: words). Reply with only the dialogue lines.";
    case element::setting:
      if (verse)
        return "Write a setting in verse" + where + ": a poem of the place where this unfolds: "
               + t.topic + "." + more + "Evoke it through sight, sound, smell and touch, "
               + about + ". Reply with only the poem.";
      return "Write a setting description" + where + ", the place where this premise unfolds: "
             + t.topic + "." + truth + more
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

const std::vector<std::string>& style_modifiers() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v;
    for (const auto& s : style_table())
      v.emplace_back(s.text);
    return v;
  }();
  return all;
}

const std::vector<std::string>& styles_for(element e) {
  static const std::vector<std::vector<std::string>> per = [] {
    std::vector<std::vector<std::string>> v(all_elements().size());
    for (const auto& s : style_table())
      for (element x : s.suits)
        v[static_cast<std::size_t>(x)].emplace_back(s.text);
    return v;
  }();
  return per[static_cast<std::size_t>(e)];
}

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
                    const std::vector<element>& elements, std::uint64_t attempt,
                    const user_topics* extra) {
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
  const std::uint64_t h = mix(base ^ mix(n) ^ mix(attempt * 0x632be59bd9b4e019ULL));
  const std::uint64_t h2 = mix(h);

  const std::vector<std::string>* own = nullptr;
  if (extra)
    if (auto it = extra->by_genre.find(t.genre); it != extra->by_genre.end() && !it->second.empty())
      own = &it->second;
  const premise_parts* parts = find_premise_parts(t.genre);
  // A user's own topics take every other draw of their genre, so they show up often without
  // crowding out the composed premises.
  if (own && (parts == nullptr || (h2 & 1U) == 0))
    t.topic = (*own)[(h2 >> 1) % own->size()];
  else if (parts)
    t.topic = compose_premise(*parts, h);
  else if (g && !g->topics.empty())
    t.topic = g->topics[h % g->topics.size()];
  else
    t.topic = "a moment that changes someone's life";

  const auto& styles = styles_for(t.el);
  t.style = styles[(h2 >> 8) % styles.size()];
  t.tone = tones()[(h2 >> 24) % tones().size()];
  const genre_form form = form_of(t.genre);
  // A point of view shapes a scene; a portrait, a place or a dialogue has its own voice.
  if (t.el == element::scene && form == genre_form::fiction)
    t.pov = points_of_view()[(h2 >> 40) % points_of_view().size()];
  return t;
}

} // namespace zega::training
