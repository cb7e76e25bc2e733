#include "training/quality.hpp"

#include "training/english.hpp"
#include "training/text.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace zega::training {

namespace {

// ---- line helpers -------------------------------------------------------------------

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

bool word_byte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '\'';
}

// `needle` as whole words: not inside a longer word at either end.
bool contains_words(std::string_view s, std::string_view needle) {
  for (auto pos = s.find(needle); pos != std::string_view::npos; pos = s.find(needle, pos + 1)) {
    const auto end = pos + needle.size();
    const bool left = pos == 0 || !word_byte(needle.front()) || !word_byte(s[pos - 1]);
    const bool right = end >= s.size() || !word_byte(needle.back()) || !word_byte(s[end]);
    if (left && right)
      return true;
  }
  return false;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::size_t word_count(std::string_view s) { return lower_words(s).size(); }

// ---- chatter detectors, shared by clean_output() and the "clean" part ------------------

const std::vector<std::string_view> openers{
  "sure", "certainly", "of course", "absolutely", "okay", "ok", "great", "here's", "here is",
  "here’s", "below is", "as requested", "i've written", "i have written", "alright"};

// Words that show an opener announces the content ("Here's a scene:") rather than starting
// it ("Okay, she thought: run.").
const std::vector<std::string_view> announce_words{
  "here", "here's", "here’s", "below", "scene", "character", "dialogue", "setting",
  "story", "example", "profile", "description", "version", "piece", "conversation", "passage"};

bool announces(std::string_view lowered) {
  for (const auto& w : lower_words(lowered))
    for (auto a : announce_words)
      if (w == a || w == std::string(a) + "s")
        return true;
  return false;
}

bool starts_with_opener(std::string_view lowered) {
  for (auto o : openers)
    if (starts_with(lowered, o)) {
      // Whole word only: "Surely the tide..." is prose, not chatter.
      const auto rest = lowered.substr(o.size());
      if (rest.empty() || std::isalnum(static_cast<unsigned char>(rest.front())) == 0)
        return true;
    }
  return false;
}

// Length of the chatter at the start of a line ("Sure! Here's a scene:"), 0 if none.
std::size_t chatter_prefix(std::string_view line) {
  const auto t = trim(line);
  const std::string l = lower_case(t);
  if (!starts_with_opener(l))
    return 0;
  const std::size_t offset = static_cast<std::size_t>(t.data() - line.data());
  const auto colon = l.find(':');
  if (colon != std::string::npos) {
    const std::string prefix = l.substr(0, colon);
    if (announces(prefix) && word_count(prefix) <= 15)
      return offset + colon + 1;
  }
  const auto words = word_count(l);
  const bool exclaims_alone = words <= 3 && (l.back() == '!' || l.back() == '.');
  if (exclaims_alone || (words <= 14 && announces(l)))
    return line.size();
  return 0;
}

bool is_heading(std::string_view line) { return starts_with(trim(line), "#"); }

bool is_fence(std::string_view line) { return starts_with(trim(line), "```"); }

bool is_separator(std::string_view line) {
  const auto t = trim(line);
  return t.size() >= 3 && t.find_first_not_of(t.front()) == std::string_view::npos
         && (t.front() == '-' || t.front() == '*' || t.front() == '_' || t.front() == '=');
}

// A line that is entirely bold ("**The Lighthouse**") is a title.
bool is_bold_title(std::string_view line) {
  const auto t = trim(line);
  return t.size() > 4 && starts_with(t, "**") && t.substr(t.size() - 2) == "**"
         && t.substr(2, t.size() - 4).find("**") == std::string_view::npos;
}

bool is_speaker_line(std::string_view line);

bool is_trailing_offer(std::string_view line) {
  static const std::vector<std::string_view> notes{"word count", "note:"};
  // Characters may say "let me know" in a dialogue; only narration lines count as offers.
  static const std::vector<std::string_view> offers{
    "let me know", "feel free", "would you like me", "if you'd like", "if you would like",
    "i hope you", "i hope this", "hope this helps", "hope you enjoy", "i can also",
    "i can adjust", "happy to adjust"};
  const std::string l = lower_case(trim(line));
  const auto body = std::string_view(l).substr(std::min(l.size(), l.find_first_not_of("*_([")));
  const bool note = std::any_of(notes.begin(), notes.end(),
                                [&](auto n) { return starts_with(body, n); });
  const bool offer = std::any_of(offers.begin(), offers.end(),
                                 [&](auto o) { return contains(l, o); });
  return note || (offer && !is_speaker_line(line));
}

bool is_meta_talk(std::string_view lowered_text) {
  return contains_words(lowered_text, "as an ai") || contains_words(lowered_text, "language model");
}

// ---- structure helpers --------------------------------------------------------------

bool name_byte(unsigned char c) {
  return std::isalpha(c) != 0 || c == ' ' || c == '.' || c == '\'' || c == '-' || c >= 0x80;
}

// "Name: words", "Dr. Vale (quietly): words", or a quoted line.
std::string speaker_of(std::string_view line) {
  auto t = trim(line);
  const auto colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 40
      || trim(t.substr(colon + 1)).empty())
    return {};
  auto name = trim(t.substr(0, colon));
  if (const auto paren = name.find('('); paren != std::string_view::npos && name.back() == ')')
    name = trim(name.substr(0, paren));
  if (name.empty())
    return {};
  const auto initial = static_cast<unsigned char>(name.front());
  // Bytes >= 0x80 start UTF-8 letters ("Émile"); their case is not checked.
  if (std::isupper(initial) == 0 && initial < 0x80)
    return {};
  if (!std::all_of(name.begin(), name.end(), [](char c) { return name_byte(c); }))
    return {};
  if (word_count(name) > 4)
    return {};
  return std::string(name);
}

