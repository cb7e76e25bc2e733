#pragma once
// Near-duplicate detection.
// - SimHash: 64-bit fingerprint over word 3-shingles (the first detector, kept for stored
//   fingerprints).
// - MinHash + LSH over word 5-gram windows: estimates the Jaccard similarity of two texts and
//   finds stored texts above a threshold without comparing against every one. Names are
//   folded to one token (a renamed hero is still the same text), and each 5-word window
//   contributes its ten position-tagged word pairs, so one changed word spoils 4 of the
//   window's 10 features instead of the whole window.
// - Short texts: a word pair survives an edit only when both its words do, so with a share p
//   of the words unchanged the Jaccard is about p^2 / (2 - p^2). Fifteen changed words leave a
//   150-word text at 0.68 but a 64-word dialogue at 0.41. A fixed Jaccard would let short
//   paraphrases through; so the bar for a pair of texts is the lower of the configured Jaccard
//   and the Jaccard expected when `changed_words` of the longer text's words differ (never
//   below the Jaccard for 60% of the words kept, where unrelated texts are still far off).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace zega::training {

std::uint64_t simhash(std::string_view text);
int hamming(std::uint64_t a, std::uint64_t b);
inline bool near_duplicate(std::uint64_t a, std::uint64_t b, int max_distance) {
  return hamming(a, b) <= max_distance;
}

constexpr std::size_t minhash_size = 128;     // hashes per signature
constexpr double default_near_jaccard = 0.5;  // quality.dedup_jaccard default
constexpr int default_changed_words = 20;     // quality.dedup_changed_words default
constexpr double min_kept_share = 0.6;        // the short-text bar never goes below this

// Fixed size so the store can keep one per example.
struct minhash_signature {
  std::array<std::uint32_t, minhash_size> mins{};
  std::uint32_t words = 0; // words in the text; 0 = unknown (a signature stored before v4)
  bool operator==(const minhash_signature& o) const { return mins == o.mins && words == o.words; }

  static constexpr std::size_t byte_size = minhash_size * 4 + 4;
  static constexpr std::size_t legacy_byte_size = minhash_size * 4; // without the word count
  std::string to_bytes() const; // byte_size bytes, little endian: the hashes, then the words
  static std::optional<minhash_signature> from_bytes(std::string_view bytes);
};

minhash_signature minhash(std::string_view text);
// Share of equal positions: an unbiased estimate of the Jaccard similarity of the feature sets.
double estimated_jaccard(const minhash_signature& a, const minhash_signature& b);

// The Jaccard at or above which two texts of `words_a` and `words_b` words are near-duplicates:
// the lower of `jaccard` and the estimate for `changed_words` changed words in the longer
// text (see the top of this file). Unknown lengths (0) or changed_words 0 give `jaccard`.
double near_threshold(double jaccard, int changed_words, std::uint32_t words_a,
                      std::uint32_t words_b);

// In-memory LSH index of signatures by caller-chosen id (example id). Bands are picked from
// the lowest bar a pair can get so pairs at their bar become candidates with probability
// > 0.95; candidates are then confirmed on the full signature against near_threshold().
// Each band is a sorted array of (32-bit band key, slot) with a short unsorted tail merged in
// from time to time: 8 bytes per example and band, about 1.1 KB per example in all (hash maps
// of vectors took about 3 KB: zega-bench-memory went from 150 to 112 MiB at 19,400 examples).
class minhash_index {
public:
  explicit minhash_index(double jaccard_threshold = default_near_jaccard,
                         int changed_words = default_changed_words);

  void add(std::uint64_t id, const minhash_signature& sig);
  // Stored ids whose estimated Jaccard with `sig` reaches their pair's near_threshold(),
  // most similar first.
  std::vector<std::pair<std::uint64_t, double>> query(const minhash_signature& sig) const;
  std::size_t size() const { return ids_.size(); }
  double threshold() const { return threshold_; }
  int changed_words() const { return changed_words_; }
  // The same signatures under another bar (a reload changed quality.dedup_*).
  minhash_index with_bar(double jaccard_threshold, int changed_words) const;
  std::size_t rows_per_band() const { return rows_; }

private:
  struct entry {
    std::uint32_t key;
    std::uint32_t slot;
    bool operator<(const entry& o) const { return key != o.key ? key < o.key : slot < o.slot; }
  };
  struct band {
    std::vector<entry> sorted; // by key
    std::vector<entry> tail;   // newest, unsorted, merged once it grows
  };
  std::uint32_t band_key(const minhash_signature& sig, std::size_t band) const;

  double threshold_;
  int changed_words_;
  std::size_t rows_;
  std::size_t bands_;
  std::vector<std::uint64_t> ids_;              // by slot
  std::vector<minhash_signature> signatures_;   // by slot
  std::unordered_map<std::uint64_t, std::uint32_t> slot_of_;
  std::vector<band> band_entries_;
};

} // namespace zega::training
