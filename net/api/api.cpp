#include "net/api/api.hpp"

#include "actors/errors.hpp"
#include "actors/job.hpp"
#include "config/log.hpp"
#include "net/api/dashboard.hpp"
#include "net/api/metrics.hpp"
#include "net/api/routes_schedule.hpp"
#include "net/api/routes_data.hpp"
#include "net/api/routes_ops.hpp"
#include "net/api/routes_zega.hpp"
#include "net/api/routes_events.hpp"
#include "net/api/views_errors.hpp"
#include "net/api/views_jobs.hpp"
#include "net/api/views_status.hpp"

#include "store/codec.hpp"
#include "store/export.hpp"
#include "store/history.hpp"
#include "store/store.hpp"
#include "training/element.hpp"
#include "training/genres.hpp"

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/event_based_actor.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>

namespace zega::net {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Queries answered by the scheduler are quick; a slow answer means it is overloaded.
constexpr auto query_timeout = std::chrono::seconds(10);
// A probe makes one real upstream call.
constexpr auto probe_timeout = std::chrono::minutes(5);

const char* json_type = "application/json";

void respond_error(const responder& res, int status, const std::string& code,
                   const std::string& message) {
  res.respond(status, json_type, error_json(code, message));
}

// The HTTP face of a domain error (net/api/views_errors.hpp).
void respond_domain_error(const responder& res, const caf::error& err, const std::string& rendered) {
  auto reply = error_view(err, rendered);
  res.respond(reply.http_status, json_type, reply.body);
}

// Sends `msg` to the scheduler from a short-lived bridge actor and writes its typed answer
// (Reply) through `view`; an error goes to `on_error(res, err, rendered)`.
template <class Reply, class Timeout, class OnError, class... Ts>
void ask_view_or(const api_context& ctx, const responder& res, Timeout timeout,
                 std::string (*view)(const Reply&), OnError on_error, Ts... msg) {
  auto scheduler = ctx.scheduler;
  ctx.system->spawn([=](caf::event_based_actor* self) {
    self->request(scheduler, timeout, msg...)
      .then([=](const Reply& r) { res.respond(200, json_type, view(r)); },
            [=](const caf::error& err) { on_error(res, err, self->system().render(err)); });
  });
}

template <class Reply, class Timeout, class... Ts>
void ask_view(const api_context& ctx, const responder& res, Timeout timeout,
              std::string (*view)(const Reply&), Ts... msg) {
  ask_view_or(ctx, res, timeout, view, respond_domain_error, msg...);
}

// Pause and resume: a pause state that could not be persisted is a server error (500),
// unlike a refused submit (503: nothing was accepted).
template <class Atom>
void ask_pause(const api_context& ctx, const responder& res, Atom atom) {
  auto on_error = [](const responder& res, const caf::error& err, const std::string& rendered) {
    if (ec_of(err) == ec::storage_error)
      respond_error(res, 500, "storage", message_of(err));
    else
      respond_domain_error(res, err, rendered);
  };
  ask_view_or(ctx, res, query_timeout, pause_view, on_error, atom);
}

std::vector<planner_actor> planners_of(const api_context& ctx) {
  return ctx.planners ? ctx.planners->all() : std::vector<planner_actor>{};
}

bool wants_async(const server_request& req) {
  std::string value;
  return query_param(req.query, "async", value) && (value == "1" || value == "true");
}

void start_sse(const responder& res) {
  res.start_stream(200, "text/event-stream",
                   {{"cache-control", "no-cache"}, {"x-accel-buffering", "no"}});
}

// Streams a job's events as Server-Sent Events; an unknown job is a 404, not a stream.
// Called from the scheduler only, one call at a time.
class sse_sink : public job_sink {
public:
  explicit sse_sink(responder res) : res_(std::move(res)) {
  }
  void open() override {
    opened_ = true;
    start_sse(res_);
  }
  bool push(std::uint64_t id, const job_event& e) override {
    if (!res_.alive())
      return false;
    auto json = job_event_json(e);
    if (!opened_) {
      res_.respond(404, json_type, json);
      return false;
    }
    // An "id:" line sets the client's Last-Event-ID, so only logged events carry one: a
    // heartbeat with "id: 0" would make a reconnecting client replay the whole job.
    res_.write((id != 0 ? "id: " + std::to_string(id) + "\n" : std::string{}) + "data: " + json
               + "\n\n");
    return true;
  }
  void close() override {
    if (opened_)
      res_.finish();
  }

private:
  responder res_;
  bool opened_ = false;
};

// Waits for a job's completion and answers with its result (synchronous
// /auto-train, ZEGA's shape).
class result_sink : public job_sink {
public:
  explicit result_sink(responder res) : res_(std::move(res)) {
  }
  bool push(std::uint64_t, const job_event& e) override {
    if (!res_.alive())
      return false;
    if (e.kind == job_event_kind::complete && e.summary)
      answer(200, job_view(*e.summary));
    else if (e.kind == job_event_kind::error)
      answer(404, job_event_json(e));
    return true;
  }
  void close() override {
    answer(500, error_json("incomplete", "the job ended without a result"));
  }

private:
  void answer(int status, std::string body) {
    std::lock_guard<std::mutex> guard(mtx_);
    if (answered_)
      return;
    answered_ = true;
    res_.respond(status, json_type, std::move(body));
  }
  responder res_;
  std::mutex mtx_;
  bool answered_ = false;
};

void subscribe(const api_context& ctx, const std::string& job_id, std::uint64_t last_event_id,
               job_sink_ptr sink) {
  caf::anon_send(ctx.scheduler, subscribe_atom::value, job_id, last_event_id, std::move(sink));
}

// POST /auto-train, /auto-train?async=1, /auto-train-stream.
void submit_job(const api_context& ctx, const server_request& req, const responder& res,
                bool stream) {
  job_request jr;
  std::string error;
  if (!jobs::parse_request(req.body, jr, error)) {
    respond_error(res, 400, "bad_request", error);
    return;
  }
  bool async = !stream && wants_async(req);
  // A following client's sink travels with the request: the scheduler attaches it as soon
  // as the job is durable, and answers only errors to this handler.
  job_sink_ptr sink;
  if (stream)
    sink = std::make_shared<sse_sink>(res);
  else if (!async)
    sink = std::make_shared<result_sink>(res);
  auto c = ctx;
  ctx.system->spawn([=](caf::event_based_actor* self) {
    auto answered = [=](const std::string& job_id) {
      if (async) {
        std::string body = "{\"job_id\":\"" + job_id + "\",\"location\":\"/jobs/"
                           + job_id + "\"}";
        res.respond(202, json_type, body, {{"location", "/jobs/" + job_id}});
      }
    };
    auto unanswered = [=](const caf::error& err) {
      respond_domain_error(res, err, self->system().render(err));
    };
    if (sink)
      self->request(c.scheduler, query_timeout, submit_atom::value, jr, sink)
        .then(answered, unanswered);
    else
      self->request(c.scheduler, query_timeout, submit_atom::value, jr).then(answered, unanswered);
  });
}

void write_genres(const responder& res) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("genres");
  w.StartArray();
  const auto names = training::genre_names();
  for (const auto& g : names)
    w.String(g.c_str());
  w.EndArray();
  // ZEGA's shape: the list and its length.
  w.Key("total");
  w.Uint64(names.size());
  w.Key("elements");
  w.StartArray();
  for (auto e : training::all_elements())
    w.String(training::to_string(e));
  w.EndArray();
  w.Key("topics");
  w.StartObject();
  for (const auto& g : training::all_genres()) {
    w.Key(g.name.c_str());
    w.StartArray();
    for (const auto& t : g.topics)
      w.String(t.c_str());
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  res.respond(200, json_type, std::string(buf.GetString(), buf.GetSize()));
}

void write_health(const api_context& ctx, const responder& res) {
  const auto cfg = config_in_force(ctx);
  int usable = 0;
  for (const auto& p : cfg->providers)
    if (p.enabled && p.disabled_reason.empty())
      ++usable;
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("status");
  // Up but unable to do any work is not healthy: a monitor must see the difference.
  if (ctx.shutting_down && ctx.shutting_down->load()) {
    w.String("shutting_down");
  } else if (usable == 0) {
    std::string reason = cfg->providers.empty() ? "no provider is configured"
                                                : "every provider is disabled";
    for (std::size_t i = 0; i < cfg->providers.size(); ++i) {
      const auto& pc = cfg->providers[i];
      reason += (i == 0 ? ": " : "; ") + pc.name + ": "
                + (pc.disabled_reason.empty() ? std::string{"disabled"} : pc.disabled_reason);
    }
    w.String("degraded");
    w.Key("reason");
    w.String(reason.c_str(), static_cast<rapidjson::SizeType>(reason.size()));
  } else {
    w.String("healthy");
  }
  w.Key("version");
  w.String(ZEGA_VERSION);
  w.Key("models_loaded");
  w.Int(usable);
  w.Key("features");
  w.StartArray();
  for (const char* f : {"auto-train", "auto-train-stream", "jobs", "pause", "ensemble",
                        "history", "export", "rate-limit-aware-routing"})
    w.String(f);
  w.EndArray();
  w.EndObject();
  res.respond(200, json_type, std::string(buf.GetString(), buf.GetSize()));
}

// Store reads that may scan many records run on their own thread (a detached actor, so
// the actor system waits for it at shutdown) instead of the io thread; at most
// `max_store_readers` at once, beyond that the client is told to come back (503).
constexpr int max_store_readers = 4;
std::atomic<int> store_readers{0};

template <class F>
void off_io(const api_context& ctx, const responder& res, F fn) {
  if (store_readers.fetch_add(1) >= max_store_readers) {
    store_readers.fetch_sub(1);
    res.respond(503, json_type,
                error_json("busy", std::to_string(max_store_readers)
                                     + " history/export reads are running; retry shortly"),
                {{"retry-after", "1"}});
    return;
  }
  ctx.system->spawn<caf::detached>([fn](caf::blocking_actor*) {
    fn();
    store_readers.fetch_sub(1);
  });
}

} // namespace

