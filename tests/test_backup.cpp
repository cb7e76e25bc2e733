#include "store/backup.hpp"
#include "store/store.hpp"
#include "tools/child_process.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

using namespace zega::store;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<store> open_at(const std::string& dir) {
  std::string error;
  auto db = store::open({dir, 16, 256}, error);
  INFO(error);
  REQUIRE(db);
  return db;
}

example_record example(std::uint64_t n) {
  example_record e;
  e.user = "default";
  e.job_id = "job-backup";
  e.task_seq = n;
  e.element = "scene";
  e.genre = "fantasy";
  e.prompt = "prompt " + std::to_string(n);
  // Big enough that the archive spans many pages and the copy takes a while.
  e.output = std::string(4000, static_cast<char>('a' + n % 26));
  e.created_ms = 1'764'000'000'000 + static_cast<std::int64_t>(n);
  e.fingerprint = n;
  return e;
}

} // namespace

TEST_CASE("a hot backup holds every example committed before it began", "[integration][backup]") {
  zega::tools::temp_dir tmp;
  auto db = open_at(tmp.path() + "/live");
  std::atomic<std::uint64_t> acked{0}; // examples whose commit returned ok
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::thread writer{[&] {
    std::uint64_t n = 0;
    while (!stop) {
      write_batch b;
      for (int k = 0; k < 8; ++k) b.examples.push_back(example(++n));
      if (db->commit(b).status != commit_status::ok) {
        failed = true;
        return;
      }
      acked = n;
    }
  }};
  // Let the writer build up an archive first; the backup then races further commits.
  while (acked < 400 && !failed) std::this_thread::yield();
  const auto before = acked.load();
  const auto result = backup(*db, tmp.path() + "/copies/first");
  const auto after_backup = acked.load();
  stop = true;
  writer.join();
  REQUIRE_FALSE(failed);
  INFO(result.error);
  REQUIRE(result.ok());
  CHECK(result.bytes > 0);
  // The writer kept committing while the copy ran (the copy did not stop the writer).
  CHECK(acked.load() >= after_backup);

  const std::string copy = tmp.path() + "/copies/first";
  CHECK(std::system(("mdb_stat -a " + copy + " > /dev/null").c_str()) == 0);
  auto restored = open_at(copy);
  const auto held = restored->count_examples("");
  CHECK(held >= before);
  for (std::uint64_t id = 1; id <= before; ++id) {
    auto e = restored->get_example(id);
    REQUIRE(e);
    CHECK(e->prompt == "prompt " + std::to_string(id));
  }
}

TEST_CASE("a backup refuses a non-empty or unusable target with a clear error",
          "[integration][backup]") {
  zega::tools::temp_dir tmp;
  auto db = open_at(tmp.path() + "/live");
  write_batch b;
  b.examples.push_back(example(1));
  REQUIRE(db->commit(b).status == commit_status::ok);

  fs::create_directories(tmp.path() + "/busy");
  std::ofstream(tmp.path() + "/busy/keep") << "x";
  auto r = backup(*db, tmp.path() + "/busy");
  CHECK(r.error.find("is not empty") != std::string::npos);
  CHECK(fs::exists(tmp.path() + "/busy/keep"));
  CHECK_FALSE(fs::exists(tmp.path() + "/busy/data.mdb"));

  std::ofstream(tmp.path() + "/plain") << "x";
  CHECK(backup(*db, tmp.path() + "/plain").error.find("not a directory") != std::string::npos);
  CHECK(backup(*db, tmp.path() + "/live").error.find("live archive") != std::string::npos);
  CHECK(backup(*db, "").error == "backup path is empty");

  fs::create_directories(tmp.path() + "/empty");
  auto ok = backup(*db, tmp.path() + "/empty");
  INFO(ok.error);
  CHECK(ok.ok());
  CHECK(open_at(tmp.path() + "/empty")->get_example(1));
}
