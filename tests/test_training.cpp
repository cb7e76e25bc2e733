#include "training/dedup.hpp"
#include "training/element.hpp"
#include "training/genres.hpp"
#include "training/prompt.hpp"
#include "training/quality.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

using namespace zega::training;

namespace {

const std::string clean_scene =
  "The storm reached the lighthouse an hour after dusk. Ilse climbed the spiral stairs with "
  "the lamp oil sloshing in its tin, counting each step the way her father had taught her. "
  "Salt spray hissed against the glass, and somewhere below the shutters banged like a fist "
  "on a door. She trimmed the wick, struck a match and watched the flame catch and steady "
  "behind the great lens.\n"
  "\n"
  "Then she saw it: a fishing boat without lights, rolling broadside toward the reef. Nobody "
  "else would be awake to see it. Ilse swung the beam low across the black water, once, twice, "
  "a third time, until a pale shape on the deck raised an arm. The boat turned, slowly, "
  "grudgingly, and slid past the rocks with a yard to spare. Only when it rounded the point "
  "did she notice her hands shaking, and she laughed aloud in the empty, roaring tower.";

const std::string six_line_dialogue =
  "Mara: You kept the key all these years?\n"
  "Tomas: I kept the whole house, Mara. The key was the easy part.\n"
  "Mara: Then why did you never come back to open it?\n"
  "Tomas: Because you took the reason with you when you left.\n"
  "Mara: That is unfair, and you know it.\n"
  "Tomas: Maybe. But the roses still bloom every June, and I still water them.";

const std::string two_line_dialogue =
  "Mara: You kept the key all these years?\n"
  "Tomas: I kept the whole house, Mara. The key was the easy part.";

const std::string character_profile =
  "Brannoch Vale is a broad-shouldered smith with soot in the creases of his hands and a beard "
  "he trims with the same shears he uses on leather. His grey eyes rarely leave the work in "
  "front of him, and his voice, when he bothers to use it, is low and patient. He is stubborn "
  "about quality and gentle with apprentices, though he would deny both.\n\n"
  "He was born in a mining town that no longer exists. His father drowned when the lower "
  "shafts flooded, and his mother sent him south at twelve to be apprenticed to a swordsmith "
  "who beat him more often than he praised him. Brannoch learned anyway. Years later he bought "
  "the forge from the old man's widow and swore he would never make a blade for a war he did "
  "not understand. The sword that now sits unsold on his wall is the first time he has broken "
  "that promise.";

const std::string market_setting =
  "The night market fills the drained canal bed from wall to wall. Paper lanterns sway on wires "
  "overhead, throwing a warm orange glow across stalls of copper pots, bruised peaches and "
  "second-hand radios. The air smells of frying dough, diesel and wet stone. Somewhere a "
  "generator hums beneath the haggling, and water still drips from the old lock gates at the "
  "far end, each drop ringing in a rusted bucket. Underfoot the cobbles are slick and cold, and "
  "the crowd moves in slow eddies around a fortune-teller whose cards are soft with handling.";

int count_words(const std::string& s) {
  int n = 0;
  bool in = false;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n';
    if (!space && !in)
      ++n;
    in = !space;
  }
  return n;
}

} // namespace

TEST_CASE("elements round-trip by name and targets stay under 200 words", "[training]") {
  REQUIRE(all_elements().size() == 4);
  for (element e : all_elements()) {
    auto back = element_from_string(to_string(e));
    REQUIRE(back);
    CHECK(*back == e);
    CHECK(target_of(e).words_max <= 200);
  }
  CHECK_FALSE(element_from_string("poem"));
  CHECK(target_of(element::scene).paragraphs_min == 2);
  CHECK(target_of(element::scene).paragraphs_max == 3);
  CHECK(target_of(element::dialogue).lines_min == 5);
  CHECK(target_of(element::dialogue).lines_max == 10);
  CHECK(target_of(element::setting).words_ideal == 100);
}

TEST_CASE("genres: zegad's 25 plus ZEGA's 9 others, at least 5 topics, case-insensitive lookup",
          "[training]") {
  REQUIRE(all_genres().size() == 34);
  std::set<std::string> names;
  for (const auto& g : all_genres()) {
    CHECK(g.topics.size() >= 5);
    names.insert(g.name);
  }
  CHECK(names.size() == 34);
  const genre* g = find_genre("Science Fiction");
  REQUIRE(g);
  CHECK(g->name == "science fiction");
  CHECK(find_genre("sci-fi") == g);
  CHECK(find_genre("NOIR"));
  CHECK(find_genre("interpretive dance") == nullptr);
}