bool is_quoted_line(std::string_view line) {
  const auto t = trim(line);
  return starts_with(t, "\"") || starts_with(t, "\u201c");
}

bool is_speaker_line(std::string_view line) {
  return !speaker_of(line).empty() || is_quoted_line(line);
}

bool ends_cleanly(std::string_view text) {
  const auto t = trim(text);
  if (t.empty())
    return false;
  static const std::vector<std::string_view> endings{
    ".", "!", "?", "\"", "'", ")", "*", "\u201d", "\u2019", "\u2026"};
  return std::any_of(endings.begin(), endings.end(), [&](auto e) {
    return t.size() >= e.size() && t.substr(t.size() - e.size()) == e;
  });
}

struct shape {
  std::vector<std::string> words;
  int lines = 0;
  int paragraphs = 0;
  int speaker_lines = 0;
  int quoted_lines = 0;
  int bullet_lines = 0; // "- item", "* item", "• item", "1. item"
  std::set<std::string> speakers;
};

bool is_bullet(std::string_view line) {
  const auto t = trim(line);
  if (starts_with(t, "- ") || starts_with(t, "* ") || starts_with(t, "\u2022"))
    return true;
  std::size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits])) != 0)
    ++digits;
  return digits > 0 && digits < t.size() && (t[digits] == '.' || t[digits] == ')');
}

shape measure(element e, std::string_view text) {
  shape s;
  s.words = lower_words(text);
  int blocks = 0;
  bool in_block = false;
  for (auto line : split_lines(text)) {
    if (trim(line).empty()) {
      in_block = false;
      continue;
    }
    ++s.lines;
    if (!in_block)
      ++blocks;
    in_block = true;
    if (is_bullet(line))
      ++s.bullet_lines;
    if (auto who = speaker_of(line); !who.empty()) {
      ++s.speaker_lines;
      s.speakers.insert(lower_case(who));
    } else if (is_quoted_line(line)) {
      ++s.speaker_lines;
      ++s.quoted_lines;
    }
  }
  // Models often separate prose paragraphs with single newlines.
  s.paragraphs = (blocks == 1 && s.lines > 1 && e != element::dialogue) ? s.lines : blocks;
  return s;
}

int count_matches(const std::vector<std::string>& words, std::string_view joined,
                  const std::vector<std::string_view>& cues) {
  std::unordered_set<std::string_view> present(words.begin(), words.end());
  int hits = 0;
  for (auto cue : cues) {
    const bool phrase = contains(cue, " ");
    if (phrase ? contains(joined, std::string(" ") + std::string(cue) + " ")
               : present.count(cue) > 0)
      ++hits;
  }
  return hits;
}

double clamp01(double x) { return std::clamp(x, 0.0, 1.0); }

// ---- the parts ----------------------------------------------------------------------

constexpr double length_max = 2.0;
constexpr double structure_max = 2.0;
constexpr double variety_max = 1.0;
constexpr double repetition_max = 1.25;
constexpr double clean_max = 1.0;
constexpr double truncation_max = 1.25;
constexpr double coherence_max = 1.0;
constexpr double language_max = 0.5;

// Points lost per word over the limit, and the cap: a smooth slope instead of a cliff, so
// 205 words is a small penalty and 225 words no longer passes the memory threshold.
constexpr double over_limit_points_per_word = 0.04;
constexpr double over_limit_cap_per_word = 0.12;

