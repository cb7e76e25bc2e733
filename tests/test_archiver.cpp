#include "actors/archiver.hpp"
#include "store/store.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <optional>

using namespace zega;
using namespace std::chrono_literals;

namespace {

struct test_config : caf::actor_system_config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
  }
};

struct fixture {
  std::string dir;
  std::unique_ptr<store::store> db;
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
    dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  explicit fixture(std::uint64_t map_mb = 16, std::uint64_t max_mb = 64) {
    char tmpl[] = "/tmp/zega-archiver-XXXXXX";
    dir = mkdtemp(tmpl);
    std::string error;
    db = store::store::open({dir, map_mb, max_mb}, error);
    REQUIRE(db);
    sched.clock().current_time += 1h;
  }

  ~fixture() {
    sched.clock().cancel_all();
    sched.run();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  archiver_actor spawn_archiver(int commit_batch, int interval_ms, int retention_days = 0) {
    auto a = sys.spawn(archiver, db.get(), commit_batch, interval_ms, retention_days);
    sched.run();
    return a;
  }

  using reply_slot = std::shared_ptr<std::optional<store::commit_result>>;

  // Sends one batch from a probe actor; the slot fills when the archiver answers.
  reply_slot archive(const archiver_actor& a, store::write_batch batch) {
    auto slot = std::make_shared<std::optional<store::commit_result>>();
    sys.spawn([a, batch, slot](caf::event_based_actor* self) {
      self->request(a, caf::infinite, archive_atom::value, batch)
        .then([slot](const store::commit_result& r) { *slot = r; });
    });
    return slot;
  }

  std::shared_ptr<std::optional<bool>> flush(const archiver_actor& a) {
    auto slot = std::make_shared<std::optional<bool>>();
    sys.spawn([a, slot](caf::event_based_actor* self) {
      self->request(a, caf::infinite, flush_atom::value).then([slot](bool ok) { *slot = ok; });
    });
    return slot;
  }
};

store::write_batch examples(int n, std::size_t output_bytes = 200) {
  store::write_batch b;
  for (int k = 0; k < n; ++k) {
    store::example_record e;
    e.element = "scene";
    e.genre = "fantasy";
    e.prompt = "prompt " + std::to_string(k);
    e.output = std::string(output_bytes, 'x');
    e.quality = 7.5;
    b.examples.push_back(e);
  }
  return b;
}

} // namespace

TEST_CASE("the archiver acknowledges only after the commit", "[archiver]") {
  fixture f;
  auto a = f.spawn_archiver(100, 50);
  auto reply = f.archive(a, examples(1));
  f.sched.run();
  CHECK_FALSE(reply->has_value());
  CHECK(f.db->count_examples("") == 0);
  CHECK(f.db->commits() == 0);

  f.sched.advance_time(49ms);
  f.sched.run();
  CHECK_FALSE(reply->has_value());
  CHECK(f.db->commits() == 0);

  f.sched.advance_time(1ms);
  f.sched.run();
  REQUIRE(reply->has_value());
  CHECK((*reply)->status == store::commit_status::ok);
  REQUIRE((*reply)->example_ids.size() == 1);
  auto ex = f.db->get_example((*reply)->example_ids[0]);
  REQUIRE(ex);
  CHECK(ex->prompt == "prompt 0");
  CHECK(f.db->commits() == 1);
}

