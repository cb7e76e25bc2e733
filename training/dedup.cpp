#include "training/dedup.hpp"

#include "training/text.hpp"

#include <array>
#include <bitset>
#include <string>

namespace zega::training {

namespace {

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

} // namespace

std::uint64_t simhash(std::string_view text) {
  const auto words = lower_words(text);
  if (words.empty())
    return 0;
  // Texts shorter than one shingle still get a fingerprint from their words.
  const std::size_t width = words.size() < 3 ? words.size() : 3;
  std::array<long, 64> weight{};
  std::string shingle;
  for (std::size_t i = 0; i + width <= words.size(); ++i) {
    shingle.clear();
    for (std::size_t k = 0; k < width; ++k) {
      if (k > 0)
        shingle.push_back(' ');
      shingle += words[i + k];
    }
    const std::uint64_t h = fnv1a64(shingle);
    for (int bit = 0; bit < 64; ++bit)
      weight[bit] += ((h >> bit) & 1U) ? 1 : -1;
  }
  std::uint64_t fingerprint = 0;
  for (int bit = 0; bit < 64; ++bit)
    if (weight[bit] > 0)
      fingerprint |= std::uint64_t{1} << bit;
  return fingerprint;
}

int hamming(std::uint64_t a, std::uint64_t b) {
  return static_cast<int>(std::bitset<64>(a ^ b).count());
}

} // namespace zega::training
