#pragma once
// The one calendar of the daemon: day keys for quota counters, provider resets, local-time
// windows in an IANA zone, all on Howard Hinnant's date/tz with the system tzdata. Free of
// CAF so every rule is tested with explicit instants.
//
// Time scale (routing.time_scale): every notion of "day" runs on a virtual clock
//   v = scale_epoch + (t - scale_epoch) * time_scale
// where t is a real Unix instant and scale_epoch is fixed (2026-01-01T00:00:00Z). Dates,
// local times and DST are computed on v, and boundaries are mapped back to real instants.
// So a scaled day lasts 86400 / time_scale real seconds, consecutive scaled days are
// consecutive calendar dates (the date of instant t is the date of v), and time_scale 1 is
// the identity. Because the epoch is fixed, a restart finds the same day key at the same
// real instant, which is what persisted counters need. Far virtual years (a large scale
// running for long) keep the zone's last known rules.

#include "training/schedule.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace date {
class time_zone;
}

namespace zega::cal {

using unix_ms = std::int64_t; // real wall-clock milliseconds since 1970-01-01T00:00Z

constexpr unix_ms scale_epoch_ms = 1'767'225'600'000; // 2026-01-01T00:00:00Z
constexpr unix_ms day_ms = 86'400'000;

// A calendar date as days since 1970-01-01 (in whatever zone produced it).
using day_number = std::int64_t;

// "YYYY-MM-DD" of a day number; the inverse (nullopt when malformed).
std::string format_day(day_number d);
std::optional<day_number> parse_day(const std::string& s);

// "HH:MM" as minutes of the day (0..1439); nullopt when malformed.
std::optional<int> parse_clock(const std::string& s);

// An IANA zone, or UTC.
class zone {
public:
  zone() = default; // UTC
  // nullopt for a name the tz database does not know.
  static std::optional<zone> locate(const std::string& name);
  const std::string& name() const { return name_; }

  // Local wall time (ms since 1970-01-01 local) of a Unix instant.
  std::int64_t to_local(unix_ms t) const;
  // The Unix instant at which local wall time `local` occurs. A time skipped by a DST jump
  // maps to the instant the jump happens (the first that exists after it); a repeated one
  // to its first occurrence.
  unix_ms from_local(std::int64_t local) const;

private:
  const date::time_zone* tz_ = nullptr; // null = UTC
  std::string name_ = "UTC";
};

// Days that start at local time `day_start` (minutes) in `tz`, on the time_scale clock.
class calendar {
public:
  calendar() = default;
  calendar(zone tz, int day_start_min, double time_scale);

  const zone& tz() const { return tz_; }
  double time_scale() const { return scale_; }

  unix_ms to_virtual(unix_ms t) const;
  unix_ms to_real(unix_ms v) const;

  // The day that real instant t belongs to.
  day_number day_of(unix_ms t) const;
  std::string day_key(unix_ms t) const { return format_day(day_of(t)); }
  // Real instant at which day d starts (its reset); the next one after t.
  unix_ms start_of(day_number d) const;
  unix_ms next_start(unix_ms t) const { return start_of(day_of(t) + 1); }
  // Real instant of local time `minute` (minutes after local midnight) on date d.
  unix_ms at(day_number d, int minute) const;

private:
  zone tz_;
  int day_start_ = 0;
  double scale_ = 1.0;
};

// UTC midnight; midnight America/Los_Angeles (Gemini's daily quotas).
calendar utc_days(double time_scale = 1.0);
calendar pacific_days(double time_scale = 1.0);

// A local-time window; crosses midnight when end <= start (start == end is rejected by the
// config). No window = the whole day.
struct window {
  int start_min = 0;
  int end_min = 0;
  bool whole_day = true;
};

// The window's occurrence that opens on date d (it may close on d + 1).
struct span {
  day_number day = 0;
  unix_ms start = 0;
  unix_ms end = 0;
  bool contains(unix_ms t) const { return t >= start && t < end; }
};
span window_on(const calendar& c, const window& w, day_number d);
// The occurrence containing t, else the next one to open after t.
span current_or_next(const calendar& c, const window& w, unix_ms t);

// The planner's view of a schedule's windows (training/schedule.hpp takes them as input).
// The calendar is copied into the functions.
schedule::window_source schedule_windows(const calendar& c, const window& w);

// When a provider's daily quota resets: `reported_reset` (an instant the provider reported,
// e.g. from its headers) wins while it lies in the future, else the calendar's next day.
unix_ms next_reset(const calendar& provider_day, unix_ms now,
                   std::optional<unix_ms> reported_reset = std::nullopt);

} // namespace zega::cal