// Reads the common example filters from the query; false (and `error`) on a bad value.
bool example_filter_from(const std::string& query, store::example_filter& f, std::string& error) {
  std::string v;
  if (query_param(query, "user_id", v) || query_param(query, "user", v))
    f.user = v;
  if (query_param(query, "genre", v)) {
    if (!training::find_genre(v)) {
      error = "genre: " + training::unknown_genre_message(v);
      return false;
    }
    f.genre = training::find_genre(v)->name;
  }
  if (query_param(query, "element", v)) {
    if (!training::element_from_string(v)) {
      error = "element: expected scene, character, dialogue or setting, got \"" + v + "\"";
      return false;
    }
    f.element = v;
  }
  if (query_param(query, "min_quality", v)) {
    char* end = nullptr;
    double q = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || q < 0 || q > 10) {
      error = "min_quality: expected a number from 0 to 10, got \"" + v + "\"";
      return false;
    }
    f.min_quality = q;
  }
  for (const char* key : {"from", "to"}) {
    if (!query_param(query, key, v))
      continue;
    char* end = nullptr;
    long long ms = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || ms < 0) {
      error = std::string(key) + ": expected Unix milliseconds, got \"" + v + "\"";
      return false;
    }
    (std::string(key) == "from" ? f.from_ms : f.to_ms) = ms;
  }
  return true;
}

