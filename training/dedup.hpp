#pragma once
// Near-duplicate detection.
// - SimHash: 64-bit fingerprint over word 3-shingles (the first detector, kept for stored
//   fingerprints).
// - MinHash + LSH over word 5-gram windows: estimates the Jaccard similarity of two texts and
//   finds stored texts above a threshold without comparing against every one. Names are
//   folded to one token (a renamed hero is still the same text), and each 5-word window
//   contributes its ten position-tagged word pairs, so one changed word spoils 4 of the
//   window's 10 features instead of the whole window.

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

// Fixed size (512 bytes) so the store can keep one per example.
struct minhash_signature {
  std::array<std::uint32_t, minhash_size> mins{};
  bool operator==(const minhash_signature& o) const { return mins == o.mins; }

  std::string to_bytes() const; // 512 bytes, little endian
  static std::optional<minhash_signature> from_bytes(std::string_view bytes);
};

minhash_signature minhash(std::string_view text);
// Share of equal positions: an unbiased estimate of the Jaccard similarity of the feature sets.
double estimated_jaccard(const minhash_signature& a, const minhash_signature& b);

// In-memory LSH index of signatures by caller-chosen id (example id). Bands are picked from
// the threshold so pairs at the threshold become candidates with probability > 0.99;
// candidates are then confirmed on the full signature.
class minhash_index {
public:
  explicit minhash_index(double jaccard_threshold = default_near_jaccard);

  void add(std::uint64_t id, const minhash_signature& sig);
  // Stored ids whose estimated Jaccard with `sig` is at least the threshold, most similar
  // first.
  std::vector<std::pair<std::uint64_t, double>> query(const minhash_signature& sig) const;
  std::size_t size() const { return signatures_.size(); }
  double threshold() const { return threshold_; }
  std::size_t rows_per_band() const { return rows_; }

private:
  std::uint64_t band_key(const minhash_signature& sig, std::size_t band) const;

  double threshold_;
  std::size_t rows_;
  std::size_t bands_;
  std::unordered_map<std::uint64_t, minhash_signature> signatures_;
  std::vector<std::unordered_map<std::uint64_t, std::vector<std::uint64_t>>> buckets_;
};

} // namespace zega::training
