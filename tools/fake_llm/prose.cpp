#include "tools/fake_llm/prose.hpp"

#include "training/judge.hpp"
#include "training/quality.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

namespace zega::fake {

namespace {

using bank = std::vector<const char*>;

struct theme {
  bank names;
  bank places;
  bank objects;
  bank roles;
};

const theme& theme_for(const std::string& genre) {
  static const std::map<std::string, theme> themes = {
    {"fantasy",
     {{"Maren", "Tobiah", "Isolde", "Corwin", "Elspeth", "Radu", "Wren", "Aldric"},
      {"the salt tower", "the drowned chapel", "the market under the bridge", "the ash forest",
       "the king's granary", "the ferry crossing", "the ruined observatory"},
      {"a cracked rune-stone", "a silver bridle", "a map drawn on vellum", "a lantern of green glass",
       "a bone flute", "a sealed letter"},
      {"hedge witch", "ferryman", "disgraced knight", "apprentice cartographer", "river smuggler"}}},
    {"science fiction",
     {{"Ines", "Okafor", "Dren", "Lio", "Saskia", "Teodor", "Yara", "Pell"},
      {"the hydroponics deck", "the orbital dock", "the dust-choked relay station",
       "the cargo lift", "the colony's only bar", "the observation blister"},
      {"a scuffed data slate", "a cracked visor", "a ration tin", "a humming coolant cell",
       "a child's magnetic toy", "a navigation key"},
      {"salvage pilot", "hull engineer", "colony medic", "signal analyst", "cargo broker"}}},
    {"mystery",
     {{"Agnes", "Pruitt", "Delphine", "Harlan", "Nell", "Osric", "Vivian", "Barnaby"},
      {"the back room of the pharmacy", "the shuttered hotel", "the railway waiting room",
       "the vicarage study", "the fog-bound pier", "the records office"},
      {"a torn ticket stub", "a pocket watch stopped at nine", "an unsigned telegram",
       "a monogrammed glove", "a ledger with a missing page", "a brass key"},
      {"retired inspector", "night clerk", "village postmistress", "insurance investigator",
       "piano tuner"}}},
    {"horror",
     {{"Hollis", "Mira", "Ezra", "Judith", "Calder", "Rhiannon", "Silas", "Ada"},
      {"the flooded cellar", "the farmhouse at the end of the lane", "the empty ward",
       "the chapel with boarded windows", "the attic", "the well behind the barn"},
      {"a music box that would not stop", "a photograph with one face scratched out",
       "a child's shoe", "a rusted hand bell", "a jar of cloudy water", "a candle stub"},
      {"night nurse", "caretaker", "grieving widower", "local historian", "well digger"}}},
    {"romance",
     {{"Clara", "Matteo", "June", "Rafael", "Leonie", "Sami", "Evelyn", "Jonah"},
      {"the flower stall by the station", "the rooftop garden", "the late-night bakery",
       "the ferry deck", "the bookshop's back stairs", "the wedding marquee"},
      {"a borrowed umbrella", "a half-finished letter", "a pressed violet",
       "a ticket for the last train", "a chipped teacup", "a cassette with no label"},
      {"florist", "ferry captain", "bakery owner", "violin teacher", "translator"}}},
    {"western",
     {{"Abel", "Cora", "Hank", "Lupe", "Wyatt", "Della", "Amos", "Rosalind"},
      {"the saloon's back porch", "the dry creek bed", "the telegraph office",
       "the stockyard fence", "the mission ruins", "the water tower"},
      {"a dented canteen", "a wanted poster", "a silver spur", "a deed to the north pasture",
       "a cracked harmonica", "a sack of seed corn"},
      {"cattle drover", "schoolteacher", "stagecoach driver", "deputy", "homesteader"}}},
  };
  static const theme generic = {
    {"Nora", "Elias", "Tamsin", "Marcus", "Ruth", "Felix", "Iris", "Gideon"},
    {"the old harbour", "the station platform", "the orchard", "the crowded kitchen",
     "the hospital corridor", "the closed factory"},
    {"a faded photograph", "a spare key", "a folded note", "a chipped mug", "a wristwatch",
     "a paper bag of apples"},
    {"night-shift nurse", "bus driver", "retired teacher", "young carpenter", "shopkeeper"}};
  for (const auto& [name, t] : themes)
    if (genre.find(name) != std::string::npos)
      return t;
  if (genre.find("sci") != std::string::npos)
    return themes.at("science fiction");
  if (genre.find("thriller") != std::string::npos || genre.find("noir") != std::string::npos)
    return themes.at("mystery");
  if (genre.find("adventure") != std::string::npos || genre.find("myth") != std::string::npos)
    return themes.at("fantasy");
  return generic;
}

const std::map<std::string, bank>& shared_banks() {
  static const std::map<std::string, bank> banks = {
    {"adj", {"narrow", "crooked", "sun-bleached", "damp", "half-lit", "restless", "quiet",
             "weathered", "cramped", "echoing", "unswept", "cold"}},
    {"light", {"a thin line of amber light", "grey morning light", "the blue glow of a screen",
               "lamplight the colour of weak tea", "moonlight through dirty glass",
               "the flicker of a failing bulb", "low red sunlight"}},
    {"sound", {"the tick of cooling metal", "distant gulls", "a kettle starting to whistle",
               "rain drumming on tin", "footsteps two floors up", "a dog barking somewhere",
               "the hum of an old refrigerator", "wind worrying a loose shutter"}},
    {"smell", {"wet stone", "burnt sugar", "diesel and seaweed", "old paper", "pine resin",
               "bleach and oranges", "woodsmoke", "mildew"}},
    {"texture", {"gritty", "slick", "splintered", "cold and smooth", "sticky", "rough as bark"}},
    {"emotion", {"relief", "dread", "a flicker of hope", "old anger", "embarrassment",
                 "a tired kind of tenderness", "suspicion", "grief"}},
    {"time", {"just before dawn", "late in the afternoon", "an hour after midnight",
              "at the end of a long shift", "on the first cold evening of the year"}},
    {"trait", {"patient", "stubborn", "quick to laugh", "careful with words", "impulsive",
               "fiercely loyal", "secretive", "generous to a fault"}},
    {"feature", {"grey eyes that missed nothing", "a scar along the jaw", "ink-stained fingers",
                 "a crooked, apologetic smile", "close-cropped silver hair",
                 "a coat two sizes too large", "a voice lower than expected"}},
  };
  return banks;
}

// Sentence templates. Slots: {name} {name2} {name3} {place} {object} {role} and the shared
// banks; a trailing 2 ({adj2}) draws a second, different entry from the same bank.
const bank scene_open = {
  "{name} reached {place} as {light} crept across the floor.",
  "The door of {place} stuck, and {name} had to shoulder it open.",
  "Nobody had swept {place} in weeks, and {name} noticed it at once.",
  "{name} stood in {place}, listening to {sound}.",
  "It was {time}, and {place} smelled of {smell}.",
  "{name} had promised never to come back to {place}, yet here they were.",
  "By the time {name} arrived, {name2} was already waiting in {place}.",
  "Rain had followed {name} all the way to {place}, and it was still falling {time}.",
  "{name} counted the steps down to {place}: thirty-one, the same as last time.",
  "The message had said {place}, {time}, and to come alone.",
};
const bank scene_action = {
  "On the table lay {object}, exactly where {name2} said it would be.",
  "{name2} slid {object} across the table without a word.",
  "{name} picked up {object} and turned it over, feeling {emotion} rise.",
  "Somewhere outside, {sound} stopped, and the silence was worse.",
  "{name2} laughed, but it came out thin and wrong.",
  "For a long moment neither of them moved.",
  "{name} counted to ten, the way their mother had taught them, and it did not help.",
  "The floorboards groaned as {name2} stepped closer.",
  "{name} asked the question they had rehearsed all week.",
  "A gust pushed the shutters open and scattered the papers.",
  "{name2} answered too quickly, and {name} knew it was a lie.",
  "Under the {adj} light, the {adj2} walls seemed to lean in.",
  "{name} noticed the scratches around the lock, fresh and bright.",
  "When {name2} reached for {object}, {name} caught their wrist.",
  "Nobody mentioned {name3}, but the empty chair said enough.",
  "{name2} lit a match, and for a moment their face looked years older.",
  "There was {smell} in the air now, sharp enough to sting.",
  "{name} kept their voice level, though their hands would not stay still.",
  "A shadow crossed the window, paused, and moved on.",
  "{name2} pushed a folded paper forward: a list of names, one of them circled.",
  "The clock in the corner had stopped, and no one had bothered to wind it.",
  "{name} heard {sound} and realised they had been holding their breath.",
};
const bank scene_close = {
  "{name} slipped {object} into a pocket and walked out without looking back.",
  "When {name2} finally spoke, the words changed everything.",
  "{name} understood, too late, why the door had been left unlocked.",
  "Outside, {sound} began again, as if nothing had happened.",
  "They left together, and neither mentioned what they had seen.",
  "{name} felt {emotion} settle like dust, and made a decision.",
  "By morning, {place} would be empty, and only {name} would know why.",
  "{name} tore the list in half, then, after a moment, put the pieces in a pocket.",
  "The door closed behind {name2}, and the lock clicked like a verdict.",
  "It was the last time anyone saw {name3}, and {name} would carry that for years.",
};
const bank char_intro = {
  "{name} is a {role} with {feature} and hands that are never still.",
  "{name}, a {role} in their forties, has {feature} and a habit of arriving early.",
  "Most people know {name} only as the {role} who never forgets a face.",
  "{name} is a {trait} {role} with {feature}.",
  "At first glance {name} seems {trait}, the sort of {role} people forget to notice.",
  "{name} works as a {role} and looks the part, down to {feature}.",
};
const bank char_look = {
  "They dress in clothes chosen for pockets rather than style.",
  "People describe them as {trait}, though close friends would add {trait2}.",
  "They walk with a slight limp and always sit facing the door.",
  "When nervous, they hum under their breath and straighten whatever is nearest.",
  "There is a {adj} patience in the way they listen, head tilted, saying little.",
  "They keep {object} close at all times and will not explain why.",
  "Their laugh is sudden and loud, and it surprises them as much as anyone.",
  "They speak slowly, as though each word costs money.",
  "A faint smell of {smell} follows them from room to room.",
  "They are {trait} with strangers and {trait2} with the few people they trust.",
  "Their boots are always muddy, and their notebook is always full.",
  "They hate being thanked and never quite know where to put their hands.",
  "Under the calm surface runs a {adj} temper that shows itself rarely.",
  "They notice small things: a crooked picture, a new lock, a lie.",
};
const bank char_past = {
  "{name} grew up near {place}, the youngest of four, and learned early to stay quiet.",
  "Years ago a mistake at {place} cost {name} a friend, and the debt still feels unpaid.",
  "{name} trained as a {role2} before a single bad winter changed their plans.",
  "{name2}, an old mentor, taught {name} to trust evidence over charm.",
  "After their father disappeared, {name} kept the family afloat with odd jobs and stubbornness.",
  "The only letter {name} ever kept came from {name2}, and it was never answered.",
  "{name} left home at seventeen with {object} and very little else.",
  "Every year, on the same date, {name} returns to {place} alone.",
  "What {name} wants most is to be forgiven, though they would never say so aloud.",
  "They were engaged once, to {name2}, until a single night at {place} ended it.",
  "Their mother ran a boarding house, and {name} grew up among strangers' secrets.",
  "A fire took their first home, and {name} still checks every stove twice.",
  "For six years {name} worked beside {name3}, who vanished without a word.",
  "They won a small fortune at cards once and lost it within the week.",
};
const bank setting_open = {
  "{place} is {adj} and {adj2}, lit by {light}.",
  "At first {place} seems empty, lit only by {light}.",
  "{place} sits at the end of a {adj} lane, half hidden by its neighbours.",
  "Nobody chooses to linger in {place}, though everyone passes through it.",
  "{place} wakes slowly, {time}, under {light}.",
  "From the outside, {place} looks smaller than it is.",
  "{place} is quiet {time}, and the quiet has a texture of its own.",
  "The first thing anyone notices about {place} is the smell of {smell}.",
};
const bank setting_lines = {
  "The air carries {smell}, with a faint edge of {smell2}.",
  "Underfoot the ground is {texture}, and every step announces itself.",
  "From somewhere beyond the walls comes {sound}.",
  "Shelves sag under jars, tools and {object}, all coated in the same fine dust.",
  "The walls are {texture} to the touch and colder than the weather explains.",
  "Closer in there is {sound2}, rising and falling like slow breathing.",
  "Whoever lived here last left {object} by the window, as if meaning to return.",
  "Corners stay dark even at noon, and the ceiling is stained where the rain gets in.",
  "Beyond the doorway, the path narrows and disappears into {adj} shadow.",
  "It is a place people pass through quickly, lowering their voices without knowing why.",
  "A draught moves through the room, carrying {smell} and the chill of the street.",
  "Posters peel from the walls, their faces bleached to ghosts.",
  "The only warmth comes from a stove that ticks and sighs as it cools.",
  "Chairs stand in a rough circle, as if a meeting ended in a hurry.",
  "Every surface is {adj}, and the windows have not been cleaned in years.",
  "When the wind rises, the whole structure creaks like a ship at anchor.",
  "Somebody has scratched initials into the doorframe, and a date nobody remembers.",
  "{light} falls across the floor and stops short of the far wall.",
  "The floor is {texture} near the door and worn smooth further in.",
  "In the corner, {object} waits under a cloth, as if for an auction.",
  "Every sound here arrives late: first the echo, then {sound}.",
  "The place smells of {smell} in the morning and of {smell2} by nightfall.",
  "A row of hooks by the door holds coats that nobody has claimed in years.",
  "Rainwater collects in a {adj} basin beneath a crack in the roof.",
  "Visitors tend to speak {time}, as if the walls were keeping count.",
  "Moss softens the steps, and the railing is {texture} under the hand.",
};
// Dialogue is built from beats: one opener, exchanges of two lines, one closer.
const bank dialogue_open = {
  "You said you'd be here an hour ago.",
  "Close the door. Did anyone follow you?",
  "I didn't think you'd come.",
  "We need to talk about {name3}.",
  "You look like you haven't slept.",
  "Is it true what they're saying at {place}?",
  "You're late, and you smell of {smell}.",
  "Keep your voice down. The walls at {place} are thin.",
  "I got your note. Why here, {time}?",
  "Sit. You look like you've seen a ghost.",
};
const std::vector<std::pair<const char*, const char*>> dialogue_pairs = {
  {"I had to take the long way round. Someone was watching the road.", "Who?"},
  {"Did you bring {object}?", "Of course. Do you think I'd come all this way without it?"},
  {"Then why do you look so worried?", "Because {name3} knows we're here."},
  {"That's impossible. I told no one.", "You didn't have to. People talk at {place}."},
  {"What happens if we just walk away?", "Then everything we did was for nothing."},
  {"Give me one good reason to trust you.", "I came back, didn't I? That has to count for something."},
  {"Listen. Do you hear that?", "It's only {sound}. Breathe."},
  {"How long have you known?", "Long enough to be sorry I didn't tell you."},
  {"You could have warned me.", "I tried. You weren't in a listening mood."},
  {"Where is {name3} now?", "Somewhere near {place}, if the rumours are right."},
  {"Are you afraid?", "Every single day. It hasn't stopped me yet."},
  {"We could still ask for help.", "From whom? Everyone we trusted is gone."},
  {"Why keep {object} all these years?", "Because it's the only proof I have."},
  {"I need the truth this time.", "The truth is worse than what you've imagined."},
  {"You smell of {smell}. Where have you been?", "Places you wouldn't follow me to."},
  {"I found {object} under the floor at {place}.", "Then someone wanted it hidden, and not from us."},
  {"Is that why you came {time}?", "I came because nobody else would."},
  {"You used to be {trait}.", "I used to be a lot of things. Most of them got me hurt."},
  {"What is that noise?", "{sound}, nothing more. You're jumpy tonight."},
  {"Who told you about {place}?", "Nobody told me. I followed the footprints."},
  {"Is it {emotion} I hear in your voice?", "Call it whatever helps you sleep."},
  {"Put {object} on the table where I can see it.", "Careful. It's older than both of us."},
  {"You swore you'd never go back to {place}.", "I swore a lot of things {time}."},
  {"Say it plainly. What do you want from me?", "Your word, and {object} before sunrise."},
  {"The lamps at {place} went out again.", "They always do when someone is listening."},
  {"How much do they know?", "Enough to be dangerous, not enough to be right."},
  {"You're shaking. Sit down.", "It's the cold. It's only the cold."},
  {"Do you remember {place} {time}?", "Every night. I try not to."},
  {"Somebody left {object} on my doorstep.", "Then somebody knows where you live. Move tonight."},
  {"I counted the windows at {place}. There's one too many.", "Don't count them again. Promise me."},
};
// Short openings that speakers put before a line now and then.
const bank dialogue_leads = {
  "Look,", "Honestly,", "Listen.", "Wait.", "Please.", "Quietly, now.", "Be careful.",
  "I mean it.", "No.", "Yes, and", "Think about it.", "Between us,", "Fine, but", "Hush.",
  "All right.", "Believe me,",
};
const bank dialogue_close = {
  "Fine. We do it your way, but we leave before dawn.",
  "Then we start tonight.",
  "Don't make me regret this.",
  "Go. I'll keep watch until you're clear.",
  "Put that away before someone sees it.",
  "Tomorrow, then. And bring {object}.",
  "Meet me at {place} {time}. Come alone.",
  "Then it's settled, whatever it costs.",
  "Go home. Lock the door. Don't open it for anyone, not even me.",
  "If I'm not back by morning, burn {object}.",
};

std::string pick(std::mt19937_64& rng, const bank& b) {
  return b[std::uniform_int_distribution<std::size_t>(0, b.size() - 1)(rng)];
}

// One text being written: its random stream, theme and cast, and what it already used.
struct composer {
  std::mt19937_64& rng;
  const theme& t;
  const premise_bits* premise = nullptr;
  std::string name, name2, name3;
  bool premise_place = false; // {place} is the premise's place (a setting describes it)
  std::set<std::string> used; // bank entries already placed, to avoid repeats

