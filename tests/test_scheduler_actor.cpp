#include "actors/archiver.hpp"
#include "actors/errors.hpp"
#include "actors/scheduler.hpp"
#include "actors/scheduler_parts.hpp"
#include "net/api/views_errors.hpp"
#include "net/api/views_jobs.hpp"
#include "net/api/views_status.hpp"

#include "store/codec.hpp"
#include "training/dedup.hpp"
#include "training/genres.hpp"
#include "training/quality.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <cerrno>
#include <deque>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <random>

using namespace zega;
using namespace std::chrono_literals;

namespace {

clock_ns ns_of(caf::actor_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Distinct prose per seed, so SimHash keeps tasks apart unless a test repeats a text.
std::string story(std::uint32_t seed, int words = 120) {
  static const std::vector<std::string> vocab{
    "lantern", "harbor", "quiet", "storm", "whisper", "copper", "meadow", "ancient", "river",
    "shadow", "gleaming", "market", "tower", "silver", "forgotten", "wind", "ember", "glass",
    "mountain", "orchard", "stranger", "letter", "bridge", "candle", "thunder", "velvet",
    "garden", "ruin", "compass", "echo", "falcon", "granite", "hollow", "island", "jasmine",
    "kettle", "labyrinth", "mirror", "needle", "ocean", "pilgrim", "quarry", "raven", "saddle",
    "tide", "umbrella", "valley", "willow", "yarn", "zephyr", "amber", "beacon", "cellar",
    "dune", "engine", "feather", "glacier", "hearth", "ivory", "journey"};
  std::mt19937 rng(seed);
  std::string out;
  for (int i = 0; i < words; ++i) {
    out += vocab[rng() % vocab.size()];
    out += (i % 12 == 11) ? ". " : " ";
  }
  return out;
}

net::call_result ok_result(std::string text) {
  net::call_result r;
  r.cls = net::outcome_class::ok;
  r.http_status = 200;
  r.text = std::move(text);
  r.finish_reason = "stop";
  return r;
}

net::call_result failure(net::outcome_class cls, std::string message, int status = 500) {
  net::call_result r;
  r.cls = cls;
  r.http_status = status;
  r.message = std::move(message);
  return r;
}

// What a fake provider does and saw. Tests change it directly: the test coordinator runs
// everything on this thread.
struct fake_script {
  provider_view view;                    // the provider's own truth
  bool stale = false;                    // advertise "available" whatever the truth is
  std::deque<net::call_result> replies;  // scripted, then ok with a fresh story
  std::uint32_t story_seed = 0;
  int latency_ms = 100;
  int generate_calls = 0;                // calls that would have gone upstream
  int busy_replies = 0;
  std::vector<std::string> jobs_seen;
  std::vector<clock_ns> sent_at;
  std::vector<avail_listener> subscribers;
};
using script_ptr = std::shared_ptr<fake_script>;

struct fake_provider_state {
  static inline const char* name = "fake_provider";
  std::vector<std::pair<clock_ns, std::pair<caf::typed_response_promise<gen_outcome>, gen_outcome>>>
    pending;
};

void push_view(const script_ptr& s) {
  auto v = s->view;
  if (s->stale) {
    v.state = provider_state::available;
    v.next_free = 0;
    v.in_flight = 0;
  }
  for (auto& sub : s->subscribers)
    caf::anon_send(sub, avail_atom::value, v);
}

provider_actor::behavior_type fake_provider(provider_actor::stateful_pointer<fake_provider_state> self,
                                            script_ptr s) {
  return {
    [=](generate_atom, const gen_task& t) -> caf::result<gen_outcome> {
      auto now = ns_of(self->clock().now());
      gen_outcome o;
      o.task_id = t.task_id;
      o.provider = s->view.name;
      o.model = s->view.model;
      if (!routing::free_now(s->view, now)) {
        ++s->busy_replies;
        o.result.cls = net::outcome_class::busy;
        o.busy_until = s->view.next_free;
        return o;
      }
      ++s->generate_calls;
      s->jobs_seen.push_back(t.job_id);
      s->sent_at.push_back(now);
      if (!s->replies.empty()) {
        o.result = s->replies.front();
        s->replies.pop_front();
      } else {
        o.result = ok_result(story(++s->story_seed * 7919 + s->view.priority));
      }
      o.latency_us = s->latency_ms * 1000;
      ++s->view.in_flight;
      push_view(s);
      auto rp = self->make_response_promise<gen_outcome>();
      self->state.pending.push_back({now + s->latency_ms * 1'000'000LL, {rp, o}});
      self->delayed_send(self, std::chrono::milliseconds(s->latency_ms), tick_atom::value);
      return rp;
    },
    [=](status_atom) -> provider_status {
      provider_status st;
      st.view = s->view;
      st.kind = "openai";
      st.circuit = "closed";
      st.requests_today = s->generate_calls;
      st.rpd = 100;
      return st;
    },
    [=](subscribe_atom, avail_listener who) {
      s->subscribers.push_back(who);
      push_view(s);
    },
    [=](http_done_atom, std::uint64_t, const net::http_result&) {},
    [=](tick_atom) {
      auto now = ns_of(self->clock().now());
      auto& p = self->state.pending;
      for (auto it = p.begin(); it != p.end();) {
        if (it->first <= now) {
          it->second.first.deliver(it->second.second);
          --s->view.in_flight;
          it = p.erase(it);
          push_view(s);
        } else {
          ++it;
        }
      }
    },
    [=](health_atom) {},
    [=](health_atom, const net::http_result&) {},
    [=](reset_atom) -> provider_status {
      s->view.state = provider_state::available;
      s->view.reason.clear();
      push_view(s);
      provider_status st;
      st.view = s->view;
      return st;
    },
    [=](reload_atom) {},
    [=](retire_atom) { s->subscribers.clear(); },
  };
}

struct archive_log {
  std::vector<store::write_batch> batches;
  std::uint64_t next_id = 1;
  store::commit_status status = store::commit_status::ok;
  std::vector<store::example_record> examples() const {
    std::vector<store::example_record> out;
    for (const auto& b : batches)
      out.insert(out.end(), b.examples.begin(), b.examples.end());
    return out;
  }
};
using archive_ptr = std::shared_ptr<archive_log>;

archiver_actor::behavior_type fake_archiver(archiver_actor::pointer, archive_ptr log) {
  return {
    [=](archive_atom, const store::write_batch& b) -> store::commit_result {
      store::commit_result r;
      r.status = log->status;
      if (r.status != store::commit_status::ok) {
        r.message = "disk full";
        return r;
      }
      log->batches.push_back(b);
      for (std::size_t i = 0; i < b.examples.size(); ++i)
        r.example_ids.push_back(log->next_id++);
      return r;
    },
    // Rescore is the real archiver's work (tests/test_data_integration.cpp).
    [](rescore_atom, double, double, const std::string&, bool) { return store::rescore_counts{}; },
    [](rescore_atom) {},
    [=](flush_atom) { return true; },
    [=](tick_atom) {},
  };
}

// Records each event as the HTTP layer renders it (net/api/views_jobs.cpp).
struct recording_sink : job_sink {
  std::vector<std::pair<std::uint64_t, std::string>> events;
  bool closed = false;
  bool push(std::uint64_t id, const job_event& e) override {
    events.emplace_back(id, net::job_event_json(e));
    return true;
  }
  void close() override {
    closed = true;
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& [_, json] : events) {
      rapidjson::Document d;
      d.Parse(json.c_str());
      out.emplace_back(d.HasMember("type") ? d["type"].GetString() : "");
    }
    return out;
  }
};

caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

// What a submit answered: a job id, or the domain error and its message.
struct submitted {
  std::string job_id;
  ec error = ec::none;
  std::string error_message;
  bool ok() const {
    return error == ec::none && !job_id.empty();
  }
};

struct fixture {
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{testing_config(sys_cfg)};
  caf::scheduler::test_coordinator& sched =
    dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  config cfg;
  std::vector<script_ptr> scripts;
  std::vector<provider_actor> providers;
  archive_ptr archive = std::make_shared<archive_log>();
  scheduler_actor sch;
  archiver_actor arch;

