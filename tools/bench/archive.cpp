// Archive throughput: one commit per example versus group commit (batches of 64, through
// store::commit directly and through the archiver actor), in the same run on the same disk,
// and the size on disk per 1,000 examples with realistic ~1 KB outputs. Commits are
// durable (fsync), so the figures depend on the disk.
//
//   zega-bench-archive [examples=2000] [dir=/tmp]

#include "actors/archiver.hpp"
#include "store/store.hpp"

#include <caf/all.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <random>
#include <string>

using namespace zega;

namespace {

constexpr int group = 64;

store::example_record make_example(std::mt19937_64& rng, int n) {
  static const char* words[] = {"the", "lantern", "river", "whispered", "under", "a",
                                "broken", "moon", "she", "kept", "walking", "toward",
                                "silver", "gate", "and", "quiet", "storm", "of", "ash",
                                "memory", "door", "opened", "slowly", "into", "dark"};
  store::example_record e;
  e.user = "default";
  e.job_id = "bench";
  e.task_seq = static_cast<std::uint64_t>(n);
  e.element = "scene";
  e.genre = "fantasy";
  e.topic = "a lantern by the river";
  e.system = "You are a creative writing teacher producing training examples.";
  e.prompt = "Write a short fantasy scene (2-3 paragraphs, about 150 words) about a lantern "
             "by the river.";
  while (e.output.size() < 1000) {
    e.output += words[rng() % (sizeof words / sizeof *words)];
    e.output += (rng() % 12 == 0) ? ".\n" : " ";
  }
  e.quality = 7.0 + static_cast<double>(rng() % 30) / 10.0;
  e.quality_json = R"({"score":8.1,"length":2.0,"structure":1.5,"variety":1.8,"clean":2.0})";
  e.provider = "groq";
  e.model = "llama-3.1-8b-instant";
  e.prompt_tokens = 60;
  e.completion_tokens = 260;
  e.latency_ms = 850;
  e.created_ms = 1'764'000'000'000 + n;
  e.in_memory = true;
  e.in_library = e.quality >= 8.0;
  e.fingerprint = rng();
  return e;
}

struct run_result {
  double seconds = 0;
  std::uint64_t commits = 0;
  std::size_t stored = 0; // examples readable afterwards: the run really wrote them all
  std::uint64_t bytes_on_disk = 0;
};

std::unique_ptr<store::store> fresh_store(const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::string error;
  auto db = store::store::open({dir, 256, 4096}, error);
  if (!db)
    std::fprintf(stderr, "cannot open store: %s\n", error.c_str());
  return db;
}

std::uint64_t data_file_bytes(const std::string& dir) {
  struct stat st {};
  if (::stat((dir + "/data.mdb").c_str(), &st) != 0)
    return 0;
  // Allocated blocks: LMDB's file is sparse up to the last page written.
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

template <class Fn>
run_result timed_once(const std::string& dir, Fn&& fn) {
  run_result r;
  auto db = fresh_store(dir);
  if (!db)
    return r;
  auto t0 = std::chrono::steady_clock::now();
  fn(*db);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.commits = db->commits();
  r.stored = db->count_examples("");
  db.reset();
  r.bytes_on_disk = data_file_bytes(dir);
  return r;
}

// The disk is shared with other work: the cheap modes run three times, the median is shown.
template <class Fn>
run_result timed(const std::string& dir, int reps, Fn&& fn) {
  std::vector<run_result> runs;
  for (int k = 0; k < reps; ++k)
    runs.push_back(timed_once(dir, fn));
  std::sort(runs.begin(), runs.end(),
            [](const run_result& a, const run_result& b) { return a.seconds < b.seconds; });
  return runs[runs.size() / 2];
}

void print_row(const char* mode, int n, const run_result& r) {
  std::printf("%-34s %9zu %8llu %9.3f %12.0f\n", mode, r.stored,
              static_cast<unsigned long long>(r.commits), r.seconds,
              r.seconds > 0 ? n / r.seconds : 0.0);
}

} // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2000;
  std::string base = (argc > 2 ? std::string(argv[2]) : std::string("/tmp"))
                     + "/zega-bench-archive-" + std::to_string(::getpid());
  std::mt19937_64 rng(42);
  std::vector<store::example_record> examples;
  examples.reserve(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k)
    examples.push_back(make_example(rng, k));

  auto single = timed(base + "/single", 1, [&](store::store& db) {
    for (const auto& e : examples) {
      store::write_batch b;
      b.examples.push_back(e);
      db.commit(b);
    }
  });

  auto grouped = timed(base + "/group", 3, [&](store::store& db) {
    for (int k = 0; k < n; k += group) {
      store::write_batch b;
      for (int j = k; j < std::min(n, k + group); ++j)
        b.examples.push_back(examples[static_cast<std::size_t>(j)]);
      db.commit(b);
    }
  });

  // Through the actor as in production: detached archiver, one request per example from a
  // client that keeps them all in flight, timed until the last acknowledgement.
  auto actor = timed(base + "/actor", 3, [&](store::store& db) {
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    auto arch = sys.spawn<caf::detached>(archiver, &db, group, 5, 0);
    std::promise<void> done;
    auto finished = done.get_future();
    sys.spawn([&](caf::event_based_actor* self) {
      auto remaining = std::make_shared<int>(n);
      for (const auto& e : examples) {
        store::write_batch b;
        b.examples.push_back(e);
        self->request(arch, std::chrono::seconds(60), archive_atom::value, std::move(b))
          .then([&done, remaining](const store::commit_result&) {
            if (--*remaining == 0)
              done.set_value();
          });
      }
    });
    finished.wait();
    caf::anon_send_exit(arch, caf::exit_reason::user_shutdown);
  });

  std::printf("%-34s %9s %8s %9s %12s\n", "mode", "stored", "commits", "seconds",
              "examples/s");
  print_row("one commit per example", n, single);
  print_row("group commit 64 (store::commit)", n, grouped);
  print_row("group commit 64 (archiver actor)", n, actor);
  if (single.seconds > 0 && grouped.seconds > 0)
    std::printf("speed-up of group commit: %.1fx (store), %.1fx (actor)\n",
                single.seconds / grouped.seconds, single.seconds / actor.seconds);
  std::printf("size on disk: %.0f KiB per 1,000 examples (data.mdb %.2f MiB for %d examples, "
              "~%zu-byte outputs; one commit per example: %.0f KiB per 1,000)\n",
              static_cast<double>(grouped.bytes_on_disk) / 1024.0 * 1000.0 / n,
              static_cast<double>(grouped.bytes_on_disk) / (1024.0 * 1024.0), n,
              examples.front().output.size(),
              static_cast<double>(single.bytes_on_disk) / 1024.0 * 1000.0 / n);
  std::filesystem::remove_all(base);
  return 0;
}