TEST_CASE("prompt names element, genre, topic, style and target", "[training]") {
  for (element e : all_elements()) {
    task_spec t{e, "gothic", "a crypt that is warm to the touch", "a melancholic mood", "", ""};
    const prompt p = build_prompt(t);
    INFO(p.user);
    CHECK(p.user.find(to_string(e)) != std::string::npos);
    CHECK(p.user.find("gothic") != std::string::npos);
    CHECK(p.user.find("a crypt that is warm to the touch") != std::string::npos);
    CHECK(p.user.find("a melancholic mood") != std::string::npos);
    if (e == element::dialogue)
      CHECK(p.user.find("5 to 10 lines") != std::string::npos);
    else
      CHECK(p.user.find("about " + std::to_string(target_of(e).words_ideal) + " words")
            != std::string::npos);
    CHECK(p.system.find("ONLY") != std::string::npos);
    for (element other : all_elements())
      if (other != e) {
        CHECK(p.user.find(to_string(other)) == std::string::npos);
        CHECK(p.system.find(to_string(other)) == std::string::npos);
      }
    CHECK(p.max_tokens >= 300);
  }
  CHECK(style_modifiers().size() >= 10);
  // Topics and styles are spliced into every prompt, so they must not name an element.
  for (element e : all_elements()) {
    for (const auto& s : style_modifiers())
      CHECK(s.find(to_string(e)) == std::string::npos);
    for (const auto& g : all_genres()) {
      CHECK(g.name.find(to_string(e)) == std::string::npos);
      for (const auto& topic : g.topics)
        CHECK(topic.find(to_string(e)) == std::string::npos);
    }
  }
}

TEST_CASE("pick_task is deterministic and rotates elements and genres", "[training]") {
  std::map<element, int> per_element;
  std::set<std::string> genres;
  for (std::size_t n = 0; n < 8; ++n) {
    const task_spec t = pick_task(42, n, {}, {});
    ++per_element[t.el];
    genres.insert(t.genre);
    CHECK(find_genre(t.genre) != nullptr);
    CHECK_FALSE(t.topic.empty());
    CHECK_FALSE(t.style.empty());
    const task_spec again = pick_task(42, n, {}, {});
    CHECK(again.genre == t.genre);
    CHECK(again.topic == t.topic);
    CHECK(again.style == t.style);
  }
  REQUIRE(per_element.size() == 4);
  for (const auto& [e, count] : per_element)
    CHECK(count == 2);
  CHECK(genres.size() >= 4);

  SECTION("filters are honoured and pairs are covered") {
    std::set<std::pair<element, std::string>> pairs;
    for (std::size_t n = 0; n < 8; ++n) {
      const task_spec t = pick_task(7, n, {"Noir", "western"}, {element::scene, element::setting});
      CHECK((t.el == element::scene || t.el == element::setting));
      CHECK((t.genre == "noir" || t.genre == "western"));
      pairs.insert({t.el, t.genre});
    }
    CHECK(pairs.size() == 4);
  }

  SECTION("different seeds vary topics") {
    std::set<std::string> topics;
    for (std::uint64_t seed = 0; seed < 20; ++seed)
      topics.insert(pick_task(seed, 0, {"fantasy"}, {}).topic);
    CHECK(topics.size() >= 3);
  }
}

TEST_CASE("rubric orders scene fixtures", "[training]") {
  REQUIRE(count_words(clean_scene) >= 140);
  REQUIRE(count_words(clean_scene) <= 170);
  const auto good = score(element::scene, clean_scene, false);
  INFO(good.to_json());
  CHECK(good.score >= 8.5);
  CHECK(good.paragraphs == 2);

  SECTION("truncated mid-sentence") {
    const std::string cut = clean_scene.substr(0, clean_scene.find("with a yard") + 6);
    const auto r = score(element::scene, cut, true);
    INFO(r.to_json());
    CHECK(r.score < good.score - 1.5);
  }
  SECTION("repetitive") {
    const std::string sentence = "The storm reached the lighthouse and Ilse climbed the stairs. ";
    std::string rep;
    for (int i = 0; i < 6; ++i)
      rep += sentence;
    rep += "\n\n";
    for (int i = 0; i < 6; ++i)
      rep += sentence;
    const auto r = score(element::scene, rep, false);
    INFO(r.to_json());
    CHECK(r.score < good.score - 2);
  }
  SECTION("wrapped in chatter and markdown") {
    const std::string wrapped =
      "Sure! Here's a scene:\n\n# The Keeper\n\n" + clean_scene + "\n\nI hope you enjoy it!";
    const auto r = score(element::scene, wrapped, false);
    INFO(r.to_json());
    CHECK(r.score < good.score - 0.9);
  }
  SECTION("400 words") {
    std::string longer = clean_scene + "\n\n" + clean_scene;
    longer += "\n\n" + longer.substr(0, longer.size() / 2) + ".";
    REQUIRE(count_words(longer) > 350);
    const auto r = score(element::scene, longer, false);
    INFO(r.to_json());
    CHECK(r.score < good.score - 2);
  }
}

