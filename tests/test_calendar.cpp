#include "actors/policy/calendar.hpp"

#include <catch2/catch.hpp>

using namespace zega::cal;

namespace {

constexpr unix_ms hour = 3'600'000;

zone named(const std::string& name) {
  auto z = zone::locate(name);
  REQUIRE(z);
  return *z;
}

day_number day(const std::string& s) {
  auto d = parse_day(s);
  REQUIRE(d);
  return *d;
}

} // namespace

TEST_CASE("calendar: day keys, text forms, unknown zones", "[unit][calendar]") {
  CHECK(format_day(0) == "1970-01-01");
  CHECK(utc_days().day_key(1795602000000) == "2026-11-25");
  CHECK(utc_days().next_start(1795602000000) == 1795651200000);
  CHECK(day("2026-01-01") * day_ms == scale_epoch_ms);
  CHECK_FALSE(parse_day("2026-02-30"));
  CHECK_FALSE(parse_day("2026-1-01"));
  CHECK(parse_clock("07:05") == 425);
  CHECK_FALSE(parse_clock("24:00"));
  CHECK_FALSE(parse_clock("7:05"));
  CHECK_FALSE(zone::locate("Mars/Olympus_Mons"));
  CHECK(named("UTC").name() == "UTC");
}

TEST_CASE("calendar: midnight Pacific across daylight-saving changes", "[unit][calendar]") {
  const auto la = pacific_days();
  // PST (UTC-8) in late November, PDT (UTC-7) in July.
  CHECK(la.next_start(1795602000000) == 1795680000000);
  CHECK(la.next_start(1782907200000) == 1782975600000);
  // 2026-11-01 is the switch back: 06:30 UTC is 23:30 PDT on Oct 31.
  CHECK(la.next_start(1793514600000) == 1793516400000);
  // 07:30 UTC is 00:30 PDT on Nov 1; the next midnight is already PST.
  CHECK(la.next_start(1793518200000) == 1793606400000);
  // 2026-03-08 09:30 UTC is 01:30 PST; the next midnight is PDT.
  CHECK(la.next_start(1772962200000) == 1773039600000);
  // The instants the Gemini codec used to compute itself (seconds to the reset).
  auto to_reset = [&](unix_ms t) { return (la.next_start(t) - t) / 1000; };
  CHECK(to_reset(1782907200000) == 68400); // 2026-07-01 05:00 PDT
  CHECK(to_reset(1772884800000) == 72000); // 2026-03-07 04:00 PST
  CHECK(to_reset(1772962200000) == 77400); // 2026-03-08 01:30 PST, DST starts at 02:00
  CHECK(to_reset(1793520000000) == 86400); // 2026-11-01 01:00 PDT, DST ends at 02:00
  CHECK(to_reset(1793525400000) == 81000); // 2026-11-01 01:30 PST (second pass)
  // The Pacific day of an instant is the local date, not the UTC one.
  CHECK(la.day_key(1795602000000 + 14 * hour) == "2026-11-25"); // 00:20 UTC = 16:20 PST
}

TEST_CASE("calendar: Europe/Berlin days are 23 h and 25 h at the DST changes", "[unit][calendar]") {
  const calendar berlin(named("Europe/Berlin"), 0, 1.0);
  const auto spring = day("2026-03-29");
  CHECK(berlin.start_of(spring) == spring * day_ms - 1 * hour);         // 00:00 CET
  CHECK(berlin.start_of(spring + 1) - berlin.start_of(spring) == 23 * hour);
  const auto autumn = day("2026-10-25");
  CHECK(berlin.start_of(autumn + 1) - berlin.start_of(autumn) == 25 * hour);
  // 02:30 does not exist on the spring day: it maps to the jump (03:00 CEST = 01:00 UTC).
  CHECK(berlin.at(spring, 150) == spring * day_ms + 1 * hour);
  // 02:30 happens twice on the autumn day: the first (CEST, 00:30 UTC) is taken.
  CHECK(berlin.at(autumn, 150) == autumn * day_ms + hour / 2);
  // A provider day that starts at 06:00 local: 05:59 still belongs to the day before.
  const calendar six(named("Europe/Berlin"), 360, 1.0);
  CHECK(six.day_of(berlin.at(spring, 359)) == spring - 1);
  CHECK(six.day_of(berlin.at(spring, 360)) == spring);
}

