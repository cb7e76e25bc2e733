// Near-duplicate detection on the fixtures: for each stored example, edited copies (1, 5,
// 15, 20 and 25 words changed, 20 seeds each; hero renamed) should be flagged up to 15-20
// words, other examples should not. Prints catch and false-alarm rates per element for
// MinHash+LSH with the default settings (Jaccard 0.5, or the length's bar for 20 changed
// words), for the Jaccard alone, and, for comparison, SimHash at distance 8.

#include "tests/fixtures/dedup_fixtures.hpp"
#include "training/dedup.hpp"

#include <cstdio>
#include <map>
#include <string>

int main() {
  using namespace zega;
  using namespace zega::training;
  const auto bases = fixtures::dedup_bases();
  minhash_index index(default_near_jaccard, default_changed_words);
  minhash_index jaccard_only(default_near_jaccard, 0);
  std::vector<std::uint64_t> fingerprints;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    index.add(i, minhash(bases[i].text));
    jaccard_only.add(i, minhash(bases[i].text));
    fingerprints.push_back(simhash(bases[i].text));
  }
  auto flagged_in = [](const minhash_index& in, const std::string& text, std::size_t expect) {
    for (const auto& [id, j] : in.query(minhash(text)))
      if (id == expect)
        return true;
    return false;
  };
  struct tally {
    int tried = 0, minhash = 0, jaccard = 0, simhash = 0;
  };
  auto count = [&](tally& t, const std::string& copy, std::size_t i) {
    ++t.tried;
    t.minhash += flagged_in(index, copy, i);
    t.jaccard += flagged_in(jaccard_only, copy, i);
    t.simhash += near_duplicate(fingerprints[i], simhash(copy), 8);
  };
  std::map<std::string, tally> rows; // "edit / element"
  constexpr int seeds = 20;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    const std::string el = to_string(bases[i].el);
    for (int changed : {1, 5, 15, 20, 25})
      for (int s = 0; s < seeds; ++s) {
        const auto copy = fixtures::change_words(bases[i].text, changed, static_cast<std::uint64_t>(s + 1));
        count(rows[(changed < 10 ? "0" : "") + std::to_string(changed) + " words changed / " + el], copy, i);
      }
    if (!bases[i].hero.empty())
      count(rows["hero renamed / " + el], fixtures::rename(bases[i].text, bases[i].hero, "Bartholomew"), i);
  }
  // False alarms: each example against every other stored example.
  tally unrelated;
  double worst = 0;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    const auto sig = minhash(bases[i].text);
    for (std::size_t k = 0; k < bases.size(); ++k) {
      if (k == i)
        continue;
      ++unrelated.tried;
      const auto other = minhash(bases[k].text);
      const double j = estimated_jaccard(sig, other);
      worst = std::max(worst, j);
      unrelated.minhash += j >= near_threshold(default_near_jaccard, default_changed_words, sig.words, other.words);
      unrelated.jaccard += j >= default_near_jaccard;
      unrelated.simhash += near_duplicate(fingerprints[i], fingerprints[k], 8);
    }
  }
  // A wider false-alarm check: every pair of the distinct texts we wrote for the rubric
  // fixtures (good ones, refusals, Spanish, forms, conversations, static scenes).
  tally written;
  {
    std::vector<minhash_signature> sigs;
    std::vector<std::uint64_t> simhashes;
    auto add = [&](const auto& texts) {
      for (const char* t : texts) {
        sigs.push_back(minhash(t));
        simhashes.push_back(simhash(t));
      }
    };
    add(fixtures::good_scenes);
    add(fixtures::good_characters);
    add(fixtures::good_dialogues);
    add(fixtures::good_settings);
    add(fixtures::refusals);
    add(fixtures::spanish);
    add(fixtures::character_forms);
    add(fixtures::setting_conversations);
    add(fixtures::static_scenes);
    for (std::size_t i = 0; i < sigs.size(); ++i)
      for (std::size_t k = i + 1; k < sigs.size(); ++k) {
        ++written.tried;
        const double j = estimated_jaccard(sigs[i], sigs[k]);
        worst = std::max(worst, j);
        written.minhash += j >= near_threshold(default_near_jaccard, default_changed_words,
                                               sigs[i].words, sigs[k].words);
        written.jaccard += j >= default_near_jaccard;
        written.simhash += near_duplicate(simhashes[i], simhashes[k], 8);
      }
  }
  std::printf("%-34s %6s %16s %16s %16s\n", "edit / element", "tried", "minhash (default)",
              "jaccard>=0.5", "simhash<=8");
  auto line = [](const std::string& name, const tally& t) {
    std::printf("%-34s %6d %9d (%3.0f%%) %9d (%3.0f%%) %9d (%3.0f%%)\n", name.c_str(), t.tried,
                t.minhash, 100.0 * t.minhash / t.tried, t.jaccard, 100.0 * t.jaccard / t.tried,
                t.simhash, 100.0 * t.simhash / t.tried);
  };
  std::map<std::string, tally> totals;
  for (const auto& [name, t] : rows) {
    line(name, t);
    auto& all = totals[name.substr(0, name.find(" / ")) + " / all"];
    all.tried += t.tried;
    all.minhash += t.minhash;
    all.jaccard += t.jaccard;
    all.simhash += t.simhash;
  }
  std::printf("\n");
  for (const auto& [name, t] : totals)
    line(name, t);
  line("unrelated pairs (false alarms)", unrelated);
  line("all written fixture pairs", written);
  std::printf("highest Jaccard estimate between unrelated texts: %.2f (threshold %.2f, or the bar for %d "
              "changed words, never under %.2f; %zu rows x %zu bands)\n",
              worst, default_near_jaccard, default_changed_words,
              near_threshold(default_near_jaccard, default_changed_words, 1, 1),
              index.rows_per_band(), minhash_size / index.rows_per_band());
  return 0;
}
