// The folder rules of the design, checked on the sources: pure policy stays free of CAF and
// Beast through every project header it includes, and the lower folders never include the
// upper ones. A textual closure over quoted includes suffices: only project headers could
// bring CAF or Beast in indirectly.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path source_dir{ZEGA_SOURCE_DIR};

struct include_line {
  bool quoted = false; // "project/header.hpp" rather than <system/header>
  std::string path;
};

std::vector<include_line> includes_of(const fs::path& file) {
  std::vector<include_line> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    auto pos = line.find_first_not_of(" \t");
    if (pos == std::string::npos || line.compare(pos, 8, "#include") != 0)
      continue;
    auto open = line.find_first_of("\"<", pos + 8);
    if (open == std::string::npos)
      continue;
    auto close = line.find(line[open] == '"' ? '"' : '>', open + 1);
    if (close == std::string::npos)
      continue;
    out.push_back({line[open] == '"', line.substr(open + 1, close - open - 1)});
  }
  return out;
}

// Every include reached from `start` (relative to the source dir), project headers followed.
std::vector<std::string> include_closure(const std::string& start) {
  std::vector<std::string> reached;
  std::set<std::string> seen{start};
  std::vector<std::string> frontier{start};
  while (!frontier.empty()) {
    auto file = frontier.back();
    frontier.pop_back();
    for (const auto& inc : includes_of(source_dir / file)) {
      reached.push_back(inc.path);
      if (inc.quoted && fs::exists(source_dir / inc.path) && seen.insert(inc.path).second)
        frontier.push_back(inc.path);
    }
  }
  return reached;
}

std::vector<std::string> sources_in(const std::string& folder) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(source_dir / folder)) {
    auto ext = e.path().extension();
    if (ext == ".cpp" || ext == ".hpp")
      out.push_back(folder + "/" + e.path().filename().string());
  }
  return out;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

} // namespace

TEST_CASE("actors/policy reaches neither CAF nor Boost through its includes", "[unit]") {
  auto files = sources_in("actors/policy");
  REQUIRE(files.size() >= 6);
  for (const auto& f : files) {
    auto reached = include_closure(f);
    INFO(f);
    CHECK_FALSE(reached.empty());
    for (const auto& inc : reached) {
      INFO(inc);
      CHECK_FALSE(starts_with(inc, "caf/"));
      CHECK_FALSE(starts_with(inc, "boost/"));
      CHECK_FALSE(starts_with(inc, "net/http/client"));
      CHECK_FALSE(starts_with(inc, "net/http/server"));
    }
  }
}

TEST_CASE("store, config and training include neither net nor actors", "[unit]") {
  for (const char* folder : {"store", "config", "training"}) {
    auto files = sources_in(folder);
    REQUIRE_FALSE(files.empty());
    for (const auto& f : files)
      for (const auto& inc : includes_of(source_dir / f)) {
        INFO(f << " includes " << inc.path);
        CHECK_FALSE(starts_with(inc.path, "net/"));
        CHECK_FALSE(starts_with(inc.path, "actors/"));
      }
  }
}

TEST_CASE("the include closure follows project headers and sees system ones", "[unit]") {
  // actors/messages.hpp includes CAF directly: the same walk must find it there, so the
  // policy test above cannot pass for want of looking.
  auto reached = include_closure("actors/messages.hpp");
  bool caf = false, policy_view = false;
  for (const auto& inc : reached) {
    caf = caf || starts_with(inc, "caf/");
    policy_view = policy_view || inc == "actors/policy/provider_view.hpp";
  }
  CHECK(caf);
  CHECK(policy_view);
  // Reached through actors/actors.hpp only indirectly (via messages.hpp).
  bool indirect_caf_unsafe = false;
  for (const auto& inc : include_closure("actors/actors.hpp"))
    indirect_caf_unsafe = indirect_caf_unsafe || inc == "caf/allowed_unsafe_message_type.hpp";
  CHECK(indirect_caf_unsafe);
}