TEST_CASE("rubric: dialogue lines and report JSON", "[training]") {
  const auto six = score(element::dialogue, six_line_dialogue, false);
  const auto two = score(element::dialogue, two_line_dialogue, false);
  INFO(six.to_json() << "\n" << two.to_json());
  CHECK(six.score > two.score + 2);
  CHECK(six.lines == 6);
  CHECK(six.score >= 8.0);

  const auto accented = score(element::dialogue,
                              "Émile: Is the ferry late again?\nZoë: It is always late.\n"
                              "Émile: Then we walk along the river.\nZoë: In this rain?\n"
                              "Émile: You have a better idea, I suppose.\nZoë: Always.",
                              false);
  CHECK(accented.parts[1].score == Approx(2.0));
  CHECK(score(element::dialogue, "", false).score == 0.0);
  CHECK(score(element::dialogue, "(aside): hm.\n: no name.", false).lines == 2);
  CHECK(score(element::scene, "  \n\n ", true).score == 0.0);

  const std::string json = six.to_json();
  CHECK(json.find("\"score\":") != std::string::npos);
  for (const char* part : {"length", "structure", "variety", "repetition", "clean", "truncation"})
    CHECK(json.find(std::string("\"name\":\"") + part + "\"") != std::string::npos);
  double total = 0;
  for (const auto& p : six.parts) {
    CHECK(p.score <= p.max);
    total += p.max;
  }
  CHECK(total == Approx(10.0));
}

TEST_CASE("rubric: character needs description and backstory, setting needs senses",
          "[training]") {
  const auto full = score(element::character, character_profile, false);
  INFO(full.to_json());
  CHECK(full.score >= 9.0);
  const std::string description_only = character_profile.substr(0, character_profile.find("\n\n"));
  const auto half = score(element::character, description_only, false);
  INFO(half.to_json());
  CHECK(half.score < full.score - 1);

  const auto setting = score(element::setting, market_setting, false);
  INFO(setting.to_json());
  CHECK(setting.score >= 9.0);
  const auto bland = score(element::setting,
                           "The market is in a canal. It has many stalls and people. They buy "
                           "things and sell things there every night of the week.",
                           false);
  CHECK(bland.score < setting.score - 2);
}

TEST_CASE("clean_output strips wrappers", "[training]") {
  const std::string wrapped = "Sure! Here's a scene:\n\n# The Keeper\n\n```\n" + clean_scene
                              + "\n```\n\nLet me know if you'd like any changes!";
  CHECK(clean_output(wrapped) == clean_scene);
  CHECK(clean_output("Certainly! Here is a dialogue: **Mara:** Hello.\n**Tomas:** Hi.")
        == "Mara: Hello.\nTomas: Hi.");
  CHECK(clean_output("**The Lighthouse**\n\n" + clean_scene + "\n\n(Word count: 152)")
        == clean_scene);
  // Prose that merely starts with an opener word is kept.
  CHECK(clean_output("Sure enough, the tide came in.") == "Sure enough, the tide came in.");
  CHECK(clean_output("Okay. There was nothing left.") == "Okay. There was nothing left.");
  CHECK(clean_output("Here's what I came up with: The rain fell.") == "The rain fell.");
  CHECK(clean_output("Of course!\nHere is your setting.\n\nThe mill stood silent.")
        == "The mill stood silent.");
  CHECK(clean_output(six_line_dialogue) == six_line_dialogue);
}

TEST_CASE("simhash separates near-duplicates from unrelated texts", "[training]") {
  const auto a = simhash(clean_scene);
  CHECK(hamming(a, a) == 0);
  CHECK(hamming(0, ~std::uint64_t{0}) == 64);
  CHECK(simhash("The Storm, reached!") == simhash("the storm reached"));

  // Re-punctuated, re-cased and one word longer: what a resubmitted example looks like.
  std::string near = clean_scene;
  near.replace(near.find("The storm"), 9, "THE STORM");
  near.replace(near.find("her father"), 10, "her father,");
  near += " Finally.";
  CHECK(hamming(a, simhash(near)) <= 3);
  CHECK(near_duplicate(a, simhash(near), 3));

  const auto unrelated = hamming(a, simhash(six_line_dialogue));
  CHECK(unrelated > 10);

  // Every single-word deletion stays far closer than an unrelated text.
  for (const char* word : {"storm ", "reached ", "lighthouse ", "hour ", "after "}) {
    std::string edited = clean_scene;
    edited.erase(edited.find(word), std::string(word).size());
    CHECK(hamming(a, simhash(edited)) < unrelated / 2);
  }
}
