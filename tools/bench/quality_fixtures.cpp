// Scores the labelled rubric fixtures and prints one line each plus totals: the figures the
// issue-13 note quotes. Exit status 1 when any good text fails or any bad text passes.

#include "tests/fixtures/quality_fixtures.hpp"
#include "training/quality.hpp"

#include <cstdio>

int main() {
  using namespace zega;
  const auto all = fixtures::quality_fixtures();
  int good = 0, bad = 0, good_ok = 0, bad_ok = 0;
  std::printf("%-30s %-10s %-5s %6s  %s\n", "fixture", "element", "label", "score", "flags");
  for (const auto& f : all) {
    const auto r = training::score(f.el, f.text, f.truncated);
    std::string flags;
    for (const auto& fl : r.flags)
      flags += (flags.empty() ? "" : ", ") + fl;
    std::printf("%-30s %-10s %-5s %6.1f  %s\n", f.name.c_str(), training::to_string(f.el),
                f.good ? "good" : "bad", r.score, flags.c_str());
    if (f.good) {
      ++good;
      good_ok += r.score >= 7.0;
    } else {
      ++bad;
      bad_ok += r.score < 7.0;
    }
  }
  std::printf("\n%zu fixtures (rubric v%d): good >= 7.0: %d/%d, bad < 7.0: %d/%d\n", all.size(),
              training::rubric_version, good_ok, good, bad_ok, bad);
  return good_ok == good && bad_ok == bad ? 0 : 1;
}
