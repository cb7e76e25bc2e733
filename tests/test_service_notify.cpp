#include "actors/service_notify.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace zega;
using namespace std::chrono_literals;

namespace {

// A datagram socket standing in for systemd's notify socket; NOTIFY_SOCKET points at it
// for the lifetime of the object.
struct notify_socket {
  int fd = -1;
  std::string path;
  notify_socket() {
    char tmpl[] = "/tmp/zega-notify-XXXXXX";
    path = std::string(mkdtemp(tmpl)) + "/sock";
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~notify_socket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
    ::unlink(path.c_str());
    ::rmdir(path.substr(0, path.size() - 5).c_str());
  }
  // The next datagram; sd_notify has already sent it when it returned.
  std::string next() {
    char buf[512];
    auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
};

} // namespace

TEST_CASE("READY, WATCHDOG and STOPPING reach the notify socket", "[integration][notify]") {
  notify_socket sock;
  notify_ready("listening on 127.0.0.1:8002");
  CHECK(sock.next() == "READY=1\nSTATUS=listening on 127.0.0.1:8002");
  notify_watchdog();
  CHECK(sock.next() == "WATCHDOG=1");
  notify_stopping();
  CHECK(sock.next() == "STOPPING=1\nSTATUS=draining");
}

TEST_CASE("without NOTIFY_SOCKET the notifications are no-ops", "[unit][notify]") {
  ::unsetenv("NOTIFY_SOCKET");
  notify_ready("x");
  notify_stopping();
  ::unsetenv("WATCHDOG_USEC");
  CHECK(watchdog_tick_from_env() == 0us);
}

TEST_CASE("the watchdog ticks at half of WatchdogSec", "[unit][notify]") {
  CHECK(watchdog_tick(30'000'000) == 15s);
  CHECK(watchdog_tick(0) == 0us);
  ::setenv("WATCHDOG_USEC", "20000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  CHECK(watchdog_tick_from_env() == 10s);
  ::setenv("WATCHDOG_PID", "1", 1); // meant for another process
  CHECK(watchdog_tick_from_env() == 0us);
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

TEST_CASE("the watchdog actor pings once per period", "[actor][notify]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg.set("scheduler.policy", caf::atom("testing"))};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  sched.clock().current_time += 1h;
  auto pings = std::make_shared<int>(0);
  auto dog = sys.spawn(watchdog, 10s, [pings] { ++*pings; });
  // Fires the timers that fall due, then delivers the ticks they sent.
  auto advance = [&](std::chrono::seconds d) {
    sched.advance_time(d);
    sched.run();
  };
  sched.run();
  CHECK(*pings == 0);
  advance(9s);
  CHECK(*pings == 0);
  advance(1s);
  CHECK(*pings == 1);
  advance(10s);
  advance(10s);
  CHECK(*pings == 3);
  caf::anon_send_exit(dog, caf::exit_reason::user_shutdown);
  sched.run();
  sched.clock().cancel_all();
  sched.run();
}
