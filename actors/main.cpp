// zegad: wires configuration, store, actors and the HTTP front end; handles signals.

#include "actors/actors.hpp"
#include "actors/errors.hpp"
#include "actors/event_hub.hpp"
#include "actors/archiver.hpp"
#include "actors/planner.hpp"
#include "actors/provider.hpp"
#include "actors/reloader.hpp"
#include "actors/runtime.hpp"
#include "actors/scheduler.hpp"
#include "actors/service_notify.hpp"
#include "config/command_line.hpp"
#include "config/config.hpp"
#include "config/log.hpp"
#include "net/api/api.hpp"
#include "net/api/routes_events.hpp"
#include "net/http/client.hpp"
#include "net/http/server.hpp"
#include "net/http/io_runtime.hpp"
#include "net/http/stop_signals.hpp"
#include "net/providers/secrets.hpp"
#include "store/dir_lock.hpp"
#include "store/store.hpp"
#include "training/premise.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <mutex>
#include <iostream>
#include <memory>
#include <set>
#include <string>

namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

bool split_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535)
      return false;
    port = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return !host.empty();
}

int run(const zega::config& cfg, const zega::load_options& load, bool config_optional) {
  using namespace zega;
  std::string host;
  std::uint16_t port = 0;
  if (!split_listen(cfg.server.listen, host, port)) {
    log::error("zegad", "server.listen: expected HOST:PORT, got \"" + cfg.server.listen + "\"");
    return 2;
  }
  if (!is_loopback(host) && cfg.server.token.empty()) {
    log::error("zegad", "refusing to listen on " + cfg.server.listen + " without a token: set "
                          + cfg.server.token_env + " or listen on 127.0.0.1");
    return 2;
  }

  // A bad topics file is a configuration error: better refused at start than half used.
  std::shared_ptr<const training::user_topics> topics;
  if (cfg.prompts.topics_file) {
    std::ifstream in(*cfg.prompts.topics_file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string why;
    auto parsed = in ? training::parse_user_topics(text.str(), why) : std::nullopt;
    if (!in)
      why = "cannot read the file";
    if (!parsed) {
      log::error("config", "prompts.topics_file " + *cfg.prompts.topics_file + ": " + why);
      return 2;
    }
    topics = std::make_shared<const training::user_topics>(std::move(*parsed));
  }

  // Before any thread starts, so only the wait below receives them.
  net::stop_signals stop{true};

  std::string error;
  store::store_options sopts;
  sopts.dir = cfg.storage.data_dir;
  sopts.map_size_mb = cfg.storage.map_size_mb;
  sopts.max_map_size_mb = cfg.storage.max_map_size_mb;
  auto db = store::store::open(sopts, error);
  if (!db) {
    log::error("store", "cannot open the archive in " + cfg.storage.data_dir + ": " + error);
    return 1;
  }

  log::info("store", "archive open in " + db->path() + " (schema v"
                       + std::to_string(db->schema_version()) + ", "
                       + std::to_string(db->count_examples("")) + " examples)");

  caf::actor_system_config sys_cfg;
  tune_scheduler(sys_cfg);
  add_error_category(sys_cfg);
  caf::actor_system sys{sys_cfg};
  // A provider may call the client (and the io thread) until its last handler ran: both stop
  // only after every actor is done (await_all_actors_done below). They are still destroyed
  // before the system: the io's pending handlers hold actor handles (the API context), and
  // the system's destructor waits until the detached actors' handles are all released.
  net::io_runtime io;
  io.start();
  net::http_client client{io};

  auto archiver = sys.spawn<caf::detached>(zega::archiver, db.get(), cfg.storage.commit_batch,
                                           cfg.storage.commit_interval_ms,
                                           cfg.storage.attempts_retention_days);
  transport_fn transport = [&client](net::http_request req, net::client_limits limits,
                                     std::function<void(net::http_result)> done) {
    client.async_request(std::move(req), std::move(limits), std::move(done));
  };
  // The live stream's hub; its events are written by the API layer's view.
  event_hub_deps hdeps;
  hdeps.render = net::live_event_json;
  hdeps.heartbeat = std::chrono::milliseconds(std::max(1000, cfg.server.heartbeat_ms));
  auto hub = sys.spawn(zega::event_hub, hdeps);
  scheduler_deps sdeps;
  sdeps.hub = hub;
  sdeps.archiver = archiver;
  sdeps.transport = transport;
  sdeps.db = db.get();
  {
    std::set<std::string> first_users{"default"};
    for (const auto& j : db->unfinished_jobs())
      first_users.insert(j.user);
    for (const auto& user : first_users)
      sdeps.preloaded_minhashes[user] = db->minhashes(user);
  }
  sdeps.topics = topics;
  sdeps.wall_clock = wall_ms;
  sdeps.seed = static_cast<std::uint64_t>(wall_ms());
  // At start and for each provider a reload adds or changes.
  const store::store* reader = db.get();
  // Every provider actor ever spawned, so that shutdown reaches those a reload added.
  struct spawned_actors {
    std::mutex mutex;
    std::vector<provider_actor> all;
  };
  auto spawned = std::make_shared<spawned_actors>();
  auto spawn_provider = [&sys, transport, archiver, reader, spawned, hub,
                         seed = sdeps.seed](const provider_config& pc, const config& in_force) {
    provider_deps pdeps;
    pdeps.transport = transport;
    pdeps.archiver = archiver;
    pdeps.wall_clock = wall_ms;
    pdeps.rng_seed = seed ^ std::hash<std::string>{}(pc.name);
    // The persisted counter of the provider's own day (its reset zone, time_scale).
    pdeps.today = reader->get_quota(
      pc.name, rate::provider_days(pc, in_force.routing.time_scale).day_key(wall_ms()));
    // A daily exhaustion learned from a 429 before a restart (or a reload) is kept.
    if (auto saved = reader->get_meta(quota_exhausted_key(pc.name)))
      parse_quota_exhausted(*saved, pdeps.exhausted_until_ms, pdeps.exhausted_reason);
    pdeps.time_scale = in_force.routing.time_scale;
    pdeps.hub = hub;
    provider_actor handle = sys.spawn(zega::provider, pc, pdeps);
    std::lock_guard<std::mutex> lock(spawned->mutex);
    spawned->all.push_back(handle);
    return handle;
  };
  auto stop_providers = [spawned] {
    std::lock_guard<std::mutex> lock(spawned->mutex);
    for (auto& handle : spawned->all)
      anon_send_exit(handle, caf::exit_reason::user_shutdown);
  };
  for (const auto& pc : cfg.providers)
    sdeps.providers.emplace_back(pc, spawn_provider(pc, cfg));
  auto scheduler = sys.spawn(zega::scheduler, cfg, sdeps);
  // One planner per schedule; a reload replaces the planners of changed schedules.
  const store::store* planner_db = db.get();
  auto spawn_planner = [&sys, scheduler, archiver, planner_db,
                        hub](const schedule_config& sc, const config& in_force) {
    planner_deps pl;
    pl.scheduler = scheduler;
    pl.archiver = archiver;
    pl.db = planner_db;
    pl.wall_clock = wall_ms;
    pl.time_scale = in_force.routing.time_scale;
    pl.hub = hub;
    return sys.spawn(zega::planner, sc, pl);
  };
  auto planners = std::make_shared<planner_set>();
  {
    std::vector<planner_set::entry> started;
    for (const auto& sc : cfg.schedules)
      started.emplace_back(sc.name, spawn_planner(sc, cfg));
    planners->replace(std::move(started));
  }
  auto stop_planners = [planners] {
    for (auto& pl : planners->all())
      anon_send_exit(pl, caf::exit_reason::user_shutdown);
  };
  reloader_deps rdeps;
  rdeps.load = load;
  rdeps.config_optional = config_optional;
  rdeps.current = cfg;
  rdeps.providers = sdeps.providers;
  rdeps.spawn_provider = spawn_provider;
  rdeps.scheduler = scheduler;
  rdeps.planners = planners;
  rdeps.spawn_planner = spawn_planner;
  // The HTTP side reads the configuration in force (/health, export and rescore thresholds,
  // fine-tuning settings) from here; each applied reload replaces it.
  auto live_cfg = std::make_shared<config_cell>(cfg);
  rdeps.on_applied = [live_cfg](const config& next) { live_cfg->set(next); };
  auto reload = sys.spawn<caf::detached>(zega::reloader, rdeps);

  std::atomic<bool> shutting_down{false};
  net::api_context ctx;
  ctx.system = &sys;
  ctx.scheduler = scheduler;
  ctx.planners = planners;
  ctx.archiver = archiver;
  ctx.reloader = reload;
  ctx.hub = hub;
  ctx.db = db.get();
  ctx.cfg = &cfg;
  ctx.live_cfg = live_cfg;
  ctx.shutting_down = &shutting_down;
  net::server_options opts;
  opts.host = host;
  opts.port = port;
  opts.guard.token = cfg.server.token;
  // A specific address the operator chose to listen on is a Host clients will name.
  if (host != "0.0.0.0" && host != "::")
    opts.guard.allowed_hosts.push_back(host.find(':') != std::string::npos ? "[" + host + "]"
                                                                           : host);
  opts.guard.cors_origins = cfg.server.cors_origins;
  opts.guard.allowed_hosts.insert(opts.guard.allowed_hosts.end(),
                                  cfg.server.allowed_hosts.begin(),
                                  cfg.server.allowed_hosts.end());
  opts.guard.metrics_require_token = cfg.server.metrics_require_token;
  opts.max_connections = cfg.server.max_connections;
  opts.sse_queue_max_events = static_cast<std::size_t>(cfg.server.sse_queue_max_events);
  net::http_server server{io, opts, [ctx](net::server_request req, net::responder res) {
                            net::handle_api_request(ctx, std::move(req), std::move(res));
                          }};
  if (auto err = server.start(); !err.empty()) {
    log::error("zegad", "cannot listen on " + cfg.server.listen + ": " + err);
    anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
    stop_planners();
    anon_send_exit(reload, caf::exit_reason::user_shutdown);
    stop_providers();
    anon_send_exit(archiver, caf::exit_reason::user_shutdown);
    anon_send_exit(hub, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
    io.stop();
    return 1;
  }
  std::cout << "zegad " << ZEGA_VERSION << " listening on http://"
            << (host.find(':') != std::string::npos ? "[" + host + "]" : host) << ":"
            << server.port() << " (data: " << db->path() << ")" << std::endl;
  notify_ready("listening on " + host + ":" + std::to_string(server.port()));
  caf::actor dog;
  if (auto every = watchdog_tick_from_env(); every.count() > 0)
    dog = sys.spawn(watchdog, every, [] { notify_watchdog(); });

  int sig = stop.wait();
  // SIGHUP reloads (the reloader logs what happened) and the daemon goes on.
  for (; sig == SIGHUP; sig = stop.wait()) {
    caf::scoped_actor self{sys};
    self->request(reload, std::chrono::seconds(30), reload_atom::value, std::string("SIGHUP"))
      .receive([](const reload_report&) {},
               [&](const caf::error& err) {
                 log::error("reloader", "reload (SIGHUP) did not answer: " + sys.render(err));
               });
  }
  notify_stopping();
  log::info("zegad", std::string(sig == SIGINT ? "SIGINT" : "SIGTERM")
                       + ": stopping; in-flight calls may finish for up to "
                       + std::to_string(cfg.server.shutdown_grace_ms) + " ms");
  shutting_down = true;
  server.stop_accepting();
  // The planners stop first: nothing new is submitted while the scheduler drains.
  stop_planners();
  {
    caf::scoped_actor self{sys};
    auto grace = std::chrono::milliseconds(cfg.server.shutdown_grace_ms);
    self->request(scheduler, grace, drain_atom::value)
      .receive([](bool) {},
               [](const caf::error&) {
                 log::warn("zegad", "grace period over; unfinished calls are dropped");
               });
    self->request(archiver, std::chrono::seconds(30), flush_atom::value)
      .receive([](bool) {},
               [&](const caf::error& err) {
                 log::error("archiver", "final flush failed: " + sys.render(err));
               });
  }
  if (dog)
    anon_send_exit(dog, caf::exit_reason::user_shutdown);
  anon_send_exit(reload, caf::exit_reason::user_shutdown);
  anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  stop_providers();
  anon_send_exit(archiver, caf::exit_reason::user_shutdown);
  anon_send_exit(hub, caf::exit_reason::user_shutdown);
  // Finished requests keep their timeout entries (and the requesters) alive until they
  // would fire; drop them so the actor system can shut down now.
  sys.clock().cancel_all();
  // Every actor ends while the client and the io thread still exist (a provider may be
  // in a handler that calls them); only then do they stop.
  sys.await_all_actors_done();
  client.close_idle();
  io.stop();
  log::info("zegad", "stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto command_line = zega::parse_zegad_command_line(argc, argv);
  std::cout << command_line.output;
  std::cerr << command_line.error;
  if (command_line.exit_code)
    return *command_line.exit_code;
  auto opts = command_line.options.load;
  const bool check_only = command_line.options.check_config;
  zega::log::init({});
  bool defaults = false;
  auto loaded = zega::load_running_config(opts, command_line.options.config_optional, &defaults);
  if (defaults)
    zega::log::info("zegad", "no config at " + *opts.config_file + "; using built-in defaults");
  if (!loaded.cfg) {
    std::cerr << "zegad: invalid configuration";
    if (opts.config_file && !defaults)
      std::cerr << " in " << *opts.config_file;
    std::cerr << ":\n";
    for (const auto& err : loaded.errors)
      std::cerr << "  " << err.to_string() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << zega::to_json(*loaded.cfg) << "\n";
    return 0;
  }
  // One daemon per data directory: a second one would resume the same jobs twice.
  std::string lock_error;
  auto data_lock = zega::store::dir_lock::acquire(loaded.cfg->storage.data_dir, lock_error);
  if (!data_lock) {
    std::cerr << "zegad: " << lock_error << "\n";
    return 1;
  }
  // Each connection is a descriptor: the soft limit (often 1,024) would let idle clients
  // starve /health long before server.max_connections is reached.
  if (rlimit lim{}; getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  {
    std::vector<std::string> secrets{loaded.cfg->server.token};
    for (const auto& p : loaded.cfg->providers)
      secrets.push_back(p.api_key);
    zega::net::set_known_secrets(std::move(secrets));
  }
  // Each provider actor logs its state at spawn, a disabled one with the loader's reason
  // ("no API key: set GROQ_API_KEY"), which `enabled == false` alone would hide.
  if (auto level = zega::log::parse_level(loaded.cfg->logging.level))
    zega::log::set_level(*level);
  zega::log::add_secret(loaded.cfg->server.token);
  for (const auto& p : loaded.cfg->providers)
    zega::log::add_secret(p.api_key);
  if (zega::enabled_provider_count(*loaded.cfg) == 0)
    zega::log::warn("zegad", "every provider is disabled; no work can be done");
  return run(*loaded.cfg, opts, command_line.options.config_optional);
}
