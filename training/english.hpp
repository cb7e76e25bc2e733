#pragma once
// Cheap statistics about the language of a text: which language it is written in (stop-word
// shares) and whether its word order is plausible English (word-class transitions against a
// model built from English prose embedded in english.cpp, which we wrote ourselves).

#include <string>
#include <string_view>

namespace zega::training {

struct language_guess {
  std::string code;  // "en", "es", "fr", "de", "it", "pt", or "" when unsure
  double share = 0;  // share of the text's words that are stop words of `code`
  double non_latin = 0; // share of letters outside the Latin script (other scripts)
};

// Languages detect_language() can tell apart.
bool language_supported(std::string_view code);
language_guess detect_language(std::string_view text);

struct coherence_stats {
  // Mean log-likelihood ratio per adjacent token pair: log P(class b | class a) under the
  // embedded model minus log P(class b). Fluent prose is positive (0.15 to 0.45); the same
  // words shuffled fall below 0, because shuffling keeps the classes but not their order.
  double llr = 0;
  int pairs = 0;
  // Sentences (after . ! ? or a line break) and how many of them start with a capital or a
  // digit: shuffled words put lower-case words at sentence starts.
  int sentences = 0;
  int capital_starts = 0;
};
coherence_stats coherence_of(std::string_view text);

} // namespace zega::training
