// MinHash + LSH near-duplicates (issue 13): paraphrases and renamed retellings are caught,
// unrelated texts are not; signatures survive the bytes the store keeps.

#include "tests/fixtures/dedup_fixtures.hpp"
#include "training/dedup.hpp"

#include <catch2/catch.hpp>

using namespace zega;
using namespace zega::training;

namespace {

bool finds(const minhash_index& index, const std::string& text, std::uint64_t id) {
  for (const auto& [hit, j] : index.query(minhash(text)))
    if (hit == id)
      return true;
  return false;
}

} // namespace

TEST_CASE("minhash: edited copies are caught, unrelated texts are not", "[unit][dedup]") {
  const auto bases = fixtures::dedup_bases();
  minhash_index index;
  CHECK(index.threshold() == Approx(0.5));
  for (std::size_t i = 0; i < bases.size(); ++i)
    index.add(i, minhash(bases[i].text));
  REQUIRE(index.size() == bases.size());

  int paraphrases_caught = 0;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    const auto& b = bases[i];
    INFO(to_string(b.el) << " " << i);
    CHECK(finds(index, b.text, i));
    CHECK(finds(index, fixtures::change_words(b.text, 1, 1), i));
    CHECK(finds(index, fixtures::change_words(b.text, 5, 2), i));
    // A 15-word paraphrase, also of the 66-to-103-word dialogues and settings, where 15 words
    // are a sixth to a quarter of the text (their bar follows the length).
    int caught = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed)
      caught += finds(index, fixtures::change_words(b.text, 15, seed), i);
    CHECK(caught >= 9);
    paraphrases_caught += caught;
    if (!b.hero.empty())
      CHECK(finds(index, fixtures::rename(b.text, b.hero, "Bartholomew"), i));
    // Nothing else in the index is flagged.
    for (const auto& [hit, j] : index.query(minhash(b.text)))
      CHECK(hit == i);
  }
  CHECK(paraphrases_caught >= static_cast<int>(bases.size()) * 10 * 98 / 100);
}

TEST_CASE("minhash: the near-duplicate bar follows the length of short texts", "[unit][dedup]") {
  // Long texts keep the configured Jaccard: 20 changed words of 200 leave 0.68.
  CHECK(near_threshold(0.5, 20, 200, 190) == Approx(0.5));
  // 64 words: 20 changed leave 69% of the words, 0.31 of the pair features.
  CHECK(near_threshold(0.5, 20, 64, 60) == Approx(0.3095).epsilon(0.01));
  // The longer text decides, and very short texts stop at 60% of the words kept.
  CHECK(near_threshold(0.5, 20, 30, 64) == near_threshold(0.5, 20, 64, 30));
  CHECK(near_threshold(0.5, 20, 12, 10) == Approx(0.36 / 1.64));
  // Unknown lengths (signatures stored before the word count) and 0 changed words: the Jaccard.
  CHECK(near_threshold(0.5, 20, 0, 64) == Approx(0.5));
  CHECK(near_threshold(0.5, 0, 64, 64) == Approx(0.5));
  CHECK(near_threshold(0.2, 20, 64, 64) == Approx(0.2));

  // A 15-word paraphrase of a 66-word dialogue that the Jaccard alone lets through.
  const std::string dialogue = fixtures::good_dialogues[3];
  std::string copy;
  for (std::uint64_t seed = 1; seed < 50 && copy.empty(); ++seed) {
    auto candidate = fixtures::change_words(dialogue, 15, seed);
    if (estimated_jaccard(minhash(dialogue), minhash(candidate)) < 0.5)
      copy = candidate;
  }
  REQUIRE_FALSE(copy.empty());
  minhash_index by_length;
  by_length.add(1, minhash(dialogue));
  CHECK(by_length.query(minhash(copy)).size() == 1);
  minhash_index jaccard_only(0.5, 0);
  jaccard_only.add(1, minhash(dialogue));
  CHECK(jaccard_only.query(minhash(copy)).empty());
}

TEST_CASE("minhash: signatures are fixed-size bytes and Jaccard estimates are sane",
          "[unit][dedup]") {
  const std::string a = fixtures::good_scenes[0];
  const auto sig = minhash(a);
  const auto bytes = sig.to_bytes();
  CHECK(bytes.size() == minhash_size * 4 + 4);
  const auto back = minhash_signature::from_bytes(bytes);
  REQUIRE(back);
  CHECK(*back == sig);
  CHECK(back->words == 156);
  CHECK_FALSE(minhash_signature::from_bytes(bytes.substr(1)));
  // A signature stored before the word count reads with the length unknown.
  const auto legacy = minhash_signature::from_bytes(bytes.substr(0, minhash_size * 4));
  REQUIRE(legacy);
  CHECK(legacy->mins == sig.mins);
  CHECK(legacy->words == 0);
  CHECK(estimated_jaccard(sig, sig) == 1.0);
  CHECK(estimated_jaccard(sig, minhash(fixtures::good_scenes[1])) < 0.2);
  // Case and punctuation do not matter; a renamed hero does not either.
  CHECK(estimated_jaccard(sig, minhash(fixtures::rename(a, "Odile", "Wilhelmina"))) > 0.9);
  // A stricter threshold uses more rows per band (fewer false candidates).
  CHECK(minhash_index(0.8).rows_per_band() >= minhash_index(0.5).rows_per_band());
  minhash_index strict(0.95, 0);
  strict.add(1, sig);
  CHECK(strict.query(minhash(fixtures::change_words(a, 15, 3))).empty());
  CHECK(strict.query(sig).size() == 1);
}

TEST_CASE("minhash index: a thousand examples are found in the sorted part and the tail",
          "[unit][dedup]") {
  // Bands keep a sorted array and an unsorted tail merged once it grows: every example must
  // be found whichever part holds it, an id added twice counts once.
  minhash_index index;
  std::vector<minhash_signature> sigs;
  for (std::uint64_t n = 0; n < 1000; ++n) {
    const std::string base = fixtures::good_scenes[n % 4];
    sigs.push_back(minhash(fixtures::change_words(base, 60, n + 1) + " " + std::to_string(n)));
    index.add(1000 + n, sigs.back());
    if (n % 97 == 0)
      index.add(1000 + n, sigs.back());
  }
  CHECK(index.size() == 1000);
  int first = 0;
  for (std::uint64_t n = 0; n < 1000; ++n) {
    const auto hits = index.query(sigs[n]);
    first += !hits.empty() && hits.front().first == 1000 + n && hits.front().second == 1.0;
  }
  CHECK(first == 1000);
}
