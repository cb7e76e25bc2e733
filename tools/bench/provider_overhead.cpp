// Per-call overhead of the provider path (provider actor + codec + HTTP client) against
// calling the fake server directly with the same client and connection reuse.
// Prints p50/p99 in microseconds and the overhead. Not a test: figures only.
// usage: zega-bench-provider_overhead [calls] [caf-default]

#include "bench_support.hpp"

#include "actors/actors.hpp"
#include "actors/provider.hpp"
#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "net/providers/codec.hpp"
#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int calls = argc > 1 ? std::atoi(argv[1]) : 2000;
  zega::tools::child_process fake;
  std::string base = zega::bench::start_fake(fake, {"--latency-ms", "0", "--seed", "3"});
  if (base.empty()) {
    std::cerr << "cannot start zega-fake-llm next to this program\n";
    return 1;
  }
  zega::net::io_runtime io;
  io.start();
  zega::net::http_client client{io};

  zega::provider_config pc = *zega::provider_preset("ollama");
  pc.base_url = base;
  pc.limits = {};
  pc.limits.max_in_flight = 1;
  zega::net::endpoint ep{pc.kind, pc.name, pc.base_url, pc.model, ""};
  zega::net::generation_params params;
  params.prompt = "Write one scene of about 150 words in the fantasy genre.";
  params.max_tokens = 400;
  zega::net::client_limits limits;

  auto direct_call = [&] {
    auto t0 = clock_type::now();
    auto result = zega::net::blocking_request(client, zega::net::build_generate(ep, params), limits);
    auto t1 = clock_type::now();
    if (!std::holds_alternative<zega::net::http_response>(result)) {
      std::cerr << "direct call failed\n";
      std::exit(1);
    }
    return std::chrono::duration<double, std::micro>(t1 - t0).count();
  };

  // zegad's scheduler settings; "caf-default" measures CAF's own polling for comparison.
  bool caf_default = argc > 2 && std::string(argv[2]) == "caf-default";
  caf::actor_system_config cfg;
  if (!caf_default)
    zega::tune_scheduler(cfg);
  caf::actor_system sys{cfg};
  zega::provider_deps deps;
  deps.transport = [&client](zega::net::http_request req, zega::net::client_limits l,
                             std::function<void(zega::net::http_result)> done) {
    client.async_request(std::move(req), std::move(l), std::move(done));
  };
  deps.wall_clock = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  };
  auto provider = sys.spawn(zega::provider, pc, deps);
  caf::scoped_actor self{sys};
  std::uint64_t task_id = 0;
  auto actor_call = [&] {
    zega::gen_task task;
    task.task_id = ++task_id;
    task.params = params;
    auto t0 = clock_type::now();
    bool ok = false;
    self->request(provider, std::chrono::seconds(30), zega::generate_atom::value, task)
      .receive([&](const zega::gen_outcome& out) { ok = out.result.cls == zega::net::outcome_class::ok; },
               [&](const caf::error&) {});
    auto t1 = clock_type::now();
    if (!ok) {
      std::cerr << "provider call failed\n";
      std::exit(1);
    }
    return std::chrono::duration<double, std::micro>(t1 - t0).count();
  };

  // Warm up both paths (connection established, caches hot), then interleave them so
  // machine noise hits both equally.
  for (int i = 0; i < 50; ++i) {
    direct_call();
    actor_call();
  }
  std::vector<double> direct, via_actor;
  for (int i = 0; i < calls; ++i) {
    direct.push_back(direct_call());
    via_actor.push_back(actor_call());
  }
  double d50 = zega::bench::percentile(direct, 50), d99 = zega::bench::percentile(direct, 99);
  double a50 = zega::bench::percentile(via_actor, 50), a99 = zega::bench::percentile(via_actor, 99);
  std::printf("provider path overhead, %d calls each, interleaved, same client and connection, "
              "%s scheduler settings\n",
              calls, caf_default ? "CAF's default" : "zegad's");
  std::printf("%-28s %10s %10s\n", "", "p50 us", "p99 us");
  std::printf("%-28s %10.1f %10.1f\n", "direct (client only)", d50, d99);
  std::printf("%-28s %10.1f %10.1f\n", "provider actor+codec+client", a50, a99);
  std::printf("%-28s %10.1f %10.1f\n", "overhead", a50 - d50, a99 - d99);
  std::printf("ratio provider/direct: p50 %.3f, p99 %.3f; connections opened: %zu\n", a50 / d50,
              a99 / d99, client.connections_opened());
  anon_send_exit(provider, caf::exit_reason::user_shutdown);
  sys.clock().cancel_all();
  return 0;
}
