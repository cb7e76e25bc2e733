#include "training/dedup.hpp"

#include "training/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
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

namespace {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Words of the text with names folded to one token. A name is a capitalised word seen
// mid-sentence, or the speaker label before a colon at the start of a line; every
// occurrence of such a word is folded, at sentence starts too.
std::vector<std::string> folded_tokens(std::string_view text) {
  struct raw_word {
    std::string lower;
    bool capital = false;
    bool sentence_start = false;
    bool speaker = false;
  };
  std::vector<raw_word> words;
  std::string cur;
  bool capital = false, sentence_start = true;
  std::size_t line_first = 0; // index of the first word on the current line
  bool line_had_colon = false;
  auto flush = [&] {
    if (!cur.empty() && cur.find_first_not_of('\'') != std::string::npos)
      words.push_back({cur, capital, sentence_start, false});
    if (!cur.empty())
      sentence_start = false;
    cur.clear();
  };
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '\'' || c >= 0x80) {
      if (cur.empty())
        capital = std::isupper(c) != 0;
      cur.push_back(static_cast<char>(std::tolower(c)));
      continue;
    }
    flush();
    if (c == ':' && !line_had_colon && words.size() - line_first <= 4) {
      // "Inspector Hale: ..." - the label before the first colon of a line names a speaker.
      for (std::size_t k = line_first; k < words.size(); ++k)
        words[k].speaker = true;
    }
    if (c == ':')
      line_had_colon = true;
    if (c == '.' || c == '!' || c == '?' || c == ':' || c == '"' || c == '\n')
      sentence_start = true;
    if (c == '\n') {
      line_first = words.size();
      line_had_colon = false;
    }
  }
  flush();
  std::unordered_map<std::string, bool> names;
  for (const auto& w : words)
    if ((w.capital && !w.sentence_start && w.lower != "i") || w.speaker)
      names[w.lower] = true;
  std::vector<std::string> out;
  out.reserve(words.size());
  for (const auto& w : words)
    out.push_back(names.count(w.lower) ? std::string("\x01name") : w.lower);
  return out;
}

constexpr std::size_t window_words = 5;

} // namespace

minhash_signature minhash(std::string_view text) {
  minhash_signature sig;
  sig.mins.fill(0xFFFFFFFFu);
  const auto tokens = folded_tokens(text);
  sig.words = static_cast<std::uint32_t>(tokens.size());
  if (tokens.empty())
    return sig;
  std::vector<std::uint64_t> word_hash(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i)
    word_hash[i] = fnv1a64(tokens[i]);
  auto feed = [&sig](std::uint64_t feature) {
    // Two independent 64-bit hashes give all 128 hash functions (Kirsch-Mitzenmacher).
    const std::uint64_t a = mix64(feature);
    const std::uint64_t b = mix64(feature ^ 0x5851f42d4c957f2dULL) | 1U;
    for (std::size_t k = 0; k < minhash_size; ++k) {
      const auto h = static_cast<std::uint32_t>((a + k * b) >> 32);
      if (h < sig.mins[k])
        sig.mins[k] = h;
    }
  };
  const std::size_t width = std::min(window_words, tokens.size());
  for (std::size_t i = 0; i + width <= tokens.size(); ++i) {
    if (width < window_words) {
      // Too short for a window of pairs: the whole text is the one feature.
      std::uint64_t whole = 0x2545f4914f6cdd1dULL;
      for (std::size_t k = 0; k < width; ++k)
        whole = mix64(whole ^ word_hash[i + k]);
      feed(whole);
      continue;
    }
    // The ten word pairs of the 5-word window, tagged by their positions. Unlike the whole
    // 5-gram, which one changed word spoils, a window with one change keeps 6 of its 10
    // features; two unrelated texts still share almost none (under 0.05 on our fixtures).
    for (unsigned mask = 0; mask < 32; ++mask) {
      if (__builtin_popcount(mask) != 2)
        continue;
      std::uint64_t h = mask * 0x9e3779b97f4a7c15ULL;
      for (std::size_t k = 0; k < window_words; ++k)
        if (mask & (1U << k))
          h = mix64(h ^ word_hash[i + k]);
      feed(h);
    }
  }
  return sig;
}

double estimated_jaccard(const minhash_signature& a, const minhash_signature& b) {
  std::size_t same = 0;
  for (std::size_t k = 0; k < minhash_size; ++k)
    same += a.mins[k] == b.mins[k];
  return static_cast<double>(same) / minhash_size;
}

namespace {

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return v;
}

// Jaccard of the window-pair features when a share `kept` of the words is unchanged.
double jaccard_for_kept(double kept) {
  const double pairs = kept * kept;
  return pairs / (2.0 - pairs);
}

} // namespace

