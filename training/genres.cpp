#include "training/genres.hpp"

#include "training/text.hpp"

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
    // ZEGA's genres that zegad lacked (issue 12).
    {"biography",
     {"a lighthouse engineer who rebuilt the coast's lamps after a storm",
      "a nurse who founded the first village clinic in her valley",
      "a self-taught astronomer who catalogued comets from a farm",
      "a composer who wrote her best work after losing her hearing",
      "a ferry captain who carried refugees across a border river",
      "a bookbinder who saved a city's archive from a flood"}},
    {"contemporary",
     {"a delivery rider who keeps finding the same lost dog",
      "flatmates splitting the last month's rent after a falling-out",
      "a nurse starting her first night shift in a new city",
      "a teenager teaching her grandmother to use a phone",
      "a small-town café facing a chain store across the road",
      "a couple deciding whether to move back home"}},
    {"crime",
     {"a getaway driver who refuses to leave without her cut",
      "a forger whose best fake turns up in a museum",
      "a detective investigating a burglary at her own house",
      "a smuggler's son who wants to go straight",
      "an accountant who finds a second set of books",
      "a pickpocket who lifts the wrong wallet"}},
    {"epic",
     {"a shepherd crowned by accident at the end of a long war",
      "three kingdoms gathering their fleets for the final crossing",
      "a warrior carrying her brother's ashes across the mountains",
      "an exiled prince leading a ragged army home",
      "a siege that has lasted for nine winters",
      "a bard sworn to remember every name of the fallen"}},
    {"memoir",
     {"the summer I worked in my uncle's fish shop",
      "learning to drive with a father who never raised his voice",
      "the night our house flooded and the neighbours came",
      "my first year as a teacher in a school by the sea",
      "the kitchen table where my mother did the accounts",
      "leaving the village where I was born"}},
    {"paranormal",
     {"a medium who can hear only the dead who are lying",
      "a hotel room where the previous guest never checked out",
      "a ghost-hunting podcast that records a reply",
      "a girl who inherits her grandmother's haunted piano",
      "a night watchman who talks to the museum's spirits",
      "a village where the dead vote in local elections"}},
    {"poetry",
     {"the first frost on a kitchen garden",
      "a mother's hands kneading bread at dawn",
      "a train crossing the plains at night",
      "the silence after an argument",
      "the sea seen from a hospital window",
      "an old coat hanging in a hallway"}},
    {"short story",
     {"a stranger returning a wallet with a note inside",
      "the last day of a seaside amusement park",
      "two sisters dividing their mother's buttons",
      "a locksmith called to open a door from the inside",
      "a power cut during a family dinner",
      "a letter found in a second-hand book"}},
    {"young adult",
     {"a girl who joins the boys' football team the week before the final",
      "a new student who can see everyone's secrets as colours",
      "best friends applying to the same single scholarship",
      "a summer job at a haunted theme park",
      "a band's first gig at a school dance",
      "a boy who lies about his age to enter a chess tournament"}},
  };
  return genres;
}

namespace {

// Spellings operators type in requests; each maps to the canonical genre name.
const std::vector<std::pair<std::string, std::string>>& aliases() {
  static const std::vector<std::pair<std::string, std::string>> list{
    {"sci-fi", "science fiction"},       {"scifi", "science fiction"},
    {"sf", "science fiction"},           {"historical", "historical fiction"},
    {"fairytale", "fairy tale"},         {"post apocalyptic", "post-apocalyptic"},
    {"postapocalyptic", "post-apocalyptic"}, {"slice-of-life", "slice of life"},
    {"myth", "mythology"},               {"literary", "literary fiction"},
    {"ya", "young adult"},               {"young-adult", "young adult"},
    {"shortstory", "short story"},       {"short-story", "short story"},
    {"poem", "poetry"},                  {"poems", "poetry"},
  };
  return list;
}

} // namespace

std::vector<std::string> genre_names() {
  std::vector<std::string> names;
  for (const genre& g : all_genres())
    names.push_back(g.name);
  return names;
}

std::string unknown_genre_message(std::string_view name) {
  std::string msg = "unknown genre \"" + std::string(name) + "\"; valid genres: ";
  bool first = true;
  for (const genre& g : all_genres()) {
    msg += (first ? "" : ", ") + g.name;
    first = false;
  }
  return msg;
}

genre_form form_of(std::string_view name) {
  const genre* g = find_genre(name);
  const std::string key = g ? g->name : lower_case(name);
  if (key == "poetry")
    return genre_form::verse;
  if (key == "biography")
    return genre_form::biography;
  if (key == "memoir")
    return genre_form::memoir;
  return genre_form::fiction;
}

const genre* find_genre(std::string_view name) {
  std::string key = lower_case(name);
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