  fixture() {
    sched.clock().current_time += 1h;
    cfg.server.heartbeat_ms = 15000;
  }

  ~fixture() {
    // Scheduler and providers reference each other: end them explicitly.
    for (auto& s : scripts)
      s->subscribers.clear();
    caf::anon_send_exit(sch, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(arch, caf::exit_reason::user_shutdown);
    for (auto& p : providers)
      caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
    sched.clock().cancel_all();
    sched.run();
  }

  clock_ns now() {
    return ns_of(sched.clock().now());
  }

  script_ptr add_provider(const std::string& name, int priority, int max_in_flight = 1) {
    auto s = std::make_shared<fake_script>();
    s->view.name = name;
    s->view.model = name + "-model";
    s->view.priority = priority;
    s->view.max_in_flight = max_in_flight;
    scripts.push_back(s);
    providers.push_back(sys.spawn(fake_provider, s));
    provider_config pc;
    pc.name = name;
    pc.model = name + "-model";
    pc.priority = priority;
    pc.limits.max_in_flight = max_in_flight;
    pcs.push_back(pc);
    return s;
  }

  void start() {
    scheduler_deps deps;
    for (std::size_t i = 0; i < providers.size(); ++i)
      deps.providers.emplace_back(pcs[i], providers[i]);
    // A real archiver commits each request at once (commit_batch 1), like the fake.
    arch = writer != nullptr ? sys.spawn(archiver, writer, 1, 50, 0) : sys.spawn(fake_archiver, archive);
    deps.archiver = arch;
    deps.wall_clock = [] { return std::int64_t{1'795'000'000'000}; };
    deps.db = db;
    deps.detach_store_reads = false;
    deps.max_cached_users = max_cached_users;
    deps.preloaded_minhashes = preloaded;
    sch = sys.spawn(scheduler, cfg, deps);
    sched.run();
  }

  void advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }

  // Runs every timer due over `total`, each at its own time (jumps between them).
  void run_until(std::chrono::milliseconds total) {
    auto& clock = sched.clock();
    const auto end = clock.current_time + total;
    while (!clock.schedule().empty() && clock.schedule().begin()->first <= end) {
      sched.advance_time(std::max(clock.schedule().begin()->first - clock.current_time,
                                  caf::actor_clock::duration_type{0}));
      sched.run();
    }
    sched.advance_time(end - clock.current_time);
    sched.run();
  }

  // Runs everything due over `total`, one millisecond step at a time.
  void run_for(std::chrono::milliseconds total) {
    for (auto t = 0ms; t < total; t += 1ms)
      advance(1ms);
  }

  template <class T, class... Ts>
  T ask(Ts... xs) {
    auto out = std::make_shared<std::optional<T>>();
    // The result travels as a spawn argument: an argument-less spawn trips UBSan in CAF.
    sys.spawn(
      [=](caf::event_based_actor* self, scheduler_actor target,
          std::shared_ptr<std::optional<T>> result) {
        self->request(target, caf::infinite, xs...).then([=](T r) { *result = std::move(r); });
      },
      sch, out);
    sched.run();
    REQUIRE(out->has_value());
    return **out;
  }

  // Asks for an answer of type T that must fail; returns the error as the API renders it.
  template <class T, class... Ts>
  net::error_reply ask_failing(Ts... xs) {
    auto out = std::make_shared<std::optional<net::error_reply>>();
    sys.spawn(
      [=](caf::event_based_actor* self, scheduler_actor target,
          std::shared_ptr<std::optional<net::error_reply>> result) {
        self->request(target, caf::infinite, xs...)
          .then([=](const T&) { *result = net::error_reply{200, "unexpected success"}; },
                [=](const caf::error& e) {
                  *result = net::error_view(e, self->system().render(e));
                });
      },
      sch, out);
    sched.run();
    REQUIRE(out->has_value());
    return **out;
  }

  submitted submit(job_request req) {
    return submit_with(req, nullptr);
  }

  // A submit, with or without a sink; the answer is a job id or a zega::ec error.
  submitted submit_with(job_request req, job_sink_ptr sink) {
    auto out = std::make_shared<std::optional<submitted>>();
    sys.spawn(
      [=](caf::event_based_actor* self, scheduler_actor target,
          std::shared_ptr<std::optional<submitted>> result) {
        auto ok = [=](const std::string& id) { *result = submitted{id, ec::none, {}}; };
        auto failed = [=](const caf::error& e) {
          *result = submitted{{}, ec_of(e), message_of(e)};
        };
        if (sink)
          self->request(target, caf::infinite, submit_atom::value, req, sink).then(ok, failed);
        else
          self->request(target, caf::infinite, submit_atom::value, req).then(ok, failed);
      },
      sch, out);
    sched.run();
    REQUIRE(out->has_value());
    return **out;
  }

  std::shared_ptr<recording_sink> subscribe(const std::string& job, std::uint64_t last = 0) {
    auto sink = std::make_shared<recording_sink>();
    caf::anon_send(sch, subscribe_atom::value, job, last, job_sink_ptr{sink});
    sched.run();
    return sink;
  }

  rapidjson::Document job_json(const std::string& id) {
    auto body = net::job_view(ask<jobs::job_summary>(job_atom::value, id));
    rapidjson::Document d;
    d.Parse(body.c_str());
    REQUIRE(d.IsObject());
    return d;
  }

  std::vector<provider_config> pcs;
  const store::store* db = nullptr;
  store::store* writer = nullptr; // set: the real archiver writes into it
  std::size_t max_cached_users = 256;
  std::map<std::string, std::vector<std::pair<std::uint64_t, std::string>>> preloaded;
};

job_request request(int n, int min_votes = 1) {
  job_request r;
  r.num_examples = n;
  r.min_votes = min_votes;
  return r;
}

} // namespace

TEST_CASE("scheduler uses the highest free group and falls through when it fails", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("ollama", 1);
  auto p2 = f.add_provider("groq", 2);
  p1->replies.push_back(failure(net::outcome_class::broken, "ollama: model not pulled", 404));
  f.start();
  auto res = f.submit(request(1));
  REQUIRE(res.ok());
  f.run_for(300ms);
  CHECK(p1->generate_calls == 1);
  CHECK(p2->generate_calls == 1);
  auto ex = f.archive->examples();
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].provider == "groq");
  auto d = f.job_json(res.job_id);
  CHECK(std::string{d["state"].GetString()} == "completed");
  CHECK(d["successful"].GetInt() == 1);
  CHECK(std::string{d["examples"][0]["provider"].GetString()} == "groq");
  // Both upstream outcomes are archived with the example.
  std::size_t attempts = 0;
  for (const auto& b : f.archive->batches)
    attempts += b.attempts.size();
  CHECK(attempts == 2);
}

TEST_CASE("scheduler: stale view gets a busy reply and re-routes without an upstream call",
          "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("ollama", 1);
  auto p2 = f.add_provider("groq", 2);
  p1->stale = true;
  p1->view.state = provider_state::busy;
  p1->view.next_free = f.now() + 10'000'000'000LL; // 10 s, beyond max_wait
  f.start();
  f.submit(request(1));
  CHECK(p1->busy_replies == 1);
  CHECK(p1->generate_calls == 0);
  CHECK(p2->generate_calls == 1);
}

TEST_CASE("scheduler waits exactly up to max_wait for a busy higher group", "[scheduler]") {
  for (int extra : {0, 1}) {
    fixture f;
    f.cfg.routing.max_wait_for_higher_ms = 3000;
    auto p1 = f.add_provider("ollama", 1);
    auto p2 = f.add_provider("groq", 2);
    p1->view.state = provider_state::busy;
    p1->view.next_free = f.now() + (3000 + extra) * 1'000'000LL;
    f.start();
    f.submit(request(1));
    if (extra == 0) {
      CHECK(p2->generate_calls == 0);
      CHECK(p1->generate_calls == 0);
      p1->view.state = provider_state::available;
      f.advance(2999ms);
      CHECK(p1->generate_calls == 0);
      f.advance(1ms);
      CHECK(p1->generate_calls == 1);
      CHECK(p2->generate_calls == 0);
    } else {
      CHECK(p2->generate_calls == 1);
      CHECK(p1->generate_calls == 0);
    }
  }
}

