// The planner actor: a schedule's days turned into scheduled jobs, restart-safe.

#include "actors/planner.hpp"

#include "actors/job.hpp"
#include "config/log.hpp"

#include <caf/all.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

namespace zega {

namespace {

using self_ptr = planner_actor::stateful_pointer<planner_actor_state>;

constexpr auto submit_timeout = std::chrono::seconds(30);
constexpr auto archive_timeout = std::chrono::seconds(60);
// A failed task is planned again, but not at once: a provider outage must not turn the
// planner into a loop of failing one-example jobs. One (scaled) minute.
constexpr std::int64_t retry_delay_ms = 60'000;
// How far back a restart looks for a job submitted just before the kill.
constexpr std::size_t origin_search_limit = 200;

std::int64_t wall(self_ptr self) {
  return self->state.deps.wall_clock();
}

std::string component(const planner_actor_state& st) {
  return "planner " + st.cfg.name;
}

// Follows one task's job for the planner: its completion (or the error event for a job the
// scheduler does not know) becomes one task_done message. Called on the scheduler's thread.
class planner_sink : public job_sink {
public:
  planner_sink(planner_actor planner, schedule::day_number day, std::uint32_t seq)
    : planner_(std::move(planner)), day_(day), seq_(seq) {}

  bool push(std::uint64_t, const job_event& e) override {
    switch (e.kind) {
      case job_event_kind::complete:
        caf::anon_send(planner_, task_done_atom::value, day_, seq_, e.job_id,
                       e.summary && e.summary->info.successful() > 0);
        return false;
      case job_event_kind::error:
        caf::anon_send(planner_, task_done_atom::value, day_, seq_, std::string{}, false);
        return false;
      case job_event_kind::progress:
      case job_event_kind::heartbeat:
        break;
    }
    return true;
  }
  void close() override {}

private:
  planner_actor planner_;
  schedule::day_number day_;
  std::uint32_t seq_;
};

int day_status_rank(const schedule_day& d) {
  return d.missed ? 0 : 1;
}

void remember_day(planner_actor_state& st, const schedule_day& d) {
  auto it = std::find_if(st.days.begin(), st.days.end(),
                         [&](const schedule_day& x) { return x.day == d.day; });
  if (it != st.days.end()) {
    if (day_status_rank(d) >= day_status_rank(*it)) *it = d;
  } else {
    st.days.push_back(d);
    std::sort(st.days.begin(), st.days.end(),
              [](const schedule_day& a, const schedule_day& b) { return a.day < b.day; });
  }
  while (st.days.size() > planner_days_kept) st.days.pop_front();
}

planner_record current_record(const planner_actor_state& st) {
  planner_record r;
  r.core = st.core->state();
  r.in_flight = st.in_flight;
  r.days.assign(st.days.begin(), st.days.end());
  return r;
}

schedule_view view_of(self_ptr self);

// Writes the state through the archiver; `then` runs once it is durable (or with false).
// Every change passes here, so the live stream hears it here too.
void persist(self_ptr self, std::function<void(bool)> then = {}) {
  auto& st = self->state;
  if (st.deps.hub) {
    live_event e;
    e.kind = live_kind::schedule;
    e.schedule = view_of(self);
    self->send(st.deps.hub, publish_atom::value, std::move(e));
  }
  store::write_batch b;
  b.meta.emplace_back(planner_meta_key(st.cfg.name), encode_planner(current_record(st)));
  self->request(st.deps.archiver, archive_timeout, archive_atom::value, std::move(b))
    .then(
      [=](const store::commit_result& r) {
        const bool ok = r.status == store::commit_status::ok;
        if (!ok)
          log::error(component(self->state), "state not saved: " + r.message);
        if (then) then(ok);
      },
      [=](const caf::error& err) {
        log::error(component(self->state), "state not saved: " + self->system().render(err));
        if (then) then(false);
      });
}

void arm(self_ptr self, std::int64_t at) {
  auto& st = self->state;
  at = std::max(at, st.retry_not_before);
  if (st.tick_at != 0 && st.tick_at <= at) return;
  st.tick_at = at;
  const auto gen = ++st.tick_gen;
  const auto delay = std::max<std::int64_t>(0, at - wall(self));
  self->delayed_send(self, std::chrono::milliseconds(delay), tick_atom::value, gen);
}

long dataset_total(const planner_actor_state& st) {
  const bool needed = std::any_of(st.cfg.phases.begin(), st.cfg.phases.end(),
                                  [](const phase_config& p) { return p.until_total.has_value(); });
  if (!needed || st.deps.db == nullptr) return 0;
  return static_cast<long>(st.deps.db->count_examples(st.cfg.user_id));
}

std::string day_text(schedule::day_number d) {
  return cal::format_day(d);
}

void log_events(self_ptr self, const std::vector<schedule::day_event>& events) {
  auto& st = self->state;
  for (const auto& e : events) {
    using k = schedule::day_event::kind;
    if (e.what == k::start) {
      log::info(component(st), "day " + day_text(e.day) + " starts: target " +
                                 std::to_string(e.target) + ", phase " +
                                 std::to_string(e.phase + 1));
    } else if (e.what == k::end) {
      const int missed = std::max(0, e.target - e.done);
      log::info(component(st), "day " + day_text(e.day) + " ends: target " +
                                 std::to_string(e.target) + ", done " + std::to_string(e.done) +
                                 ", failed " + std::to_string(e.failed) + ", missed " +
                                 std::to_string(missed));
      remember_day(st, {e.day, e.target, e.done, e.failed, false});
    } else {
      log::warn(component(st), "day " + day_text(e.day) + " missed: target " +
                                 std::to_string(e.target) + " not worked");
      remember_day(st, {e.day, e.target, 0, 0, true});
    }
  }
}

void on_task_done(self_ptr self, schedule::day_number day, std::uint32_t seq,
                  const std::string& job_id, bool ok);

void submit(self_ptr self, const planner_task& t) {
  auto& st = self->state;
  job_request req;
  req.user_id = st.cfg.user_id;
  req.num_examples = 1;
  req.genres = st.cfg.genres;
  req.elements = st.cfg.elements;
  req.min_votes = st.cfg.min_votes;
  req.kind = job_kind::scheduled;
  req.deadline_ms = t.deadline_ms;
  req.origin = task_origin(st.cfg.name, t.day, t.seq);
  auto me = caf::actor_cast<planner_actor>(self);
  auto sink = std::make_shared<planner_sink>(me, t.day, t.seq);
  const auto day = t.day;
  const auto seq = t.seq;
  self->request(st.deps.scheduler, submit_timeout, submit_atom::value, std::move(req),
                job_sink_ptr{sink})
    .then(
      [=](const std::string& job_id) {
        auto& in = self->state.in_flight;
        auto it = std::find_if(in.begin(), in.end(), [&](const planner_task& x) {
          return x.day == day && x.seq == seq;
        });
        if (it == in.end() || !it->job_id.empty()) return;
        it->job_id = job_id;
        persist(self);
      },
      [=](const caf::error& err) {
        log::warn(component(self->state), "task not accepted: " + self->system().render(err));
        on_task_done(self, day, seq, std::string{}, false);
      });
}

void run_step(self_ptr self) {
  auto& st = self->state;
  if (st.paused) return;
  const auto now = wall(self);
  auto res = st.core->step(now, dataset_total(st));
  log_events(self, res.events);
  std::vector<planner_task> fresh;
  for (const auto& o : res.issue) fresh.push_back({o.day, o.seq, o.deadline, {}});
  st.in_flight.insert(st.in_flight.end(), fresh.begin(), fresh.end());
  if (!fresh.empty() || !res.events.empty()) {
    // Counted as issued before they leave: a kill now plans them again, never twice.
    persist(self, [=](bool ok) {
      for (const auto& t : fresh) {
        if (ok)
          submit(self, t);
        else
          on_task_done(self, t.day, t.seq, std::string{}, false);
      }
    });
  }
  if (res.wake_at) arm(self, *res.wake_at);
}

void on_task_done(self_ptr self, schedule::day_number day, std::uint32_t seq,
                  const std::string& job_id, bool ok) {
  auto& st = self->state;
  auto it = std::find_if(st.in_flight.begin(), st.in_flight.end(), [&](const planner_task& x) {
    return x.day == day && x.seq == seq;
  });
  if (it == st.in_flight.end()) return; // already counted
  const schedule::task_order order{it->day, it->seq, it->deadline_ms};
  st.in_flight.erase(it);
  st.core->acknowledge(order, ok);
  if (!ok) {
    st.retry_not_before =
      wall(self) + static_cast<std::int64_t>(retry_delay_ms / std::max(st.deps.time_scale, 1e-9));
    log::warn(component(st), "task " + task_origin(st.cfg.name, day, seq) +
                               (job_id.empty() ? "" : " (job " + job_id + ")") +
                               " failed; it is planned again");
  }
  persist(self);
  if (ok)
    run_step(self);
  else
    arm(self, st.retry_not_before);
}

// The job a persisted task was handed to: by its id, else by its origin (submitted just
// before a kill, the answer never seen).
std::optional<store::job_record> find_job(const planner_actor_state& st, const planner_task& t) {
  const auto* db = st.deps.db;
  if (!t.job_id.empty()) return db->get_job(t.job_id);
  const auto needle = "\"origin\":\"" + task_origin(st.cfg.name, t.day, t.seq) + "\"";
  for (auto& j : db->unfinished_jobs())
    if (j.request_json.find(needle) != std::string::npos) return j;
  store::job_filter f;
  f.user = st.cfg.user_id;
  f.newest_first = true;
  auto page = db->list_jobs(f, "", origin_search_limit);
  for (auto& j : page.items)
    if (j.request_json.find(needle) != std::string::npos) return j;
  return std::nullopt;
}

bool persisted_paused(const store::store* db) {
  if (db == nullptr) return false;
  auto meta = db->get_meta("paused");
  if (!meta) return false;
  rapidjson::Document d;
  d.Parse(meta->c_str(), meta->size());
  return !d.HasParseError() && d.IsObject() && d.HasMember("paused") && d["paused"].IsBool() &&
         d["paused"].GetBool();
}

// Builds the core from the archive: tasks whose jobs finished are acknowledged once, those
// the scheduler resumes are followed, lost ones are planned again.
void restore(self_ptr self) {
  auto& st = self->state;
  auto spec = schedule_spec(st.cfg);
  auto windows = cal::schedule_windows(schedule_calendar(st.cfg, st.deps.time_scale),
                                       schedule_window(st.cfg));
  std::optional<planner_record> rec;
  if (st.deps.db != nullptr)
    if (auto text = st.deps.db->get_meta(planner_meta_key(st.cfg.name))) {
      rec = decode_planner(*text);
      if (!rec) log::error(component(st), "saved state unreadable; starting the schedule afresh");
    }
  if (!rec) {
    st.core.emplace(std::move(spec), std::move(windows));
  } else {
    std::vector<std::pair<planner_task, bool>> finished;
    std::vector<planner_task> live;
    for (auto& t : rec->in_flight) {
      auto job = find_job(st, t);
      if (!job) continue;
      t.job_id = job->id;
      if (job->state == "queued" || job->state == "running")
        live.push_back(t);
      else
        finished.emplace_back(t, job->successful > 0);
    }
    auto core_state = rec->core;
    core_state.issued = core_state.done + core_state.failed +
                        static_cast<int>(live.size() + finished.size());
    core_state.reanchor = true;
    st.core.emplace(std::move(spec), std::move(windows), core_state);
    for (const auto& [t, ok] : finished) st.core->acknowledge({t.day, t.seq, t.deadline_ms}, ok);
    st.in_flight = live;
    st.days.assign(rec->days.begin(), rec->days.end());
    auto me = caf::actor_cast<planner_actor>(self);
    for (const auto& t : live)
      self->send(st.deps.scheduler, subscribe_atom::value, t.job_id, std::uint64_t{0},
                 job_sink_ptr{std::make_shared<planner_sink>(me, t.day, t.seq)});
    log::info(component(st), "restored: " + std::to_string(st.core->state().total_done) +
                               " done in total, " + std::to_string(finished.size()) +
                               " finished and " + std::to_string(live.size()) +
                               " running tasks recovered");
  }
  const auto now = wall(self);
  st.paused = persisted_paused(st.deps.db);
  if (st.paused)
    st.core->pause(now);
  else
    st.core->resume();
}

schedule_view view_of(self_ptr self) {
  auto& st = self->state;
  const auto& s = st.core->state();
  schedule_view v;
  v.name = st.cfg.name;
  v.user_id = st.cfg.user_id;
  v.timezone = st.cfg.timezone;
  v.phase = s.phase;
  if (s.phase >= 0 && static_cast<std::size_t>(s.phase) < st.cfg.phases.size())
    v.phase_description = describe_phase(st.cfg.phases[static_cast<std::size_t>(s.phase)]);
  v.paused = st.paused;
  v.day_index = s.started ? s.day - s.first_day : 0;
  v.day_open = s.day_open;
  v.today = {s.day, s.target, s.done, s.failed, false};
  if (s.started) {
    const auto w = st.core->today();
    v.window_start_ms = w.start;
    v.window_end_ms = w.end;
  }
  if (auto next = st.core->next_task_at(wall(self))) v.next_task_at_ms = *next;
  else if (!s.day_open && st.tick_at != 0 && !st.paused) v.next_task_at_ms = st.tick_at;
  if (st.cfg.window) {
    v.window_start_minute = st.cfg.window->start_minute;
    v.window_end_minute = st.cfg.window->end_minute;
  }
  v.total_done = s.total_done;
  v.missed_days = static_cast<std::int64_t>(s.missed_days.size());
  v.in_flight = static_cast<int>(st.in_flight.size());
  v.days.assign(st.days.begin(), st.days.end());
  return v;
}

} // namespace

// --- pure parts ----------------------------------------------------------------------------

std::string planner_meta_key(const std::string& schedule_name) {
  return "planner:" + schedule_name;
}

std::string task_origin(const std::string& schedule_name, schedule::day_number day,
                        std::uint32_t seq) {
  return schedule_name + "/" + cal::format_day(day) + "/" + std::to_string(seq);
}

std::string describe_phase(const phase_config& p) {
  std::string n = p.per_day.min == p.per_day.max
                    ? std::to_string(p.per_day.min)
                    : std::to_string(p.per_day.min) + "-" + std::to_string(p.per_day.max);
  std::string out = n + " a day";
  if (p.days) out += " for " + std::to_string(*p.days) + (*p.days == 1 ? " day" : " days");
  if (p.until_total) out += (p.days ? " or" : "") + std::string(" until ") +
                            std::to_string(*p.until_total);
  return out;
}

schedule::spec schedule_spec(const schedule_config& s) {
  schedule::spec out;
  out.name = s.name;
  out.catch_up_days = s.catch_up_days;
  for (const auto& p : s.phases) {
    schedule::phase ph;
    ph.days = p.days;
    if (p.until_total) ph.until_total = *p.until_total;
    ph.per_day = {p.per_day.min, p.per_day.max};
    out.phases.push_back(ph);
  }
  return out;
}

cal::calendar schedule_calendar(const schedule_config& s, double time_scale) {
  auto tz = cal::zone::locate(s.timezone).value_or(cal::zone{});
  return cal::calendar(tz, 0, time_scale);
}

cal::window schedule_window(const schedule_config& s) {
  cal::window w;
  if (s.window) {
    w.whole_day = false;
    w.start_min = s.window->start_minute;
    w.end_min = s.window->end_minute;
  }
  return w;
}

std::string encode_planner(const planner_record& r) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  const auto core = schedule::encode(r.core);
  w.Key("core");
  w.String(core.c_str(), static_cast<rapidjson::SizeType>(core.size()));
  w.Key("in_flight");
  w.StartArray();
  for (const auto& t : r.in_flight) {
    w.StartArray();
    w.Int64(t.day);
    w.Uint(t.seq);
    w.Int64(t.deadline_ms);
    w.String(t.job_id.c_str(), static_cast<rapidjson::SizeType>(t.job_id.size()));
    w.EndArray();
  }
  w.EndArray();
  w.Key("days");
  w.StartArray();
  for (const auto& d : r.days) {
    w.StartArray();
    w.Int64(d.day);
    w.Int(d.target);
    w.Int(d.done);
    w.Int(d.failed);
    w.Bool(d.missed);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

std::optional<planner_record> decode_planner(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("core") || !d["core"].IsString() ||
      !d.HasMember("in_flight") || !d["in_flight"].IsArray() || !d.HasMember("days") ||
      !d["days"].IsArray())
    return std::nullopt;
  planner_record r;
  auto core = schedule::decode(d["core"].GetString());
  if (!core) return std::nullopt;
  r.core = *core;
  for (const auto& t : d["in_flight"].GetArray()) {
    if (!t.IsArray() || t.Size() != 4 || !t[0].IsInt64() || !t[1].IsUint() || !t[2].IsInt64() ||
        !t[3].IsString())
      return std::nullopt;
    r.in_flight.push_back({t[0].GetInt64(), t[1].GetUint(), t[2].GetInt64(), t[3].GetString()});
  }
  for (const auto& x : d["days"].GetArray()) {
    if (!x.IsArray() || x.Size() != 5 || !x[0].IsInt64() || !x[1].IsInt() || !x[2].IsInt() ||
        !x[3].IsInt() || !x[4].IsBool())
      return std::nullopt;
    r.days.push_back({x[0].GetInt64(), x[1].GetInt(), x[2].GetInt(), x[3].GetInt(), x[4].GetBool()});
  }
  return r;
}

// --- the actor -----------------------------------------------------------------------------

planner_actor::behavior_type planner(planner_actor::stateful_pointer<planner_actor_state> self,
                                     schedule_config cfg, planner_deps deps) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.deps = std::move(deps);
  restore(self);
  persist(self);
  run_step(self);
  return {
    [=](schedule_atom) -> schedule_view { return view_of(self); },
    [=](pause_atom) {
      auto& s = self->state;
      if (s.paused) return;
      s.paused = true;
      s.core->pause(wall(self));
      ++s.tick_gen; // the armed timer is void
      s.tick_at = 0;
      log::info(component(s), "paused");
      persist(self);
    },
    [=](resume_atom) {
      auto& s = self->state;
      if (!s.paused || s.retiring) return;
      s.paused = false;
      s.core->resume();
      log::info(component(s), "resumed");
      run_step(self);
      persist(self);
    },
    [=](task_done_atom, std::int64_t day, std::uint32_t seq, const std::string& job_id,
        bool ok) {
      // Retiring: the successor learns the outcome from the archive.
      if (!self->state.retiring) on_task_done(self, day, seq, job_id, ok);
    },
    [=](retire_atom) -> caf::result<bool> {
      auto& s = self->state;
      s.retiring = true;
      s.paused = true; // nothing new leaves; the saved flag stays the scheduler's
      ++s.tick_gen;
      s.tick_at = 0;
      auto rp = self->make_response_promise<bool>();
      persist(self, [=](bool ok) mutable {
        rp.deliver(ok);
        self->quit();
      });
      return rp;
    },
    [=](tick_atom, std::uint64_t gen) {
      auto& s = self->state;
      if (gen != s.tick_gen || s.retiring) return;
      s.tick_at = 0;
      run_step(self);
    },
  };
}

} // namespace zega
