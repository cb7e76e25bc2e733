#pragma once
// Genres with topic seeds (our own list): zegad's own plus ZEGA's 25 (issue 12).

#include <string>
#include <string_view>
#include <vector>

namespace zega::training {

struct genre {
  std::string name;                // "fantasy", "science fiction", ...
  std::vector<std::string> topics; // several seeds each
};

const std::vector<genre>& all_genres();
const genre* find_genre(std::string_view name); // case-insensitive; nullptr if unknown

// Canonical names in list order: what GET /training/genres lists.
std::vector<std::string> genre_names();
// "unknown genre \"x\"; valid genres: adventure, ..." for the API's 400.
std::string unknown_genre_message(std::string_view name);

// How element prompts are worded: a "scene" of poetry is written in verse, of a biography
// or memoir it is true events (third or first person).
enum class genre_form { fiction, verse, biography, memoir };
genre_form form_of(std::string_view genre_name);

} // namespace zega::training
