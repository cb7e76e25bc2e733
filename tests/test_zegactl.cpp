// zegactl's contract with scripts: exit codes (usage 2, failed work 1, paused 4), the paused
// notice, machine output that parses; and zegad's startup lines naming the real reason a
// provider is off. Real processes on loopback (tests/integration_support.hpp).

#include "integration_support.hpp"

#include <fstream>

#if defined(ZEGACTL_BIN) && defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace {

using namespace zega::itest;

// Runs zegactl to its end; returns the exit code, stdout's non-blank lines in `out`.
int zegactl(const std::vector<std::string>& args, const std::string& err_file,
            std::vector<std::string>* out = nullptr) {
  std::vector<std::string> argv{ZEGACTL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process ctl;
  REQUIRE(ctl.start(argv, err_file));
  // Blank lines are skipped; an empty answer means stdout was closed.
  std::vector<std::string> lines;
  for (auto line = ctl.wait_for_line("^(.+)$", 60s); !line.empty();
       line = ctl.wait_for_line("^(.+)$", 60s))
    lines.push_back(line);
  if (out)
    *out = lines;
  return ctl.wait_exit(60s);
}

// zegad on loopback with one Ollama provider: the fake server, or `upstream` when given.
struct daemon_stack {
  temp_dir dir;
  child_process fake;
  child_process daemon;
  std::string url;

  explicit daemon_stack(const std::string& upstream = "") {
    const auto fake_url =
      upstream.empty() ? "http://127.0.0.1:" + start_fake(fake, dir.path()) : upstream;
    const auto config = dir.path() + "/zegad.json";
    std::ofstream(config) << R"({"server":{"shutdown_grace_ms":2000},
      "providers":[{"name":"ollama","kind":"ollama","base_url":")"
                          << fake_url << R"(","model":"llama3.2","priority":1,
        "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}}]})";
    url = start_zegad_with(daemon, config, dir.path() + "/data", dir.path() + "/zegad.log",
                           {"--env-file", "/dev/null"});
  }
  std::string err(const std::string& name) const { return dir.path() + "/" + name + ".err"; }
};

} // namespace

TEST_CASE("zegactl: usage errors exit 2 in every command, --version exits 0",
          "[integration][zegactl]") {
  temp_dir dir;
  const auto err = dir.path() + "/err";
  // No daemon is needed: each is refused before anything is sent.
  for (const auto& args : std::vector<std::vector<std::string>>{
         {},
         {"--bogus", "status"},
         {"nosuchcommand"},
         {"status", "--bogus"},
         {"jobs", "--bogus"},
         {"history", "--limit", "0"},
         {"examples", "--bogus"},
         {"examples", "reject"},
         {"train"},
         {"train", "-n", "0"},
         {"train", "-n", "3", "--bogus"},
         {"backup"},
         {"reset"},
         {"export"},
         {"score"},
         {"--url", "localhost:8002", "status"},
         {"--url", "http://", "status"},
         {"--url", "http://127.0.0.1:notaport", "status"},
         {"--url", "ftp://127.0.0.1:21", "status"}}) {
    std::string joined;
    for (const auto& a : args)
      joined += a + " ";
    INFO("zegactl " << joined);
    CHECK(zegactl(args, err) == 2);
  }
  CHECK_THAT(read_text(err), Catch::Contains("--url"));
  std::vector<std::string> out;
  CHECK(zegactl({"--version"}, err, &out) == 0);
  REQUIRE_FALSE(out.empty());
  CHECK(out.front() == std::string("zegactl ") + ZEGA_VERSION);
  // Unreachable is not a usage error.
  CHECK(zegactl({"--url", "http://127.0.0.1:1", "status"}, err) == 3);
}

TEST_CASE("zegactl score prints the rubric's report for a file or stdin", "[integration][zegactl]") {
  temp_dir dir;
  const auto text = dir.path() + "/scene.txt";
  std::ofstream(text) << "The rain had not stopped for three days. Mara stood at the window, "
                         "counting the boats that did not come back.\n";
  std::vector<std::string> out;
  REQUIRE(zegactl({"score", "--element", "scene", text}, dir.path() + "/err", &out) == 0);
  REQUIRE_FALSE(out.empty());
  auto doc = parse(out.front());
  CHECK(doc["score"].IsNumber());
  CHECK(doc["parts"].IsArray());
  CHECK(zegactl({"score", "--element", "poem", text}, dir.path() + "/err") == 2);
}

TEST_CASE("zegactl --json output parses and tables show no raw JSON", "[integration][zegactl]") {
  daemon_stack s;
  std::vector<std::string> out;
  REQUIRE(zegactl({"--url", s.url, "--json", "train", "-n", "2"}, s.err("train"), &out) == 0);
  REQUIRE(out.size() == 1);
  CHECK(parse(out.front())["successful"].GetInt() == 2);
  for (const std::string cmd : {"status", "jobs", "history", "stats", "examples", "health"}) {
    INFO(cmd);
    REQUIRE(zegactl({"--url", s.url, cmd, "--json"}, s.err(cmd), &out) == 0);
    REQUIRE(out.size() == 1);
    auto doc = parse(out.front());
    CHECK(doc.IsObject());
  }
  REQUIRE(zegactl({"--url", s.url, "examples"}, s.err("examples"), &out) == 0);
  REQUIRE(out.size() >= 3); // header and two examples
  CHECK(out.front().rfind("id ", 0) == 0);
  for (const auto& line : out) {
    CHECK(line.find('{') == std::string::npos);
    CHECK(line.find("T") != 10); // no ISO 8601 times: local "YYYY-MM-DD HH:MM"
  }
  REQUIRE(zegactl({"--url", s.url, "history"}, s.err("history"), &out) == 0);
  REQUIRE(out.size() >= 2);
  CHECK(out[1].find("completed") != std::string::npos);
}

TEST_CASE("zegactl train exits 1 and says how many failed when examples fail",
          "[integration][zegactl]") {
  daemon_stack s{"http://127.0.0.1:1"}; // nothing listens there: every call is refused
  std::vector<std::string> out;
  CHECK(zegactl({"--url", s.url, "train", "-n", "2"}, s.err("train"), &out) == 1);
  CHECK_THAT(read_text(s.err("train")), Catch::Contains("2 of 2 examples failed"));
  bool summary = false;
  for (const auto& line : out)
    summary = summary || line.find("failed 2") != std::string::npos;
  CHECK(summary);
}

TEST_CASE("zegactl train says at once that zegad is paused, then waits or exits 4",
          "[integration][zegactl]") {
  daemon_stack s;
  REQUIRE(zegactl({"--url", s.url, "pause"}, s.err("pause")) == 0);
  CHECK(zegactl({"--url", s.url, "train", "-n", "1", "--no-wait"}, s.err("nowait")) == 4);
  CHECK_THAT(read_text(s.err("nowait")), Catch::Contains("zegad is paused"));

  child_process waiting;
  REQUIRE(waiting.start({ZEGACTL_BIN, "--url", s.url, "train", "-n", "1"}, s.err("wait")));
  CHECK(wait_until([&] { return read_text(s.err("wait")).find("waiting for resume")
                                 != std::string::npos; },
                   20s));
  CHECK_THAT(read_text(s.err("wait")), Catch::Contains("zegad is paused"));
  REQUIRE(zegactl({"--url", s.url, "resume"}, s.err("resume")) == 0);
  CHECK_FALSE(waiting.wait_for_line("(requested 1, successful 1, failed 0)", 60s).empty());
  CHECK(waiting.wait_exit(30s) == 0);
}

TEST_CASE("zegad names the missing key and starts without its optional config",
          "[integration][zegactl]") {
  temp_dir dir;
  child_process daemon;
  REQUIRE(daemon.start({ZEGAD_BIN, "--config", dir.path() + "/absent.json", "--config-optional",
                        "--data-dir", dir.path() + "/data", "--listen", "127.0.0.1:0",
                        "--env-file", "/dev/null"},
                       dir.path() + "/zegad.log"));
  const auto port = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)", 30s);
  REQUIRE_FALSE(port.empty());
  const auto log_file = dir.path() + "/zegad.log";
  // Provider actors log their state when they first run, which may follow the listen line.
  CHECK(wait_until(
    [&] {
      const auto text = read_text(log_file);
      for (const char* p : {"[provider groq]", "[provider gemini]", "[provider huggingface]"})
        if (text.find(p) == std::string::npos)
          return false;
      return true;
    },
    20s));
  const auto log = read_text(log_file);
  CHECK_THAT(log, Catch::Contains("info [zegad] no config at " + dir.path()
                                  + "/absent.json; using built-in defaults"));
  CHECK_THAT(log, Catch::Contains("info [provider groq] disabled: no API key: set GROQ_API_KEY"));
  CHECK_THAT(log, Catch::Contains("info [store] archive open in"));
  CHECK(log.find("disabled in the config") == std::string::npos);
  std::vector<std::string> out;
  REQUIRE(zegactl({"--url", "http://127.0.0.1:" + port, "status"}, dir.path() + "/err", &out)
          == 0);
  bool groq_line = false;
  for (const auto& line : out)
    groq_line = groq_line
                || (line.rfind("groq", 0) == 0
                    && line.find("no API key: set GROQ_API_KEY") != std::string::npos);
  CHECK(groq_line);
  // Without --config-optional a missing file stays an error (exit 2).
  child_process strict;
  REQUIRE(strict.start({ZEGAD_BIN, "--config", dir.path() + "/absent.json", "--data-dir",
                        dir.path() + "/data2", "--listen", "127.0.0.1:0"},
                       dir.path() + "/strict.log"));
  CHECK(strict.wait_exit(30s) == 2);
}

TEST_CASE("zegactl export: --dir writes train, validation and a card, a split needs a fraction",
          "[integration][zegactl]") {
  temp_dir dir;
  const auto data = dir.path() + "/data";
  {
    std::string error;
    auto db = zega::store::store::open({data, 16, 64}, error);
    REQUIRE(db);
    zega::store::write_batch b;
    for (int n = 0; n < 40; ++n) {
      zega::store::example_record e;
      e.user = "alice";
      e.element = "scene";
      e.genre = "fantasy";
      e.topic = "premise " + std::to_string(n);
      e.prompt = "Write a scene about premise " + std::to_string(n);
      e.output = "A scene.";
      e.quality = n % 2 ? 8.0 : 5.0;
      e.provider = "ollama";
      b.examples.push_back(e);
    }
    REQUIRE(db->commit(b).status == zega::store::commit_status::ok);
  }
  const auto err = dir.path() + "/err";
  const auto out_dir = dir.path() + "/dataset";
  std::vector<std::string> out;
  REQUIRE(zegactl({"export", "--dir", out_dir, "--data-dir", data, "--validation-fraction", "0.5",
                   "--json"},
                  err, &out) == 0);
  REQUIRE(out.size() == 1);
  rapidjson::Document d;
  d.Parse(out[0].c_str());
  REQUIRE(d.IsObject());
  // The default floor is the memory threshold: the 20 examples at 5.0 stay out.
  CHECK(d["train"].GetUint64() + d["validation"].GetUint64() == 20);
  CHECK(d["validation"].GetUint64() > 0);
  CHECK_THAT(read_text(out_dir + "/README.md"), Catch::Contains("| total | 20 |"));
  REQUIRE(zegactl({"export", "--dir", out_dir, "--data-dir", data, "--min-quality", "all",
                   "--json"},
                  err, &out) == 0);
  d.Parse(out[0].c_str());
  CHECK(d["train"].GetUint64() == 40);

  // Refused before anything is sent: the daemon address is unreachable on purpose.
  CHECK(zegactl({"--url", "http://127.0.0.1:1", "export", "-o", dir.path() + "/x.jsonl",
                 "--split", "validation"},
                err) == 2);
  CHECK_THAT(read_text(err), Catch::Contains("validation_fraction"));
  CHECK(zegactl({"export", "--dir", out_dir, "--data-dir", dir.path() + "/nothing"}, err) == 1);
}

#endif
