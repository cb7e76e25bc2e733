#include "training/quality.hpp"

#include "training/text.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
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

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
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
  const std::string l = lower(t);
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
  const std::string l = lower(trim(line));
  const auto body = std::string_view(l).substr(std::min(l.size(), l.find_first_not_of("*_([")));
  const bool note = std::any_of(notes.begin(), notes.end(),
                                [&](auto n) { return starts_with(body, n); });
  const bool offer = std::any_of(offers.begin(), offers.end(),
                                 [&](auto o) { return contains(l, o); });
  return note || (offer && !is_speaker_line(line));
}

bool is_meta_talk(std::string_view lowered_text) {
  return contains(lowered_text, "as an ai") || contains(lowered_text, "language model");
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
  std::set<std::string> speakers;
};

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
    if (auto who = speaker_of(line); !who.empty()) {
      ++s.speaker_lines;
      s.speakers.insert(lower(who));
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

std::string fmt_int(std::size_t v) { return std::to_string(v); }

// ---- the parts ----------------------------------------------------------------------

constexpr double length_max = 2.5;
constexpr double structure_max = 2.0;
constexpr double variety_max = 1.25;
constexpr double repetition_max = 1.5;
constexpr double clean_max = 1.25;
constexpr double truncation_max = 1.5;

quality_part length_part(element e, const shape& s) {
  const auto& t = target_of(e);
  const auto w = static_cast<double>(s.words.size());
  quality_part p{"length", 0, length_max, ""};
  if (w > t.words_max) {
    // The 200-word ceiling is a dataset rule, so going over costs almost everything.
    p.score = 1.0 * clamp01(1.0 - (w - t.words_max) / 100.0);
    p.note = fmt_int(s.words.size()) + " words, over the " + std::to_string(t.words_max)
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
             + std::to_string(t.lines_max) + "), " + fmt_int(s.words.size()) + " words";
    return p;
  }
  const double generous = 1.2 * t.words_ideal;
  if (w < t.words_min)
    p.score = length_max * std::pow(w / t.words_min, 2);
  else if (w <= generous)
    p.score = length_max;
  else
    p.score = length_max - 0.5 * (w - generous) / (t.words_max - generous);
  p.note = fmt_int(s.words.size()) + " words (target about " + std::to_string(t.words_ideal)
           + ")";
  return p;
}

quality_part structure_part(element e, const shape& s) {
  quality_part p{"structure", 0, structure_max, ""};
  std::string joined = " ";
  for (const auto& w : s.words)
    joined += w + " ";
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
      p.note = std::to_string(s.paragraphs) + " paragraphs (target 2-3)";
      break;
    }
    case element::character: {
      static const std::vector<std::string_view> description{
        "eyes", "hair", "tall", "face", "wears", "wore", "voice", "hands", "smile", "scar",
        "skin", "shoulders", "dressed", "coat", "gaze", "posture", "laugh", "beard",
        "freckles", "stubborn", "kind", "curious", "quiet", "proud", "fierce", "gentle",
        "patient", "restless", "shy", "cunning", "loyal", "fingers", "build", "wiry"};
      static const std::vector<std::string_view> backstory{
        "born", "grew up", "raised", "childhood", "years ago", "as a child", "as a girl",
        "as a boy", "father", "mother", "parents", "orphan", "orphaned", "youth",
        "apprenticed", "left home", "had been", "once", "lost", "ago", "since", "young"};
      const int d = count_matches(s.words, joined, description);
      const int b = count_matches(s.words, joined, backstory);
      p.score = (d >= 2 ? 1.0 : d * 0.5) + (b >= 2 ? 1.0 : b * 0.5);
      p.note = "description cues " + std::to_string(d) + ", backstory cues " + std::to_string(b);
      break;
    }
    case element::dialogue: {
      const double ratio = s.lines > 0 ? static_cast<double>(s.speaker_lines) / s.lines : 0;
      const double lines_score = ratio >= 0.8 ? 1.0 : ratio;
      const double speakers_score =
        s.speakers.size() >= 2 ? 1.0 : (s.quoted_lines >= 2 ? 0.5 : 0.0);
      p.score = lines_score + speakers_score;
      p.note = std::to_string(s.speaker_lines) + " of " + std::to_string(s.lines)
               + " lines have a speaker, " + fmt_int(s.speakers.size()) + " named speakers";
      break;
    }
    case element::setting: {
      static const std::vector<std::string_view> senses{
        "smell", "smells", "scent", "odour", "odor", "aroma", "stench", "sound", "hum", "echo",
        "echoes", "whisper", "whispers", "creak", "creaks", "drip", "roar", "silence",
        "light", "glow", "glows", "shadow", "shadows", "glint", "gleam", "cold", "warm",
        "damp", "rough", "smooth", "chill", "heat", "breeze", "taste", "salt", "bitter",
        "sweet", "musty", "smoke", "dust", "wind", "rain", "hiss", "crackle", "flicker",
        "hums", "drips", "wet", "smelled", "sounds", "glowing", "ringing", "fragrant"};
      const int hits = count_matches(s.words, joined, senses);
      p.score = std::min(2.0, hits * 0.5);
      p.note = std::to_string(hits) + " sensory cues";
      break;
    }
  }
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
  p.note = fmt_int(st.repeated_sentences) + " repeated sentences, "
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
  if (is_meta_talk(lower(raw)))
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

quality_report score(element e, std::string_view text, bool truncated) {
  // Shape is judged on what would be stored (the cleaned text); chatter itself costs points
  // in the "clean" part, measured on the raw reply.
  const std::string cleaned = clean_output(text);
  const shape s = measure(e, cleaned);
  quality_report r;
  r.words = static_cast<int>(s.words.size());
  r.lines = s.lines;
  r.paragraphs = s.paragraphs;
  r.parts = {length_part(e, s),      structure_part(e, s),    variety_part(s),
             repetition_part(cleaned, s), clean_part(text), truncation_part(cleaned, truncated)};
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
  const std::vector<std::pair<std::size_t, double>> caps{
    {0, r.words == 0 ? 0.0 : 10.0},
    {0, r.words > t.words_max ? 6.0 : 10.0},
    {0, too_short ? 6.0 : 10.0},
    {3, repetitive(cleaned, s) ? 5.0 : 10.0},
    {5, truncated && !ends_cleanly(cleaned) ? 6.0 : 10.0},
  };
  double cap = 10.0;
  for (const auto& [part, limit] : caps)
    if (limit < 10.0) {
      r.parts[part].note += "; caps the score at " + std::to_string(static_cast<int>(limit));
      cap = std::min(cap, limit);
    }
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
  w.Key("words");
  w.Int(words);
  w.Key("lines");
  w.Int(lines);
  w.Key("paragraphs");
  w.Int(paragraphs);
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
