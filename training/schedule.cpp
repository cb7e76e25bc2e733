#include "training/schedule.hpp"

#include <algorithm>
#include <sstream>

namespace zega::schedule {

namespace {

// Missed days kept for visibility; older ones only count in the total.
constexpr std::size_t max_missed_days = 400;

std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

} // namespace

std::string validate(const spec& s) {
  if (s.phases.empty()) return "phases: at least one phase is needed";
  for (std::size_t i = 0; i < s.phases.size(); ++i) {
    const auto& p = s.phases[i];
    const std::string at = "phases[" + std::to_string(i) + "]";
    if (p.per_day.min < 0 || p.per_day.max < p.per_day.min)
      return at + ".per_day: needs 0 <= min <= max";
    if (i + 1 < s.phases.size() && !p.days && !p.until_total)
      return at + ": only the last phase may run forever (give days or until_total)";
    if (p.days && *p.days <= 0) return at + ".days: must be positive";
  }
  if (s.catch_up_days < 0) return "catch_up_days: must not be negative";
  return {};
}

int daily_target(const spec& s, const phase& p, day_number day) {
  if (p.per_day.max <= p.per_day.min) return p.per_day.min;
  std::uint64_t h = 14695981039346656037ULL;
  h = fnv1a(h, s.name.data(), s.name.size());
  h = fnv1a(h, &day, sizeof day);
  const auto span = static_cast<std::uint64_t>(p.per_day.max - p.per_day.min + 1);
  return p.per_day.min + static_cast<int>(h % span);
}

int due_count(unix_ms from, unix_ms end, int count, unix_ms now) {
  if (count <= 0 || now < from) return 0;
  if (now >= end || end <= from) return count;
  const auto k = (now - from) * count / (end - from) + 1;
  return static_cast<int>(std::min<std::int64_t>(k, count));
}

unix_ms due_at(unix_ms from, unix_ms end, int count, int k) {
  if (count <= 0 || end <= from) return from;
  const std::int64_t len = end - from;
  // Rounded up so that due_count(due_at(k)) > k.
  return from + (std::int64_t{k} * len + count - 1) / count;
}

// --- state text ------------------------------------------------------------------------

std::string encode(const planner_state& s) {
  std::ostringstream o;
  o << "v1 " << s.started << ' ' << s.first_day << ' ' << s.day << ' ' << s.day_open << ' '
    << s.phase << ' ' << s.phase_start << ' ' << s.target << ' ' << s.done << ' ' << s.failed
    << ' ' << s.issued << ' ' << s.missed_tasks << ' ' << s.anchor << ' ' << s.anchor_base
    << ' ' << s.total_done << ' ' << s.owed << ' ' << s.next_seq << ' ' << s.reanchor << ' '
    << (s.paused_since ? 1 : 0) << ' ' << s.paused_since.value_or(0) << ' '
    << (s.lost_from ? 1 : 0) << ' ' << s.lost_from.value_or(0) << ' ' << s.missed_days.size();
  for (auto d : s.missed_days) o << ' ' << d;
  return o.str();
}

std::optional<planner_state> decode(const std::string& text) {
  std::istringstream in(text);
  std::string version;
  planner_state s;
  int paused = 0, lost = 0;
  unix_ms paused_at = 0, lost_at = 0;
  std::size_t n = 0;
  in >> version >> s.started >> s.first_day >> s.day >> s.day_open >> s.phase >> s.phase_start >>
    s.target >> s.done >> s.failed >> s.issued >> s.missed_tasks >> s.anchor >> s.anchor_base >>
    s.total_done >> s.owed >> s.next_seq >> s.reanchor >> paused >> paused_at >> lost >>
    lost_at >> n;
  if (!in || version != "v1" || n > max_missed_days) return std::nullopt;
  for (std::size_t i = 0; i < n; ++i) {
    day_number d = 0;
    if (!(in >> d)) return std::nullopt;
    s.missed_days.push_back(d);
  }
  if (paused) s.paused_since = paused_at;
  if (lost) s.lost_from = lost_at;
  std::string rest;
  if (in >> rest) return std::nullopt;
  return s;
}

// --- planner_core -----------------------------------------------------------------------

planner_core::planner_core(spec s, window_source windows, planner_state st)
  : spec_(std::move(s)), windows_(std::move(windows)), st_(std::move(st)) {}

void planner_core::restarted() {
  // In-flight tasks died with the process: they were never acknowledged, so they are
  // planned again; acknowledged ones stay in `done`.
  st_.issued = st_.done + st_.failed;
  st_.reanchor = true;
}

void planner_core::pause(unix_ms now) {
  if (!st_.paused_since) st_.paused_since = now;
}

void planner_core::resume() {
  if (!st_.paused_since) return;
  st_.lost_from = *st_.paused_since;
  st_.paused_since.reset();
}

void planner_core::acknowledge(const task_order& t, bool ok) {
  if (ok) ++st_.total_done;
  // A task of a day already closed only counts in the total.
  if (!st_.day_open || t.day != st_.day) return;
  if (ok)
    ++st_.done;
  else
    ++st_.failed;
}

int planner_core::remaining_after_anchor() const {
  return std::max(0, st_.target - st_.missed_tasks - st_.anchor_base);
}

int planner_core::wanted(unix_ms now) const {
  const auto w = windows_.on(st_.day);
  return st_.anchor_base + due_count(st_.anchor, w.end, remaining_after_anchor(), now);
}

std::optional<unix_ms> planner_core::next_task_at(unix_ms now) const {
  if (!st_.day_open || st_.paused_since) return std::nullopt;
  const auto w = windows_.on(st_.day);
  const int outstanding = st_.issued - st_.failed;
  const int k = outstanding - st_.anchor_base;
  const int rem = remaining_after_anchor();
  if (k >= rem) return std::nullopt;
  return std::max(now, due_at(st_.anchor, w.end, rem, std::max(0, k)));
}

void planner_core::mark_missed(day_number d, day_number today, step_result& out) {
  st_.missed_days.push_back(d);
  if (st_.missed_days.size() > max_missed_days) st_.missed_days.erase(st_.missed_days.begin());
  const int target = daily_target(spec_, spec_.phases[static_cast<std::size_t>(st_.phase)], d);
  const auto w = windows_.on(d);
  if (spec_.catch_up_days > 0 && today - d <= spec_.catch_up_days) st_.owed += target;
  out.events.push_back({day_event::kind::missed, d, st_.phase, target, 0, 0, w.start, w.end});
}

void planner_core::open_day(const day_span& w, unix_ms now, long dataset_total,
                            step_result& out) {
  const auto last = static_cast<int>(spec_.phases.size()) - 1;
  while (st_.phase < last) {
    const auto& p = spec_.phases[static_cast<std::size_t>(st_.phase)];
    const bool days_over = p.days && w.day - st_.phase_start >= *p.days;
    const bool total_reached = p.until_total && dataset_total >= *p.until_total;
    if (!days_over && !total_reached) break;
    ++st_.phase;
    st_.phase_start = w.day;
  }
  st_.day = w.day;
  st_.day_open = true;
  st_.target = daily_target(spec_, spec_.phases[static_cast<std::size_t>(st_.phase)], w.day) +
               st_.owed;
  st_.owed = 0;
  st_.done = st_.failed = st_.issued = st_.missed_tasks = 0;
  st_.next_seq = 0;
  st_.anchor_base = 0;
  // A day opened late because of a pause starts its spread at the window's start, so the
  // paused part is counted as missed below; a late start for any other reason (first run,
  // restart) spreads the whole target over what remains.
  st_.anchor = st_.lost_from ? w.start : std::max(now, w.start);
  st_.reanchor = false;
  out.events.push_back({day_event::kind::start, w.day, st_.phase, st_.target, 0, 0, w.start,
                        w.end});
}

void planner_core::close_day(step_result& out) {
  const auto w = windows_.on(st_.day);
  st_.day_open = false;
  if (st_.done == 0 && st_.target > 0) {
    st_.missed_days.push_back(st_.day);
    if (st_.missed_days.size() > max_missed_days) st_.missed_days.erase(st_.missed_days.begin());
  }
  out.events.push_back({day_event::kind::end, st_.day, st_.phase, st_.target, st_.done,
                        st_.failed, w.start, w.end});
}

step_result planner_core::step(unix_ms now, long dataset_total) {
  step_result out;
  if (st_.paused_since) return out;
  auto w = windows_.current_or_next(now);
  if (!st_.started) {
    st_.started = true;
    st_.first_day = w.day;
    st_.phase_start = w.day;
    st_.day = w.day - 1;
  }
  if (st_.day_open && (w.day != st_.day || now >= windows_.on(st_.day).end)) close_day(out);
  if (!st_.day_open && w.day > st_.day && now >= w.start) {
    for (day_number d = std::max(st_.day + 1, st_.first_day); d < w.day; ++d)
      mark_missed(d, w.day, out);
    open_day(w, now, dataset_total, out);
  }
  if (!st_.day_open) {
    st_.lost_from.reset();
    out.wake_at = w.day > st_.day ? w.start : windows_.on(st_.day + 1).start;
    return out;
  }
  const int outstanding = st_.issued - st_.failed;
  if (st_.lost_from || st_.reanchor) {
    // Window time lost while paused is missed (unless the schedule makes it up); after a
    // restart, what remains is spread over what remains of the window.
    if (st_.lost_from && spec_.catch_up_days == 0)
      st_.missed_tasks += std::max(0, wanted(now) - outstanding);
    st_.anchor = std::max(now, w.start);
    st_.anchor_base = outstanding;
    st_.lost_from.reset();
    st_.reanchor = false;
  }
  const int cap = st_.target - st_.missed_tasks;
  const int n = std::max(0, std::min(wanted(now), cap) - outstanding);
  for (int i = 0; i < n; ++i) out.issue.push_back({st_.day, st_.next_seq++, w.end});
  st_.issued += n;
  const auto next = next_task_at(now);
  out.wake_at = next ? *next : w.end;
  return out;
}

} // namespace zega::schedule