bool limit_from(const std::string& query, std::size_t& limit, std::string& error) {
  std::string v;
  if (!query_param(query, "limit", v))
    return true;
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 1 || n > 1000) {
    error = "limit: expected an integer from 1 to 1000, got \"" + v + "\"";
    return false;
  }
  limit = static_cast<std::size_t>(n);
  return true;
}

namespace {

void get_history(const api_context& ctx, const server_request& req, const responder& res) {
  store::example_filter ef;
  std::string error;
  std::size_t limit = 50;
  if (!example_filter_from(req.query, ef, error) || !limit_from(req.query, limit, error)) {
    respond_error(res, 400, "bad_request", error);
    return;
  }
  store::job_filter jf;
  jf.user = ef.user;
  jf.from_ms = ef.from_ms;
  jf.to_ms = ef.to_ms;
  std::string order;
  if (query_param(req.query, "order", order) && order != "newest" && order != "oldest") {
    respond_error(res, 400, "bad_request",
                  "order: expected newest or oldest, got \"" + order + "\"");
    return;
  }
  jf.newest_first = order != "oldest";
  std::string cursor;
  query_param(req.query, "cursor", cursor);
  auto page = ctx.db->list_jobs(jf, cursor, limit);
  if (!page.error.empty()) {
    respond_error(res, 400, "bad_request", "cursor: " + page.error);
    return;
  }
  res.respond(200, json_type, store::history_json(page));
}

// GET /metrics: the typed status, expressed for Prometheus.
void get_metrics(const api_context& ctx, const responder& res) {
  auto scheduler = ctx.scheduler;
  const store::store* db = ctx.db;
  auto* system = ctx.system;
  // The planners first (they answer at once), then the scheduler's status.
  gather_schedules(ctx, [=](std::vector<schedule_view> schedules) {
    system->spawn([=](caf::event_based_actor* self) {
      self->request(scheduler, query_timeout, status_atom::value)
        .then(
          [=](const status_report& r) {
            res.respond(200, "text/plain; version=0.0.4",
                        metrics_from_report(r, db->count_examples(""), schedules));
          },
          [=](const caf::error& err) {
            respond_error(res, 503, "unavailable",
                          "scheduler did not answer: " + self->system().render(err));
          });
    });
  });
}

} // namespace