quality_part length_part(element e, const shape& s) {
  const auto& t = target_of(e);
  const auto w = static_cast<double>(s.words.size());
  quality_part p{"length", 0, length_max, ""};
  if (w > t.words_max) {
    // Continues the slope of the last stretch below the limit, only steeper.
    p.score = std::max(0.0, length_max - 0.5 - (w - t.words_max) * over_limit_points_per_word);
    p.note = std::to_string(s.words.size()) + " words, over the " + std::to_string(t.words_max)
             + "-word limit";
    return p;
  }
  if (e == element::dialogue) {
    const int l = s.speaker_lines;
    if (l < t.lines_min)
      p.score = length_max * std::pow(static_cast<double>(l) / t.lines_min, 2);
    else if (l > t.lines_max)
      p.score = std::max(0.5, length_max - 0.4 * (l - t.lines_max));
    else
      p.score = length_max;
    p.score *= clamp01(w / t.words_min);
    p.note = std::to_string(l) + " speaker lines (target " + std::to_string(t.lines_min) + "-"
             + std::to_string(t.lines_max) + "), " + std::to_string(s.words.size()) + " words";
    return p;
  }
  const double generous = 1.2 * t.words_ideal;
  if (w < t.words_min)
    p.score = length_max * std::pow(w / t.words_min, 2);
  else if (w <= generous)
    p.score = length_max;
  else
    p.score = length_max - 0.5 * (w - generous) / (t.words_max - generous);
  p.note = std::to_string(s.words.size()) + " words (target about " + std::to_string(t.words_ideal)
           + ")";
  return p;
}

// Cue words, counted once each, that show what kind of text it is.
const std::vector<std::string_view>& description_cues() {
  static const std::vector<std::string_view> cues{
    "eyes", "hair", "tall", "face", "wears", "wore", "voice", "hands", "smile", "scar",
    "skin", "shoulders", "dressed", "coat", "gaze", "posture", "laugh", "beard",
    "freckles", "stubborn", "kind", "curious", "quiet", "proud", "fierce", "gentle",
    "patient", "restless", "shy", "cunning", "loyal", "fingers", "build", "wiry", "short",
    "thin", "broad", "lean", "grey", "nose", "jaw", "moves", "speaks", "temper", "habit"};
  return cues;
}

const std::vector<std::string_view>& backstory_cues() {
  static const std::vector<std::string_view> cues{
    "born", "grew up", "raised", "childhood", "years ago", "as a child", "as a girl",
    "as a boy", "father", "mother", "parents", "orphan", "orphaned", "youth",
    "apprenticed", "left home", "had been", "once", "lost", "ago", "since", "young",
    "family", "learned", "was twelve", "was ten", "at sixteen", "years"};
  return cues;
}

const std::vector<std::string_view>& sense_cues() {
  static const std::vector<std::string_view> cues{
    "smell", "smells", "scent", "odour", "odor", "aroma", "stench", "sound", "hum", "echo",
    "echoes", "whisper", "whispers", "creak", "creaks", "drip", "roar", "silence",
    "light", "glow", "glows", "shadow", "shadows", "glint", "gleam", "cold", "warm",
    "damp", "rough", "smooth", "chill", "heat", "breeze", "taste", "salt", "bitter",
    "sweet", "musty", "smoke", "dust", "wind", "rain", "hiss", "crackle", "flicker",
    "hums", "drips", "wet", "smelled", "sounds", "glowing", "ringing", "fragrant", "quiet",
    "loud", "bright", "dim", "dark", "sharp", "soft", "crunch", "rustle", "rustles", "warmth",
    "ticks", "sighs", "bleached", "half-lit", "voices", "faint", "pale", "grey", "gray",
    "golden", "silver", "stone", "creaking", "noise", "air", "cool", "cools", "icy",
    "sticky", "murmur", "murmurs", "rattle", "rattles", "clatter", "buzz", "sour", "smoky",
    "peeling", "glitter", "shimmer", "gleams", "sunlight", "moonlight", "lamplight",
    "candlelight", "hush", "hushed", "rumble", "thick", "scented", "stale", "mossy", "frost"};
  return cues;
}