std::string minhash_signature::to_bytes() const {
  std::string out;
  out.reserve(byte_size);
  for (auto v : mins)
    put_u32(out, v);
  put_u32(out, words);
  return out;
}

std::optional<minhash_signature> minhash_signature::from_bytes(std::string_view bytes) {
  if (bytes.size() != byte_size && bytes.size() != legacy_byte_size)
    return std::nullopt;
  minhash_signature sig;
  for (std::size_t k = 0; k < minhash_size; ++k)
    sig.mins[k] = get_u32(bytes, 4 * k);
  if (bytes.size() == byte_size)
    sig.words = get_u32(bytes, legacy_byte_size);
  return sig;
}

double near_threshold(double jaccard, int changed_words, std::uint32_t words_a,
                      std::uint32_t words_b) {
  const std::uint32_t longer = std::max(words_a, words_b);
  if (changed_words <= 0 || words_a == 0 || words_b == 0)
    return jaccard;
  const double kept = std::max(min_kept_share, 1.0 - static_cast<double>(changed_words) / longer);
  return std::min(jaccard, jaccard_for_kept(kept));
}

minhash_index::minhash_index(double jaccard_threshold, int changed_words)
    : threshold_(jaccard_threshold), changed_words_(changed_words) {
  // The most rows per band (fewest false candidates) for which a pair exactly at the lowest
  // bar any pair can get still shares at least one band with probability > 0.95.
  const double lowest = changed_words_ > 0
                          ? std::min(threshold_, jaccard_for_kept(min_kept_share))
                          : threshold_;
  rows_ = 1;
  for (std::size_t r : {8u, 4u, 2u}) {
    const double bands = static_cast<double>(minhash_size / r);
    if (1.0 - std::pow(1.0 - std::pow(lowest, static_cast<double>(r)), bands) > 0.95) {
      rows_ = r;
      break;
    }
  }
  bands_ = minhash_size / rows_;
  band_entries_.resize(bands_);
}

std::uint32_t minhash_index::band_key(const minhash_signature& sig, std::size_t band) const {
  std::uint64_t h = band;
  for (std::size_t k = band * rows_; k < (band + 1) * rows_; ++k)
    h = mix64(h ^ sig.mins[k]);
  return static_cast<std::uint32_t>(h >> 32);
}

void minhash_index::add(std::uint64_t id, const minhash_signature& sig) {
  const auto slot = static_cast<std::uint32_t>(ids_.size());
  if (!slot_of_.emplace(id, slot).second)
    return;
  ids_.push_back(id);
  signatures_.push_back(sig);
  for (std::size_t b = 0; b < bands_; ++b) {
    auto& band = band_entries_[b];
    band.tail.push_back({band_key(sig, b), slot});
    // Merging when the tail reaches an eighth of the sorted part (64 to 4,096 entries) keeps
    // adds cheap and the linear scan of the tail in a query short.
    if (band.tail.size() >= std::clamp<std::size_t>(band.sorted.size() / 8, 64, 4096)) {
      std::sort(band.tail.begin(), band.tail.end());
      const auto middle = static_cast<std::ptrdiff_t>(band.sorted.size());
      band.sorted.insert(band.sorted.end(), band.tail.begin(), band.tail.end());
      std::inplace_merge(band.sorted.begin(), band.sorted.begin() + middle, band.sorted.end());
      band.tail.clear();
    }
  }
}

minhash_index minhash_index::with_bar(double jaccard_threshold, int changed_words) const {
  minhash_index out(jaccard_threshold, changed_words);
  for (std::size_t slot = 0; slot < ids_.size(); ++slot)
    out.add(ids_[slot], signatures_[slot]);
  return out;
}

std::vector<std::pair<std::uint64_t, double>> minhash_index::query(const minhash_signature& sig) const {
  std::vector<std::uint32_t> candidates;
  for (std::size_t b = 0; b < bands_; ++b) {
    const auto key = band_key(sig, b);
    const auto& band = band_entries_[b];
    auto it = std::lower_bound(band.sorted.begin(), band.sorted.end(), entry{key, 0});
    for (; it != band.sorted.end() && it->key == key; ++it)
      candidates.push_back(it->slot);
    for (const auto& e : band.tail)
      if (e.key == key)
        candidates.push_back(e.slot);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<std::pair<std::uint64_t, double>> out;
  for (auto slot : candidates) {
    const auto& stored = signatures_[slot];
    const double j = estimated_jaccard(sig, stored);
    if (j >= near_threshold(threshold_, changed_words_, sig.words, stored.words))
      out.emplace_back(ids_[slot], j);
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  return out;
}

} // namespace zega::training
