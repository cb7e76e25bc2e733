// Hole 4 of issue 10: two daemons on one data directory stored examples twice.
#include "store/dir_lock.hpp"

#include "tools/child_process.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

using zega::store::dir_lock;

namespace {
// The PID recorded by the holder of `data_dir`'s lock.
std::string holder_pid(const std::string& data_dir) {
  std::ifstream in(data_dir + "/zegad.lock");
  std::string pid;
  in >> pid;
  return pid;
}
} // namespace

TEST_CASE("the data directory lock is exclusive and names its holder", "[integration][lock]") {
  zega::tools::temp_dir dir;
  std::string error;
  auto first = dir_lock::acquire(dir.path() + "/data", error);
  REQUIRE(first);
  CHECK(error.empty());
  std::ifstream in(first->path());
  std::string pid((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(pid == std::to_string(::getpid()) + "\n");
  // flock conflicts between two open files even in one process, as between two daemons.
  auto second = dir_lock::acquire(dir.path() + "/data", error);
  CHECK_FALSE(second);
  CHECK_THAT(error, Catch::Contains("in use by another zegad (pid " + std::to_string(::getpid())
                                    + ")"));
  first.reset();
  error.clear();
  auto third = dir_lock::acquire(dir.path() + "/data", error);
  CHECK(third);
}

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)
#include "integration_support.hpp"

TEST_CASE("a second zegad on the same data directory exits naming the first one's PID",
          "[integration][lock]") {
  using namespace zega::itest;
  temp_dir dir;
  std::string config = write_config(dir.path(), "http://127.0.0.1:9");
  child_process first;
  start_zegad_with(first, config, dir.path() + "/data", dir.path() + "/first.log",
                   {"--env-file", "/dev/null"});
  child_process second;
  REQUIRE(second.start({ZEGAD_BIN, "--config", config, "--data-dir", dir.path() + "/data",
                        "--listen", "127.0.0.1:0", "--env-file", "/dev/null"},
                       dir.path() + "/second.log"));
  CHECK(second.wait_exit(20s) == 1);
  CHECK_THAT(read_text(dir.path() + "/second.log"),
             Catch::Contains("pid " + holder_pid(dir.path() + "/data")));
  first.signal(SIGTERM);
  CHECK(first.wait_exit(20s) == 0);
}
#endif