// Verbs of a moment happening and words of change: what separates a scene from a portrait
// or a description of a place.
const std::vector<std::string_view>& action_cues() {
  static const std::vector<std::string_view> cues{
    "ran", "grabbed", "pulled", "pushed", "opened", "slammed", "turned", "stepped", "reached",
    "climbed", "fell", "caught", "threw", "shouted", "whispered", "said", "asked", "froze",
    "lifted", "dropped", "struck", "broke", "jumped", "snatched", "spun", "rushed", "kicked",
    "hurried", "knelt", "stood", "rose", "seized", "tore", "shoved", "leapt", "dragged",
    "answered", "cried", "screamed", "laughed", "nodded", "stopped", "started", "began",
    "realised", "realized", "noticed", "saw", "heard", "found", "walked", "looked",
    "suddenly", "then", "finally", "at last", "moment", "instant", "before", "until",
    "runs", "grabs", "pulls", "pushes", "opens", "turns", "steps", "reaches", "falls",
    "catches", "throws", "says", "asks", "stops", "looks", "sees", "hears", "finds",
    "handed", "slipped", "flung", "swung", "gasped", "ducked", "raced", "vanished", "crossed",
    "paused", "picked", "counted", "slid", "scattered", "glanced", "shook", "waited",
    "listened", "frowned", "blinked", "sighed", "swallowed", "leaned", "placed", "pointed",
    "tapped", "knocked", "closed", "burst", "fled", "chased", "entered", "stumbled", "crept",
    "whirled", "tugged", "wiped", "unfolded", "yelled", "muttered", "replied", "banged",
    "crashed", "shattered", "gust", "by morning", "a moment later", "glances", "picks",
    "crosses", "slides", "waits", "moment later", "grabs", "slams", "whispers", "shouts"};
  return cues;
}

int cue_count(const shape& s, const std::string& joined,
              const std::vector<std::string_view>& cues) {
  return count_matches(s.words, joined, cues);
}

std::string joined_words(const shape& s) {
  std::string joined = " ";
  for (const auto& w : s.words)
    joined += w + " ";
  return joined;
}

// Sets `misfit` (why the text is not the element asked for) when it is something else:
// conversation where a place was asked for, a form where prose was, a portrait where a
// scene was. The cue words are English: with `cues` false (another language was asked for)
// only the layout is judged.
quality_part structure_part(element e, const shape& s, bool cues, std::string& misfit) {
  quality_part p{"structure", 0, structure_max, ""};
  const std::string joined = joined_words(s);
  const double speaker_ratio = s.lines > 0 ? static_cast<double>(s.speaker_lines) / s.lines : 0;
  const bool conversation = s.speaker_lines >= 3 && speaker_ratio >= 0.5;
  switch (e) {
    case element::scene: {
      const auto& t = target_of(e);
      if (s.paragraphs >= t.paragraphs_min && s.paragraphs <= t.paragraphs_max)
        p.score = 2.0;
      else if (s.paragraphs < t.paragraphs_min)
        p.score = 0.5;
      else if (s.paragraphs == t.paragraphs_max + 1)
        p.score = 1.25;
      else
        p.score = 0.75;
      const int actions = cue_count(s, joined, action_cues());
      p.note = std::to_string(s.paragraphs) + " paragraphs (target 2-3), "
               + std::to_string(actions) + " action cues";
      if (conversation)
        misfit = "speaker lines, a dialogue rather than a scene";
      else if (cues && actions < 5)
        misfit = "no action or change, not a scene";
      break;
    }
    case element::character: {
      const int d = cues ? cue_count(s, joined, description_cues()) : 2;
      const int b = cues ? cue_count(s, joined, backstory_cues()) : 2;
      p.score = (d >= 2 ? 1.0 : d * 0.5) + (b >= 2 ? 1.0 : b * 0.5);
      p.note = "description cues " + std::to_string(d) + ", backstory cues " + std::to_string(b);
      const int form_lines = s.bullet_lines + (s.speaker_lines - s.quoted_lines);
      if (form_lines >= 3 && form_lines * 3 >= s.lines) {
        misfit = "a form or list, not prose";
        p.score = std::min(p.score, 1.0);
      } else if (d == 0 || b == 0) {
        misfit = d == 0 ? "no description" : "no backstory";
      }
      break;
    }
    case element::dialogue: {
      const double lines_score = speaker_ratio >= 0.8 ? 1.0 : speaker_ratio;
      const double speakers_score =
        s.speakers.size() >= 2 ? 1.0 : (s.quoted_lines >= 2 ? 0.5 : 0.0);
      p.score = lines_score + speakers_score;
      p.note = std::to_string(s.speaker_lines) + " of " + std::to_string(s.lines)
               + " lines have a speaker, " + std::to_string(s.speakers.size()) + " named speakers";
      if (speaker_ratio < 0.6 || (s.speakers.size() < 2 && s.quoted_lines < 2))
        misfit = "not speaker lines";
      break;
    }
    case element::setting: {
      const int hits = cues ? cue_count(s, joined, sense_cues()) : 4;
      p.score = std::min(2.0, hits * 0.5);
      p.note = std::to_string(hits) + " sensory cues";
      if (conversation)
        misfit = "a conversation, not a place";
      else if (hits < 2)
        misfit = "too few senses for a setting";
      break;
    }
  }
  if (!misfit.empty())
    p.note += "; " + misfit;
  return p;
}

