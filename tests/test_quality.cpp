// The content-reading rubric (issue 13): labelled fixtures, language, coherence, element
// conformity, refusals, meta-commentary and the length curve.

#include "tests/fixtures/quality_fixtures.hpp"
#include "training/english.hpp"
#include "training/quality.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>

using namespace zega;
using namespace zega::training;

TEST_CASE("rubric fixtures: every good text passes 7.0, every bad one fails", "[unit][quality]") {
  const auto all = fixtures::quality_fixtures();
  std::map<std::string, int> good_count, bad_count;
  for (const auto& f : all)
    ++(f.good ? good_count : bad_count)[to_string(f.el)];
  REQUIRE(all.size() >= 60);
  for (element e : all_elements()) {
    CHECK(good_count[to_string(e)] >= 4);
    CHECK(bad_count[to_string(e)] >= 8);
  }
  for (const auto& f : all) {
    const auto r = score(f.el, f.text, f.truncated);
    INFO(f.name << ": " << r.to_json());
    if (f.good)
      CHECK(r.score >= 7.0);
    else
      CHECK(r.score < 7.0);
  }
}

TEST_CASE("rubric: language, refusal, meta and salad are flagged by name", "[unit][quality]") {
  const std::string scene = fixtures::good_scenes[0];
  const auto good = score(element::scene, scene, false);
  INFO(good.to_json());
  CHECK(good.flags.empty());
  CHECK(good.version == rubric_version);
  CHECK(good.to_json().find("\"rubric_version\":" + std::to_string(rubric_version))
        != std::string::npos);

  auto flagged = [](const quality_report& r, const std::string& flag) {
    return std::find(r.flags.begin(), r.flags.end(), flag) != r.flags.end();
  };
  CHECK(flagged(score(element::scene, fixtures::spanish[0], false), "wrong language"));
  // Asked for Spanish, the Spanish text passes and the English one does not.
  rubric_options es;
  es.language = "es";
  CHECK(score(element::scene, fixtures::spanish[0], false, es).score >= 7.0);
  CHECK(flagged(score(element::scene, scene, false, es), "wrong language"));
  CHECK(detect_language(fixtures::spanish[1]).code == "es");
  CHECK(detect_language(scene).code == "en");

  CHECK(flagged(score(element::scene, fixtures::refusals[0], false), "refusal"));
  CHECK(flagged(score(element::scene, scene + "\n\nThis works because it ends on a twist.", false),
                "meta-commentary"));
  const auto salad = score(element::scene, fixtures::word_salad(scene, 3), false);
  INFO(salad.to_json());
  CHECK(flagged(salad, "word salad"));
  CHECK(coherence_of(scene).llr > coherence_of(fixtures::word_salad(scene, 3)).llr + 0.15);

  // A character may say "I can't" without the model refusing.
  const auto spoken = score(element::dialogue,
                            "Ada: I can't open it.\nBen: Then push harder.\nAda: I can't, it's "
                            "stuck.\nBen: Let me try.\nAda: Careful with the hinge.\nBen: Got it.",
                            false);
  INFO(spoken.to_json());
  CHECK_FALSE(flagged(spoken, "refusal"));

  // Refusal phrases are whole words: "was an airship" does not contain "as an AI".
  const auto airship = score(element::scene, "Iris was an airship cartographer. " + scene, false);
  INFO(airship.to_json());
  CHECK_FALSE(flagged(airship, "refusal"));
  CHECK(flagged(score(element::scene, "As an AI, I cannot write this. " + scene, false), "refusal"));
}

TEST_CASE("rubric: the length curve has no cliff at 200 words", "[unit][quality]") {
  // Grow a good scene word by word past the limit: the score never drops by more than a
  // little per word, 205 words still passes, and 240 words does not.
  const std::string base = std::string(fixtures::good_scenes[0]) + "\n\n"
                           + fixtures::good_scenes[1];
  std::vector<std::string> words;
  std::string cur;
  for (char c : base) {
    if (c == ' ') {
      words.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  auto first = [&](std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n && i < words.size(); ++i)
      out += (i ? " " : "") + words[i];
    return out + ".";
  };
  double previous = -1;
  std::map<int, double> at;
  for (std::size_t n = 180; n <= 245; ++n) {
    const auto r = score(element::scene, first(n), false);
    at[r.words] = r.score;
    if (previous >= 0)
      CHECK(previous - r.score <= 0.6);
    previous = r.score;
  }
  INFO("193: " << at[193] << " 200: " << at[200] << " 205: " << at[205] << " 240: " << at[240]);
  CHECK(at[205] >= 7.0);
  CHECK(at[205] > at[200] - 1.0);
  CHECK(at[240] < 7.0);
}
