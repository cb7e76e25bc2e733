#include "net/http/stop_signals.hpp"

#include <pthread.h>

namespace zega::net {

stop_signals::stop_signals(bool reload) {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  if (reload)
    sigaddset(&set_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int stop_signals::wait() {
  int sig = 0;
  sigwait(&set_, &sig);
  return sig;
}

} // namespace zega::net
