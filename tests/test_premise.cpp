// Premises that last for years (issue 13) and ZEGA's 25 genres (issue 12).

#include "training/genres.hpp"
#include "training/judge.hpp"
#include "training/premise.hpp"
#include "training/prompt.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <set>
#include <unordered_map>

using namespace zega::training;

TEST_CASE("ZEGA's 25 genres are accepted, each with its own premise parts", "[unit][premise]") {
  const char* zega[] = {"adventure", "biography", "comedy", "contemporary", "crime", "drama",
                        "dystopian", "epic", "fairy tale", "fantasy", "historical fiction",
                        "horror", "literary fiction", "memoir", "mystery", "mythology",
                        "paranormal", "poetry", "romance", "science fiction", "short story",
                        "thriller", "urban fantasy", "western", "young adult"};
  for (const char* name : zega) {
    INFO(name);
    const genre* g = find_genre(name);
    REQUIRE(g);
    CHECK(g->topics.size() >= 5);
    REQUIRE(find_premise_parts(name));
  }
  CHECK(find_genre("Young Adult") == find_genre("ya"));
  const auto names = genre_names();
  CHECK(names.size() == all_genres().size());
  CHECK(all_premise_parts().size() == all_genres().size());
  const auto msg = unknown_genre_message("space western");
  CHECK(msg.find("unknown genre \"space western\"") != std::string::npos);
  CHECK(msg.find("young adult") != std::string::npos);
  CHECK(msg.find("noir") != std::string::npos);
  // No two genres share their premise parts.
  std::set<std::string> firsts;
  for (const auto& p : all_premise_parts())
    firsts.insert(p.who.front() + "|" + p.wants.front());
  CHECK(firsts.size() == all_premise_parts().size());
}

TEST_CASE("premises: over 100,000, varied over 10,000 draws, with correct articles",
          "[unit][premise]") {
  CHECK(premise_count() >= 100000);
  std::set<std::string> premises, prompts;
  for (std::size_t n = 0; n < 10000; ++n) {
    const task_spec t = pick_task(2026, n, {}, {});
    premises.insert(t.genre + "|" + t.topic);
    prompts.insert(build_prompt(t).user);
  }
  std::printf("premises: %llu composable; %zu distinct premises and %zu distinct prompts in "
              "10,000 draws\n",
              static_cast<unsigned long long>(premise_count()), premises.size(), prompts.size());
  CHECK(premises.size() >= 9000);
  CHECK(prompts.size() >= 9500);

  // 40 fantasy scenes in one batch: 40 distinct prompts (issue 13 saw 32).
  std::set<std::string> batch;
  for (std::size_t n = 0; n < 40; ++n)
    batch.insert(build_prompt(pick_task(5, n, {"fantasy"}, {element::scene})).user);
  CHECK(batch.size() == 40);

  CHECK(with_article("adventure") == "an adventure");
  CHECK(with_article("urban fantasy") == "an urban fantasy");
  CHECK(with_article("unicorn") == "a unicorn");
  CHECK(with_article("hour") == "an hour");
  CHECK(with_article("western") == "a western");
  for (const char* g : {"adventure", "urban fantasy", "epic", "historical fiction"}) {
    const auto p = build_prompt({element::scene, g, "a test premise", "plain style", "", ""});
    INFO(p.user);
    CHECK(p.user.find(" a adventure") == std::string::npos);
    CHECK(p.user.find(" a urban") == std::string::npos);
    CHECK(p.user.find(" a epic") == std::string::npos);
    CHECK(p.user.find("for " + with_article(g) + " story") != std::string::npos);
  }
  CHECK(build_prompt({element::scene, "short story", "x", "y", "", ""}).user.find("for a short story about")
        != std::string::npos);
}

TEST_CASE("styles suit their element, and poetry and life writing get their own wording",
          "[unit][premise]") {
  const auto& d = styles_for(element::dialogue);
  CHECK(std::find(d.begin(), d.end(), "lyrical, rhythmic prose") == d.end());
  const auto& s = styles_for(element::setting);
  CHECK(std::find(s.begin(), s.end(), "a hopeful ending note") == s.end());
  for (element e : all_elements()) {
    CHECK(styles_for(e).size() >= 5);
    for (std::size_t n = 0; n < 50; ++n) {
      const auto t = pick_task(9, n, {}, {e});
      const auto& allowed = styles_for(e);
      CHECK(std::find(allowed.begin(), allowed.end(), t.style) != allowed.end());
      if (e != element::scene)
        CHECK(t.pov.empty());
    }
  }
  const auto verse = build_prompt({element::scene, "poetry", "the first frost", "a melancholic mood", "", ""});
  CHECK(verse.user.find("in verse") != std::string::npos);
  CHECK(verse.user.find("stanzas") != std::string::npos);
  CHECK(verse.user.find("paragraphs") == std::string::npos);
  const auto memoir = build_prompt({element::scene, "memoir", "my father", "plain", "", ""});
  CHECK(memoir.user.find("first person") != std::string::npos);
  CHECK(memoir.user.find("for a memoir") != std::string::npos);
  const auto bio = build_prompt({element::character, "biography", "a nurse", "plain", "", ""});
  CHECK(bio.user.find("third person") == std::string::npos); // profiles are prose portraits
  CHECK(bio.user.find("for a biography") != std::string::npos);
  // Each prompt, in every form, names its own element and no other.
  for (const auto& g : genre_names())
    for (element e : all_elements()) {
      const auto p = build_prompt(pick_task(3, static_cast<std::size_t>(e), {g}, {e}));
      INFO(p.user);
      CHECK(p.user.find(to_string(e)) != std::string::npos);
      for (element other : all_elements())
        if (other != e)
          CHECK(p.user.find(to_string(other)) == std::string::npos);
    }
}

