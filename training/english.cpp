#include "training/english.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace zega::training {

namespace {

// ---- language by stop words ------------------------------------------------------------

struct stop_list {
  const char* code;
  std::unordered_set<std::string_view> words;
};

// Words that are frequent in one language and rare in the others; "a", "no", "me" and the
// like are left out where two languages share them.
const std::vector<stop_list>& stop_lists() {
  static const std::vector<stop_list> lists{
    {"en", {"the", "and", "of", "to", "was", "he", "she", "it", "his", "her", "they", "with",
            "that", "for", "had", "on", "at", "is", "but", "not", "from", "were", "have",
            "this", "by", "you", "we", "their", "would", "there", "what", "been", "when",
            "into", "if", "my", "him", "them", "an", "are", "could", "then", "its", "your",
            "out", "up", "did", "over", "like", "just", "as", "i", "in", "be"}},
    {"es", {"el", "la", "los", "las", "de", "que", "y", "en", "un", "una", "por", "con",
            "para", "del", "se", "su", "sus", "al", "lo", "como", "pero", "más", "era",
            "estaba", "fue", "muy", "sin", "sobre", "también", "cuando", "donde", "ella",
            "él", "hay", "esta", "este", "yo", "tú", "nos", "le"}},
    {"fr", {"le", "la", "les", "de", "des", "du", "et", "un", "une", "est", "dans", "que",
            "qui", "pour", "pas", "sur", "au", "avec", "il", "elle", "ce", "ne", "se", "son",
            "sa", "ses", "était", "mais", "nous", "vous", "je", "aux", "plus", "comme"}},
    {"de", {"der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "den", "dem",
            "mit", "sich", "auf", "für", "von", "er", "sie", "es", "war", "aber", "auch",
            "wie", "ich", "du", "wir", "noch", "nach", "hatte", "aus", "einen", "im"}},
    {"it", {"il", "di", "che", "e", "la", "le", "gli", "un", "una", "per", "con", "non",
            "del", "della", "nel", "sono", "era", "lei", "lui", "ma", "come", "anche",
            "questo", "quella", "alla", "dei", "ho", "sua", "suo"}},
    {"pt", {"o", "os", "as", "de", "que", "e", "do", "da", "dos", "das", "em", "um", "uma",
            "para", "com", "não", "por", "mais", "ela", "ele", "era", "estava", "foi",
            "muito", "sem", "sobre", "também", "quando", "onde", "nós", "você", "seu", "sua"}},
  };
  return lists;
}

// ---- word classes ------------------------------------------------------------------------

enum cls : int {
  det, prep, pron, aux, conj, to_word, adverb, wh, content, content_ed, content_ing,
  content_ly, comma, end, class_count
};

const std::unordered_map<std::string_view, cls>& function_words() {
  static const std::unordered_map<std::string_view, cls> table = [] {
    std::unordered_map<std::string_view, cls> t;
    for (auto w : {"the", "a", "an", "this", "these", "those", "his", "her", "their", "its",
                   "my", "your", "our", "every", "each", "some", "any", "no", "another",
                   "both", "all", "several", "many", "few"})
      t[w] = det;
    for (auto w : {"of", "in", "on", "at", "from", "with", "by", "for", "into", "over",
                   "under", "through", "across", "against", "behind", "between", "toward",
                   "towards", "onto", "above", "below", "beside", "without", "along", "around",
                   "past", "near", "beyond", "inside", "outside", "upon", "off", "out", "up",
                   "down", "about", "like", "among", "within"})
      t[w] = prep;
    for (auto w : {"he", "she", "they", "it", "i", "we", "you", "him", "them", "me", "us",
                   "himself", "herself", "themselves", "itself", "myself", "someone",
                   "nothing", "everything", "something", "nobody", "everyone", "one"})
      t[w] = pron;
    for (auto w : {"was", "were", "is", "are", "am", "had", "has", "have", "been", "be",
                   "will", "would", "could", "can", "did", "do", "does", "might", "must",
                   "should", "shall", "may", "being", "i'm", "it's", "he's", "she's",
                   "don't", "didn't", "can't", "won't", "wasn't", "isn't", "couldn't",
                   "i'll", "we'll", "you're", "they're", "i've", "i'd", "that's", "there's"})
      t[w] = aux;
    for (auto w : {"and", "but", "or", "so", "because", "while", "when", "as", "if", "then",
                   "than", "until", "before", "after", "though", "although", "since", "nor",
                   "yet", "once", "whether"})
      t[w] = conj;
    t["to"] = to_word;
    for (auto w : {"not", "never", "very", "too", "just", "still", "only", "even", "already",
                   "again", "now", "always", "almost", "also", "here", "there", "back",
                   "away", "ever", "perhaps", "soon", "once", "quite", "rather"})
      if (t.find(w) == t.end())
        t[w] = adverb;
    for (auto w : {"who", "which", "that", "what", "where", "whose", "whom", "how", "why"})
      t[w] = wh;
    return t;
  }();
  return table;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() > suffix.size() + 2
         && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

cls class_of(const std::string& w) {
  const auto& t = function_words();
  if (auto it = t.find(w); it != t.end())
    return it->second;
  if (ends_with(w, "ed"))
    return content_ed;
  if (ends_with(w, "ing"))
    return content_ing;
  if (ends_with(w, "ly"))
    return content_ly;
  return content;
}

bool word_byte(unsigned char c) { return std::isalnum(c) != 0 || c == '\'' || c >= 0x80; }

// Word classes plus comma and sentence-end markers; a colon ends a sentence so that
// "Name: words" dialogue lines read like sentences.
std::vector<cls> classes(std::string_view text) {
  std::vector<cls> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word.find_first_not_of('\'') != std::string::npos)
      out.push_back(class_of(word));
    word.clear();
  };
  auto mark = [&](cls c) {
    flush();
    if (!out.empty() && (out.back() == end || out.back() == comma))
      out.back() = c == end ? end : out.back();
    else if (!out.empty())
      out.push_back(c);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (word_byte(c)) {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '\n') {
      mark(end);
    } else if (c == ',') {
      mark(comma);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

// Our own prose in several registers (narration, description, portrait, speech), written
// for this model. Only its word-class order is used, so its topics do not matter.
const char* const corpus =
  "The rain had stopped by the time Mara reached the harbour. She walked along the wall, "
  "counting the boats that were still tied to the rings, and she stopped when she saw the "
  "red one was gone. Someone had cut the rope. She knelt and ran her thumb over the frayed end. "
  "It was still wet, so they could not have gone far. She turned and looked out at the grey "
  "water, where a small light was moving slowly toward the point.\n"
  "The kitchen smelled of smoke and burnt sugar. A kettle ticked on the stove, and the window "
  "above the sink was fogged with steam. Outside, the wind pushed against the glass and "
  "rattled the loose frame. The floor was cold under bare feet, and the tiles near the door "
  "were cracked in a long line that nobody had ever repaired.\n"
  "Tomas is a tall man with a crooked nose and grey eyes that never seem to settle. He wears "
  "the same brown coat in every season, and his hands are scarred from years of work at the "
  "forge. He grew up in a village on the edge of the marsh, where his father mended nets and "
  "his mother sold eggs at the market. When he was twelve, a fever took both of them, and he "
  "left home with nothing but a knife and a letter he could not read. He learned his trade "
  "from a smith who beat him often and praised him once.\n"
  "Where are you going? I asked her. She did not answer at first. Then she said that she was "
  "tired of waiting for a sign. I told her that it was too late to leave tonight, but she "
  "only laughed and picked up her bag. We will see, she said.\n"
  "The market opens before dawn. Traders roll their carts across the square, and the first "
  "lamps glow in the windows of the bakery. By the time the bells ring, the air is thick with "
  "the smell of bread, oranges and wet straw. Children run between the stalls while their "
  "parents argue over prices, and an old man plays a violin beside the fountain.\n"
  "He opened the letter carefully and read it twice. His face went pale. Without a word, he "
  "folded it, put it in his pocket and walked out of the room. I followed him down the stairs "
  "and into the street, where the crowd was already gathering around the broken cart. Nobody "
  "knew what had happened, but everyone had an opinion about it.\n"
  "The house at the end of the lane had been empty for years. Its shutters hung from single "
  "hinges, and ivy had climbed over the porch and into the upper windows. At night the "
  "neighbours said they could hear music inside, faint and slow, as if someone were playing "
  "a piano in a room far below the ground.\n"
  "Ada: Did you lock the gate?\n"
  "Ben: I thought you did.\n"
  "Ada: Then someone is in the garden.\n"
  "Ben: It could be the wind. It has been blowing all night.\n"
  "Ada: The wind does not carry a lantern.\n"
  "She had always been the quiet one in the family, the girl who read in corners and watched "
  "the adults from the stairs. Her sister was bold and loud, and their father loved them both "
  "in different ways. After the war, when the farm was sold, she moved to the city and found "
  "work in a library. There she learned that silence could be a kind of strength.\n"
  "The ship shuddered as it left orbit. Alarms rang through the narrow corridors, and the "
  "lights dimmed to a dull red. Yara pulled herself along the rail, kicked off from the wall "
  "and caught the hatch with one hand. Behind it, the engine room was filling with white "
  "smoke. She held her breath, found the valve and turned it until her arms were shaking. "
  "Slowly the noise faded, and the ship steadied beneath her.\n"
  "Along the river, the willows lean so low that their branches trail in the current. The "
  "water is brown and warm in summer, and it smells of mud and mint. Dragonflies hover over "
  "the reeds, and somewhere upstream a mill wheel creaks as it turns. In the evening the light "
  "turns gold, then violet, and the frogs begin to sing.\n"
  "Did you bring the key? No, I thought you had it. Then we are locked out again. Don't "
  "look at me like that. It was your turn. Fine. Give me a minute and I'll climb in through "
  "the window. Are you sure? It's a long way down. I've done it before, haven't I? That's "
  "what worries me. Listen, if I fall, tell them I was brave. Why would I lie for you? "
  "Because you love me. Of course I do. Now go, before the rain starts.\n"
  "What do you want from me? Only the truth. You never told me where you went that night. "
  "I went to see my brother. He was sick, and nobody else would help him. Why didn't you "
  "say so? You would have tried to stop me. Maybe I would. Maybe I should have. It doesn't "
  "matter now. It matters to me. Then I'm sorry. I should have trusted you.\n"
  "Open the gate. Has anyone seen the dog? We need a plan tonight. The plan is simpler than "
  "you think. Why hide the map for so long? Because nobody asked. Then ask me now. Who sent "
  "you? My sister did. Sit down and eat something first. Is it safe here? Nowhere is safe. "
  "Take the lamp and follow me. What happened to the others? They left at dawn. Wait for "
  "me at the bridge. How long will it take? Not long, I promise. Keep your voice down.\n"
  "I never meant to stay here, he admitted. I came for a week and stayed for ten years. "
  "Nobody asks why anymore, and I have stopped asking myself. Maybe that is what home is: "
  "the place where the questions finally stop.\n";

struct class_model {
  std::array<std::array<double, class_count>, class_count> log_cond{};
  std::array<double, class_count> log_prior{};
};

const class_model& model() {
  static const class_model m = [] {
    class_model built;
    std::array<std::array<double, class_count>, class_count> pair{};
    std::array<double, class_count> single{};
    const auto seq = classes(corpus);
    for (std::size_t i = 0; i < seq.size(); ++i) {
      single[seq[i]] += 1;
      if (i + 1 < seq.size())
        pair[seq[i]][seq[i + 1]] += 1;
    }
    // Add-half smoothing: unseen transitions are unlikely, never impossible.
    double total = 0;
    for (double s : single)
      total += s + 0.5;
    for (int a = 0; a < class_count; ++a) {
      built.log_prior[a] = std::log((single[a] + 0.5) / total);
      double row = 0;
      for (int b = 0; b < class_count; ++b)
        row += pair[a][b] + 0.5;
      for (int b = 0; b < class_count; ++b)
        built.log_cond[a][b] = std::log((pair[a][b] + 0.5) / row);
    }
    return built;
  }();
  return m;
}

} // namespace

bool language_supported(std::string_view code) {
  for (const auto& l : stop_lists())
    if (code == l.code)
      return true;
  return false;
}

language_guess detect_language(std::string_view text) {
  language_guess g;
  std::size_t letters = 0, foreign = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (std::isalpha(c) != 0) {
      ++letters;
    } else if (c >= 0xC0) {
      ++letters;
      // Lead bytes C3..C5 are Latin letters with accents; anything else is another script
      // (Greek, Cyrillic, CJK, ...).
      if (c < 0xC3 || c > 0xC5)
        ++foreign;
    }
  }
  g.non_latin = letters > 0 ? static_cast<double>(foreign) / letters : 0;
  std::vector<std::string> words;
  std::string w;
  for (unsigned char c : text) {
    if (word_byte(c) && c != '\'') {
      w.push_back(static_cast<char>(std::tolower(c)));
    } else if (!w.empty()) {
      words.push_back(w);
      w.clear();
    }
  }
  if (!w.empty())
    words.push_back(w);
  if (words.empty() || g.non_latin > 0.3)
    return g;
  for (const auto& l : stop_lists()) {
    std::size_t hits = 0;
    for (const auto& word : words)
      hits += l.words.count(word);
    const double share = static_cast<double>(hits) / words.size();
    if (share > g.share) {
      g.share = share;
      g.code = l.code;
    }
  }
  // Below this, a text is names, a list or too short to tell.
  if (g.share < 0.12)
    g.code.clear();
  return g;
}

coherence_stats coherence_of(std::string_view text) {
  const auto& m = model();
  const auto seq = classes(text);
  coherence_stats st;
  double sum = 0;
  for (std::size_t i = 0; i + 1 < seq.size(); ++i) {
    sum += m.log_cond[seq[i]][seq[i + 1]] - m.log_prior[seq[i + 1]];
    ++st.pairs;
  }
  st.llr = st.pairs > 0 ? sum / st.pairs : 0;
  bool at_start = true;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.' || c == '!' || c == '?' || c == '\n') {
      at_start = true;
    } else if (at_start && (std::isalnum(c) != 0 || c >= 0x80)) {
      ++st.sentences;
      st.capital_starts += std::isupper(c) != 0 || std::isdigit(c) != 0 || c >= 0x80;
      at_start = false;
    }
  }
  return st;
}

} // namespace zega::training
