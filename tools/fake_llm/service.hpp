#pragma once
// The fake LLM server's request handling: routes each request to an emulated provider,
// asks the emulator for a verdict, and answers on time (latency, streaming, faults) from a
// small timer thread, so the io thread never waits.

#include "net/http/server.hpp"
#include "tools/fake_llm/emulation.hpp"
#include "tools/fake_llm/protocols.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace zega::fake {

// Runs callbacks at given times on one thread; stop() drops what is still pending.
class delay_queue {
public:
  delay_queue();
  ~delay_queue();
  delay_queue(const delay_queue&) = delete;
  delay_queue& operator=(const delay_queue&) = delete;

  void at(time_point when, std::function<void()> fn);
  void stop();

private:
  struct item {
    time_point when;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const item& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };
  void run();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::priority_queue<item, std::vector<item>, std::greater<item>> items_;
  std::uint64_t seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

class service {
public:
  // `log` receives one JSON line per request (not owned).
  service(emulator& emu, std::uint64_t seed, std::FILE* log);

  void handle(net::server_request req, net::responder res);
  // Drops pending timed answers; call before the io runtime goes away.
  void stop();

private:
  struct call_context;
  void generation(provider_kind p, endpoint e, const std::string& path_model,
                  const net::server_request& req, const net::responder& res);
  void probe(provider_kind p, const net::server_request& req, const net::responder& res);
  void admin(const net::server_request& req, const net::responder& res);
  // Ollama's POST /api/create: records the model (see emulator::created_models()).
  void create(const net::server_request& req, const net::responder& res);
  void finish(const call_context& ctx, int status, const std::string& outcome);
  // Adds the headers a provider sends on every response.
  reply decorate(provider_kind p, reply r);
  void answer(const call_context& ctx, const net::responder& res, const reply& r,
              const std::string& outcome);

  emulator& emu_;
  std::uint64_t seed_;
  std::FILE* log_;
  std::mutex log_mutex_;
  // Log lines give each request's start relative to this, so a run's timeline can be read back.
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  delay_queue timers_;
};

} // namespace zega::fake