TEST_CASE("scheduler skips a provider in long cooldown", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  auto p2 = f.add_provider("gemini", 2);
  p1->view.state = provider_state::cooldown;
  p1->view.next_free = f.now() + 3'600'000'000'000LL;
  p1->view.reason = "daily quota";
  f.start();
  f.submit(request(2));
  f.run_for(300ms);
  CHECK(p1->generate_calls == 0);
  CHECK(p2->generate_calls == 2);
}

TEST_CASE("scheduler retry budget: transient errors retry the same provider, then move on",
          "[scheduler]") {
  fixture f;
  f.cfg.routing.retries_per_provider = 2;
  auto p1 = f.add_provider("groq", 1);
  auto p2 = f.add_provider("gemini", 2);
  for (int i = 0; i < 3; ++i)
    p1->replies.push_back(failure(net::outcome_class::transient, "groq: 503"));
  f.start();
  auto res = f.submit(request(1));
  f.run_for(500ms);
  CHECK(p1->generate_calls == 3);
  CHECK(p2->generate_calls == 1);
  CHECK(f.job_json(res.job_id)["successful"].GetInt() == 1);
}

TEST_CASE("scheduler fails a task with every provider's reason", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  auto p2 = f.add_provider("gemini", 2);
  p1->replies.push_back(failure(net::outcome_class::broken, "groq: invalid API key", 401));
  p2->replies.push_back(failure(net::outcome_class::bad_request, "gemini: bad request", 400));
  f.start();
  auto res = f.submit(request(1));
  f.run_for(300ms);
  auto d = f.job_json(res.job_id);
  CHECK(d["failed"].GetInt() == 1);
  const auto& ex = d["examples"][0];
  CHECK_FALSE(ex["success"].GetBool());
  std::string err = ex["error"].GetString();
  CHECK(err.rfind("No valid responses from any model", 0) == 0);
  CHECK(err.find("groq: invalid API key") != std::string::npos);
  CHECK(err.find("gemini: bad request") != std::string::npos);
}

TEST_CASE("scheduler min_votes keeps the best of distinct providers and records all",
          "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("a", 1);
  auto p2 = f.add_provider("b", 2);
  f.add_provider("c", 3);
  std::string weak = "Too short.";
  std::string strong = story(42, 150);
  p1->replies.push_back(ok_result(weak));
  p2->replies.push_back(ok_result(strong));
  f.start();
  auto res = f.submit(request(1, 2));
  REQUIRE(res.ok());
  f.run_for(300ms);
  auto ex = f.archive->examples();
  REQUIRE(ex.size() == 1);
  auto el = *training::element_from_string(ex[0].element);
  auto q_weak = training::score(el, training::clean_output(weak), false).score;
  auto q_strong = training::score(el, training::clean_output(strong), false).score;
  REQUIRE(q_weak != q_strong);
  CHECK(ex[0].provider == (q_strong > q_weak ? "b" : "a"));
  REQUIRE(ex[0].candidates.size() == 2);
  CHECK(ex[0].candidates[0].provider != ex[0].candidates[1].provider);
  CHECK(p1->generate_calls == 1);
  CHECK(p2->generate_calls == 1);
}

namespace {

// An ensemble of two where the second provider, gemini, is down (connection refused).
std::pair<script_ptr, script_ptr> one_of_two_down(fixture& f, int max_in_flight) {
  auto up = f.add_provider("groq", 1, max_in_flight);
  auto down = f.add_provider("gemini", 2, max_in_flight);
  down->view.state = provider_state::unreachable;
  down->view.reason = "gemini: connection refused";
  return {up, down};
}

} // namespace

TEST_CASE("min_votes 2 with one of two providers down keeps the votes received and says so",
          "[actor]") {
  fixture f;
  auto [up, down] = one_of_two_down(f, 4);
  f.start();
  auto res = f.submit(request(6, 2));
  REQUIRE(res.ok());
  f.run_for(2s);
  CHECK(down->generate_calls == 0);
  CHECK(up->generate_calls == 6);
  auto d = f.job_json(res.job_id);
  CHECK(std::string{d["state"].GetString()} == "completed");
  CHECK(d["successful"].GetInt() == 6);
  CHECK(d["failed"].GetInt() == 0);
  CHECK(d["short_of_votes"].GetInt() == 6);
  CHECK(f.archive->examples().size() == 6);
  const auto& ex = d["examples"][0];
  CHECK(ex["votes_received"].GetInt() == 1);
  CHECK(ex["min_votes"].GetInt() == 2);
  REQUIRE(ex["missing_votes"].HasMember("gemini"));
  CHECK(std::string{ex["missing_votes"]["gemini"].GetString()} == "gemini: connection refused");
  CHECK_FALSE(ex["missing_votes"].HasMember("groq"));
}

TEST_CASE("fixed pacing keeps a vote when the other provider of an ensemble fails", "[actor]") {
  fixture f;
  f.cfg.routing.pacing = "fixed";
  f.cfg.routing.fixed.pause_min_ms = 100;
  f.cfg.routing.fixed.pause_max_ms = 100;
  f.cfg.routing.fixed.retries = 0;
  f.cfg.routing.fixed.between_groups_ms = 100;
  f.add_provider("groq", 1);
  auto down = f.add_provider("gemini", 2);
  down->replies.push_back(failure(net::outcome_class::unreachable, "gemini: connection refused", 0));
  f.start();
  auto res = f.submit(request(1, 2));
  REQUIRE(res.ok());
  f.run_for(2s);
  auto d = f.job_json(res.job_id);
  CHECK(d["successful"].GetInt() == 1);
  CHECK(d["short_of_votes"].GetInt() == 1);
  CHECK(std::string{d["examples"][0]["missing_votes"]["gemini"].GetString()}
        == "gemini: connection refused");
  CHECK(f.archive->examples().size() == 1);
}

TEST_CASE("scheduler cancels a job: queued tasks dropped, in-flight kept", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  f.start();
  auto res = f.submit(request(5));
  CHECK(p1->generate_calls == 1);
  auto c = net::cancel_view(f.ask<cancel_report>(cancel_atom::value, res.job_id));
  CHECK(c.find(R"("dropped":4)") != std::string::npos);
  f.run_for(500ms);
  CHECK(p1->generate_calls == 1);
  auto d = f.job_json(res.job_id);
  CHECK(std::string{d["state"].GetString()} == "cancelled");
  CHECK(d["successful"].GetInt() == 1);
  auto unknown = f.ask_failing<cancel_report>(cancel_atom::value, std::string{"j-nope"});
  CHECK(unknown.http_status == 404);
  CHECK(unknown.body.find("not_found") != std::string::npos);
}

TEST_CASE("scheduler pause stops dispatch and is persisted, resume continues", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  f.start();
  auto r = net::pause_view(f.ask<pause_report>(pause_atom::value));
  CHECK(r.find(R"("paused":true)") != std::string::npos);
  REQUIRE_FALSE(f.archive->batches.empty());
  const auto& meta = f.archive->batches.back().meta;
  REQUIRE(meta.size() == 1);
  CHECK(meta[0].first == "paused");
  CHECK(meta[0].second.find(R"("paused":true)") != std::string::npos);
  f.submit(request(1));
  f.run_for(100ms);
  CHECK(p1->generate_calls == 0);
  auto status = net::status_view(f.ask<status_report>(status_atom::value));
  CHECK(status.find(R"("state":"paused")") != std::string::npos);
  r = net::pause_view(f.ask<pause_report>(resume_atom::value));
  CHECK(r.find(R"("paused":false)") != std::string::npos);
  CHECK(p1->generate_calls == 1);
}

TEST_CASE("scheduler serves jobs round-robin", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  f.start();
  auto a = f.submit(request(3));
  auto b = f.submit(request(3));
  f.run_for(700ms);
  REQUIRE(p1->jobs_seen.size() == 6);
  std::vector<std::string> expected{a.job_id, b.job_id, a.job_id, b.job_id, a.job_id, b.job_id};
  CHECK(p1->jobs_seen == expected);
}

