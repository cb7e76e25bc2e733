// Near-duplicate detection on the fixtures: for each stored example, edited copies (1, 5
// and 15 words changed; hero renamed) should be flagged, other examples should not. Prints
// catch and false-alarm rates per element for MinHash+LSH (Jaccard >= 0.5) and, for
// comparison, SimHash at distance 8.

#include "tests/fixtures/dedup_fixtures.hpp"
#include "training/dedup.hpp"

#include <cstdio>
#include <map>
#include <string>

int main() {
  using namespace zega;
  using namespace zega::training;
  const auto bases = fixtures::dedup_bases();
  minhash_index index(default_near_jaccard);
  std::vector<std::uint64_t> fingerprints;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    index.add(i, minhash(bases[i].text));
    fingerprints.push_back(simhash(bases[i].text));
  }
  auto flagged_by_minhash = [&](const std::string& text, std::size_t expect) {
    for (const auto& [id, j] : index.query(minhash(text)))
      if (id == expect)
        return true;
    return false;
  };
  struct tally {
    int tried = 0, minhash = 0, simhash = 0;
  };
  std::map<std::string, tally> rows; // "edit / element"
  constexpr int seeds = 10;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    const std::string el = to_string(bases[i].el);
    for (int changed : {1, 5, 15})
      for (int s = 0; s < seeds; ++s) {
        const auto copy = fixtures::change_words(bases[i].text, changed, static_cast<std::uint64_t>(s + 1));
        auto& t = rows[std::to_string(changed) + " words changed / " + el];
        ++t.tried;
        t.minhash += flagged_by_minhash(copy, i);
        t.simhash += near_duplicate(fingerprints[i], simhash(copy), 8);
      }
    if (!bases[i].hero.empty()) {
      const auto copy = fixtures::rename(bases[i].text, bases[i].hero, "Bartholomew");
      auto& t = rows["hero renamed / " + el];
      ++t.tried;
      t.minhash += flagged_by_minhash(copy, i);
      t.simhash += near_duplicate(fingerprints[i], simhash(copy), 8);
    }
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
      const double j = estimated_jaccard(sig, minhash(bases[k].text));
      worst = std::max(worst, j);
      unrelated.minhash += j >= default_near_jaccard;
      unrelated.simhash += near_duplicate(fingerprints[i], fingerprints[k], 8);
    }
  }
  std::printf("%-34s %6s %16s %16s\n", "edit / element", "tried", "minhash+lsh", "simhash<=8");
  auto line = [](const std::string& name, const tally& t) {
    std::printf("%-34s %6d %9d (%3.0f%%) %9d (%3.0f%%)\n", name.c_str(), t.tried, t.minhash,
                100.0 * t.minhash / t.tried, t.simhash, 100.0 * t.simhash / t.tried);
  };
  std::map<std::string, tally> totals;
  for (const auto& [name, t] : rows) {
    line(name, t);
    auto& all = totals[name.substr(0, name.find(" / ")) + " / all"];
    all.tried += t.tried;
    all.minhash += t.minhash;
    all.simhash += t.simhash;
  }
  std::printf("\n");
  for (const auto& [name, t] : totals)
    line(name, t);
  line("unrelated pairs (false alarms)", unrelated);
  std::printf("highest Jaccard estimate between unrelated texts: %.2f (threshold %.2f, %zu rows x %zu bands)\n",
              worst, default_near_jaccard, index.rows_per_band(), minhash_size / index.rows_per_band());
  return 0;
}
