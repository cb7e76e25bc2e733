// ZEGA's fine-tuning side of the scheduler (issue 12): each cached user's training_stats,
// the automatic trigger at every multiple of finetune.threshold, building zega-{user}
// through the Ollama provider's /api/create, recording each attempt, and the optional
// finetune.command.

#include "actors/scheduler_parts.hpp"

#include "config/log.hpp"
#include "config/strings.hpp"

#include <caf/event_based_actor.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

extern char** environ;

namespace zega::sched {

namespace {

// Builds run at once for at most this many users (a trigger names its user, and the user
// id comes from clients); more answer "failed" at once.
constexpr std::size_t max_concurrent_finetunes = 4;

// Ollama builds a model from a base it has and a few messages: seconds, or a minute on a
// slow disk. A build still running after this is reported failed.
constexpr int create_timeout_ms = 10 * 60 * 1000;

// /status shows this much of finetune.command's output.
constexpr std::size_t log_tail_bytes = 2048;

// Runs `fn` in an actor of its own: on its own thread in the daemon, on the test scheduler
// when the deterministic clock drives the scheduler.
template <class F>
void off_thread(self_ptr self, F fn) {
  auto body = [fn](caf::event_based_actor*) { fn(); };
  if (self->state.deps.detach_store_reads)
    self->system().spawn<caf::detached>(body);
  else
    self->system().spawn(body);
}

scheduler_actor handle_of(self_ptr self) {
  return caf::actor_cast<scheduler_actor>(self);
}

// Counts one good example and fires the automatic trigger when the count crosses a multiple
// of the threshold.
void add_good(self_ptr self, const std::string& user, user_training& ut, std::size_t n,
              double quality_total) {
  const auto& cfg = self->state.cfg;
  auto threshold = static_cast<std::size_t>(std::max(0, cfg.finetune.threshold));
  auto before = ut.input.good_examples;
  ut.input.good_examples += n;
  ut.input.good_quality_total += quality_total;
  if (n == 0 || threshold == 0 || !cfg.finetune.auto_trigger)
    return;
  if (ut.input.good_examples / threshold > before / threshold) {
    log::info("finetune", "user \"" + user + "\" reached "
                            + std::to_string(ut.input.good_examples / threshold * threshold)
                            + " training examples: building its model");
    start_finetune(self, user, std::nullopt);
  }
}

std::string tail_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {};
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
  auto from = size > log_tail_bytes ? size - log_tail_bytes : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string out(size - from, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return valid_utf8(out);
}

// Starts finetune.command with the export paths appended; a thread of its own waits for it
// (waitpid blocks) and reports the end to the scheduler.
void run_command(self_ptr self, const std::string& user, const store::finetune_plan& plan) {
  auto& st = self->state;
  const auto& cmd = st.cfg.finetune.command;
  if (cmd.empty())
    return;
  if (st.finetune_command && st.finetune_command->running) {
    log::warn("finetune", "finetune.command is still running for user \""
                            + st.finetune_command->user + "\"; not started for \"" + user + "\"");
    return;
  }
  finetune_command_run run;
  run.user = user;
  run.started_ms = wall_ms(self);
  run.log_path = plan.exported.train_path.empty()
                   ? std::string{}
                   : plan.exported.train_path.substr(0, plan.exported.train_path.rfind('/') + 1)
                       + "command.log";
  std::vector<std::string> args = cmd;
  for (const auto* p : {&plan.exported.train_path, &plan.exported.validation_path,
                        &plan.exported.card_path})
    args.push_back(*p);
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const char* log_path = run.log_path.empty() ? "/dev/null" : run.log_path.c_str();
  posix_spawn_file_actions_addopen(&actions, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // The program gets none of the daemon's sockets or its LMDB descriptor.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    run.error = "cannot start " + cmd.front() + ": " + std::strerror(rc);
    log::error("finetune", run.error);
    st.finetune_command = run;
    return;
  }
  run.pid = pid;
  run.running = true;
  st.finetune_command = run;
  log::info("finetune", "finetune.command started for \"" + user + "\" (pid "
                          + std::to_string(pid) + ", log " + run.log_path + ")");
  auto me = handle_of(self);
  auto path = run.log_path;
  std::thread([me, user, pid, path] {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status)
                                 : (WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1);
    caf::anon_send(me, finetune_atom::value, user, code, tail_of(path));
  }).detach();
}

} // namespace

