// zegactl: command-line client of zegad's HTTP API (and the local quality rubric).
// Exit codes: 0 ok, 1 the daemon answered with an error or some work failed, 2 usage error,
// 3 daemon unreachable, 4 the daemon is paused and --no-wait was given.
// The command line (CLI11): global options, one subcommand per command, each setting `run`.

#include "tools/zegactl/commands.hpp"
#include "tools/zegactl/tables.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <functional>
#include <iostream>

namespace net = zega::net;
using namespace zega::ctl;

int main(int argc, char** argv) {
  CLI::App app{"zegactl: control zegad, the creative-writing training example daemon.\n"
               "exit codes: 0 ok, 1 error answer or failed work, 2 usage error, "
               "3 daemon unreachable, 4 paused (train --no-wait)",
               "zegactl"};
  app.set_version_flag("--version", std::string("zegactl ") + ZEGA_VERSION);
  app.require_subcommand(1);
  // Global options also work after the command (`zegactl jobs --json`).
  app.fallthrough();

  client_env env;
  const char* url_env = std::getenv("ZEGA_URL");
  env.url = url_env && *url_env ? url_env : "http://127.0.0.1:8002";
  if (const char* tok = std::getenv("ZEGA_API_TOKEN"))
    env.token = tok;
  app.add_option("--url", env.url, "daemon address ($ZEGA_URL, default http://127.0.0.1:8002)");
  app.add_option("--token", env.token, "bearer token ($ZEGA_API_TOKEN)");
  app.add_flag("--json", env.json_out, "machine-readable output (the daemon's JSON)");

  std::function<int()> run;
  auto simple = [&](const char* name, const char* help, const char* method, std::string path) {
    auto* sub = app.add_subcommand(name, help);
    sub->callback([&run, &env, method, path] {
      run = [&env, method, path] {
        const std::string body = std::string(method) == "POST" ? "{}" : "";
        return show_tree(env, call(env, method, path, body));
      };
    });
  };

  auto* status = app.add_subcommand("status", "daemon, providers, queue and dataset state");
  status->callback([&] {
    run = [&] { return show(env, call(env, "GET", "/status"), print_status); };
  });
  simple("health", "liveness", "GET", "/health");
  simple("genres", "genres, topics and elements", "GET", "/training/genres");
  simple("pause", "stop dispatching new work (persisted)", "POST", "/pause");
  simple("resume", "dispatch again", "POST", "/resume");
  simple("reload", "re-read the config and .env; prints what changed", "POST", "/reload");
  simple("rescore", "score every stored example again with the current rubric", "POST",
         "/rescore");

  train_args ta;
  auto* train = app.add_subcommand("train", "generate N examples and print them");
  train->add_option("-n,--num", ta.n, "how many examples (1 to 1000)")
    ->required()
    ->check(CLI::Range(1, 1000));
  train->add_option("--genre", ta.genres, "restrict to these genres (repeatable)");
  train->add_option("--element", ta.elements, "restrict to these elements (repeatable)");
  train->add_option("--user", ta.user, "the user the examples belong to");
  train->add_option("--min-votes", ta.votes, "judge votes an example needs")
    ->check(CLI::NonNegativeNumber);
  train->add_flag("-f,--follow", ta.follow, "live progress with elapsed time and ETA");
  train->add_flag("--no-wait", ta.no_wait, "exit 4 at once when zegad is paused");
  train->callback([&] { run = [&] { return cmd_train(env, ta); }; });

  auto* jobs = app.add_subcommand("jobs", "list jobs");
  jobs->callback([&] { run = [&] { return show(env, call(env, "GET", "/jobs"), print_jobs); }; });

  std::string id;
  auto* job = app.add_subcommand("job", "one job's summary");
  job->add_option("ID", id, "job id")->required();
  job->callback([&] { run = [&] { return show_tree(env, call(env, "GET", "/jobs/" + url_encode(id))); }; });
  auto* cancel = app.add_subcommand("cancel", "cancel a job (queued tasks dropped, in-flight kept)");
  cancel->add_option("ID", id, "job id")->required();
  cancel->callback([&] {
    run = [&] { return show_tree(env, call(env, "DELETE", "/jobs/" + url_encode(id))); };
  });

  std::string name;
  auto* probe = app.add_subcommand("probe", "one real call on a provider");
  probe->add_option("PROVIDER", name, "provider name")->required();
  probe->callback([&] { run = [&] { return cmd_probe(env, name); }; });
  auto* reset = app.add_subcommand("reset", "clear a provider's broken, unreachable or cooldown state");
  reset->add_option("NAME", name, "provider name")->required();
  reset->callback([&] {
    run = [&] {
      return show_tree(env, call(env, "POST", "/providers/" + url_encode(name) + "/reset", "{}"));
    };
  });
  auto* finetune = app.add_subcommand("finetune", "trigger fine-tuning for a user");
  finetune->add_option("USER", name, "user id")->required();
  finetune->callback([&] {
    run = [&] {
      // ZEGA's answer is 200 either way; a build that failed is a failed command.
      return show(env, call(env, "POST", "/user/" + url_encode(name) + "/trigger-finetuning"),
                  [](const json& doc) {
                    print_tree(doc);
                    bool failed_build = doc.IsObject() && doc.HasMember("status")
                                        && doc["status"].IsString()
                                        && doc["status"].GetString() == std::string("failed");
                    return static_cast<int>(failed_build ? failed : ok);
                  });
    };
  });

  std::string backup_path;
  auto* backup = app.add_subcommand("backup", "hot backup of the archive (path on the daemon's host)");
  backup->add_option("-o,--output", backup_path, "an empty or new directory")->required();
  backup->callback([&] {
    run = [&] {
      return show_tree(env, call(env, "POST", "/backup", R"({"path":)" + json_string(backup_path) + "}"));
    };
  });

  std::string user, cursor, limit, from, to, genre, element, min_quality, review, provider;
  auto* history = app.add_subcommand("history", "past batches");
  auto* stats = app.add_subcommand("stats", "totals by provider, genre, element and day");
  auto* examples = app.add_subcommand("examples", "stored examples; `examples accept|reject ID`");
  for (auto* sub : {history, stats, examples}) {
    sub->add_option("--user", user, "user id");
    sub->add_option("--from", from, "from this time (ISO 8601)");
    sub->add_option("--to", to, "up to this time (ISO 8601)");
  }
  for (auto* sub : {history, examples}) {
    sub->add_option("--limit", limit, "page size")->check(CLI::PositiveNumber);
    sub->add_option("--cursor", cursor, "continue from a previous page");
  }
  examples->add_option("--genre", genre, "genre");
  examples->add_option("--element", element, "element");
  examples->add_option("--min-quality", min_quality, "lowest quality")->check(CLI::Number);
  examples->add_option("--status", review, "review status: none, accepted or rejected")
    ->check(CLI::IsMember({"none", "accepted", "rejected"}));
  examples->add_option("--provider", provider, "provider name");
  auto filters = [&] {
    return query_of({{"user_id", user}, {"limit", limit}, {"cursor", cursor}, {"from", from},
                     {"to", to}, {"genre", genre}, {"element", element},
                     {"min_quality", min_quality}, {"status", review}, {"provider", provider}});
  };
  history->callback([&] {
    run = [&] { return show(env, call(env, "GET", "/history" + filters()), print_history); };
  });
  stats->callback([&] {
    run = [&] { return show(env, call(env, "GET", "/history/stats" + filters()), print_stats); };
  });
  examples->require_subcommand(0, 1);
  for (const char* verdict : {"accept", "reject"}) {
    auto* sub = examples->add_subcommand(verdict, std::string(verdict) + " an example by id");
    sub->add_option("ID", id, "example id")->required()->check(CLI::PositiveNumber);
    const std::string status_value = std::string(verdict) == "accept" ? "accepted" : "rejected";
    sub->callback([&, status_value] {
      run = [&, status_value] {
        return show_tree(env, call(env, "PATCH", "/examples/" + url_encode(id),
                                   R"({"status":")" + status_value + "\"}"));
      };
    });
  }
  examples->callback([&] {
    if (!run)
      run = [&] { return show(env, call(env, "GET", "/examples" + filters()), print_examples); };
  });

  auto* schedule = app.add_subcommand("schedule", "schedules: phase, today's target and progress");
  schedule->callback([&] {
    run = [&] { return show(env, call(env, "GET", "/schedule"), print_schedule); };
  });

  export_args ea;
  auto* exp = app.add_subcommand("export", "the dataset as JSONL for fine-tuning");
  exp->add_option("-o,--output", ea.file, "file to write (JSONL from the daemon)");
  exp->add_option("--dir", ea.dir,
                  "write train.jsonl, validation.jsonl and README.md here, reading the archive "
                  "locally (with --config/--data-dir)");
  exp->add_option("--config", ea.config_file, "with --dir: zegad's config (data dir, thresholds)");
  exp->add_option("--data-dir", ea.data_dir, "with --dir: zegad's data directory");
  exp->add_option("--format", ea.format, "openai (chat messages), completion or zega");
  exp->add_option("--user", ea.user, "user id");
  exp->add_option("--genre", ea.genre, "genre");
  exp->add_option("--element", ea.element, "element");
  exp->add_option("--provider", ea.provider, "provider name");
  exp->add_option("--min-quality", ea.min_quality,
                  "lowest quality, or all (default: the memory threshold)");
  exp->add_option("--split", ea.split, "train or validation (needs --validation-fraction)");
  exp->add_option("--validation-fraction", ea.fraction, "share of premises held out")
    ->check(CLI::Number);
  exp->callback([&] { run = [&] { return cmd_export(env, ea); }; });

  std::string score_element, score_file;
  bool score_truncated = false;
  auto* score = app.add_subcommand("score", "score a text locally with the quality rubric");
  score->add_option("--element", score_element, "scene, dialogue, ...")->required();
  score->add_flag("--truncated", score_truncated, "the provider stopped at its token limit");
  score->add_option("FILE", score_file, "text file, or - for stdin (default)");
  score->callback([&] {
    run = [&] { return cmd_score(score_element, score_truncated, score_file); };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0; everything else is a usage error.
    const int rc = app.exit(e);
    return rc == 0 ? ok : usage;
  }
  while (!env.url.empty() && env.url.back() == '/')
    env.url.pop_back();
  if (!valid_url(env.url + "/")) {
    std::cerr << "zegactl: --url: expected http://HOST[:PORT] or https://HOST[:PORT], got \""
              << env.url << "\"\n";
    return usage;
  }
  env.io.start();
  env.http = std::make_unique<net::http_client>(env.io);
  try {
    return run ? run() : usage;
  } catch (const exit_now& e) {
    return e.code;
  }
}