  std::string draw(const bank& b) {
    std::string choice;
    for (int attempt = 0; attempt < 6; ++attempt) {
      choice = pick(rng, b);
      if (used.insert(choice).second)
        break;
    }
    return choice;
  }

  std::string fill(const std::string& given) {
    const std::string tmpl = premise ? fill_premise(given, *premise) : given;
    std::string out;
    std::size_t i = 0;
    while (i < tmpl.size()) {
      if (tmpl[i] != '{') {
        out.push_back(tmpl[i++]);
        continue;
      }
      auto close = tmpl.find('}', i);
      std::string slot = tmpl.substr(i + 1, close - i - 1);
      i = close + 1;
      if (slot == "name" || slot == "name2" || slot == "name3") {
        out += slot == "name" ? name : slot == "name2" ? name2 : name3;
        continue;
      }
      if (!slot.empty() && slot.back() == '2')
        slot.pop_back();
      if (slot == "place" && premise_place && premise)
        out += fill_premise("{the_place}", *premise);
      else if (slot == "place")
        out += draw(t.places);
      else if (slot == "object")
        out += draw(t.objects);
      else if (slot == "role")
        out += draw(t.roles);
      else
        out += draw(shared_banks().at(slot));
    }
    if (!out.empty())
      out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    return fix_articles(out);
  }

