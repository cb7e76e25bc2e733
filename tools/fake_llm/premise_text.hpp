#pragma once
// The premise a prompt asks about, and sentences that carry it into the fake's prose. A real
// model writes about the premise it is given; weaving it in makes two fake texts as different
// as their premises, instead of near-duplicates assembled from the same few templates.

#include <optional>
#include <string>
#include <vector>

namespace zega::fake {

// "<who> who wants <wants>, but <obstacle>, in <place>, <when>" (training/premise.cpp).
struct premise_bits {
  std::string who;      // "a border guard"
  std::string wants;    // "to win a garden in the lottery"
  std::string obstacle; // "the ministry rewrites yesterday every morning"
  std::string place;    // "a ration hall"
  std::string when;     // "during the coldest winter in memory"
};

// The premise after "about " or a colon in a prompt; nothing for free-form topics.
std::optional<premise_bits> find_premise(const std::string& prompt);

// Replaces {who} {the_who} {wants} {wants_bare} {obstacle} {the_place} {when} (a leading
// "a"/"an" becomes "the" in the_*; wants_bare drops the "to"), leaving every other slot for
// the caller.
std::string fill_premise(const std::string& tmpl, const premise_bits& p);

// Sentence templates per element that mention the premise; slots as above plus the caller's
// {name} and {name2}.
struct premise_lines {
  std::vector<const char*> scene_early, scene_late;
  std::vector<const char*> character, setting;
  std::vector<std::pair<const char*, const char*>> dialogue; // (line, answer)
};
const premise_lines& premise_templates();

} // namespace zega::fake