TEST_CASE("scheduler keeps several tasks in flight across providers", "[scheduler]") {
  fixture f;
  f.cfg.routing.max_in_flight = 3;
  auto p1 = f.add_provider("groq", 1, 2);
  auto p2 = f.add_provider("gemini", 2, 2);
  f.start();
  f.submit(request(6));
  CHECK(p1->generate_calls == 2);
  CHECK(p2->generate_calls == 1);
}

TEST_CASE("scheduler fixed pacing reproduces the old delays", "[scheduler]") {
  fixture f;
  f.cfg.routing.pacing = "fixed";
  f.cfg.routing.fixed.pause_min_ms = 3000;
  f.cfg.routing.fixed.pause_max_ms = 3000;
  f.cfg.routing.fixed.retries = 1;
  f.cfg.routing.fixed.retry_backoff_ms = {2000};
  f.cfg.routing.fixed.between_groups_ms = 2000;
  auto p1 = f.add_provider("groq", 1, 4);
  auto p2 = f.add_provider("gemini", 2, 4);
  p1->replies.push_back(failure(net::outcome_class::transient, "groq: 503"));
  p1->replies.push_back(failure(net::outcome_class::transient, "groq: 503"));
  f.start();
  auto t0 = f.now();
  f.submit(request(2));
  f.run_for(10'000ms);
  // Task 1: groq at 0, retry after 100 + 2000, gemini after +100 + 2000 (next group);
  // task 2 after gemini's answer + 3000 pause, on groq again.
  REQUIRE(p1->sent_at.size() == 3);
  REQUIRE(p2->sent_at.size() == 1);
  constexpr clock_ns ms = 1'000'000;
  CHECK(p1->sent_at[0] - t0 == 0);
  CHECK(p1->sent_at[1] - t0 == 2100 * ms);
  CHECK(p2->sent_at[0] - t0 == 4200 * ms);
  CHECK(p1->sent_at[2] - t0 == 7300 * ms);
}

TEST_CASE("scheduler events: progress then complete, replay after last_event_id", "[scheduler]") {
  fixture f;
  f.add_provider("groq", 1);
  f.start();
  auto res = f.submit(request(2));
  auto live = f.subscribe(res.job_id);
  f.run_for(300ms);
  REQUIRE(live->types() == std::vector<std::string>{"progress", "progress", "complete"});
  CHECK(live->closed);
  CHECK(live->events[0].first < live->events[1].first);
  CHECK(live->events[1].first < live->events[2].first);
  rapidjson::Document last;
  last.Parse(live->events[2].second.c_str());
  CHECK(last["result"]["successful"].GetInt() == 2);
  CHECK(last["result"]["examples"].Size() == 2);
  rapidjson::Document first;
  first.Parse(live->events[0].second.c_str());
  CHECK(first["current"].GetInt() == 1);
  CHECK(first["total"].GetInt() == 2);
  CHECK(first["percentage"].GetDouble() == 50.0);
  auto replay = f.subscribe(res.job_id, live->events[0].first);
  REQUIRE(replay->events.size() == 2);
  CHECK(replay->events[0] == live->events[1]);
  CHECK(replay->closed);
  auto unknown = f.subscribe("j-missing");
  REQUIRE(unknown->types() == std::vector<std::string>{"error"});
  CHECK(unknown->closed);
}

TEST_CASE("scheduler sends heartbeats while a subscribed job is idle", "[scheduler]") {
  fixture f;
  f.cfg.server.heartbeat_ms = 1000;
  auto p1 = f.add_provider("groq", 1);
  p1->view.state = provider_state::cooldown;
  p1->view.next_free = f.now() + 60'000'000'000LL;
  f.start();
  auto res = f.submit(request(1));
  auto sink = f.subscribe(res.job_id);
  f.advance(1000ms);
  REQUIRE(sink->types() == std::vector<std::string>{"heartbeat"});
  f.advance(1000ms);
  CHECK(sink->events.size() == 2);
}

TEST_CASE("scheduler rejects near-duplicates and retries with a new topic", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  auto same = story(7);
  p1->replies.push_back(ok_result(same));
  p1->replies.push_back(ok_result(same));
  p1->replies.push_back(ok_result(story(8)));
  f.start();
  auto res = f.submit(request(2));
  f.run_for(500ms);
  auto d = f.job_json(res.job_id);
  CHECK(d["successful"].GetInt() == 2);
  CHECK(d["duplicates_rejected"].GetInt() == 1);
  CHECK(p1->generate_calls == 3);
  auto ex = f.archive->examples();
  REQUIRE(ex.size() == 2);
  CHECK(training::hamming(ex[0].fingerprint, ex[1].fingerprint) > 3);
}

TEST_CASE("scheduler rejects bad input with 4xx", "[scheduler]") {
  fixture f;
  f.cfg.routing.queue_limit = 10;
  f.add_provider("groq", 1);
  f.add_provider("gemini", 2);
  f.start();
  auto r = f.submit(request(1, 3));
  CHECK(r.error == ec::invalid_request);
  CHECK(r.error_message.rfind("min_votes:", 0) == 0);
  auto bad_el = request(1);
  bad_el.elements = {"scene", "poem"};
  r = f.submit(bad_el);
  CHECK(r.error == ec::invalid_request);
  CHECK(r.error_message.rfind("elements[1]: unknown element \"poem\"", 0) == 0);
  auto bad_genre = request(1);
  bad_genre.genres = {"fantasy", "x"};
  r = f.submit(bad_genre);
  CHECK(r.error == ec::invalid_request);
  CHECK(r.error_message == "genres[1]: " + training::unknown_genre_message("x"));
  r = f.submit(request(0));
  CHECK(r.error == ec::invalid_request);
  CHECK(r.error_message.rfind("num_examples:", 0) == 0);
  r = f.submit(request(11));
  CHECK(r.error == ec::queue_full);
  CHECK(std::string{to_string(r.error)} == "queue_full");
  CHECK(f.ask_failing<jobs::job_summary>(job_atom::value, std::string{"nope"}).http_status == 404);
  CHECK(f.ask_failing<probe_report>(probe_atom::value, std::string{"nope"}).http_status == 404);
}

TEST_CASE("scheduler status and providers JSON", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  p1->view.state = provider_state::cooldown;
  p1->view.next_free = f.now() + 5'000'000'000LL;
  f.start();
  auto r = net::status_view(f.ask<status_report>(status_atom::value));
  rapidjson::Document d;
  d.Parse(r.c_str());
  REQUIRE(d.IsObject());
  CHECK(std::string{d["state"].GetString()} == "running");
  REQUIRE(d["providers"].Size() == 1);
  const auto& p = d["providers"][0];
  CHECK(std::string{p["name"].GetString()} == "groq");
  CHECK(std::string{p["state"].GetString()} == "cooldown");
  // Instants, not durations from now: the document's reader may cache it.
  CHECK(std::string{p["cooldown_until"].GetString()} == store::iso8601_utc(1'795'000'005'000));
  CHECK(p["busy_for_ms"].GetInt64() == 5000);
  CHECK_FALSE(p["available"].GetBool());
  CHECK(p["remaining_today"].GetInt64() == 100);
  CHECK(d["dataset"]["fine_tune_threshold"].GetInt() == 50);
  auto m = net::models_view(f.ask<status_report>(providers_atom::value));
  rapidjson::Document md;
  md.Parse(m.c_str());
  CHECK(md["total"].GetInt() == 1);
  CHECK(std::string{md["models"][0]["model"].GetString()} == "groq-model");
}

TEST_CASE("scheduler probe and drain", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  p1->replies.push_back(ok_result("OK"));
  f.start();
  auto out = std::make_shared<std::optional<std::string>>();
  f.sys.spawn(
    [](caf::event_based_actor* self, scheduler_actor target,
       std::shared_ptr<std::optional<std::string>> result) {
      self->request(target, caf::infinite, probe_atom::value, std::string{"groq"})
        .then([=](const probe_report& r) { *result = net::probe_view(r); });
    },
    f.sch, out);
  f.run_for(200ms);
  REQUIRE(out->has_value());
  CHECK((*out)->find(R"("ok":true)") != std::string::npos);
  CHECK((*out)->find(R"("text":"OK")") != std::string::npos);
  f.submit(request(2));
  auto drained = std::make_shared<std::optional<bool>>();
  f.sys.spawn(
    [](caf::event_based_actor* self, scheduler_actor target, std::shared_ptr<std::optional<bool>> result) {
      self->request(target, caf::infinite, drain_atom::value).then([=](bool b) { *result = b; });
    },
    f.sch, drained);
  f.sched.run();
  CHECK_FALSE(drained->has_value());
  f.run_for(200ms);
  REQUIRE(drained->has_value());
  CHECK(p1->generate_calls == 2); // probe + the one task in flight when draining began
}

TEST_CASE("a provider actor that dies is taken out of routing", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("ollama", 1);
  auto p2 = f.add_provider("groq", 2);
  f.start();
  caf::anon_send_exit(f.providers[0], caf::exit_reason::kill);
  f.sched.run();
  auto res = f.submit(request(2));
  REQUIRE(res.ok());
  f.run_for(300ms);
  CHECK(p1->generate_calls == 0);
  CHECK(p2->generate_calls == 2);
  CHECK(f.job_json(res.job_id)["successful"].GetInt() == 2);
  auto status = net::status_view(f.ask<status_report>(status_atom::value));
  CHECK(status.find("provider actor stopped") != std::string::npos);
}

TEST_CASE("scheduler pauses on storage full and re-archives on resume", "[scheduler]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  f.start();
  auto res = f.submit(request(2));
  REQUIRE(res.ok());
  f.archive->status = store::commit_status::storage_full;
  f.run_for(300ms);
  auto status = net::status_view(f.ask<status_report>(status_atom::value));
  CHECK(status.find(R"("state":"storage_full")") != std::string::npos);
  CHECK(status.find("storage unavailable: disk full") != std::string::npos);
  // Dispatch stops at the first refused commit: no call beyond the job's two tasks.
  auto calls_when_full = p1->generate_calls;
  CHECK(calls_when_full <= 2);
  f.run_for(2s);
  CHECK(p1->generate_calls == calls_when_full);
  // No new job is acknowledged while nothing can be stored.
  auto refused = f.submit(request(1));
  CHECK(refused.error == ec::storage_full);
  CHECK_THAT(refused.error_message, Catch::Contains("storage unavailable: disk full"));
  f.archive->status = store::commit_status::ok;
  f.ask<pause_report>(resume_atom::value);
  f.run_for(300ms);
  CHECK(f.job_json(res.job_id)["successful"].GetInt() == 2);
  CHECK(f.archive->examples().size() == 2);
}

namespace {

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/zega-sched-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A store holding a job interrupted after its second example (task_seq 1) was archived.
std::unique_ptr<store::store> interrupted_store(const std::string& dir, bool paused) {
  std::string error;
  auto db = store::store::open({dir, 16, 64}, error);
  REQUIRE(db);
  job_request req;
  req.num_examples = 3;
  store::write_batch b;
  store::job_record j;
  j.id = "j-old";
  j.state = "running";
  j.requested = 3;
  j.request_json = jobs::request_to_json(req, 77);
  b.jobs.push_back(j);
  store::example_record ex;
  ex.job_id = "j-old";
  ex.task_seq = 1;
  ex.element = "scene";
  ex.genre = "fantasy";
  ex.output = story(999);
  ex.quality = 8;
  ex.provider = "groq";
  ex.model = "groq-model";
  ex.fingerprint = training::simhash(ex.output);
  b.examples.push_back(ex);
  if (paused)
    b.meta.emplace_back("paused", R"({"paused":true,"since_ms":1700000000000})");
  REQUIRE(db->commit(b).status == store::commit_status::ok);
  return db;
}

} // namespace

TEST_CASE("scheduler resumes an interrupted job with the remaining tasks", "[scheduler]") {
  temp_dir dir;
  auto db = interrupted_store(dir.path, false);
  fixture f;
  f.db = db.get();
  auto p1 = f.add_provider("groq", 1);
  f.start();
  f.run_for(500ms);
  CHECK(p1->generate_calls == 2);
  auto d = f.job_json("j-old");
  CHECK(std::string{d["state"].GetString()} == "completed");
  CHECK(d["successful"].GetInt() == 3);
  std::set<std::uint64_t> seqs;
  for (const auto& e : f.archive->examples())
    seqs.insert(e.task_seq);
  CHECK(seqs == std::set<std::uint64_t>{0, 2});
}

TEST_CASE("scheduler marks interrupted jobs and restores the paused flag", "[scheduler]") {
  temp_dir dir;
  auto db = interrupted_store(dir.path, true);
  fixture f;
  f.db = db.get();
  f.cfg.storage.on_interrupted = "mark";
  auto p1 = f.add_provider("groq", 1);
  f.start();
  f.run_for(100ms);
  CHECK(p1->generate_calls == 0);
  bool marked = false;
  for (const auto& b : f.archive->batches)
    for (const auto& j : b.jobs)
      marked = marked || (j.id == "j-old" && j.state == "interrupted");
  CHECK(marked);
  auto status = net::status_view(f.ask<status_report>(status_atom::value));
  CHECK(status.find(R"("paused_since":1700000000000)") != std::string::npos);
  CHECK(status.find(R"("examples":1)") != std::string::npos);
}

TEST_CASE("finished jobs are kept up to a byte budget: the oldest go, the newest stays",
          "[scheduler]") {
  fixture f;
  f.add_provider("ollama", 1, 4);
  // One 3-example job holds a few KB (three stories, their events and the summary): a
  // 1-byte budget keeps only the newest finished job, a 64 MB one keeps all of them.
  f.cfg.storage.finished_jobs_max_bytes = 1;
  f.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto res = f.submit(request(3));
    REQUIRE(res.ok());
    ids.push_back(res.job_id);
    f.run_for(1000ms);
    CHECK(f.job_json(res.job_id)["state"].GetString() == std::string("completed"));
  }
  auto listed = net::jobs_view(f.ask<jobs_report>(jobs_atom::value));
  rapidjson::Document d;
  d.Parse(listed.c_str());
  REQUIRE(d["jobs"].GetArray().Size() == 1);
  CHECK(d["jobs"][0]["job_id"].GetString() == ids.back());
  CHECK(f.ask_failing<jobs::job_summary>(job_atom::value, ids.front()).http_status == 404);
}

