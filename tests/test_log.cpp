#include "config/log.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>

using namespace zega;

namespace {

// Captures the log in a stream for one test and restores stderr logging afterwards.
struct captured_log {
  std::ostringstream out;
  explicit captured_log(log::level min, bool journald) {
    log::options o;
    o.min_level = min;
    o.journald = journald;
    o.out = &out;
    log::init(o);
  }
  ~captured_log() {
    log::clear_secrets();
    log::init({});
  }
};

} // namespace

TEST_CASE("log lines carry an RFC 3339 UTC time, the level and the component", "[unit][log]") {
  captured_log cap{log::level::debug, false};
  log::info("provider groq", "cooldown until 2026-12-01T15:00:00Z");
  log::warn("scheduler", "storage full");
  const std::regex line{
    R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warning) \[[a-z ]+\] .+)"};
  std::istringstream in{cap.out.str()};
  std::string first, second;
  REQUIRE(std::getline(in, first));
  REQUIRE(std::getline(in, second));
  CHECK(std::regex_match(first, line));
  CHECK(first.find(" info [provider groq] cooldown until 2026-12-01T15:00:00Z") != std::string::npos);
  CHECK(std::regex_match(second, line));
  CHECK(second.find(" warning [scheduler] storage full") != std::string::npos);
}

TEST_CASE("log lines below the configured level are dropped", "[unit][log]") {
  captured_log cap{log::level::warning, false};
  log::debug("a", "debug line");
  log::info("a", "info line");
  log::warn("a", "warning line");
  log::error("a", "error line");
  const auto text = cap.out.str();
  CHECK(text.find("debug line") == std::string::npos);
  CHECK(text.find("info line") == std::string::npos);
  CHECK(text.find("warning line") != std::string::npos);
  CHECK(text.find("error line") != std::string::npos);
  log::set_level(log::level::debug);
  log::debug("a", "now visible");
  CHECK(cap.out.str().find("now visible") != std::string::npos);
}

TEST_CASE("under journald lines start with the sd-daemon priority and carry no time",
          "[unit][log]") {
  captured_log cap{log::level::debug, true};
  log::debug("x", "d");
  log::info("x", "i");
  log::warn("x", "w");
  log::error("x", "e");
  CHECK(cap.out.str() == "<7>debug [x] d\n<6>info [x] i\n<4>warning [x] w\n<3>error [x] e\n");
}

TEST_CASE("registered secrets never reach a log line", "[unit][log]") {
  captured_log cap{log::level::info, true};
  log::add_secret("gsk_live_0123456789");
  log::add_secret("abc"); // too short to mask safely
  log::info("provider groq", "401 for key gsk_live_0123456789 (again: gsk_live_0123456789)");
  log::info("x", "abc stays");
  CHECK(cap.out.str() == "<6>info [provider groq] 401 for key *** (again: ***)\n"
                         "<6>info [x] abc stays\n");
  CHECK(log::mask_secrets("gsk_live_0123456789gsk_live_0123456789") == "******");
}

TEST_CASE("log levels parse from logging.level", "[unit][log]") {
  CHECK(log::parse_level("debug") == log::level::debug);
  CHECK(log::parse_level("warn") == log::level::warning);
  CHECK(log::parse_level("warning") == log::level::warning);
  CHECK(log::parse_level("error") == log::level::error);
  CHECK_FALSE(log::parse_level("loud"));
  CHECK(log::journald_priority(log::level::warning) == 4);
}

TEST_CASE("journald is detected only when stderr is the stream JOURNAL_STREAM names",
          "[unit][log]") {
  struct stat st{};
  REQUIRE(::fstat(STDERR_FILENO, &st) == 0);
  const auto own = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  ::setenv("JOURNAL_STREAM", own.c_str(), 1);
  CHECK(log::under_journald());
  ::setenv("JOURNAL_STREAM", "1:2", 1);
  CHECK_FALSE(log::under_journald());
  ::unsetenv("JOURNAL_STREAM");
  CHECK_FALSE(log::under_journald());
}