// Moving-average type/token ratio: unlike plain TTR it does not fall just because a text
// is longer, so a 90-word setting and a 190-word scene are judged alike.
double mattr(const std::vector<std::string>& words, std::size_t window) {
  if (words.empty())
    return 0;
  if (words.size() <= window) {
    std::unordered_set<std::string> types(words.begin(), words.end());
    return static_cast<double>(types.size()) / words.size();
  }
  std::unordered_map<std::string, int> counts;
  for (std::size_t i = 0; i < window; ++i)
    ++counts[words[i]];
  double sum = static_cast<double>(counts.size());
  std::size_t windows = 1;
  for (std::size_t i = window; i < words.size(); ++i) {
    if (--counts[words[i - window]] == 0)
      counts.erase(words[i - window]);
    ++counts[words[i]];
    sum += static_cast<double>(counts.size());
    ++windows;
  }
  return sum / static_cast<double>(windows) / static_cast<double>(window);
}

quality_part variety_part(const shape& s) {
  const double r = mattr(s.words, 50);
  quality_part p{"variety", variety_max * clamp01((r - 0.45) / 0.25), variety_max, ""};
  p.note = "type/token ratio " + std::to_string(std::lround(r * 100)) + "%";
  return p;
}

std::vector<std::string> sentences(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    const auto words = lower_words(current);
    // Short sentences ("Yes." "No.") repeat naturally and say nothing about looping.
    if (words.size() >= 4) {
      std::string key;
      for (const auto& w : words)
        key += w + " ";
      out.push_back(key);
    }
    current.clear();
  };
  for (char c : text) {
    if (c == '.' || c == '!' || c == '?' || c == '\n')
      flush();
    else
      current.push_back(c);
  }
  flush();
  return out;
}

struct repetition_stats {
  std::size_t repeated_sentences = 0;
  double trigram_ratio = 0; // share of word trigrams that already occurred
};

repetition_stats repetition_of(std::string_view text, const shape& s) {
  repetition_stats st;
  const auto sents = sentences(text);
  const std::unordered_set<std::string> distinct_sents(sents.begin(), sents.end());
  st.repeated_sentences = sents.size() - distinct_sents.size();
  std::size_t trigrams = 0;
  std::unordered_set<std::string> distinct;
  for (std::size_t i = 0; i + 3 <= s.words.size(); ++i) {
    ++trigrams;
    distinct.insert(s.words[i] + ' ' + s.words[i + 1] + ' ' + s.words[i + 2]);
  }
  if (trigrams > 0)
    st.trigram_ratio = static_cast<double>(trigrams - distinct.size()) / trigrams;
  return st;
}

bool repetitive(std::string_view text, const shape& s) {
  const auto st = repetition_of(text, s);
  return st.repeated_sentences >= 2 || st.trigram_ratio >= 0.25;
}

quality_part repetition_part(std::string_view text, const shape& s) {
  const auto st = repetition_of(text, s);
  const double penalty = 0.5 * static_cast<double>(st.repeated_sentences)
                         + repetition_max * clamp01((st.trigram_ratio - 0.04) / 0.16);
  quality_part p{"repetition", std::max(0.0, repetition_max - penalty), repetition_max, ""};
  p.note = std::to_string(st.repeated_sentences) + " repeated sentences, "
           + std::to_string(std::lround(st.trigram_ratio * 100)) + "% repeated trigrams";
  return p;
}