TEST_CASE("a byte budget that fits every job keeps them all", "[scheduler]") {
  fixture f;
  f.add_provider("ollama", 1, 4);
  f.start(); // the default budget, 64 MB
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f.submit(request(3)).ok());
    f.run_for(1000ms);
  }
  auto listed = net::jobs_view(f.ask<jobs_report>(jobs_atom::value));
  rapidjson::Document d;
  d.Parse(listed.c_str());
  CHECK(d["jobs"].GetArray().Size() == 3);
}

TEST_CASE("a submit that carries its sink streams the job from its first event in one message",
          "[scheduler]") {
  fixture f;
  f.add_provider("ollama", 1, 2);
  f.start();
  auto sink = std::make_shared<recording_sink>();
  auto res = f.submit_with(request(2), sink);
  REQUIRE(res.ok());
  f.run_for(1000ms);
  auto types = sink->types();
  REQUIRE(types.size() == 3);
  CHECK(types[0] == "progress");
  CHECK(types[1] == "progress");
  CHECK(types[2] == "complete");
  CHECK(sink->events.front().first == 1);
  CHECK(sink->closed);
}

TEST_CASE("a refused submit never opens its sink", "[scheduler]") {
  fixture f;
  f.add_provider("ollama", 1);
  f.cfg.routing.queue_limit = 1;
  f.start();
  auto sink = std::make_shared<recording_sink>();
  auto res = f.submit_with(request(5), sink);
  CHECK(res.error == ec::queue_full);
  CHECK_THAT(res.error_message, Catch::StartsWith("queue full: 0 tasks queued (limit 1)"));
  CHECK(sink->events.empty());
  CHECK_FALSE(sink->closed);
}

