#include "training/genres.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace zega::training {

const std::vector<genre>& all_genres() {
  static const std::vector<genre> genres{
    {"fantasy",
     {"a blacksmith who forges a sword that refuses to be sold",
      "the last dragon negotiating with a village council",
      "an apprentice mage who can only cast spells by singing off-key",
      "a map that redraws itself every full moon",
      "two rival queens sharing a single enchanted crown",
      "a forest that remembers every traveller who crossed it"}},
    {"science fiction",
     {"a colony ship's gardener who discovers a seed that should not exist",
      "the first translator for a species that speaks in colours",
      "an android applying for citizenship",
      "a time-loop researcher who is tired of the same Tuesday",
      "a generation ship losing its memory of Earth",
      "a miner on a comet headed toward the sun"}},
    {"mystery",
     {"a locked library where one book is missing every morning",
      "a retired detective invited to her own funeral",
      "a village where every clock stopped at the same minute",
      "a ransom note written in a dead language",
      "a lighthouse keeper who reports a ship no one else saw",
      "a bakery that receives the same anonymous order each night"}},
    {"romance",
     {"two rival florists forced to share a market stall",
      "pen pals who meet by accident in a train station",
      "a wedding planner falling for the groom's sister",
      "a letter delivered forty years late",
      "strangers stuck together in a snowed-in cabin",
      "a translator and the author whose words she carries"}},
    {"horror",
     {"a house that adds a new room every winter",
      "a babysitter hearing a lullaby from an empty nursery",
      "a town where nobody casts a reflection after dusk",
      "a diver finding footprints on the sea floor",
      "an old radio that broadcasts tomorrow's obituaries",
      "a scarecrow that is never in the same field twice"}},
    {"thriller",
     {"a courier who realises the package is ticking",
      "a hacker receiving messages from her own account",
      "a witness hiding in plain sight as a tour guide",
      "a pilot told to land at an airport that closed years ago",
      "a negotiator talking down a hijacker she once trained",
      "a bank vault opened from the inside"}},
    {"historical fiction",
     {"a printer's apprentice in fifteenth-century Mainz",
      "a nurse on a hospital train in 1916",
      "a Silk Road merchant trading a secret instead of silk",
      "a lamplighter in Victorian London during the great fog",
      "a codebreaker's last night before the invasion",
      "a potter in ancient Knossos as the ground begins to shake"}},
    {"western",
     {"a schoolteacher arriving in a town with no children",
      "a bounty hunter tracking her own brother",
      "a stagecoach robbery where nothing was taken",
      "a rancher bargaining with the railroad company",
      "a sheriff who has never fired his gun",
      "a water-diviner in a drought-stricken valley"}},
    {"cyberpunk",
     {"a street medic patching cyber-limbs in a flooded arcade",
      "a memory broker selling someone else's childhood",
      "a delivery drone that refuses its final route",
      "a corporate heir hiding among the night-market hackers",
      "an AI running for mayor of a district",
      "a neon sign painter in a city of holograms"}},
    {"steampunk",
     {"an airship cartographer charting a floating island",
      "a clockwork automaton learning to lie",
      "an inventor's daughter stealing back her father's patents",
      "a brass diving bell lowered into a lake of mercury",
      "a steam-powered circus stranded at the border",
      "a chimney sweep who finds a message in the soot"}},
    {"dystopian",
     {"a citizen whose happiness score drops to zero",
      "a librarian hiding the last paper books",
      "the lottery that decides who may have a garden",
      "a border guard who starts letting people through",
      "a city that rations silence",
      "a teenager who forgets to take the daily calm pill"}},
    {"fairy tale",
     {"a miller's daughter who bargains with the wind",
      "a goose girl who understands the language of crowns",
      "a giant who wants to be small for one day",
      "seven brothers turned into swallows",
      "a witch whose gingerbread house is for sale",
      "a princess who hides a kingdom inside a walnut"}},
    {"mythology",
     {"a minor god of lost keys seeking worship",
      "the ferryman of the dead going on strike",
      "a mortal who wins a riddle contest against the sphinx",
      "the trickster stealing fire a second time",
      "a nymph of a river that is being dammed",
      "the weaver who challenged a goddess and won"}},
    {"adventure",
     {"a cartographer chasing a river that changes course",
      "siblings crossing a desert on a stolen camel caravan",
      "a balloonist stranded on a mountain plateau",
      "an expedition following a parrot that knows a treasure's location",
      "a raft journey down a river of ice floes",
      "a jungle temple that opens only during an eclipse"}},
    {"comedy",
     {"a wedding where both families hired the same magician",
      "a ghost who is terrible at haunting",
      "a cat elected mayor by mistake",
      "a cooking contest judged by a food critic with no sense of taste",
      "two neighbours waging a war of garden gnomes",
      "a superhero whose only power is finding parking"}},
    {"drama",
     {"a family selling the house they grew up in",
      "a musician returning to the town that booed her off stage",
      "two estranged brothers sorting their father's letters",
      "a teacher on the last day before retirement",
      "a chef who has lost her sense of smell",
      "a night-shift nurse and a patient who never sleeps"}},
    {"noir",
     {"a private eye hired to find himself",
      "a jazz singer who knows too much about the mayor",
      "a rain-soaked pier and a suitcase full of someone else's money",
      "a pawnbroker holding a ring with a dead man's engraving",
      "a cab driver with the wrong passenger at 3 a.m.",
      "a detective's last case before the precinct closes"}},
    {"magical realism",
     {"a grandmother whose tears turn into butterflies",
      "a town where it rains only on liars",
      "a postman delivering letters to the dead",
      "a tailor who sews memories into wedding dresses",
      "a café where the coffee tastes of your childhood",
      "a boy whose shadow leaves home"}},
    {"space opera",
     {"an admiral negotiating peace aboard a derelict flagship",
      "a smuggler carrying a sleeping empress",
      "a war between twin planets sharing one moon",
      "a pilot who is the last of a dissolved fleet",
      "a galactic senate vote decided by a translator's error",
      "a rebel cell hiding inside a living starship"}},
    {"urban fantasy",
     {"a troll running a bridge toll on a city overpass",
      "a vampire working night shifts at a blood bank",
      "a subway line that stops at a station not on any map",
      "a detective who interrogates pigeons",
      "a witch's coven meeting in a laundromat",
      "a fae bargain signed on a parking ticket"}},
    {"post-apocalyptic",
     {"a seed keeper guarding the last vault of wheat",
      "a radio operator searching for other voices",
      "children who have never seen a working light bulb",
      "a caravan trading batteries across the dust plains",
      "a librarian rebuilding a town's memory from scraps",
      "the first rain after twenty dry years"}},
    {"gothic",
     {"a governess in a manor where one portrait keeps changing",
      "an heir returning to a crumbling abbey by the sea",
      "a bride who finds letters from the previous wife",
      "a crypt that is warm to the touch",
      "a violinist haunted by a melody she never learned",
      "a candle that burns only when someone lies"}},
    {"literary fiction",
     {"a woman learning to swim at seventy",
      "a translator losing her first language",
      "a father and daughter repainting a boat in silence",
      "an immigrant cooking a recipe from memory",
      "a widower keeping his wife's answering machine message",
      "two old friends meeting after a long quarrel"}},
    {"slice of life",
     {"the morning rush at a tiny neighbourhood bakery",
      "a rainy Sunday in a shared student flat",
      "a grandfather teaching his grandson to fish",
      "the last customer at a laundromat at midnight",
      "a bus driver's regular passengers",
      "moving day with too many boxes and one missing key"}},
    {"superhero",
     {"a hero whose powers only work when nobody is watching",
      "a retired villain running a flower shop",
      "a sidekick filing for a day off",
      "a city insurance agent who assesses superhero damage",
      "a teenager who can hear electricity",
      "two heroes discovering they are roommates"}},
  };
  return genres;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Spellings operators type in requests; each maps to the canonical genre name.
const std::vector<std::pair<std::string, std::string>>& aliases() {
  static const std::vector<std::pair<std::string, std::string>> list{
    {"sci-fi", "science fiction"},       {"scifi", "science fiction"},
    {"sf", "science fiction"},           {"historical", "historical fiction"},
    {"fairytale", "fairy tale"},         {"post apocalyptic", "post-apocalyptic"},
    {"postapocalyptic", "post-apocalyptic"}, {"slice-of-life", "slice of life"},
    {"myth", "mythology"},               {"literary", "literary fiction"},
  };
  return list;
}

} // namespace

const genre* find_genre(std::string_view name) {
  std::string key = lower(name);
  for (const auto& [alias, canonical] : aliases())
    if (key == alias) {
      key = canonical;
      break;
    }
  for (const genre& g : all_genres())
    if (g.name == key)
      return &g;
  return nullptr;
}

} // namespace zega::training