void ensure_training(self_ptr self, const std::string& user) {
  auto& st = self->state;
  if (st.training.count(user) != 0)
    return;
  auto& ut = st.training[user];
  const auto* db = st.deps.db;
  if (db == nullptr) {
    ut.loaded = true;
    return;
  }
  auto settings = store::finetune_settings_from(st.cfg);
  auto me = handle_of(self);
  off_thread(self, [me, db, user, settings] {
    auto data = store::gather_user_dataset(*db, user, settings);
    if (!data.error.empty())
      log::warn("finetune", "training stats of \"" + user + "\" are partial: " + data.error);
    user_stats_load load;
    load.input = data.stats;
    load.last_id = data.last_id;
    if (auto rec = store::get_finetune_record(*db, user)) {
      load.input.finetune_runs = rec->runs;
      load.input.custom_model_exists = rec->runs > 0;
    }
    caf::anon_send(me, userstats_atom::value, user, load);
  });
}

void training_loaded(self_ptr self, const std::string& user, const user_stats_load& load) {
  auto& st = self->state;
  auto it = st.training.find(user);
  if (it == st.training.end() || it->second.loaded)
    return;
  auto& ut = it->second;
  ut.input = load.input;
  ut.loaded = true;
  std::size_t n = 0;
  double total = 0;
  // Examples archived after the read began are not in it; those it saw count once.
  for (const auto& [id, quality] : ut.pending)
    if (id > load.last_id) {
      ++n;
      total += quality;
    }
  ut.pending.clear();
  auto waiting = std::move(ut.waiting_jobs);
  ut.waiting_jobs.clear();
  add_good(self, user, ut, n, total);
  for (const auto& job_id : waiting)
    publish_completion(self, job_id);
}

void count_archived(self_ptr self, const std::string& user, std::uint64_t id, double quality) {
  auto& st = self->state;
  if (quality < st.cfg.quality.memory_threshold)
    return;
  auto it = st.training.find(user);
  if (it == st.training.end())
    return;
  if (!it->second.loaded)
    it->second.pending.emplace_back(id, quality);
  else
    add_good(self, user, it->second, 1, quality);
}

std::optional<training::training_stats> training_stats_of(const scheduler_state& st,
                                                          const std::string& user) {
  auto it = st.training.find(user);
  if (it == st.training.end() || !it->second.loaded)
    return std::nullopt;
  return training::compute_training_stats(
    it->second.input, static_cast<std::size_t>(std::max(0, st.cfg.finetune.threshold)));
}

void start_finetune(self_ptr self, const std::string& user,
                    std::optional<caf::typed_response_promise<training::finetune_outcome>> rp) {
  auto& st = self->state;
  auto running = st.finetunes.find(user);
  if (running != st.finetunes.end()) {
    if (rp)
      running->second.waiters.push_back(*rp);
    return;
  }
  auto refuse = [&](const std::string& why) {
    store::finetune_plan plan;
    plan.model = training::model_name_for(user);
    plan.error = why;
    if (rp)
      rp->deliver(store::finetune_outcome_of(plan, false, why));
  };
  if (st.finetunes.size() >= max_concurrent_finetunes)
    return refuse(std::to_string(max_concurrent_finetunes)
                  + " fine-tuning builds are running; try again when one is done");
  const auto* db = st.deps.db;
  if (db == nullptr)
    return refuse("no archive to build from");
  auto& run = st.finetunes[user];
  if (rp)
    run.waiters.push_back(*rp);
  auto cfg = st.cfg;
  auto now = wall_ms(self);
  auto me = handle_of(self);
  off_thread(self, [me, db, cfg, user, now] {
    caf::anon_send(me, finetune_atom::value, user, store::prepare_finetune(*db, cfg, user, now));
  });
}

void finetune_planned(self_ptr self, const std::string& user, store::finetune_plan plan) {
  auto& st = self->state;
  auto it = st.finetunes.find(user);
  if (it == st.finetunes.end())
    return;
  it->second.plan = std::move(plan);
  const auto& p = it->second.plan;
  if (!p.error.empty())
    return finish_finetune(self, user, false, p.error);
  const provider_config* ollama = nullptr;
  for (const auto& pc : st.cfg.providers)
    if (pc.kind == provider_kind::ollama && (ollama == nullptr || (pc.enabled && !ollama->enabled)))
      ollama = &pc;
  if (ollama == nullptr)
    return finish_finetune(self, user, false, "no Ollama provider is configured to build "
                                              + p.model + " with");
  if (!st.deps.transport)
    return finish_finetune(self, user, false, "no HTTP client to reach Ollama");
  auto base = ollama->base_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  net::http_request req;
  req.method = "POST";
  req.url = base + "/api/create";
  req.headers.emplace_back("content-type", "application/json");
  req.body = p.create_body;
  net::client_limits limits;
  limits.first_byte_ms = create_timeout_ms;
  limits.total_ms = create_timeout_ms;
  limits.max_body_bytes = 1 << 20;
  auto me = handle_of(self);
  st.deps.transport(std::move(req), limits, [me, user](net::http_result r) {
    caf::anon_send(me, finetune_atom::value, user, std::move(r));
  });
}