TEST_CASE("the per-user cache drops the least recently used idle users first", "[scheduler]") {
  std::map<std::string, std::uint64_t> used{{"ann", 3}, {"bob", 1}, {"cat", 2}, {"dan", 4}};
  CHECK(sched::users_to_evict(used, {}, 4).empty());
  CHECK(sched::users_to_evict(used, {}, 2) == std::vector<std::string>{"bob", "cat"});
  // A user with unfinished work stays even when it is the oldest.
  CHECK(sched::users_to_evict(used, {"bob"}, 2) == std::vector<std::string>{"cat", "ann"});
  // Nothing idle to drop: the cache may exceed the cap rather than lose live work.
  CHECK(sched::users_to_evict(used, {"ann", "bob", "cat", "dan"}, 1).empty());
}

TEST_CASE("a user dropped from the cache is reloaded from the store: dedup still holds",
          "[scheduler]") {
  temp_dir dir;
  auto db = interrupted_store(dir.path, false); // "default" owns story(999)
  fixture f;
  f.db = db.get();
  f.cfg.storage.on_interrupted = "mark";
  auto p1 = f.add_provider("groq", 1);
  f.max_cached_users = 1;
  f.start();
  for (const char* user : {"ann", "bob"}) {
    auto r = request(1);
    r.user_id = user;
    REQUIRE(f.submit(r).ok());
    f.run_for(500ms);
  }
  // "default" was dropped for ann and bob; its next job meets its stored story again.
  p1->replies.push_back(ok_result(story(999)));
  auto res = f.submit(request(1));
  REQUIRE(res.ok());
  f.run_for(1000ms);
  auto d = f.job_json(res.job_id);
  CHECK(d["duplicates_rejected"].GetInt() == 1);
  CHECK(d["successful"].GetInt() == 1);
}

// --- dataset quality in the scheduler (issue 13) ----------------------------------------------

namespace {

// `text` with every `every`-th word replaced: a light paraphrase of a stored example.
std::string reworded(const std::string& text, int every) {
  std::istringstream in(text);
  std::string word, out;
  for (int i = 1; in >> word; ++i)
    out += (i % every == 0 ? "pebble" + std::to_string(i) : word) + " ";
  return out;
}

rapidjson::Document itest_parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

} // namespace

TEST_CASE("a MinHash near-duplicate of a stored example is rejected", "[actor]") {
  temp_dir dir;
  auto db = interrupted_store(dir.path, false); // "default" owns story(999), 120 words
  fixture f;
  f.db = db.get();
  f.cfg.storage.on_interrupted = "mark";
  auto p1 = f.add_provider("groq", 1);
  // 15 of 120 words changed: SimHash at distance 8 missed most of these.
  p1->replies.push_back(ok_result(reworded(story(999), 8)));
  f.start();
  auto res = f.submit(request(1));
  REQUIRE(res.ok());
  f.run_for(1000ms);
  auto d = f.job_json(res.job_id);
  CHECK(d["duplicates_rejected"].GetInt() == 1);
  CHECK(d["successful"].GetInt() == 1);
  auto ex = f.archive->examples();
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].minhash.size() == training::minhash_signature::byte_size);
  CHECK(ex[0].rubric_version == training::rubric_version);
}

TEST_CASE("fingerprints read before the scheduler starts are used without a store scan, under "
          "the bar a reload sets",
          "[actor]") {
  temp_dir dir;
  std::string error;
  auto db = store::store::open({dir.path, 64, 1024}, error); // empty: nothing to scan
  REQUIRE(db);
  fixture f;
  f.db = db.get();
  f.preloaded["default"] = {{7, training::minhash(story(999)).to_bytes()}};
  auto p1 = f.add_provider("groq", 1);
  p1->replies.push_back(ok_result(reworded(story(999), 8)));
  f.start();
  auto res = f.submit(request(1));
  REQUIRE(res.ok());
  f.run_for(1000ms);
  auto d = f.job_json(res.job_id);
  // Only the preloaded signature knows story(999): its rewording is a near-duplicate.
  CHECK(d["duplicates_rejected"].GetInt() == 1);
  CHECK(d["successful"].GetInt() == 1);

  // A reload that lets only near-exact copies count applies to the cached user at once: the
  // same rewording is new enough now.
  auto next = f.cfg;
  next.quality.dedup_jaccard = 0.95;
  next.quality.dedup_changed_words = 0;
  provider_entries entries{{f.pcs[0], f.providers[0]}};
  CHECK(f.ask<bool>(reload_atom::value, next, entries));
  p1->replies.push_back(ok_result(reworded(story(999), 8)));
  auto second = f.submit(request(1));
  REQUIRE(second.ok());
  f.run_for(1000ms);
  d = f.job_json(second.job_id);
  CHECK(d["duplicates_rejected"].GetInt() == 0);
  CHECK(d["successful"].GetInt() == 1);
}

TEST_CASE("repeated near-duplicates from one provider move the task to the next group",
          "[actor]") {
  temp_dir dir;
  auto db = interrupted_store(dir.path, false);
  fixture f;
  f.db = db.get();
  f.cfg.storage.on_interrupted = "mark";
  auto p1 = f.add_provider("groq", 1);
  auto p2 = f.add_provider("gemini", 2);
  p1->replies.push_back(ok_result(story(999)));
  p1->replies.push_back(ok_result(story(999)));
  p1->replies.push_back(ok_result(story(999)));
  f.start();
  auto res = f.submit(request(1));
  REQUIRE(res.ok());
  f.run_for(2000ms);
  auto d = f.job_json(res.job_id);
  CHECK(d["duplicates_rejected"].GetInt() == 2);
  CHECK(d["successful"].GetInt() == 1);
  CHECK(p1->generate_calls == 2);
  auto ex = f.archive->examples();
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].provider == "gemini");
}

TEST_CASE("an example whose commit failed is no near-duplicate of later outputs", "[actor]") {
  fixture f;
  auto p1 = f.add_provider("groq", 1);
  p1->replies.push_back(ok_result(story(31)));
  p1->replies.push_back(ok_result(story(31)));
  f.start();
  auto first = f.submit(request(1));
  REQUIRE(first.ok());
  // The job is recorded; the example's own commit is the one that fails.
  f.archive->status = store::commit_status::failed;
  f.run_for(500ms);
  CHECK(f.job_json(first.job_id)["failed"].GetInt() == 1);
  f.archive->status = store::commit_status::ok;
  auto second = f.submit(request(1));
  REQUIRE(second.ok());
  f.run_for(500ms);
  auto d = f.job_json(second.job_id);
  CHECK(d["duplicates_rejected"].GetInt() == 0);
  CHECK(d["successful"].GetInt() == 1);
}

TEST_CASE("the judge rates a candidate through its provider and the scores are blended",
          "[actor]") {
  fixture f;
  f.cfg.quality.judge = judge_config{"judge", 0.5, 0.0};
  auto p1 = f.add_provider("groq", 1);
  auto judge = f.add_provider("judge", 5);
  judge->replies.push_back(ok_result(R"(Verdict: {"score": 2, "reason": "flat"})"));
  f.start();
  auto res = f.submit(request(1));
  REQUIRE(res.ok());
  f.run_for(1000ms);
  CHECK(f.job_json(res.job_id)["successful"].GetInt() == 1);
  CHECK(judge->generate_calls == 1);
  auto ex = f.archive->examples();
  REQUIRE(ex.size() == 1);
  auto report = itest_parse(ex[0].quality_json);
  REQUIRE(report.HasMember("judge"));
  CHECK(report["judge"]["score"].GetDouble() == 2.0);
  double rubric = report["judge"]["rubric"].GetDouble();
  CHECK(ex[0].quality == Approx(training::blend_scores(rubric, 2.0, 0.5)));
  CHECK(report["score"].GetDouble() == Approx(ex[0].quality));
  CHECK(ex[0].provider == "groq");
  // The rating is recorded as an attempt of the task.
  bool judged = false;
  for (const auto& b : f.archive->batches)
    for (const auto& a : b.attempts)
      judged = judged || (a.provider == "judge" && a.error == "judge" && a.outcome == "ok");
  CHECK(judged);
}

