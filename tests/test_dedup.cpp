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

  for (std::size_t i = 0; i < bases.size(); ++i) {
    const auto& b = bases[i];
    INFO(to_string(b.el) << " " << i);
    CHECK(finds(index, b.text, i));
    CHECK(finds(index, fixtures::change_words(b.text, 1, 1), i));
    CHECK(finds(index, fixtures::change_words(b.text, 5, 2), i));
    // A 15-word paraphrase of a full-length text (140+ words); for the shorter settings and
    // dialogues 15 words are a sixth to a quarter of the text, and the bench reports rates.
    if (b.el == element::scene || b.el == element::character)
      CHECK(finds(index, fixtures::change_words(b.text, 15, 3), i));
    if (!b.hero.empty())
      CHECK(finds(index, fixtures::rename(b.text, b.hero, "Bartholomew"), i));
    // Nothing else in the index is flagged.
    for (const auto& [hit, j] : index.query(minhash(b.text)))
      CHECK(hit == i);
  }
}

TEST_CASE("minhash: signatures are fixed-size bytes and Jaccard estimates are sane",
          "[unit][dedup]") {
  const std::string a = fixtures::good_scenes[0];
  const auto sig = minhash(a);
  const auto bytes = sig.to_bytes();
  CHECK(bytes.size() == minhash_size * 4);
  const auto back = minhash_signature::from_bytes(bytes);
  REQUIRE(back);
  CHECK(*back == sig);
  CHECK_FALSE(minhash_signature::from_bytes(bytes.substr(1)));
  CHECK(estimated_jaccard(sig, sig) == 1.0);
  CHECK(estimated_jaccard(sig, minhash(fixtures::good_scenes[1])) < 0.2);
  // Case and punctuation do not matter; a renamed hero does not either.
  CHECK(estimated_jaccard(sig, minhash(fixtures::rename(a, "Odile", "Wilhelmina"))) > 0.9);
  // A stricter threshold uses more rows per band (fewer false candidates).
  CHECK(minhash_index(0.8).rows_per_band() >= minhash_index(0.5).rows_per_band());
  minhash_index strict(0.95);
  strict.add(1, sig);
  CHECK(strict.query(minhash(fixtures::change_words(a, 15, 3))).empty());
  CHECK(strict.query(sig).size() == 1);
}