TEST_CASE("group commit writes several batches in one transaction", "[archiver]") {
  fixture f;
  auto a = f.spawn_archiver(100, 20);
  auto r1 = f.archive(a, examples(1));
  auto r2 = f.archive(a, examples(2));
  auto r3 = f.archive(a, examples(3));
  f.sched.run();
  CHECK(f.db->commits() == 0);
  f.sched.advance_time(20ms);
  f.sched.run();
  CHECK(f.db->commits() == 1);
  REQUIRE(r1->has_value());
  REQUIRE(r2->has_value());
  REQUIRE(r3->has_value());
  // Each request gets back exactly its own examples' ids, in order, none shared.
  std::vector<std::uint64_t> all;
  for (const auto& [r, n] : {std::pair{r1, 1u}, std::pair{r2, 2u}, std::pair{r3, 3u}}) {
    CHECK((*r)->status == store::commit_status::ok);
    CHECK((*r)->example_ids.size() == n);
    all.insert(all.end(), (*r)->example_ids.begin(), (*r)->example_ids.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(f.db->count_examples("") == 6);
}

TEST_CASE("reaching commit_batch commits without waiting for the timer", "[archiver]") {
  fixture f;
  auto a = f.spawn_archiver(3, 1000);
  auto r1 = f.archive(a, examples(1));
  auto r2 = f.archive(a, examples(1));
  f.sched.run();
  CHECK_FALSE(r1->has_value());
  auto r3 = f.archive(a, examples(1));
  f.sched.run();
  CHECK(f.db->commits() == 1);
  CHECK(r1->has_value());
  CHECK(r2->has_value());
  CHECK(r3->has_value());
  CHECK(f.db->count_examples("") == 3);
  // The timer armed for the first batch finds nothing left and writes nothing.
  f.sched.advance_time(1s);
  f.sched.run();
  CHECK(f.db->commits() == 1);
}

TEST_CASE("flush commits pending batches at once", "[archiver]") {
  fixture f;
  auto a = f.spawn_archiver(100, 1000);
  auto r = f.archive(a, examples(2));
  f.sched.run();
  CHECK_FALSE(r->has_value());
  auto flushed = f.flush(a);
  f.sched.run();
  REQUIRE(flushed->has_value());
  CHECK(**flushed);
  REQUIRE(r->has_value());
  CHECK((*r)->example_ids.size() == 2);
  CHECK(f.db->count_examples("") == 2);
}

TEST_CASE("storage full answers every pending request and writes nothing", "[archiver]") {
  fixture f(1, 1);
  auto a = f.spawn_archiver(100, 10);
  auto small = f.archive(a, examples(1));
  auto huge = f.archive(a, examples(2000, 1000));
  f.sched.run();
  f.sched.advance_time(10ms);
  f.sched.run();
  REQUIRE(small->has_value());
  REQUIRE(huge->has_value());
  CHECK((*small)->status == store::commit_status::storage_full);
  CHECK((*huge)->status == store::commit_status::storage_full);
  CHECK_FALSE((*small)->message.empty());
  CHECK((*small)->example_ids.empty());
  CHECK(f.db->count_examples("") == 0);
  // The archiver keeps serving: a batch that fits is written.
  auto later = f.archive(a, examples(1));
  f.sched.run();
  f.sched.advance_time(10ms);
  f.sched.run();
  REQUIRE(later->has_value());
  CHECK((*later)->status == store::commit_status::ok);
  CHECK(f.db->count_examples("") == 1);
}

TEST_CASE("pending batches are written before the archiver exits", "[archiver]") {
  fixture f;
  auto a = f.spawn_archiver(100, 1000);
  auto r = f.archive(a, examples(2));
  f.sched.run();
  CHECK(f.db->count_examples("") == 0);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  f.sched.run();
  REQUIRE(r->has_value());
  CHECK((*r)->status == store::commit_status::ok);
  CHECK(f.db->count_examples("") == 2);
}

TEST_CASE("old attempts are trimmed after commits", "[archiver]") {
  fixture f;
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  store::write_batch old;
  for (std::int64_t age_days : {10, 5, 0}) {
    store::attempt_record at;
    at.provider = "groq";
    at.outcome = "ok";
    at.at_ms = now_ms - age_days * 86'400'000;
    old.attempts.push_back(at);
  }
  REQUIRE(f.db->commit(old).status == store::commit_status::ok);
  auto a = f.spawn_archiver(1, 10, 3);
  auto r = f.archive(a, examples(1));
  f.sched.run();
  REQUIRE(r->has_value());
  CHECK(f.db->count_attempts() == 1);
  CHECK(f.db->count_examples("") == 1);
}

TEST_CASE("an invalid request is refused alone and does not fail its group", "[archiver]") {
  fixture f;
  auto a = f.spawn_archiver(100, 10);
  auto good = f.archive(a, examples(1));
  auto bad_batch = examples(1);
  bad_batch.jobs.push_back({}); // no id
  auto bad = f.archive(a, bad_batch);
  f.sched.run();
  REQUIRE(bad->has_value());
  CHECK((*bad)->status == store::commit_status::failed);
  CHECK_FALSE(good->has_value());
  f.sched.advance_time(10ms);
  f.sched.run();
  REQUIRE(good->has_value());
  CHECK((*good)->status == store::commit_status::ok);
  CHECK(f.db->count_examples("") == 1);
}

TEST_CASE("merge and split keep each request's share", "[archiver]") {
  auto a = examples(2);
  auto b = examples(0);
  b.jobs.push_back({});
  b.jobs.back().id = "j";
  auto c = examples(1);
  c.meta = {{"k", "v"}};
  auto merged = merge_batches({&a, &b, &c});
  CHECK(merged.examples.size() == 3);
  CHECK(merged.jobs.size() == 1);
  CHECK(merged.meta.size() == 1);
  store::commit_result ok;
  ok.example_ids = {7, 8, 9};
  auto parts = split_result(ok, {2, 0, 1});
  CHECK(parts[0].example_ids == std::vector<std::uint64_t>{7, 8});
  CHECK(parts[1].example_ids.empty());
  CHECK(parts[2].example_ids == std::vector<std::uint64_t>{9});
  store::commit_result full;
  full.status = store::commit_status::storage_full;
  full.message = "storage full";
  for (const auto& p : split_result(full, {2, 0, 1})) {
    CHECK(p.status == store::commit_status::storage_full);
    CHECK(p.message == "storage full");
  }
}