TEST_CASE("the judge is skipped below min_rubric and off without configuration", "[actor]") {
  fixture f;
  f.cfg.quality.judge = judge_config{"judge", 0.5, 10.1};
  f.add_provider("groq", 1);
  auto judge = f.add_provider("judge", 5);
  f.start();
  auto res = f.submit(request(1));
  REQUIRE(res.ok());
  f.run_for(1000ms);
  CHECK(f.job_json(res.job_id)["successful"].GetInt() == 1);
  CHECK(judge->generate_calls == 0);
  auto ex = f.archive->examples();
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].quality_json.find("\"judge\"") == std::string::npos);
}

TEST_CASE("votes kept short of min_votes are judged like a full ensemble's", "[actor]") {
  fixture f;
  f.cfg.quality.judge = judge_config{"groq", 0.5, 0.0};
  auto [up, down] = one_of_two_down(f, 1);
  up->replies.push_back(ok_result(story(7)));
  up->replies.push_back(ok_result(R"(Verdict: {"score": 2, "reason": "flat"})"));
  f.start();
  auto res = f.submit(request(1, 2));
  REQUIRE(res.ok());
  f.run_for(2s);
  CHECK(up->generate_calls == 2);
  CHECK(down->generate_calls == 0);
  auto d = f.job_json(res.job_id);
  CHECK(d["successful"].GetInt() == 1);
  CHECK(d["short_of_votes"].GetInt() == 1);
  auto ex = f.archive->examples();
  REQUIRE(ex.size() == 1);
  auto report = itest_parse(ex[0].quality_json);
  REQUIRE(report.HasMember("judge"));
  CHECK(report["judge"]["score"].GetDouble() == 2.0);
  CHECK(ex[0].quality == Approx(training::blend_scores(report["judge"]["rubric"].GetDouble(), 2.0, 0.5)));
}

TEST_CASE("scheduler reload: the call in flight finishes on the replaced actor, queued tasks "
          "go to the new provider set",
          "[scheduler]") {
  fixture f;
  auto old_a = f.add_provider("a", 1);
  f.start();
  auto res = f.submit(request(4));
  REQUIRE(res.ok());
  f.run_for(150ms); // one example done, the second call in flight on the old actor
  REQUIRE(old_a->generate_calls == 2);

  // "a" changed (a new actor), "b" added; the old actor is retired as the reloader does.
  auto new_a = f.add_provider("a", 1);
  auto b = f.add_provider("b", 2);
  // Fresh scripts would repeat the old one's stories (near-duplicates, retried).
  new_a->story_seed = 100;
  b->story_seed = 200;
  provider_entries entries{{f.pcs[1], f.providers[1]}, {f.pcs[2], f.providers[2]}};
  auto next = f.cfg;
  next.routing.slack = 0.2;
  CHECK(f.ask<bool>(reload_atom::value, next, entries));
  caf::anon_send(f.providers[0], retire_atom::value);
  f.run_for(1000ms);

  CHECK(old_a->generate_calls == 2); // nothing new went to the replaced actor
  CHECK(new_a->generate_calls + b->generate_calls == 2);
  auto job = f.job_json(res.job_id);
  CHECK(job["successful"].GetInt() == 4);
  CHECK(job["failed"].GetInt() == 0);
  CHECK(f.archive->examples().size() == 4);
  // Both providers show in the status document, the replaced one once.
  REQUIRE(f.ask<status_report>(status_atom::value).providers.size() == 2);

  // Reset reaches the provider by name; an unknown name is a domain error.
  new_a->view.state = provider_state::broken;
  auto st = f.ask<provider_status>(reset_atom::value, std::string("a"));
  CHECK(st.view.state == provider_state::available);
}

// --- the deadline rule (routing.max_wait_for_higher_ms unset) --------------------------------

namespace {

constexpr std::int64_t test_wall_ms = 1'795'000'000'000; // the fixture's wall clock

job_request scheduled(int n, std::chrono::milliseconds window_left) {
  auto r = request(n);
  r.kind = job_kind::scheduled;
  r.deadline_ms = test_wall_ms + window_left.count();
  return r;
}

// Ollama (1 in flight, 3 s a call) over Groq (1 s): the issue's first two groups.
struct two_groups : fixture {
  script_ptr ollama = add_provider("ollama", 1);
  script_ptr groq = add_provider("groq", 2);
  two_groups() {
    ollama->latency_ms = 3000;
    groq->latency_ms = 1000;
  }
  int served_by(const std::string& name) const {
    int n = 0;
    for (const auto& ex : archive->examples())
      n += ex.provider == name ? 1 : 0;
    return n;
  }
};

} // namespace

TEST_CASE("scheduler, deadline rule: a task waits for a busy higher group while that meets its deadline",
          "[actor]") {
  two_groups f;
  f.start();
  // Due in 10 s, planned to be done 4 s before (twice the quickest expected latency: the 2 s
  // prior before any answer). Ollama's call is expected to take 2 s, so the second task,
  // done at +4 s, waits for it; with 3 s seen, done at +6 s, it still does.
  REQUIRE(f.submit(scheduled(2, 10s)).ok());
  CHECK(f.ollama->generate_calls == 1);
  CHECK(f.groq->generate_calls == 0);
  f.run_until(2999ms);
  CHECK(f.ollama->generate_calls == 1);
  f.run_until(1ms);
  CHECK(f.ollama->generate_calls == 2);
  f.run_until(3000ms);
  CHECK(f.served_by("ollama") == 2);
  CHECK(f.groq->generate_calls == 0);
}

TEST_CASE("scheduler, deadline rule: a task falls through when waiting would miss its deadline",
          "[actor]") {
  SECTION("at once") {
    two_groups f;
    f.start();
    // Due in 3.5 s: waiting for Ollama (done at +4 s) is too late, Groq is free now.
    REQUIRE(f.submit(scheduled(2, 3500ms)).ok());
    CHECK(f.ollama->generate_calls == 1);
    CHECK(f.groq->generate_calls == 1);
    CHECK(f.groq->sent_at[0] == f.ollama->sent_at[0]);
  }
  SECTION("once the observed latency shows it") {
    two_groups f;
    f.start();
    // Due in 11 s, planned by +7 s (the 2 s prior twice over). Before any answer (2 s a
    // call) both waiting tasks fit behind the first one; when it took 3 s, the third (Ollama
    // would end it at +9 s) goes to Groq at once.
    REQUIRE(f.submit(scheduled(3, 11s)).ok());
    CHECK(f.ollama->generate_calls == 1);
    f.run_until(2999ms);
    CHECK(f.groq->generate_calls == 0);
    f.run_until(1ms);
    CHECK(f.ollama->generate_calls == 2);
    CHECK(f.groq->generate_calls == 1);
    f.run_until(4s);
    CHECK(f.served_by("ollama") == 2);
    CHECK(f.served_by("groq") == 1);
  }
}

TEST_CASE("scheduler, deadline rule: a scheduled task keeps time for a retry before its window ends",
          "[actor]") {
  two_groups f;
  f.start();
  // Two interactive tasks teach both latencies: Ollama 3 s, Groq 1 s.
  auto warm = f.submit(request(2));
  REQUIRE(warm.ok());
  f.run_until(3s);
  REQUIRE(f.served_by("ollama") == 1);
  REQUIRE(f.served_by("groq") == 1);
  // Ollama's next call fails when it ends.
  f.ollama->replies.push_back(failure(net::outcome_class::transient, "ollama: runner died"));
  auto calls = [&] { return std::make_pair(f.ollama->generate_calls, f.groq->generate_calls); };
  auto done_once = [&](const std::string& job_id) {
    const auto d = f.job_json(job_id);
    return d["successful"].GetInt() == 1 && d["failed"].GetInt() == 0;
  };
  SECTION("Ollama would end it too close to the window's end for a retry: Groq takes it") {
    // Due in 3.5 s: Ollama would be done at +3 s with no time left to retry a failure
    // there (Groq needs 1 s); planned by +1.5 s (twice Groq's 1 s), only Groq makes it.
    auto res = f.submit(scheduled(1, 3500ms));
    REQUIRE(res.ok());
    CHECK(calls() == std::make_pair(1, 2));
    f.run_until(3500ms);
    CHECK(done_once(res.job_id));
  }
  SECTION("Ollama ends it with time to spare: its failure is retried on Groq in time") {
    // Due in 5 s, planned by +3 s: Ollama takes it and fails at +3 s; Groq is done at +4 s.
    auto res = f.submit(scheduled(1, 5s));
    REQUIRE(res.ok());
    CHECK(calls() == std::make_pair(2, 1));
    f.run_until(2999ms);
    CHECK(calls() == std::make_pair(2, 1));
    f.run_until(1ms);
    CHECK(calls() == std::make_pair(2, 2));
    f.run_until(1000ms);
    CHECK(done_once(res.job_id));
    CHECK(f.served_by("groq") == 2);
  }
}

