#include "actors/policy/calendar.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace zega::cal {

namespace {

using ms = std::chrono::milliseconds;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

} // namespace

std::string format_day(day_number d) {
  const date::year_month_day ymd{date::sys_days{date::days{d}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<day_number> parse_day(const std::string& s) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days{ymd}.time_since_epoch().count();
}

std::optional<int> parse_clock(const std::string& s) {
  unsigned h = 0, m = 0;
  char tail = 0;
  if (s.size() != 5 || s[2] != ':' || std::sscanf(s.c_str(), "%2u:%2u%c", &h, &m, &tail) != 2)
    return std::nullopt;
  if (h > 23 || m > 59) return std::nullopt;
  return static_cast<int>(h * 60 + m);
}

// --- zone -------------------------------------------------------------------------------

std::optional<zone> zone::locate(const std::string& name) {
  zone z;
  if (name == "UTC" || name == "Etc/UTC") return z;
  try {
    z.tz_ = date::locate_zone(name);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  z.name_ = name;
  return z;
}

std::int64_t zone::to_local(unix_ms t) const {
  if (!tz_) return t;
  const date::sys_time<ms> tp{ms{t}};
  return tz_->to_local(tp).time_since_epoch().count();
}

unix_ms zone::from_local(std::int64_t local) const {
  if (!tz_) return local;
  const date::local_time<ms> lt{ms{local}};
  const auto info = tz_->get_info(date::floor<std::chrono::seconds>(lt));
  switch (info.result) {
    case date::local_info::nonexistent:
      // The clock jumped over `local`: the day goes on from the jump.
      return std::chrono::duration_cast<ms>(info.first.end.time_since_epoch()).count();
    case date::local_info::ambiguous:
    case date::local_info::unique:
      break;
  }
  return (lt.time_since_epoch() - std::chrono::duration_cast<ms>(info.first.offset)).count();
}

// --- calendar ---------------------------------------------------------------------------

calendar::calendar(zone tz, int day_start_min, double time_scale)
  : tz_(std::move(tz)), day_start_(day_start_min), scale_(time_scale > 0 ? time_scale : 1.0) {}

unix_ms calendar::to_virtual(unix_ms t) const {
  if (scale_ == 1.0) return t;
  const long double x = static_cast<long double>(t - scale_epoch_ms) * scale_;
  return scale_epoch_ms + static_cast<unix_ms>(std::floor(x));
}

unix_ms calendar::to_real(unix_ms v) const {
  if (scale_ == 1.0) return v;
  // Rounded up, so that to_virtual(to_real(v)) >= v: a boundary never maps to an instant
  // that still belongs to the day before.
  const long double x = static_cast<long double>(v - scale_epoch_ms) / scale_;
  return scale_epoch_ms + static_cast<unix_ms>(std::ceil(x));
}

day_number calendar::day_of(unix_ms t) const {
  const std::int64_t local = tz_.to_local(to_virtual(t)) - std::int64_t{day_start_} * 60'000;
  return floor_div(local, day_ms);
}

unix_ms calendar::start_of(day_number d) const { return at(d, day_start_); }

unix_ms calendar::at(day_number d, int minute) const {
  return to_real(tz_.from_local(d * day_ms + std::int64_t{minute} * 60'000));
}

calendar utc_days(double time_scale) { return calendar(zone{}, 0, time_scale); }

calendar pacific_days(double time_scale) {
  // The tz database is a package dependency; without it the daemon cannot place any day.
  auto la = zone::locate("America/Los_Angeles");
  if (!la) throw std::runtime_error("tz database lacks America/Los_Angeles");
  return calendar(*la, 0, time_scale);
}

// --- windows ----------------------------------------------------------------------------

span window_on(const calendar& c, const window& w, day_number d) {
  span s;
  s.day = d;
  if (w.whole_day) {
    s.start = c.at(d, 0);
    s.end = c.at(d + 1, 0);
  } else {
    s.start = c.at(d, w.start_min);
    s.end = c.at(w.end_min <= w.start_min ? d + 1 : d, w.end_min);
  }
  return s;
}

span current_or_next(const calendar& c, const window& w, unix_ms t) {
  const day_number d = floor_div(c.tz().to_local(c.to_virtual(t)), day_ms);
  const span before = window_on(c, w, d - 1);
  if (t < before.end) return before;
  const span today = window_on(c, w, d);
  if (t < today.end) return today;
  return window_on(c, w, d + 1);
}

schedule::window_source schedule_windows(const calendar& c, const window& w) {
  auto convert = [](const span& s) { return schedule::day_span{s.day, s.start, s.end}; };
  schedule::window_source out;
  out.on = [c, w, convert](day_number d) { return convert(window_on(c, w, d)); };
  out.current_or_next = [c, w, convert](unix_ms t) { return convert(current_or_next(c, w, t)); };
  return out;
}

unix_ms next_reset(const calendar& provider_day, unix_ms now, std::optional<unix_ms> reported) {
  if (reported && *reported > now) return *reported;
  return provider_day.next_start(now);
}

} // namespace zega::cal
