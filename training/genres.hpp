#pragma once
// Genres with topic seeds (our own list; ZEGA offered 25 genres).

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

} // namespace zega::training