  // "a" before a vowel sound becomes "an" once the slots are filled ("an echoing").
  static std::string fix_articles(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      bool word_a = (s[i] == 'a' || s[i] == 'A') && (i == 0 || s[i - 1] == ' ')
                    && i + 2 < s.size() && s[i + 1] == ' ';
      out.push_back(s[i]);
      if (word_a && std::string("aeiouAEIOU").find(s[i + 2]) != std::string::npos)
        out.push_back('n');
    }
    return out;
  }
};

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Draws templates without repeats (reshuffling when a pool runs dry).
class deck {
public:
  deck(const bank& b, std::mt19937_64& rng) : b_(b), rng_(rng) {}
  const char* next() {
    if (order_.empty()) {
      for (std::size_t i = 0; i < b_.size(); ++i)
        order_.push_back(i);
      std::shuffle(order_.begin(), order_.end(), rng_);
    }
    auto i = order_.back();
    order_.pop_back();
    return b_[i];
  }

private:
  const bank& b_;
  std::mt19937_64& rng_;
  std::vector<std::size_t> order_;
};

// Appends sentences until the paragraph reaches about `words`: the first from `first`,
// the rest from `rest`, the last from `last` when given.
std::string paragraph(composer& c, int words, deck* first, deck& rest, deck* last = nullptr) {
  std::string out;
  int have = 0;
  while (have < words) {
    deck* d = out.empty() && first ? first : &rest;
    bool closing = last && have > 0 && words - have < 25;
    auto sentence = c.fill(closing ? last->next() : d->next());
    int n = count_words(sentence);
    if (have > 0 && have + n / 2 > words)
      break;
    out += (out.empty() ? "" : " ") + sentence;
    have += n;
    if (closing)
      break;
  }
  return out;
}

// Puts `sentence` after the first sentence of `text` (at its end when it has only one).
std::string after_first_sentence(const std::string& text, const std::string& sentence) {
  for (std::size_t i = 0; i + 1 < text.size(); ++i)
    if ((text[i] == '.' || text[i] == '!' || text[i] == '?') && text[i + 1] == ' ')
      return text.substr(0, i + 1) + " " + sentence + text.substr(i + 1);
  return text + " " + sentence;
}

// Puts `sentence` first in the last paragraph (at the end of a text of one paragraph).
std::string start_of_last_paragraph(const std::string& text, const std::string& sentence) {
  const auto at = text.rfind("\n\n");
  if (at == std::string::npos)
    return text + " " + sentence;
  return text.substr(0, at + 2) + sentence + " " + text.substr(at + 2);
}

// Two sentences about the premise for a text: one early, one in its last paragraph.
struct premise_pair {
  std::string early, late;
  int words() const { return count_words(early) + count_words(late); }
  std::string woven(const std::string& text) const {
    return early.empty() ? text : start_of_last_paragraph(after_first_sentence(text, early), late);
  }
};

premise_pair premise_sentences(composer& c, const bank& early, const bank& late) {
  if (!c.premise)
    return {};
  deck first(early, c.rng), second(late, c.rng);
  premise_pair p;
  p.early = c.fill(first.next());
  do
    p.late = c.fill(second.next());
  while (&early == &late && p.late == p.early);
  return p;
}

} // namespace