quality_part clean_part(std::string_view raw) {
  std::vector<std::string> found;
  const auto lines = split_lines(raw);
  std::vector<std::string_view> content;
  for (auto l : lines)
    if (!trim(l).empty())
      content.push_back(l);
  if (!content.empty() && chatter_prefix(content.front()) > 0)
    found.emplace_back("chatty opening");
  if (std::any_of(content.begin(), content.end(), is_heading))
    found.emplace_back("markdown heading");
  if (contains(raw, "**") || contains(raw, "__"))
    found.emplace_back("bold markers");
  if (std::any_of(content.begin(), content.end(), is_fence))
    found.emplace_back("code fence");
  const std::size_t tail = std::min<std::size_t>(2, content.size());
  if (std::any_of(content.end() - static_cast<std::ptrdiff_t>(tail), content.end(),
                  is_trailing_offer))
    found.emplace_back("trailing offer or note");
  if (is_meta_talk(lower_case(raw)))
    found.emplace_back("meta talk");
  quality_part p{"clean", std::max(0.0, clean_max - 0.5 * static_cast<double>(found.size())),
                 clean_max, ""};
  for (const auto& f : found)
    p.note += (p.note.empty() ? "" : ", ") + f;
  if (p.note.empty())
    p.note = "no chatter or markup";
  return p;
}

quality_part truncation_part(std::string_view cleaned, bool truncated) {
  const bool clean_end = ends_cleanly(cleaned);
  quality_part p{"truncation", truncation_max, truncation_max, "complete"};
  if (truncated && !clean_end) {
    p.score = 0;
    p.note = "cut off by the token limit mid-sentence";
  } else if (truncated) {
    p.score = truncation_max / 2;
    p.note = "hit the token limit";
  } else if (!clean_end) {
    p.score = truncation_max / 2;
    p.note = "ends mid-sentence";
  }
  return p;
}

// Lower-cased, with typographic apostrophes folded so "I can\u2019t" matches "i can't".
std::string folded(std::string_view text) {
  std::string l = lower_case(text);
  for (auto pos = l.find("\u2019"); pos != std::string::npos; pos = l.find("\u2019", pos))
    l.replace(pos, 3, "'");
  return l;
}

// A refusal: the model declines the task, however politely and wherever it says so. A
// character who says "I can't" is not refusing, so the declining phrase must be followed
// closely by a verb of doing the task.
std::string refusal_in(std::string_view raw) {
  const std::string l = folded(raw);
  static const std::vector<std::string_view> standalone{
    "i'm sorry, but", "i am sorry, but", "i apologize, but", "i apologise, but", "as an ai",
    "language model", "against my guidelines", "content policy", "i must decline",
    "i'm not comfortable", "i am not comfortable"};
  for (auto phrase : standalone)
    if (contains_words(l, phrase))
      return std::string(phrase);
  static const std::vector<std::string_view> declines{
    "i can't", "i cannot", "i can not", "i won't", "i will not", "i'm unable to",
    "i am unable to", "i'm not able to", "i am not able to", "i'd rather not"};
  static const std::vector<std::string_view> task_verbs{
    "write", "help", "create", "produce", "provide", "assist", "comply", "generate",
    "fulfil", "complete", "continue", "do that", "describe", "depict"};
  for (auto d : declines)
    for (auto pos = l.find(d); pos != std::string::npos; pos = l.find(d, pos + 1)) {
      const std::string_view after = std::string_view(l).substr(pos + d.size(), 40);
      for (auto v : task_verbs)
        if (contains(after, v))
          return std::string(d) + " ... " + std::string(v);
    }
  return {};
}

// Commentary about the text inside the text ("Here is a setting that...", "This works
// because..."), in a narration line: what would be stored after clean_output().
std::string meta_in(std::string_view cleaned) {
  static const std::vector<std::string_view> phrases{
    "this works because", "i hope this", "feel free", "let me know", "i've written",
    "i have written", "i've kept", "i have kept", "i tried to", "i aimed", "word count",
    "as requested", "i can adjust", "would you like me", "in this piece", "in this scene,",
    "the prompt"};
  static const std::vector<std::string_view> subjects{
    "this scene ", "this dialogue ", "this setting ", "this piece ", "this profile ",
    "this character profile ", "the character profile ", "this portrait ",
    "this description ", "this passage ", "this character ", "this version ", "the scene ",
    "the setting ", "the dialogue ", "the profile ", "the description "};
  static const std::vector<std::string_view> commentary_verbs{
    "uses", "shows", "captures", "works", "conveys", "establishes", "highlights", "features",
    "aims", "is designed", "focuses", "creates", "leans", "builds", "evokes", "emphasizes",
    "emphasises", "blends", "balances"};
  for (auto line : split_lines(cleaned)) {
    if (is_speaker_line(line))
      continue;
    const std::string l = folded(line);
    for (auto phrase : phrases)
      if (contains(l, phrase))
        return std::string(phrase);
    for (auto subject : subjects)
      for (auto pos = l.find(subject); pos != std::string::npos; pos = l.find(subject, pos + 1)) {
        const auto after = std::string_view(l).substr(pos + subject.size(), 16);
        for (auto v : commentary_verbs)
          if (starts_with(after, v))
            return std::string(subject) + std::string(v);
      }
    for (auto here : {"here is ", "here's ", "below is "})
      for (auto pos = l.find(here); pos != std::string::npos; pos = l.find(here, pos + 1)) {
        const auto after = lower_words(std::string_view(l).substr(pos + std::strlen(here), 40));
        for (std::size_t i = 0; i < after.size() && i < 4; ++i)
          for (auto a : announce_words)
            if (after[i] == a && a != "here" && a != "here's" && a != "below")
              return std::string(here) + "... " + after[i];
      }
  }
  return {};
}

