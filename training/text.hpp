#pragma once
// Word splitting shared by the quality rubric and near-duplicate detection, so both see the
// same words.

#include <string>
#include <string_view>
#include <vector>

namespace zega::training {

// Lower-cased words: runs of letters, digits, apostrophes and non-ASCII bytes (so UTF-8
// letters stay inside words). Punctuation and whitespace separate words.
std::vector<std::string> lower_words(std::string_view text);

} // namespace zega::training