void finetune_created(self_ptr self, const std::string& user, const net::http_result& r) {
  auto& st = self->state;
  auto it = st.finetunes.find(user);
  if (it == st.finetunes.end())
    return;
  const auto& plan = it->second.plan;
  if (const auto* err = std::get_if<net::transport_error>(&r))
    return finish_finetune(self, user, false, "cannot reach Ollama: " + err->message);
  const auto& resp = std::get<net::http_response>(r);
  // With "stream": false Ollama answers {"status":"success"} or {"error":"..."}.
  rapidjson::Document d;
  d.Parse(resp.body.c_str(), resp.body.size());
  bool body_ok = !d.HasParseError() && d.IsObject();
  std::string status = body_ok && d.HasMember("status") && d["status"].IsString()
                         ? d["status"].GetString()
                         : "";
  if (resp.status / 100 == 2 && status == "success")
    return finish_finetune(self, user, true,
                           "Fine-tuned model '" + plan.model + "' created from "
                             + st.cfg.finetune.base_model + " with "
                             + std::to_string(plan.shots.size()) + " examples");
  std::string why = body_ok && d.HasMember("error") && d["error"].IsString()
                      ? d["error"].GetString()
                      : resp.body.substr(0, 300);
  finish_finetune(self, user, false,
                  "Ollama answered " + std::to_string(resp.status) + " to /api/create: "
                    + valid_utf8(why));
}

void finish_finetune(self_ptr self, const std::string& user, bool ok,
                     const std::string& message) {
  auto& st = self->state;
  auto it = st.finetunes.find(user);
  if (it == st.finetunes.end())
    return;
  auto run = std::move(it->second);
  st.finetunes.erase(it);
  auto outcome = store::finetune_outcome_of(run.plan, ok, message);
  (outcome.success ? log::info : log::warn)("finetune", user + ": " + outcome.message);
  auto now = wall_ms(self);
  // The attempt goes into meta (runs, last result) and into history, as a batch of its own
  // with fine_tuning_triggered set, so /history and /history/stats count it.
  std::optional<store::finetune_record> previous;
  if (st.deps.db != nullptr)
    previous = store::get_finetune_record(*st.deps.db, user);
  auto record = store::after_attempt(previous, outcome.model, outcome.success, outcome.message, now);
  store::job_record entry;
  entry.id = make_job_id(self);
  entry.user = user;
  entry.state = outcome.success ? "completed" : "failed";
  entry.fine_tuning_triggered = true;
  entry.examples_before = entry.examples_after = static_cast<int>(outcome.training_examples
                                                                   + outcome.validation_examples);
  entry.started_ms = now;
  entry.completed_ms = now;
  entry.best_model = outcome.model;
  {
    rapidjson::StringBuffer buf;
    json_writer w(buf);
    w.StartObject();
    w.Key("kind");
    w.String("finetune");
    w.Key("model");
    jstr(w, outcome.model);
    w.Key("message");
    jstr(w, outcome.message);
    w.EndObject();
    entry.request_json = buf.GetString();
  }
  store::write_batch b;
  b.meta.emplace_back(store::finetune_meta_key(user), store::encode(record));
  b.jobs.push_back(std::move(entry));
  auto waiters = std::move(run.waiters);
  send_batch(self, 0, std::move(b),
             [self, user, outcome, runs = record.runs, waiters](const store::commit_result&) mutable {
               auto& st = self->state;
               auto t = st.training.find(user);
               if (t != st.training.end()) {
                 t->second.input.finetune_runs = runs;
                 t->second.input.custom_model_exists = runs > 0;
               }
               for (auto& w : waiters)
                 w.deliver(outcome);
             });
  if (run.plan.error.empty())
    run_command(self, user, run.plan);
}

void command_ended(self_ptr self, const std::string& user, int exit_status,
                   const std::string& log_tail) {
  auto& st = self->state;
  if (!st.finetune_command || st.finetune_command->user != user)
    return;
  auto& c = *st.finetune_command;
  c.running = false;
  c.exit_status = exit_status;
  c.log_tail = log_tail;
  c.finished_ms = wall_ms(self);
  (exit_status == 0 ? log::info : log::warn)(
    "finetune", "finetune.command for \"" + user + "\" exited with " + std::to_string(exit_status));
}

finetune_report finetune_report_of(const scheduler_state& st) {
  finetune_report r;
  r.threshold = st.cfg.finetune.threshold;
  r.auto_trigger = st.cfg.finetune.auto_trigger;
  r.base_model = st.cfg.finetune.base_model;
  for (const auto& [user, _] : st.finetunes)
    r.building.push_back(user);
  r.command = st.finetune_command;
  return r;
}

} // namespace zega::sched
