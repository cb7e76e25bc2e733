#include "actors/errors.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <catch2/catch.hpp>

using namespace zega;

TEST_CASE("domain errors keep their code and message and render as zega.<code>", "[unit]") {
  auto err = make_error(ec::queue_full, "queue full: 9 tasks queued (limit 10)");
  CHECK(ec_of(err) == ec::queue_full);
  CHECK(message_of(err) == "queue full: 9 tasks queued (limit 10)");
  CHECK(ec_of(caf::error{}) == ec::none);
  // Another category's code 2 is not ec::queue_full.
  CHECK(ec_of(caf::make_error(caf::sec::request_timeout)) == ec::none);
  CHECK(message_of(make_error(ec::shutting_down)).empty());

  caf::actor_system_config cfg;
  add_error_category(cfg);
  cfg.set("scheduler.max-threads", 1);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  CHECK(sys.render(err) == "zega.queue_full: queue full: 9 tasks queued (limit 10)");
  CHECK(sys.render(make_error(ec::unknown_job)) == "zega.unknown_job");
}
