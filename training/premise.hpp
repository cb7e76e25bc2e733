#pragma once
// Premises composed from parts (who, wants, obstacle, place, time) per genre, plus point of
// view and tone; a per-user history so no (element, genre, premise) repeats within a window;
// user topic lists loaded from a file. Pure: no I/O, no clock.

#include "training/element.hpp"
#include "training/prompt.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace zega::training {

struct premise_parts {
  std::string genre;
  std::vector<std::string> who, wants, obstacle, place;
};

const std::vector<premise_parts>& all_premise_parts(); // one entry per genre in all_genres()
const std::vector<std::string>& premise_times();       // shared by all genres
const premise_parts* find_premise_parts(std::string_view genre); // aliases as find_genre

// Distinct premises of one genre, and over all genres.
std::uint64_t premises_in(const premise_parts& p);
std::uint64_t premise_count();
// The index-th premise of a genre (index taken modulo premises_in(p)).
std::string compose_premise(const premise_parts& p, std::uint64_t index);

// "an adventure", "an urban fantasy", "a unicorn", "an hour": the indefinite article by sound.
std::string with_article(std::string_view phrase);

const std::vector<std::string>& points_of_view(); // for fiction scenes
const std::vector<std::string>& tones();

// Topics users add from a file, per canonical genre name.
struct user_topics {
  std::map<std::string, std::vector<std::string>> by_genre;
};

// File format: "[genre]" header lines, then one topic per line; "# ..." and blank lines are
// ignored; "genre: topic" on one line also works. Errors name the line: unknown genre (with
// the valid list), a topic before any genre, a topic over 300 characters or one naming an
// element word, no topics at all.
std::optional<user_topics> parse_user_topics(std::string_view text, std::string& error);

// Recent (element, genre, premise) keys of one user, oldest first, at most `window` of them.
class premise_history {
public:
  explicit premise_history(std::size_t no_repeat_within = 5000);

  static std::uint64_t key_of(element e, std::string_view genre, std::string_view premise);
  bool recent(std::uint64_t key) const;
  void record(std::uint64_t key); // forgets the oldest key beyond the window
  std::size_t size() const { return order_.size(); }
  std::size_t window() const { return window_; }
  void set_window(std::size_t no_repeat_within); // after a config change

  // Compact bytes for the store: "ZPH1", window and count as u32, then 8 bytes per key
  // (little endian), 40 KB for 5,000 keys.
  std::string to_bytes() const;
  static std::optional<premise_history> from_bytes(std::string_view bytes, std::string& error);

private:
  std::size_t window_;
  std::deque<std::uint64_t> order_;
  std::unordered_map<std::uint64_t, int> counts_;
};

// The n-th task of a batch like pick_task(), drawn so its (element, genre, premise) is not in
// `history`, which it is then recorded in. Same seed, n and history: same task. `extra`
// topics of the task's genre join the composed premises.
task_spec draw_task(std::uint64_t seed, std::size_t n, const std::vector<std::string>& genres,
                    const std::vector<element>& elements, premise_history& history,
                    const user_topics* extra = nullptr);

} // namespace zega::training