// On our fixtures fluent prose scores 0.15 to 0.45 and the same words shuffled -0.13 to
// -0.47; terse dialogue of short questions and orders can fall to -0.06. Full marks from
// 0.15, none below the salad line; shuffled text is also told by its sentence starts,
// which turn lower-case.
constexpr double coherence_good = 0.15;
constexpr double coherence_salad = -0.10;
constexpr double capital_starts_min = 0.6;

quality_part coherence_part(std::string_view cleaned, bool english, bool& salad) {
  quality_part p{"coherence", coherence_max, coherence_max, ""};
  salad = false;
  if (!english) {
    p.note = "not checked (the word-order model is English)";
    return p;
  }
  // Speaker labels ("Mara:") say nothing about word order; only what is said is judged.
  std::string spoken;
  for (auto line : split_lines(cleaned)) {
    const auto who = speaker_of(line);
    auto said = who.empty() ? line : trim(line.substr(line.find(':') + 1));
    spoken.append(said.data(), said.size()).push_back('\n');
  }
  const auto st = coherence_of(spoken);
  if (st.pairs < 20) {
    p.note = "too short to judge";
    return p;
  }
  const double starts = st.sentences > 0 ? static_cast<double>(st.capital_starts) / st.sentences : 1;
  p.score = coherence_max * clamp01((st.llr - coherence_salad) / (coherence_good - coherence_salad));
  salad = st.llr < coherence_salad || (st.sentences >= 4 && starts < capital_starts_min);
  if (salad)
    p.score = 0;
  p.note = "word-order plausibility " + std::to_string(std::lround(st.llr * 100))
           + "/100, " + std::to_string(st.capital_starts) + " of " + std::to_string(st.sentences)
           + " sentences start with a capital";
  return p;
}

quality_part language_part(std::string_view cleaned, const std::string& wanted, bool& wrong) {
  quality_part p{"language", language_max, language_max, ""};
  wrong = false;
  if (!language_supported(wanted)) {
    p.note = "language \"" + wanted + "\" not checked";
    return p;
  }
  const auto g = detect_language(cleaned);
  if (g.code.empty() && word_count(cleaned) < 20) {
    p.note = "too short to tell";
    return p;
  }
  if (g.code != wanted) {
    wrong = true;
    p.score = 0;
    p.note = "asked for " + wanted + ", reads as " + (g.code.empty() ? "unknown" : g.code);
    return p;
  }
  p.note = wanted + " (" + std::to_string(std::lround(g.share * 100)) + "% stop words)";
  return p;
}

} // namespace

std::string clean_output(std::string_view text) {
  std::vector<std::string> lines;
  for (auto l : split_lines(text))
    if (!is_fence(l))
      lines.emplace_back(l);

  // Leading chatter, titles and separators, possibly several in a row.
  std::size_t first = 0;
  while (first < lines.size()) {
    auto& l = lines[first];
    if (trim(l).empty() || is_heading(l) || is_bold_title(l) || is_separator(l)) {
      ++first;
      continue;
    }
    const auto cut = chatter_prefix(l);
    if (cut == 0)
      break;
    l = std::string(trim(std::string_view(l).substr(cut)));
    if (l.empty())
      ++first;
  }

  // Trailing offers, notes and separators.
  std::size_t last = lines.size();
  while (last > first) {
    const auto& l = lines[last - 1];
    if (trim(l).empty() || is_separator(l) || is_trailing_offer(l))
      --last;
    else
      break;
  }

  std::string out;
  bool pending_blank = false;
  for (std::size_t i = first; i < last; ++i) {
    std::string l = lines[i];
    if (is_heading(l))
      continue;
    for (const char* marker : {"**", "__"})
      for (auto pos = l.find(marker); pos != std::string::npos; pos = l.find(marker, pos))
        l.erase(pos, 2);
    const auto t = trim(l);
    if (t.empty()) {
      pending_blank = !out.empty();
      continue;
    }
    if (!out.empty())
      out += pending_blank ? "\n\n" : "\n";
    pending_blank = false;
    out += std::string(t);
  }
  return out;
}

