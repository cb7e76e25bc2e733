#pragma once
// The daemon's one log: "<RFC 3339 UTC time> <level> [<component>] <message>" on stderr,
// or "<journald priority><level> [<component>] <message>" under systemd, where journald
// stamps the time itself and the <N> prefix lets `journalctl -p warning` filter.
// Lowest layer (config/), so every folder may log; spdlog stays out of this header so its
// templates are compiled once, in log.cpp.

#include <optional>
#include <ostream>
#include <string>

namespace zega::log {

enum class level { debug, info, warning, error };

const char* to_string(level l);
// "debug", "info", "warning" (or "warn"), "error"; nullopt for anything else.
std::optional<level> parse_level(const std::string& text);
// The sd-daemon(3) priority of a level: debug 7, info 6, warning 4, error 3.
int journald_priority(level l);

struct options {
  level min_level = level::info;
  // Prefix lines with <N> and omit the timestamp; default: under_journald().
  std::optional<bool> journald;
  // Where lines go; nullptr = stderr. Tests pass a stringstream (which must outlive logging).
  std::ostream* out = nullptr;
};

// Replaces the sink, format and level; may be called again (tests, a reload of the level).
void init(const options& opts);
void set_level(level l);
bool enabled(level l);
// stderr is the journal stream systemd named in JOURNAL_STREAM.
bool under_journald();

// Registers a value that must never appear in a line (API keys, the server token): every
// line is searched for each registered value and shows "***" instead. Values shorter than
// 4 characters are ignored, since masking them would garble ordinary words.
void add_secret(const std::string& value);
void clear_secrets();
// The masking applied to every line, exposed for tests.
std::string mask_secrets(std::string text);

void write(level l, const std::string& component, const std::string& message);
inline void debug(const std::string& component, const std::string& message) {
  write(level::debug, component, message);
}
inline void info(const std::string& component, const std::string& message) {
  write(level::info, component, message);
}
inline void warn(const std::string& component, const std::string& message) {
  write(level::warning, component, message);
}
inline void error(const std::string& component, const std::string& message) {
  write(level::error, component, message);
}

} // namespace zega::log