int count_words(const std::string& text) {
  std::istringstream in(text);
  std::string w;
  int n = 0;
  while (in >> w)
    ++n;
  return n;
}

prose_spec infer_spec(const std::string& prompt) {
  std::string low = prompt;
  for (auto& c : low)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  prose_spec spec;
  std::size_t first = std::string::npos;
  const std::pair<const char*, prose_kind> kinds[] = {{"dialogue", prose_kind::dialogue},
                                                      {"character", prose_kind::character},
                                                      {"setting", prose_kind::setting},
                                                      {"scene", prose_kind::scene}};
  for (const auto& [word, kind] : kinds) {
    auto at = low.find(word);
    if (at < first) {
      first = at;
      spec.kind = kind;
    }
  }
  spec.words = spec.kind == prose_kind::setting ? 100 : 150;
  std::smatch m;
  static const std::regex about_words(R"(about (\d+) words)");
  if (std::regex_search(low, m, about_words)) {
    int n = std::stoi(m[1].str());
    if (n >= 20 && n <= 400)
      spec.words = n;
  }
  static const std::regex line_range(R"((\d+) *(?:to|-) *(\d+) lines)");
  if (std::regex_search(low, m, line_range)) {
    int lo = std::stoi(m[1].str());
    int hi = std::stoi(m[2].str());
    if (lo >= 1 && hi >= lo && hi <= 40) {
      spec.lines_min = lo;
      spec.lines_max = hi;
    }
  }
  static const std::vector<std::string> genres = {
    "fantasy", "science fiction", "sci-fi", "mystery", "horror", "romance", "western",
    "thriller", "noir", "adventure", "mythology"};
  for (const auto& g : genres)
    if (low.find(g) != std::string::npos) {
      spec.genre = g;
      break;
    }
  spec.premise = find_premise(prompt);
  return spec;
}

