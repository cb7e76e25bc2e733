#pragma once
// SIGINT/SIGTERM handling for the daemon and the fake server: blocked in every thread
// (construct before starting any) and taken synchronously by wait() in the main thread.

#include <csignal>

namespace zega::net {

class stop_signals {
public:
  // Blocks SIGINT and SIGTERM in this thread (threads started later inherit the mask) and
  // ignores SIGPIPE, which a peer closing its socket would otherwise raise.
  stop_signals();
  // Waits for SIGINT or SIGTERM; returns its number.
  int wait();

private:
  sigset_t set_;
};

} // namespace zega::net