TEST_CASE("calendar: windows, including one across midnight and one across DST",
          "[unit][calendar]") {
  const calendar berlin(named("Europe/Berlin"), 0, 1.0);
  const window early{60, 420, false}; // 01:00-07:00
  const auto spring = day("2026-03-29");
  const auto w = window_on(berlin, early, spring);
  CHECK(w.start == spring * day_ms);           // 01:00 CET
  CHECK(w.end - w.start == 5 * hour);          // the lost hour lies inside it
  const auto autumn = day("2026-10-25");
  const auto a = window_on(berlin, early, autumn);
  CHECK(a.end - a.start == 7 * hour);

  const calendar utc = utc_days();
  const window night{22 * 60, 6 * 60, false}; // 22:00-06:00 crosses midnight
  const auto d = day("2026-11-25");
  const auto n = window_on(utc, night, d);
  CHECK(n.start == d * day_ms + 22 * hour);
  CHECK(n.end == (d + 1) * day_ms + 6 * hour);
  // 03:00 on the 26th belongs to the window that opened on the 25th.
  CHECK(current_or_next(utc, night, (d + 1) * day_ms + 3 * hour).day == d);
  // 12:00 is outside: the next window is the one opening that evening.
  const auto next = current_or_next(utc, night, (d + 1) * day_ms + 12 * hour);
  CHECK(next.day == d + 1);
  CHECK_FALSE(next.contains((d + 1) * day_ms + 12 * hour));
  // The whole day.
  const auto whole = window_on(berlin, window{}, autumn);
  CHECK(whole.end - whole.start == 25 * hour);
}

TEST_CASE("calendar: time_scale days run from a fixed epoch", "[unit][calendar]") {
  const auto fast = utc_days(1440); // a day per real minute
  CHECK(fast.day_key(scale_epoch_ms) == "2026-01-01");
  CHECK(fast.day_key(scale_epoch_ms + 59'999) == "2026-01-01");
  CHECK(fast.day_key(scale_epoch_ms + 60'000) == "2026-01-02");
  CHECK(fast.next_start(scale_epoch_ms + 1) == scale_epoch_ms + 60'000);
  // 30 scaled days later the date is 30 days on, whatever the real date is.
  CHECK(fast.day_key(scale_epoch_ms + 30 * 60'000 + 5) == "2026-01-31");
  // A restart computes the same key at the same instant (nothing depends on start time).
  CHECK(utc_days(1440).day_key(scale_epoch_ms + 123'456) == fast.day_key(scale_epoch_ms + 123'456));
  // Boundaries never round into the day before.
  for (day_number d = day("2026-01-01"); d < day("2026-01-01") + 50; ++d)
    CHECK(fast.day_of(fast.start_of(d)) == d);
  // A Berlin window of 01:00-07:00 CET on the first scaled day: 15 real seconds.
  const calendar berlin(named("Europe/Berlin"), 0, 1440);
  const auto w = window_on(berlin, window{60, 420, false}, day("2026-01-01"));
  CHECK(w.start == scale_epoch_ms);
  CHECK(w.end == scale_epoch_ms + 15'000);
  // Provider resets honour the scale too; a reported reset wins while it lies ahead.
  CHECK(next_reset(fast, scale_epoch_ms + 10) == scale_epoch_ms + 60'000);
  CHECK(next_reset(fast, scale_epoch_ms + 10, scale_epoch_ms + 500) == scale_epoch_ms + 500);
  CHECK(next_reset(fast, scale_epoch_ms + 10, scale_epoch_ms + 5) == scale_epoch_ms + 60'000);
}