std::string write_prose(const prose_spec& spec, std::uint64_t seed, std::uint64_t index) {
  std::mt19937_64 rng(mix(seed ^ mix(index + 1)));
  const theme& t = theme_for(spec.genre);
  composer c{rng, t, spec.premise ? &*spec.premise : nullptr, {}, {}, {}, false, {}};
  c.name = c.draw(t.names);
  c.name2 = c.draw(t.names);
  c.name3 = c.draw(t.names);

  switch (spec.kind) {
    case prose_kind::scene: {
      const auto& pt = premise_templates();
      const auto about = premise_sentences(c, pt.scene_early, pt.scene_late);
      const int words = std::max(spec.words - about.words(), 30);
      deck open(scene_open, rng), action(scene_action, rng), close(scene_close, rng);
      int paragraphs = words >= 120 && rng() % 2 == 0 ? 3 : 2;
      int share = words / paragraphs;
      std::string out = paragraph(c, share, &open, action);
      for (int p = 1; p + 1 < paragraphs; ++p)
        out += "\n\n" + paragraph(c, share, nullptr, action);
      int left = words - count_words(out);
      return about.woven(out + "\n\n" + paragraph(c, std::max(left, 12), nullptr, action, &close));
    }
    case prose_kind::character: {
      const auto& pt = premise_templates();
      const auto about = premise_sentences(c, pt.character, pt.character);
      const int words = std::max(spec.words - about.words(), 30);
      deck intro(char_intro, rng), look(char_look, rng), past(char_past, rng);
      std::string out = paragraph(c, words * 11 / 20, &intro, look);
      int left = words - count_words(out);
      return about.woven(out + "\n\n" + paragraph(c, std::max(left, 12), nullptr, past));
    }
    case prose_kind::setting: {
      const auto& pt = premise_templates();
      c.premise_place = true;
      const auto about = premise_sentences(c, pt.setting, pt.setting);
      const int words = std::max(spec.words - about.words(), 30);
      deck open(setting_open, rng), lines(setting_lines, rng);
      if (words < 70)
        return about.woven(paragraph(c, words, &open, lines));
      std::string out = paragraph(c, words / 2, &open, lines);
      int left = words - count_words(out);
      return about.woven(out + "\n\n" + paragraph(c, std::max(left, 12), nullptr, lines));
    }
    case prose_kind::dialogue: {
      int lo = std::max(spec.lines_min, 3);
      int hi = std::max(spec.lines_max, lo);
      // Stay off the edges of the range so a checker that counts loosely still agrees.
      int a = lo + (hi - lo >= 4 ? 1 : 0);
      int b = hi - (hi - lo >= 4 ? 1 : 0);
      int count = std::uniform_int_distribution<int>(a, b)(rng);
      std::vector<std::string> lines{c.fill(pick(rng, dialogue_open))};
      auto exchanges = dialogue_pairs;
      std::shuffle(exchanges.begin(), exchanges.end(), rng);
      if (c.premise) {
        // The first, third and fourth exchanges are about the premise.
        auto about = premise_templates().dialogue;
        std::shuffle(about.begin(), about.end(), rng);
        exchanges.insert(exchanges.begin(), about[0]);
        exchanges.insert(exchanges.begin() + 2, about[1]);
        exchanges.insert(exchanges.begin() + 3, about[2]);
      }
      // A lead now and then. After one that runs on ("Look,", "Fine, but") the line's first
      // word is lower-cased unless it is a name or "I".
      auto spoken = [&](const char* line) {
        std::string text = c.fill(line);
        if (rng() % 3 != 0)
          return text;
        const std::string lead = pick(rng, dialogue_leads);
        const bool keep = text.rfind("I ", 0) == 0 || text.rfind("I'", 0) == 0
                          || text.rfind(c.name, 0) == 0 || text.rfind(c.name2, 0) == 0
                          || text.rfind(c.name3, 0) == 0;
        if (!keep && lead.back() != '.')
          text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
        return lead + " " + text;
      };
      for (std::size_t i = 0; static_cast<int>(lines.size()) + 1 < count; ++i) {
        const auto& [ask, reply] = exchanges[i % exchanges.size()];
        lines.push_back(spoken(ask));
        if (static_cast<int>(lines.size()) + 1 < count)
          lines.push_back(spoken(reply));
      }
      lines.push_back(c.fill(pick(rng, dialogue_close)));
      std::string out;
      for (std::size_t i = 0; i < lines.size(); ++i)
        out += (i ? "\n" : "") + (i % 2 == 0 ? c.name : c.name2) + ": " + lines[i];
      return out;
    }
  }
  return {};
}