std::shared_ptr<const config> config_in_force(const api_context& ctx) {
  if (ctx.live_cfg)
    return ctx.live_cfg->get();
  // Not owned: the caller's context outlives the request (tests without a reloader).
  return std::shared_ptr<const config>(std::shared_ptr<const config>{}, ctx.cfg);
}

void run_off_io(const api_context& ctx, const responder& res, std::function<void()> fn) {
  off_io(ctx, res, std::move(fn));
}

void handle_api_request(const api_context& ctx, server_request req, responder res) {
  const std::string& m = req.method;
  const std::string& p = req.path;
  auto only = [&](std::initializer_list<const char*> methods) {
    for (const char* allowed : methods)
      if (m == allowed)
        return true;
    std::string list;
    for (const char* allowed : methods)
      list += (list.empty() ? "" : ", ") + std::string(allowed);
    res.respond(405, json_type,
                error_json("method_not_allowed", m + " is not allowed on " + p
                                                   + " (allowed: " + list + ")"),
                {{"allow", list}});
    return false;
  };
  // Token, Host, Origin and media type were checked by the server (net/http/guard.hpp).
  bool stopping = ctx.shutting_down && ctx.shutting_down->load();

  if (p == "/") {
    if (only({"GET"}))
      res.respond(200, "text/html; charset=utf-8", dashboard_html());
  } else if (p == "/health") {
    if (only({"GET"}))
      write_health(ctx, res);
  } else if (p == "/status") {
    if (only({"GET"}))
      status_with_schedules(ctx, res);
  } else if (p == "/models/available") {
    if (only({"GET"}))
      ask_view(ctx, res, query_timeout, models_view, providers_atom::value);
  } else if (p == "/training/genres") {
    if (only({"GET"}))
      write_genres(res);
  } else if (p == "/pause") {
    if (only({"POST"})) {
      for (const auto& pl : planners_of(ctx))
        caf::anon_send(pl, pause_atom::value);
      ask_pause(ctx, res, pause_atom::value);
    }
  } else if (p == "/resume") {
    if (only({"POST"})) {
      for (const auto& pl : planners_of(ctx))
        caf::anon_send(pl, resume_atom::value);
      ask_pause(ctx, res, resume_atom::value);
    }
  } else if (p == "/auto-train" || p == "/auto-train-stream") {
    if (!only({"POST"}))
      return;
    if (stopping) {
      respond_error(res, 503, "shutting_down", "zegad is shutting down");
      return;
    }
    submit_job(ctx, req, res, p == "/auto-train-stream");
  } else if (p == "/jobs") {
    if (only({"GET"}))
      ask_view(ctx, res, query_timeout, jobs_view, jobs_atom::value);
  } else if (p.rfind("/jobs/", 0) == 0) {
    std::string rest = p.substr(6);
    auto slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
    if (id.empty()) {
      respond_error(res, 404, "not_found", "no job id in " + p);
    } else if (tail.empty()) {
      if (!only({"GET", "DELETE"}))
        return;
      if (m == "GET")
        ask_view(ctx, res, query_timeout, job_view, job_atom::value, id);
      else
        ask_view(ctx, res, query_timeout, cancel_view, cancel_atom::value, id);
    } else if (tail == "/events") {
      if (!only({"GET"}))
        return;
      subscribe(ctx, id, last_event_id_of(req), std::make_shared<sse_sink>(res));
    } else {
      respond_error(res, 404, "not_found", "no route for " + p);
    }
  } else if (p == "/metrics") {
    if (only({"GET"}))
      get_metrics(ctx, res);
  } else if (p == "/history") {
    if (only({"GET"}))
      off_io(ctx, res, [ctx, req, res] { get_history(ctx, req, res); });
  } else if (p == "/history/stats") {
    if (only({"GET"})) {
      const store::store* db = ctx.db;
      off_io(ctx, res, [db, res] { res.respond(200, json_type, store::stats_json(*db)); });
    }
  } else if (p.rfind("/providers/", 0) == 0 && p.size() > 17
             && p.compare(p.size() - 6, 6, "/probe") == 0) {
    if (only({"POST"}))
      ask_view(ctx, res, probe_timeout, probe_view, probe_atom::value,
               p.substr(11, p.size() - 11 - 6));
  } else if (route_schedule(ctx, req, res)) {
  } else if (route_data(ctx, req, res)) {
  } else if (route_zega(ctx, req, res)) {
  } else if (route_events(ctx, req, res)) {
  } else if (route_ops(ctx, req, res)) {
  } else {
    respond_error(res, 404, "not_found", "no route for " + p);
  }
}

} // namespace zega::net
