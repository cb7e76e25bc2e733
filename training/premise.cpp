#include "training/premise.hpp"

#include "training/genres.hpp"
#include "training/text.hpp"

#include <cctype>

namespace zega::training {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

constexpr std::string_view history_magic = "ZPH1";
constexpr std::size_t max_topic_chars = 300;

} // namespace

const premise_parts* find_premise_parts(std::string_view genre) {
  const auto* g = find_genre(genre);
  if (g == nullptr)
    return nullptr;
  for (const auto& p : all_premise_parts())
    if (p.genre == g->name)
      return &p;
  return nullptr;
}

std::uint64_t premises_in(const premise_parts& p) {
  return static_cast<std::uint64_t>(p.who.size()) * p.wants.size() * p.obstacle.size()
         * p.place.size() * premise_times().size();
}

std::uint64_t premise_count() {
  std::uint64_t total = 0;
  for (const auto& p : all_premise_parts())
    total += premises_in(p);
  return total;
}

std::string compose_premise(const premise_parts& p, std::uint64_t index) {
  index %= premises_in(p);
  auto take = [&index](const std::vector<std::string>& list) -> const std::string& {
    const auto& item = list[index % list.size()];
    index /= list.size();
    return item;
  };
  const std::string& who = take(p.who);
  const std::string& wants = take(p.wants);
  const std::string& obstacle = take(p.obstacle);
  const std::string& place = take(p.place);
  const std::string& time = take(premise_times());
  return who + " who wants " + wants + ", but " + obstacle + ", in " + place + ", " + time;
}

std::string with_article(std::string_view phrase) {
  const std::string l = lower_case(phrase);
  // Spelling decides only roughly; these start with a vowel letter but a consonant sound,
  // or the other way round.
  static const std::vector<std::string_view> consonant_sound{"uni", "use", "usu", "eu", "one",
                                                             "once", "ur"};
  static const std::vector<std::string_view> vowel_sound{"hour", "honest", "honour", "heir"};
  bool vowel = !l.empty() && std::string_view("aeiou").find(l.front()) != std::string_view::npos;
  for (auto p : consonant_sound)
    if (l.compare(0, p.size(), p) == 0)
      vowel = false;
  // "urban" is a vowel sound while "uranium" is not; the genres only need "urban".
  if (l.compare(0, 5, "urban") == 0)
    vowel = true;
  for (auto p : vowel_sound)
    if (l.compare(0, p.size(), p) == 0)
      vowel = true;
  return (vowel ? "an " : "a ") + std::string(phrase);
}

const std::vector<std::string>& points_of_view() {
  static const std::vector<std::string> pov{"first person", "close third person",
                                            "distant third person"};
  return pov;
}

const std::vector<std::string>& tones() {
  static const std::vector<std::string> t{"wistful", "tense", "playful", "grim", "tender",
                                          "eerie", "bittersweet", "matter-of-fact"};
  return t;
}

std::optional<user_topics> parse_user_topics(std::string_view text, std::string& error) {
  user_topics out;
  std::string current;
  std::size_t line_no = 0;
  std::size_t count = 0;
  auto fail = [&](const std::string& why) {
    error = "topics file line " + std::to_string(line_no) + ": " + why;
    return std::nullopt;
  };
  auto canonical = [](std::string_view name) -> std::string {
    const genre* g = find_genre(trim(name));
    return g ? g->name : std::string();
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    const auto line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#')
      continue;
    std::string_view topic = line;
    if (line.front() == '[') {
      if (line.back() != ']')
        return fail("a genre header needs a closing ']'");
      const auto name = line.substr(1, line.size() - 2);
      current = canonical(name);
      if (current.empty())
        return fail(unknown_genre_message(trim(name)));
      continue;
    }
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      // "genre: topic" only when the part before the colon is a genre; topics may contain
      // colons of their own.
      const std::string g = canonical(line.substr(0, colon));
      if (!g.empty()) {
        current = g;
        topic = trim(line.substr(colon + 1));
      }
    }
    if (current.empty())
      return fail("a topic before any [genre] header");
    if (topic.empty())
      return fail("empty topic");
    if (topic.size() > max_topic_chars)
      return fail("topic longer than " + std::to_string(max_topic_chars) + " characters");
    for (const auto& w : lower_words(topic))
      for (element e : all_elements())
        if (w == to_string(e))
          return fail(std::string("a topic must not name an element (\"") + to_string(e)
                      + "\"); prompts name exactly one");
    out.by_genre[current].emplace_back(topic);
    ++count;
  }
  if (count == 0) {
    error = "topics file has no topics";
    return std::nullopt;
  }
  return out;
}

premise_history::premise_history(std::size_t no_repeat_within) : window_(no_repeat_within) {}

std::uint64_t premise_history::key_of(element e, std::string_view genre, std::string_view premise) {
  std::uint64_t h = fnv1a64(to_string(e));
  h = fnv1a64("\x1f", h);
  h = fnv1a64(genre, h);
  h = fnv1a64("\x1f", h);
  return fnv1a64(premise, h);
}

bool premise_history::recent(std::uint64_t key) const { return counts_.count(key) > 0; }

void premise_history::record(std::uint64_t key) {
  order_.push_back(key);
  ++counts_[key];
  set_window(window_);
}

void premise_history::set_window(std::size_t no_repeat_within) {
  window_ = no_repeat_within;
  while (order_.size() > window_) {
    const auto old = order_.front();
    order_.pop_front();
    if (--counts_[old] == 0)
      counts_.erase(old);
  }
}

std::string premise_history::to_bytes() const {
  std::string out(history_magic);
  put_u32(out, static_cast<std::uint32_t>(window_));
  put_u32(out, static_cast<std::uint32_t>(order_.size()));
  for (auto k : order_)
    for (int i = 0; i < 8; ++i)
      out.push_back(static_cast<char>((k >> (8 * i)) & 0xFF));
  return out;
}

std::optional<premise_history> premise_history::from_bytes(std::string_view bytes,
                                                           std::string& error) {
  if (bytes.size() < 12 || bytes.substr(0, 4) != history_magic) {
    error = "premise history: not a ZPH1 record";
    return std::nullopt;
  }
  const auto window = static_cast<std::size_t>(get_le(bytes, 4, 4));
  const auto count = static_cast<std::size_t>(get_le(bytes, 8, 4));
  if (bytes.size() != 12 + 8 * count) {
    error = "premise history: " + std::to_string(count) + " keys announced, "
            + std::to_string((bytes.size() - 12) / 8) + " present";
    return std::nullopt;
  }
  premise_history h(window);
  for (std::size_t i = 0; i < count; ++i) {
    const auto k = get_le(bytes, 12 + 8 * i, 8);
    h.order_.push_back(k);
    ++h.counts_[k];
  }
  h.set_window(window);
  return h;
}

task_spec draw_task(std::uint64_t seed, std::size_t n, const std::vector<std::string>& genres,
                    const std::vector<element>& elements, premise_history& history,
                    const user_topics* extra) {
  // Over 3,000 premises per genre against a window of 5,000 over all genres: a fresh one is
  // nearly always found in a few attempts; the cap only guards a tiny user topic list.
  constexpr std::uint64_t max_attempts = 64;
  task_spec t;
  std::uint64_t key = 0;
  for (std::uint64_t attempt = 0; attempt < max_attempts; ++attempt) {
    t = pick_task(seed, n, genres, elements, attempt, extra);
    key = premise_history::key_of(t.el, t.genre, t.topic);
    if (!history.recent(key))
      break;
  }
  history.record(key);
  return t;
}

} // namespace zega::training
