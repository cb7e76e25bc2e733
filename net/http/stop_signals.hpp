#pragma once
// SIGINT/SIGTERM (and, for the daemon, SIGHUP) handling: blocked in every thread
// (construct before starting any) and taken synchronously by wait() in the main thread.

#include <csignal>

namespace zega::net {

class stop_signals {
public:
  // Blocks SIGINT and SIGTERM in this thread (threads started later inherit the mask) and
  // ignores SIGPIPE, which a peer closing its socket would otherwise raise.
  // With `reload`, SIGHUP is taken too (zegad reloads on it) instead of ending the process.
  explicit stop_signals(bool reload = false);
  // Waits for SIGINT or SIGTERM (or SIGHUP when asked for); returns its number.
  int wait();

private:
  sigset_t set_;
};

} // namespace zega::net