quality_report score(element e, std::string_view text, bool truncated,
                     const rubric_options& options) {
  // Shape and content are judged on what would be stored (the cleaned text); chatter itself
  // costs points in the "clean" part, measured on the raw reply.
  const std::string cleaned = clean_output(text);
  const shape s = measure(e, cleaned);
  quality_report r;
  r.words = static_cast<int>(s.words.size());
  r.lines = s.lines;
  r.paragraphs = s.paragraphs;
  std::string misfit;
  bool wrong_language = false;
  bool salad = false;
  auto language = language_part(cleaned, options.language, wrong_language);
  auto coherence = coherence_part(cleaned, options.language == "en" && !wrong_language, salad);
  r.parts = {length_part(e, s),
             structure_part(e, s, options.language == "en", misfit),
             variety_part(s),
             repetition_part(cleaned, s),
             clean_part(text),
             truncation_part(cleaned, truncated),
             std::move(coherence),
             std::move(language)};
  double total = 0;
  for (auto& p : r.parts) {
    p.score = std::round(p.score * 100) / 100;
    total += p.score;
  }
  // Some flaws make an example unusable however good the rest is; they cap the total below
  // the memory threshold instead of costing a few points.
  const auto& t = target_of(e);
  const bool too_short = e == element::dialogue ? s.speaker_lines < t.lines_min - 2
                                                : r.words < t.words_min / 2;
  const std::string refusal = refusal_in(text);
  const std::string meta = meta_in(cleaned);
  const double over = std::max(0, r.words - t.words_max);
  struct cap_rule {
    std::size_t part;
    bool hit;
    double limit;
    const char* flag;
    std::string why;
  };
  const std::vector<cap_rule> caps{
    {0, r.words == 0, 0.0, "empty", "empty"},
    {0, over > 0, std::max(1.0, 10.0 - over_limit_cap_per_word * over), "over the word limit",
     ""},
    {0, too_short, 6.0, "too short", ""},
    {1, !misfit.empty(), 6.0, "not the element", ""},
    {3, repetitive(cleaned, s), 5.0, "repetitive", ""},
    {4, !refusal.empty(), 3.0, "refusal", "refusal (\"" + refusal + "\")"},
    {4, !meta.empty(), 6.0, "meta-commentary", "meta-commentary (\"" + meta + "\")"},
    {5, truncated && !ends_cleanly(cleaned), 6.0, "cut off", ""},
    {6, salad, 5.0, "word salad", "implausible word order"},
    {7, wrong_language, 3.0, "wrong language", ""},
  };
  double cap = 10.0;
  std::vector<std::pair<double, std::string>> hits;
  for (const auto& c : caps)
    if (c.hit) {
      auto& note = r.parts[c.part].note;
      if (!c.why.empty())
        note += "; " + c.why;
      char limit[16];
      std::snprintf(limit, sizeof limit, "%.1f", c.limit);
      note += std::string("; caps the score at ") + limit;
      hits.emplace_back(c.limit, c.flag);
      cap = std::min(cap, c.limit);
    }
  // Most severe first, so a reader (or a judge's reason) can quote the first flag.
  std::stable_sort(hits.begin(), hits.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& h : hits)
    r.flags.push_back(std::move(h.second));
  r.score = std::clamp(std::round(std::min(total, cap) * 10) / 10, 0.0, 10.0);
  return r;
}

std::string quality_report::to_json() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.SetMaxDecimalPlaces(2);
  w.StartObject();
  w.Key("score");
  w.Double(score);
  w.Key("rubric_version");
  w.Int(version);
  w.Key("words");
  w.Int(words);
  w.Key("lines");
  w.Int(lines);
  w.Key("paragraphs");
  w.Int(paragraphs);
  w.Key("flags");
  w.StartArray();
  for (const auto& f : flags)
    w.String(f.c_str(), static_cast<rapidjson::SizeType>(f.size()));
  w.EndArray();
  w.Key("parts");
  w.StartArray();
  for (const auto& p : parts) {
    w.StartObject();
    w.Key("name");
    w.String(p.name.c_str(), static_cast<rapidjson::SizeType>(p.name.size()));
    w.Key("score");
    w.Double(p.score);
    w.Key("max");
    w.Double(p.max);
    w.Key("note");
    w.String(p.note.c_str(), static_cast<rapidjson::SizeType>(p.note.size()));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

} // namespace zega::training
