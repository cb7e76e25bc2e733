// The programs' command lines as a shell sees them: exit codes and what they print.

#include "tools/child_process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace {

using namespace std::chrono_literals;
using zega::tools::child_process;
using zega::tools::temp_dir;

struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

run_result run(const std::vector<std::string>& argv) {
  temp_dir dir;
  const std::string err_file = dir.path() + "/stderr";
  child_process proc;
  REQUIRE(proc.start(argv, err_file));
  run_result r;
  r.out = proc.read_all(10s);
  r.code = proc.wait_exit(10s);
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

} // namespace

TEST_CASE("zegad: unknown options exit 2, --version and --help exit 0", "[integration]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"--bogus"}, {"--config"}, {"stray"}, {"--listen"}}) {
    auto argv = args;
    argv.insert(argv.begin(), ZEGAD_BIN);
    const auto r = run(argv);
    INFO(args.front());
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("zegad: "));
  }
  const auto version = run({ZEGAD_BIN, "--version"});
  CHECK(version.code == 0);
  CHECK(version.out == std::string("zegad ") + ZEGA_VERSION + "\n");
  const auto help = run({ZEGAD_BIN, "--help"});
  CHECK(help.code == 0);
  CHECK_THAT(help.out, Catch::Contains("--data-dir"));
}

TEST_CASE("zegad --listen localhost:P is accepted as the loopback address", "[integration]") {
  const auto r = run({ZEGAD_BIN, "--check-config", "--listen", "localhost:0", "--env-file",
                      "/dev/null"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains(R"("listen": "127.0.0.1:0")"));
  const auto bad = run({ZEGAD_BIN, "--check-config", "--listen", "9000", "--env-file", "/dev/null"});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--listen: expected host:port"));
}

TEST_CASE("zega-fake-llm: bad options and values exit 2", "[integration]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"--bogus"}, {"--port", "70000"}, {"--port", "-1"}, {"--time-scale", "0"},
         {"--latency-ms", "1.5"}, {"--seed", "x"}, {"--log", "-"}, {"--port"}}) {
    auto argv = args;
    argv.insert(argv.begin(), ZEGA_FAKE_LLM_BIN);
    const auto r = run(argv);
    INFO(args.front() << " " << (args.size() > 1 ? args[1] : ""));
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("zega-fake-llm: "));
  }
  const auto version = run({ZEGA_FAKE_LLM_BIN, "--version"});
  CHECK(version.code == 0);
  CHECK(version.out == std::string("zega-fake-llm ") + ZEGA_VERSION + "\n");
  const auto help = run({ZEGA_FAKE_LLM_BIN, "--help"});
  CHECK(help.code == 0);
  CHECK_THAT(help.out, Catch::Contains("--time-scale"));
}

#endif
