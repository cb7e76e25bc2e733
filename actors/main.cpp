// zegad: wires configuration, store, actors and the HTTP front end; handles signals.

#include "actors/actors.hpp"
#include "actors/archiver.hpp"
#include "actors/provider.hpp"
#include "actors/runtime.hpp"
#include "actors/scheduler.hpp"
#include "config/config.hpp"
#include "net/api.hpp"
#include "net/providers/secrets.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "net/stop_signals.hpp"
#include "store/dir_lock.hpp"
#include "store/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>

namespace {

constexpr const char* usage = R"(usage: zegad [options]

Generates creative-writing training examples through LLM providers in priority order.

options:
  --config FILE      JSON configuration (built-in defaults when omitted)
  --data-dir DIR     where the LMDB archive lives (overrides storage.data_dir)
  --listen HOST:PORT HTTP address (default 127.0.0.1:8002; port 0 = any free port)
  --env-file FILE    read API keys from this file (default ./.env when present)
  --check-config     validate, print the effective config (secrets redacted), exit
  --version          print the version
  --help             this text

exit codes: 0 ok, 1 runtime failure (store, port), 2 configuration error
)";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string utc_day(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
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

int run(const zega::config& cfg) {
  using namespace zega;
  std::string host;
  std::uint16_t port = 0;
  if (!split_listen(cfg.server.listen, host, port)) {
    std::cerr << "zegad: server.listen: expected HOST:PORT, got \"" << cfg.server.listen
              << "\"\n";
    return 2;
  }
  if (!is_loopback(host) && cfg.server.token.empty()) {
    std::cerr << "zegad: refusing to listen on " << cfg.server.listen << " without a token: set "
              << cfg.server.token_env << " or listen on 127.0.0.1\n";
    return 2;
  }

  // Before any thread starts, so only the wait below receives them.
  net::stop_signals stop;

  std::string error;
  store::store_options sopts;
  sopts.dir = cfg.storage.data_dir;
  sopts.map_size_mb = cfg.storage.map_size_mb;
  sopts.max_map_size_mb = cfg.storage.max_map_size_mb;
  auto db = store::store::open(sopts, error);
  if (!db) {
    std::cerr << "zegad: cannot open the archive in " << cfg.storage.data_dir << ": " << error
              << "\n";
    return 1;
  }

  caf::actor_system_config sys_cfg;
  tune_scheduler(sys_cfg);
  caf::actor_system sys{sys_cfg};
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
  scheduler_deps sdeps;
  sdeps.archiver = archiver;
  sdeps.db = db.get();
  sdeps.wall_clock = wall_ms;
  sdeps.seed = static_cast<std::uint64_t>(wall_ms());
  std::string today = utc_day(wall_ms());
  for (const auto& pc : cfg.providers) {
    provider_deps pdeps;
    pdeps.transport = transport;
    pdeps.archiver = archiver;
    pdeps.wall_clock = wall_ms;
    pdeps.rng_seed = sdeps.seed ^ std::hash<std::string>{}(pc.name);
    pdeps.today = db->get_quota(pc.name, today);
    pdeps.time_scale = cfg.routing.time_scale;
    sdeps.providers.emplace_back(pc, sys.spawn(zega::provider, pc, pdeps));
  }
  auto scheduler = sys.spawn(zega::scheduler, cfg, sdeps);

  std::atomic<bool> shutting_down{false};
  net::api_context ctx;
  ctx.system = &sys;
  ctx.scheduler = scheduler;
  ctx.db = db.get();
  ctx.cfg = &cfg;
  ctx.shutting_down = &shutting_down;
  net::server_options opts;
  opts.host = host;
  opts.port = port;
  opts.guard.token = cfg.server.token;
  // A specific address the operator chose to listen on is a Host clients will name.
  if (host != "0.0.0.0" && host != "::")
    opts.guard.allowed_hosts.push_back(host.find(':') != std::string::npos ? "[" + host + "]"
                                                                           : host);
  // TODO(integrator): once config has them, copy server.cors_origins, allowed_hosts,
  // max_connections, metrics_require_token and sse_queue_max_events into `opts` here.
  net::http_server server{io, opts, [ctx](net::server_request req, net::responder res) {
                            net::handle_api_request(ctx, std::move(req), std::move(res));
                          }};
  if (auto err = server.start(); !err.empty()) {
    std::cerr << "zegad: cannot listen on " << cfg.server.listen << ": " << err << "\n";
    anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
    for (auto& entry : sdeps.providers)
      anon_send_exit(entry.second, caf::exit_reason::user_shutdown);
    anon_send_exit(archiver, caf::exit_reason::user_shutdown);
    io.stop();
    return 1;
  }
  std::cout << "zegad " << ZEGA_VERSION << " listening on http://"
            << (host.find(':') != std::string::npos ? "[" + host + "]" : host) << ":"
            << server.port() << " (data: " << db->path() << ")" << std::endl;

  int sig = stop.wait();
  std::cerr << "[zegad] " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ": stopping; in-flight calls may finish for up to "
            << cfg.server.shutdown_grace_ms << " ms" << std::endl;
  shutting_down = true;
  server.stop_accepting();
  {
    caf::scoped_actor self{sys};
    auto grace = std::chrono::milliseconds(cfg.server.shutdown_grace_ms);
    self->request(scheduler, grace, drain_atom::value)
      .receive([](bool) {},
               [](const caf::error&) {
                 std::cerr << "[zegad] grace period over; unfinished calls are dropped"
                           << std::endl;
               });
    self->request(archiver, std::chrono::seconds(30), flush_atom::value)
      .receive([](bool) {},
               [&](const caf::error& err) {
                 std::cerr << "[zegad] final flush failed: " << sys.render(err) << std::endl;
               });
  }
  anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  for (auto& entry : sdeps.providers)
    anon_send_exit(entry.second, caf::exit_reason::user_shutdown);
  anon_send_exit(archiver, caf::exit_reason::user_shutdown);
  client.close_idle();
  io.stop();
  // Finished requests keep their timeout entries (and the requesters) alive until they
  // would fire; drop them so the actor system can shut down now.
  sys.clock().cancel_all();
  std::cerr << "[zegad] stopped" << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  zega::load_options opts;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        std::cerr << "zegad: " << name << " needs a value\n";
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    } else if (arg == "--version") {
      std::cout << "zegad " << ZEGA_VERSION << "\n";
      return 0;
    } else if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--config") {
      if (!(opts.config_file = value("--config")))
        return 2;
    } else if (arg == "--data-dir") {
      if (!(opts.data_dir = value("--data-dir")))
        return 2;
    } else if (arg == "--listen") {
      if (!(opts.listen = value("--listen")))
        return 2;
    } else if (arg == "--env-file") {
      if (!(opts.env_file = value("--env-file")))
        return 2;
    } else {
      std::cerr << "zegad: unknown option " << arg << " (see --help)\n";
      return 2;
    }
  }
  auto loaded = zega::load_config(opts);
  if (!loaded.cfg) {
    std::cerr << "zegad: invalid configuration";
    if (opts.config_file)
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
  for (const auto& p : loaded.cfg->providers)
    if (!p.enabled)
      std::cerr << "[zegad] provider " << p.name << " is disabled in the config\n";
    else if (!p.disabled_reason.empty())
      std::cerr << "[zegad] provider " << p.name << " is disabled: " << p.disabled_reason << "\n";
  return run(*loaded.cfg);
}
