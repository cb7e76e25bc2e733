#include "training/text.hpp"

#include <cctype>

namespace zega::training {

namespace {

bool word_byte(unsigned char c) {
  return std::isalnum(c) != 0 || c == '\'' || c >= 0x80;
}

} // namespace

std::vector<std::string> lower_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    // A lone apostrophe (quote mark) is not a word.
    if (!current.empty() && current.find_first_not_of('\'') != std::string::npos)
      words.push_back(current);
    current.clear();
  };
  for (unsigned char c : text) {
    if (word_byte(c))
      current.push_back(static_cast<char>(std::tolower(c)));
    else
      flush();
  }
  flush();
  return words;
}

} // namespace zega::training