TEST_CASE("scheduler, deadline rule: scheduled tasks stay on Ollama when it can carry the day", "[actor]") {
  SECTION("a six-hour window: every task on Ollama, no cloud call") {
    two_groups f;
    f.start();
    REQUIRE(f.submit(scheduled(10, 6h)).ok());
    f.run_until(31s);
    CHECK(f.served_by("ollama") == 10);
    CHECK(f.groq->generate_calls == 0);
  }
  SECTION("a window Ollama cannot fill alone: the cloud takes the rest, in time") {
    two_groups f;
    f.start();
    REQUIRE(f.submit(scheduled(10, 16s)).ok());
    f.run_until(16s);
    CHECK(f.archive->examples().size() == 10);
    CHECK(f.served_by("ollama") >= 4);
    CHECK(f.served_by("groq") >= 1);
    CHECK(f.served_by("groq") <= 6);
  }
}

TEST_CASE("scheduler, deadline rule: an interactive batch uses the cloud groups without delaying",
          "[actor]") {
  fixture f;
  auto ollama = f.add_provider("ollama", 1);
  auto groq = f.add_provider("groq", 2);
  auto gemini = f.add_provider("gemini", 3);
  ollama->latency_ms = 3000;
  groq->latency_ms = 1000;
  gemini->latency_ms = 2000;
  f.start();
  const auto t0 = f.now();
  auto res = f.submit(request(6));
  REQUIRE(res.ok());
  // Every group starts at once: waiting for Ollama would make the batch later than the
  // best it can do with all three.
  REQUIRE(ollama->sent_at.size() == 1);
  REQUIRE(groq->sent_at.size() == 1);
  REQUIRE(gemini->sent_at.size() == 1);
  CHECK(ollama->sent_at[0] == t0);
  CHECK(groq->sent_at[0] == t0);
  CHECK(gemini->sent_at[0] == t0);
  // The best schedule (Groq at 0, 1, 2 s; Gemini at 0, 2 s; Ollama at 0 s) ends at 4 s.
  f.run_until(4s);
  CHECK(f.job_json(res.job_id)["successful"].GetInt() == 6);
  CHECK(groq->generate_calls >= 3);
  CHECK(ollama->generate_calls == 1);
}

TEST_CASE("scheduler fails a waiting task at its deadline", "[scheduler]") {
  struct variant {
    const char* what;
    int max_wait_ms;
    bool scheduled;
    std::chrono::milliseconds fails_at;
  };
  // The override counts task_deadline_ms from the task's first look. The rule counts it
  // from when the task was due: the batch's estimate (2 calls of 2 s before any answer, x
  // 1.1 = 4.4 s), so a big batch's queue does not fail; a scheduled task fails at its
  // window's end.
  for (const auto& v : {variant{"override", 0, false, 1000ms},
                        variant{"rule, interactive", -1, false, 5400ms},
                        variant{"rule, scheduled", -1, true, 5000ms}}) {
    INFO(v.what);
    fixture f;
    f.cfg.routing.max_wait_for_higher_ms = v.max_wait_ms;
    f.cfg.routing.task_deadline_ms = 1000;
    auto p1 = f.add_provider("ollama", 1);
    p1->latency_ms = 60'000;
    f.start();
    auto res = f.submit(v.scheduled ? scheduled(2, 5s) : request(2));
    CHECK(p1->generate_calls == 1);
    f.run_until(v.fails_at - 1ms);
    CHECK(f.job_json(res.job_id)["failed"].GetInt() == 0);
    f.run_until(1ms);
    auto d = f.job_json(res.job_id);
    CHECK(d["failed"].GetInt() == 1);
    CHECK(std::string{d["examples"][0]["error"].GetString()}.find("deadline") != std::string::npos);
  }
}

// --- a failing or slow disk (issue 10) ---------------------------------------------------------

namespace {

std::unique_ptr<store::store> empty_store(const std::string& dir) {
  std::string error;
  auto db = store::store::open({dir, 16, 64}, error);
  REQUIRE(db);
  return db;
}

// A fixture whose real archiver writes into a real store in a fresh directory.
struct stored_fixture {
  temp_dir dir;
  std::unique_ptr<store::store> db = empty_store(dir.path);
  fixture f;
  stored_fixture() {
    f.db = db.get();
    f.writer = db.get();
  }
};

} // namespace

TEST_CASE("a write error in the store holds the examples, pauses with the reason, and retries",
          "[actor]") {
  stored_fixture s;
  auto& f = s.f;
  auto& db = s.db;
  auto p1 = f.add_provider("groq", 1);
  f.start();
  auto res = f.submit(request(3));
  REQUIRE(res.ok());
  // From here every write transaction fails as a short write does (EIO), until cleared.
  db->fail_next_writes(1'000'000, EIO);
  f.run_for(500ms);
  auto status = net::status_view(f.ask<status_report>(status_atom::value));
  CHECK(status.find(R"("state":"storage_full")") != std::string::npos);
  CHECK(status.find("storage unavailable: cannot write to") != std::string::npos);
  CHECK(status.find("Input/output error") != std::string::npos);
  auto held = f.job_json(res.job_id);
  CHECK(held["failed"].GetInt() == 0);
  CHECK(held["successful"].GetInt() == 0);
  // Dispatch stopped at the first refused commit.
  auto calls_when_failing = p1->generate_calls;
  f.advance(10s);
  CHECK(p1->generate_calls == calls_when_failing);
  // The disk recovers; the next retry (15 s after the pause began) writes the held
  // example and dispatch continues without an operator.
  db->fail_next_writes(0, 0);
  f.advance(5s);
  f.run_for(1000ms);
  auto d = f.job_json(res.job_id);
  CHECK(std::string{d["state"].GetString()} == "completed");
  CHECK(d["successful"].GetInt() == 3);
  CHECK(d["failed"].GetInt() == 0);
  CHECK(db->count_examples("") == 3);
  status = net::status_view(f.ask<status_report>(status_atom::value));
  CHECK(status.find(R"("state":"storage_full")") == std::string::npos);
}

TEST_CASE("an archive answer later than its timeout is settled by what the store holds",
          "[actor]") {
  stored_fixture s;
  auto& f = s.f;
  auto& db = s.db;
  f.add_provider("groq", 1);
  f.start();
  auto res = f.submit(request(1));
  REQUIRE(res.ok());
  // A disk so slow that the archiver is still busy when the scheduler's archive request
  // times out: everything runs but the archiver.
  auto* archiver_job = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(f.arch));
  REQUIRE(archiver_job != nullptr);
  auto all_but_archiver = [&](std::chrono::milliseconds d) {
    f.sched.advance_time(d);
    f.sched.run_jobs_filtered([&](caf::resumable* r) { return r != archiver_job; });
  };
  for (int ms = 0; ms < 200; ++ms)
    all_but_archiver(1ms);
  all_but_archiver(sched::archive_timeout);
  // The archiver catches up and commits the example after all.
  f.run_for(200ms);
  REQUIRE(db->count_examples("") == 1);
  auto d = f.job_json(res.job_id);
  CHECK(d["successful"].GetInt() == 1);
  CHECK(d["failed"].GetInt() == 0);
  {
    store::example_filter all;
    auto page = db->list_examples(all, "", 10);
    REQUIRE(page.items.size() == 1);
    CHECK(d["examples"][0]["story_id"].GetUint64() == page.items[0].id);
  }
}