TEST_CASE("premise history: no repeat within the window, reproducible, compact bytes",
          "[unit][premise]") {
  premise_history history; // default window 5000
  CHECK(history.window() == 5000);
  std::unordered_map<std::uint64_t, std::size_t> last_seen;
  std::vector<task_spec> drawn;
  std::set<std::string> first_10000;
  for (std::size_t n = 0; n < 12000; ++n) {
    const auto t = draw_task(77, n, {}, {}, history);
    if (n < 10000)
      first_10000.insert(t.genre + "|" + t.topic);
    const auto key = premise_history::key_of(t.el, t.genre, t.topic);
    if (auto it = last_seen.find(key); it != last_seen.end())
      CHECK(n - it->second > 5000);
    last_seen[key] = n;
    if (n < 20)
      drawn.push_back(t);
  }
  CHECK(history.size() == 5000);
  std::printf("premise history: %zu distinct (genre, premise) in 10,000 draws with history\n",
              first_10000.size());
  CHECK(first_10000.size() >= 9500);

  // Same seed and an equal history: the same draws.
  premise_history again;
  for (std::size_t n = 0; n < 20; ++n) {
    const auto t = draw_task(77, n, {}, {}, again);
    CHECK(t.topic == drawn[n].topic);
    CHECK(t.style == drawn[n].style);
  }

  // The history survives its bytes; a draw after reloading avoids what it holds.
  const std::string bytes = history.to_bytes();
  CHECK(bytes.size() == 12 + 8 * 5000);
  std::string error;
  auto loaded = premise_history::from_bytes(bytes, error);
  REQUIRE(loaded);
  CHECK(loaded->size() == 5000);
  CHECK(loaded->window() == 5000);
  CHECK(loaded->to_bytes() == bytes);
  CHECK_FALSE(premise_history::from_bytes(bytes.substr(0, bytes.size() - 3), error));
  CHECK(error.find("keys") != std::string::npos);
  CHECK_FALSE(premise_history::from_bytes("nonsense", error));

  // A narrow batch (one genre, one element) still avoids repeats while premises last.
  premise_history narrow(1000);
  std::set<std::string> seen;
  for (std::size_t n = 0; n < 1000; ++n)
    seen.insert(draw_task(1, n, {"western"}, {element::setting}, narrow).topic);
  CHECK(seen.size() == 1000);
  narrow.set_window(10);
  CHECK(narrow.size() == 10);
}

TEST_CASE("user topic lists load from a file with clear errors", "[unit][premise]") {
  std::string error;
  const auto topics = parse_user_topics("# my topics\n[Fantasy]\na glass lighthouse\n"
                                        "a moth that carries letters\n\nwestern: a ghost town "
                                        "with one working saloon\n",
                                        error);
  REQUIRE(topics);
  CHECK(topics->by_genre.at("fantasy").size() == 2);
  CHECK(topics->by_genre.at("western").front() == "a ghost town with one working saloon");

  // Own topics show up in draws of their genre, alongside composed premises.
  std::set<std::string> used;
  for (std::size_t n = 0; n < 60; ++n)
    used.insert(pick_task(4, n, {"fantasy"}, {element::scene}, 0, &*topics).topic);
  CHECK(used.count("a glass lighthouse") == 1);
  CHECK(used.size() > 10);

  CHECK_FALSE(parse_user_topics("a topic with no genre\n", error));
  CHECK(error == "topics file line 1: a topic before any [genre] header");
  CHECK_FALSE(parse_user_topics("[space western]\nx\n", error));
  CHECK(error.find("line 1: unknown genre \"space western\"; valid genres: ") != std::string::npos);
  CHECK_FALSE(parse_user_topics("[horror]\na haunted scene\n", error));
  CHECK(error.find("line 2") != std::string::npos);
  CHECK(error.find("scene") != std::string::npos);
  CHECK_FALSE(parse_user_topics("[horror]\n" + std::string(301, 'x') + "\n", error));
  CHECK_FALSE(parse_user_topics("# nothing\n\n", error));
  CHECK(error == "topics file has no topics");
  CHECK_FALSE(parse_user_topics("[horror\n", error));
}

TEST_CASE("judge prompt and reply", "[unit][judge]") {
  const auto p = build_judge_prompt(element::setting, "urban fantasy", "Write a setting ...",
                                    "The laundromat hums.");
  CHECK(is_judge_prompt(p.user));
  CHECK(p.user.find("an urban fantasy story") != std::string::npos);
  CHECK(judge_candidate(p.user) == std::string("The laundromat hums."));
  CHECK_FALSE(is_judge_prompt("Write a scene"));
  CHECK_FALSE(judge_candidate("no tags"));

  std::string error;
  auto v = parse_judge_reply("{\"score\": 7, \"reason\": \"Vivid.\"}", error);
  REQUIRE(v);
  CHECK(v->score == 7);
  CHECK(v->reason == "Vivid.");
  v = parse_judge_reply("Sure!\n```json\n{\"score\": \"8.5\"}\n```", error);
  REQUIRE(v);
  CHECK(v->score == 8.5);
  CHECK_FALSE(parse_judge_reply("I think it is a 7.", error));
  CHECK(error == "judge reply has no JSON object");
  CHECK_FALSE(parse_judge_reply("{\"rating\": 7}", error));
  CHECK(error == "judge reply has no \"score\"");
  CHECK_FALSE(parse_judge_reply("{\"score\": 12}", error));
  CHECK_FALSE(parse_judge_reply("{\"score\": true}", error));
  CHECK(blend_scores(8.0, 6.0, 0.25) == Approx(7.5));
  CHECK(blend_scores(8.0, 6.0, 0) == Approx(8.0));
  CHECK(blend_scores(8.0, 6.0, 2) == Approx(6.0));
}