namespace {

const char* element_word(prose_kind k) {
  switch (k) {
    case prose_kind::scene: return "scene";
    case prose_kind::character: return "character profile";
    case prose_kind::dialogue: return "dialogue";
    case prose_kind::setting: return "setting";
  }
  return "scene";
}

std::string first_words(const std::string& text, int n) {
  std::istringstream in(text);
  std::string w, out;
  for (int i = 0; i < n && in >> w; ++i)
    out += (i ? " " : "") + w;
  return out;
}

} // namespace

reply_text write_reply(const prose_spec& spec, std::uint64_t seed, std::uint64_t index,
                       double flaws) {
  reply_text r;
  r.text = write_prose(spec, seed, index);
  // A second, independent draw decides the flaw, so the clean texts stay the same as
  // write_prose() gives whatever the flaw share.
  const std::uint64_t h = mix(mix(seed ^ 0xf1a75ULL) ^ mix(index + 7));
  const double u = static_cast<double>(h >> 11) / 9007199254740992.0;
  if (u >= flaws) {
    // Among usable replies, about half carry a blemish that costs a point or less: a
    // title line, a few words over the limit, or paragraphs run together.
    const std::uint64_t m = mix(h ^ 0xb1e15ULL);
    if (m % 2 != 0)
      return r;
    switch ((m >> 8) % 3) {
      case 0:
        r.flaw = "title";
        r.text = "# " + first_words(r.text, 3) + "\n\n" + r.text;
        break;
      case 1:
        if (spec.kind != prose_kind::dialogue) {
          prose_spec longer = spec;
          longer.words = 200 + static_cast<int>((m >> 16) % 8);
          r.text = write_prose(longer, seed, index);
          r.flaw = "long";
        }
        break;
      default:
        if (spec.kind == prose_kind::scene || spec.kind == prose_kind::setting) {
          for (auto at = r.text.find("\n\n"); at != std::string::npos; at = r.text.find("\n\n"))
            r.text.replace(at, 2, " ");
          r.flaw = "one block";
        }
        break;
    }
    return r;
  }
  const std::string what = element_word(spec.kind);
  // Relative weights of the flaws seen from real models: chatter and cuts are common,
  // refusals rare.
  static const std::vector<std::pair<const char*, int>> weights{
    {"chatty", 30}, {"cut", 20}, {"overlong", 15}, {"meta", 15}, {"short", 10}, {"refusal", 10}};
  int total = 0;
  for (const auto& w : weights)
    total += w.second;
  int pick_at = static_cast<int>((h >> 3) % static_cast<std::uint64_t>(total));
  for (const auto& w : weights) {
    if (pick_at < w.second) {
      r.flaw = w.first;
      break;
    }
    pick_at -= w.second;
  }
  if (r.flaw == "chatty") {
    r.text = "Sure! Here's a " + what + ":\n\n" + r.text
             + "\n\nLet me know if you'd like any changes!";
  } else if (r.flaw == "cut") {
    // Stops mid-sentence, as a token limit leaves it.
    r.text = first_words(r.text, std::max(8, count_words(r.text) * 2 / 3));
    while (!r.text.empty() && std::ispunct(static_cast<unsigned char>(r.text.back())))
      r.text.pop_back();
    r.truncated = true;
  } else if (r.flaw == "overlong") {
    prose_spec more = spec;
    more.words = spec.words + 140;
    more.lines_min = more.lines_max = 30; // a dialogue runs long by lines
    r.text = write_prose(more, seed, index);
  } else if (r.flaw == "meta") {
    r.text += "\n\nThis works because the " + what
              + " keeps the focus on one small, concrete moment.";
  } else if (r.flaw == "short") {
    prose_spec less = spec;
    less.premise.reset(); // a text cut short, not one about its premise
    less.words = 40;
    less.lines_min = less.lines_max = 2;
    r.text = write_prose(less, seed, index);
  } else {
    r.text = "I'm sorry, but I can't write that " + what
             + " as requested. I'd be happy to help with a gentler version instead, or with a "
               "different premise if you prefer.";
  }
  return r;
}

std::string judge_reply(const std::string& prompt, std::uint64_t seed, std::uint64_t index) {
  const auto candidate = training::judge_candidate(prompt).value_or("");
  const prose_spec spec = infer_spec(prompt.substr(0, prompt.find(training::judge_open_tag)));
  static_assert(static_cast<int>(prose_kind::dialogue) == static_cast<int>(training::element::dialogue)
                  && static_cast<int>(prose_kind::setting) == static_cast<int>(training::element::setting),
                "prose_kind mirrors training::element");
  const auto kind = static_cast<training::element>(static_cast<int>(spec.kind));
  const auto report = training::score(kind, candidate, false);
  const std::uint64_t h = mix(seed ^ mix(index + 3));
  // Judges disagree a little about good texts, not about broken ones.
  const int nudge = report.flags.empty() ? static_cast<int>(h % 3) - 1 : 0; // -1, 0 or +1
  const int score = std::clamp(static_cast<int>(std::lround(report.score)) + nudge, 0, 10);
  std::string reason = report.flags.empty() ? "Clear, complete and on task."
                                            : "Weak: " + report.flags.front() + ".";
  return "{\"score\": " + std::to_string(score) + ", \"reason\": \"" + reason + "\"}";
}

} // namespace zega::fake
