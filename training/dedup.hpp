#pragma once
// Near-duplicate detection: 64-bit SimHash over word shingles.

#include <cstdint>
#include <string_view>

namespace zega::training {

std::uint64_t simhash(std::string_view text);
int hamming(std::uint64_t a, std::uint64_t b);
inline bool near_duplicate(std::uint64_t a, std::uint64_t b, int max_distance) {
  return hamming(a, b) <= max_distance;
}

} // namespace zega::training
