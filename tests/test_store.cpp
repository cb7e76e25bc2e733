#include "store/codec.hpp"
#include "store/export.hpp"
#include "store/history.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"

#include "training/dedup.hpp"

#include <catch2/catch.hpp>
#include <lmdb.h>
#include <rapidjson/document.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

using namespace zega::store;

namespace {

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/zega-store-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::unique_ptr<store> open_store(const std::string& dir, std::uint64_t map_mb = 16,
                                  std::uint64_t max_mb = 64) {
  std::string error;
  auto db = store::open({dir, map_mb, max_mb}, error);
  INFO(error);
  REQUIRE(db);
  return db;
}

// Quotes, escapes, control characters, an embedded NUL, invalid UTF-8 (lone continuation,
// truncated sequence, surrogate, overlong, 0xFF) and non-ASCII text.
const std::string nasty = std::string("\"quoted\" back\\slash\nnew\r\tline \x01\x1f end ")
                          + std::string(1, '\0') + " nul \x80 \xC3 \xED\xA0\x80 \xC0\xAF \xFF"
                          + " \xC5\xBC\xC3\xB3\xC5\x82w \xF0\x9F\x90\xA2 \xE6\x97\xA5 \xE2\x80\xA8";

example_record make_example(int n, const std::string& user = "default",
                            const std::string& genre = "fantasy",
                            const std::string& element = "scene", double quality = 7.5) {
  example_record e;
  e.user = user;
  e.job_id = "job-" + std::to_string(n % 3);
  e.task_seq = static_cast<std::uint64_t>(n);
  e.element = element;
  e.genre = genre;
  e.topic = "topic " + std::to_string(n);
  e.style = "terse";
  e.system = "You write stories.";
  e.prompt = "Write a " + element + " number " + std::to_string(n);
  e.output = std::string(1000, static_cast<char>('a' + n % 26));
  e.quality = quality;
  e.quality_json = R"({"score":7.5,"length":2})";
  e.provider = "groq";
  e.model = "llama";
  e.prompt_tokens = 40;
  e.completion_tokens = 300;
  e.latency_ms = 900;
  e.created_ms = 1'764'000'000'000 + n * 1000;
  e.fingerprint = 0xFEDCBA9876543210ull + static_cast<std::uint64_t>(n);
  return e;
}

int run_python_json_check(const std::string& file) {
  std::string cmd = "PYTHONIOENCODING=utf-8:strict python3 -c 'import json,sys; "
                    "[json.loads(l) for l in sys.stdin]' < " + file;
  return std::system(cmd.c_str());
}

} // namespace

TEST_CASE("valid_utf8 replaces ill-formed sequences only", "[store]") {
  CHECK(valid_utf8("plain") == "plain");
  CHECK(valid_utf8("\xC5\xBC\xF0\x9F\x90\xA2") == "\xC5\xBC\xF0\x9F\x90\xA2");
  CHECK(valid_utf8("a\x80z") == "a\xEF\xBF\xBDz");
  CHECK(valid_utf8("\xC3") == "\xEF\xBF\xBD");
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(valid_utf8("\xF4\x90\x80\x80").find("\xF4") == std::string::npos);
  CHECK(valid_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE("every record type round-trips through the store, nasty strings included",
          "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  const std::string clean = valid_utf8(nasty);
  REQUIRE(clean != nasty);

  example_record e = make_example(1, nasty, nasty, nasty, 8.25);
  e.system = e.prompt = e.output = e.topic = e.style = e.quality_json = nasty;
  e.provider = e.model = e.job_id = nasty;
  e.in_memory = true;
  e.in_library = true;
  e.candidates = {{nasty, "m1", 6.5}, {"ollama", nasty, 8.25}};
  job_record j;
  j.id = "job-\"1\"\n";
  j.user = nasty;
  j.state = "running";
  j.requested = 10;
  j.successful = 7;
  j.failed = 2;
  j.duplicates = 1;
  j.avg_quality = 7.125;
  j.min_quality = 6.0;
  j.max_quality = 9.5;
  j.best_model = nasty;
  j.model_performance = {{"llama", {4, 30.5}}, {nasty, {3, 20.0}}};
  j.genre_distribution = {{"fantasy", 4}, {"sci\"fi", 3}};
  j.element_distribution = {{"scene", 5}, {"dialogue", 2}};
  j.stories_saved = 3;
  j.examples_before = 12;
  j.examples_after = 19;
  j.fine_tuning_triggered = true;
  j.started_ms = 1'764'000'000'000;
  j.request_json = R"({"num_examples":10,"genres":["fan\"tasy"]})";
  attempt_record a;
  a.job_id = j.id;
  a.task_seq = 4;
  a.provider = "groq";
  a.model = nasty;
  a.outcome = "throttled";
  a.http_status = 429;
  a.latency_ms = 120;
  a.error = nasty;
  a.at_ms = 1'764'000'000'123;
  quota_record q{"gemini", "2025-11-24", 41, 12345};

  write_batch b;
  b.examples = {e};
  b.jobs = {j};
  b.attempts = {a};
  b.quota = {q};
  b.meta = {{"paused", "true"}};
  auto res = db->commit(b);
  REQUIRE(res.status == commit_status::ok);
  REQUIRE(res.example_ids.size() == 1);

  auto got = db->get_example(res.example_ids[0]);
  REQUIRE(got);
  CHECK(got->id == res.example_ids[0]);
  CHECK(got->user == clean);
  CHECK(got->output == clean);
  CHECK(got->system == clean);
  CHECK(got->quality_json == clean);
  CHECK(got->genre == clean);
  CHECK(got->element == clean);
  CHECK(got->quality == 8.25);
  CHECK(got->fingerprint == e.fingerprint);
  CHECK(got->created_ms == e.created_ms);
  CHECK(got->prompt_tokens == 40);
  CHECK(got->completion_tokens == 300);
  CHECK(got->in_memory);
  CHECK(got->in_library);
  REQUIRE(got->candidates.size() == 2);
  CHECK(got->candidates[0].provider == clean);
  CHECK(got->candidates[1].quality == 8.25);

  auto gj = db->get_job(j.id);
  REQUIRE(gj);
  CHECK(gj->user == clean);
  CHECK(gj->state == "running");
  CHECK(gj->requested == 10);
  CHECK(gj->successful == 7);
  CHECK(gj->failed == 2);
  CHECK(gj->duplicates == 1);
  CHECK(gj->avg_quality == 7.125);
  CHECK(gj->best_model == clean);
  CHECK(gj->model_performance.at("llama").count == 4);
  CHECK(gj->model_performance.at(clean).total_quality == 20.0);
  CHECK(gj->genre_distribution.at("sci\"fi") == 3);
  CHECK(gj->element_distribution.at("dialogue") == 2);
  CHECK(gj->stories_saved == 3);
  CHECK(gj->examples_after == 19);
  CHECK(gj->fine_tuning_triggered);
  CHECK(gj->request_json == j.request_json);

  auto atts = db->list_attempts(10);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].model == clean);
  CHECK(atts[0].error == clean);
  CHECK(atts[0].http_status == 429);
  CHECK(atts[0].at_ms == a.at_ms);
  CHECK(atts[0].id == 1);

  auto gq = db->get_quota("gemini", "2025-11-24");
  CHECK(gq.requests == 41);
  CHECK(gq.tokens == 12345);
  CHECK(db->get_quota("gemini", "2025-11-25").requests == 0);
  CHECK(db->get_meta("paused") == std::optional<std::string>("true"));
  CHECK(db->count_library() == 1);

  // Upserts replace.
  j.state = "completed";
  q.requests = 42;
  write_batch b2;
  b2.jobs = {j};
  b2.quota = {q};
  REQUIRE(db->commit(b2).status == commit_status::ok);
  CHECK(db->get_job(j.id)->state == "completed");
  CHECK(db->get_quota("gemini", "2025-11-24").requests == 42);
  CHECK(db->count_jobs() == 1);
  CHECK(db->unfinished_jobs().empty());

  // The stored bytes are valid JSON and valid UTF-8 for any other reader.
  std::string cmd = "mdb_dump -p -s examples " + dir.path + " > /dev/null";
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("ids come from persistent counters and the by_user index", "[store]") {
  temp_dir dir;
  std::vector<std::uint64_t> first;
  {
    auto db = open_store(dir.path);
    write_batch b;
    b.examples = {make_example(1, "alice"), make_example(2, "bob"), make_example(3, "alice")};
    auto res = db->commit(b);
    first = res.example_ids;
    CHECK(first == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(db->commits() == 1);
    CHECK(db->commit(write_batch{}).status == commit_status::ok);
    CHECK(db->commits() == 1); // an empty batch costs no transaction
  }
  auto db = open_store(dir.path);
  write_batch b;
  b.examples = {make_example(4, "alice")};
  CHECK(db->commit(b).example_ids == std::vector<std::uint64_t>{4});
  CHECK(db->count_examples("alice") == 3);
  CHECK(db->count_examples("bob") == 1);
  CHECK(db->count_examples("") == 4);
  CHECK(db->count_examples("nobody") == 0);
  auto fps = db->fingerprints("alice");
  CHECK(fps.size() == 3);
  CHECK(fps[0] == make_example(1).fingerprint);
}

namespace {

// Writes an environment the way an older build left it: raw examples and meta, no index.
void write_old_store(const std::string& dir,
                     const std::vector<std::pair<std::string, std::string>>& examples,
                     const std::vector<std::pair<std::string, std::string>>& meta_entries,
                     const std::vector<std::pair<std::string, std::string>>& by_user = {}) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0644) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi examples_dbi, meta;
  REQUIRE(mdb_dbi_open(txn, "examples", MDB_CREATE, &examples_dbi) == 0);
  REQUIRE(mdb_dbi_open(txn, "meta", MDB_CREATE, &meta) == 0);
  auto put = [&](MDB_dbi dbi, const std::string& k, const std::string& v) {
    MDB_val key{k.size(), const_cast<char*>(k.data())};
    MDB_val val{v.size(), const_cast<char*>(v.data())};
    REQUIRE(mdb_put(txn, dbi, &key, &val, 0) == 0);
  };
  for (const auto& [k, v] : examples)
    put(examples_dbi, k, v);
  for (const auto& [k, v] : meta_entries)
    put(meta, k, v);
  if (!by_user.empty()) {
    MDB_dbi by_user_dbi;
    REQUIRE(mdb_dbi_open(txn, "by_user", MDB_CREATE, &by_user_dbi) == 0);
    for (const auto& [k, v] : by_user)
      put(by_user_dbi, k, v);
  }
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

} // namespace

TEST_CASE("opening a version 1 store migrates it to the current version", "[store]") {
  temp_dir dir;
  write_old_store(
    dir.path,
    {{schema::id_key(1),
      R"({"id":1,"user":"alice","kind":"dialogue","genre":"noir","output":"x","quality":8})"},
     {schema::id_key(2),
      R"({"id":2,"user":"bob","kind":"setting","genre":"fantasy","output":"y","quality":6})"}},
    // next_example_id is stale: the store must not reuse id 2
    {{"schema_version", "1"}, {"next_example_id", "2"}});
  {
    auto db = open_store(dir.path);
    CHECK(db->schema_version() == schema::current_version);
    CHECK(db->get_meta("schema_version") == std::optional<std::string>("4"));
    auto e1 = db->get_example(1);
    REQUIRE(e1);
    CHECK(e1->element == "dialogue");
    CHECK(e1->quality == 8);
    example_filter f;
    f.user = "bob";
    auto p = db->list_examples(f, "", 10);
    REQUIRE(p.items.size() == 1);
    CHECK(p.items[0].element == "setting");
    f.element = "setting";
    CHECK(db->list_examples(f, "", 10).items.size() == 1);
    write_batch b;
    b.examples = {make_example(5, "alice")};
    CHECK(db->commit(b).example_ids == std::vector<std::uint64_t>{3});
    CHECK(db->count_examples("alice") == 2);
  }
  auto db = open_store(dir.path); // a second open finds the current version and changes nothing
  CHECK(db->schema_version() == schema::current_version);
  CHECK(db->count_examples("alice") == 2);
}

TEST_CASE("opening a version 3 store gives every example a signature with its length",
          "[store]") {
  temp_dir dir;
  const std::string text = "Mara: You came back.\nHale: I said I would. Close the door.";
  const std::string legacy_signature = zega::training::minhash(text).to_bytes().substr(
    0, zega::training::minhash_signature::legacy_byte_size);
  write_old_store(
    dir.path,
    {{schema::id_key(1), R"({"id":1,"user":"alice","element":"dialogue","genre":"noir","output":")"
                           "Mara: You came back.\\nHale: I said I would. Close the door."
                           R"(","quality":8})"},
     {schema::id_key(2), R"({"id":2,"user":"alice","element":"setting","genre":"noir","output":)"
                           R"("A quiet room.","quality":7})"}},
    {{"schema_version", "3"}, {"next_example_id", "3"}},
    {{schema::by_user_key("alice", 1), schema::id_key(77) + legacy_signature},
     {schema::by_user_key("alice", 2), schema::id_key(78)}});
  auto db = open_store(dir.path);
  CHECK(db->schema_version() == 4);
  auto sigs = db->minhashes("alice");
  REQUIRE(sigs.size() == 2);
  for (const auto& [id, bytes] : sigs) {
    INFO(id);
    auto sig = zega::training::minhash_signature::from_bytes(bytes);
    REQUIRE(sig);
    CHECK(bytes.size() == zega::training::minhash_signature::byte_size);
    CHECK(sig->words == (id == 1 ? 12u : 3u));
  }
  CHECK(zega::training::minhash_signature::from_bytes(sigs[0].second)->mins
        == zega::training::minhash(text).mins);
  CHECK(db->fingerprints("alice") == std::vector<std::uint64_t>{77, 78});
}

TEST_CASE("a store from a newer schema is refused with a message", "[store]") {
  temp_dir dir;
  {
    auto db = open_store(dir.path);
    write_batch b;
    b.meta = {{"schema_version", "99"}};
    REQUIRE(db->commit(b).status == commit_status::ok);
  }
  std::string error;
  auto db = store::open({dir.path, 16, 64}, error);
  CHECK_FALSE(db);
  CHECK_THAT(error, Catch::Contains("99"));
}

TEST_CASE("cursor pagination edges", "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);

  SECTION("empty store") {
    auto p = db->list_examples({}, "", 5);
    CHECK(p.items.empty());
    CHECK(p.next_cursor.empty());
    CHECK(p.error.empty());
    CHECK(db->list_jobs({}, "", 5).items.empty());
  }
  SECTION("exactly one page") {
    write_batch b;
    for (int n = 0; n < 5; ++n)
      b.examples.push_back(make_example(n));
    db->commit(b);
    auto p = db->list_examples({}, "", 5);
    CHECK(p.items.size() == 5);
    CHECK(p.next_cursor.empty());
  }
  SECTION("several pages, last one short, with and without a user") {
    write_batch b;
    for (int n = 0; n < 24; ++n)
      b.examples.push_back(make_example(n, n % 2 == 0 ? "alice" : "bob"));
    db->commit(b);
    for (std::optional<std::string> user : {std::optional<std::string>{}, std::optional<std::string>{"alice"}}) {
      example_filter f;
      f.user = user;
      std::vector<std::uint64_t> ids;
      std::vector<std::size_t> sizes;
      std::string cursor;
      do {
        auto p = db->list_examples(f, cursor, 5);
        REQUIRE(p.error.empty());
        sizes.push_back(p.items.size());
        for (auto& e : p.items)
          ids.push_back(e.id);
        cursor = p.next_cursor;
      } while (!cursor.empty());
      std::size_t expected = user ? 12 : 24;
      CHECK(ids.size() == expected);
      CHECK(std::is_sorted(ids.begin(), ids.end()));
      CHECK(std::set<std::uint64_t>(ids.begin(), ids.end()).size() == expected);
      CHECK(sizes.back() == expected % 5);
    }
  }
  SECTION("bad cursors are reported, not crashed on") {
    write_batch b;
    b.examples = {make_example(1, "alice"), make_example(2, "bob")};
    db->commit(b);
    for (const char* bad : {"zz", "abc", "00ff", "not a cursor"}) {
      auto p = db->list_examples({}, bad, 5);
      CHECK_FALSE(p.error.empty());
      CHECK(p.items.empty());
    }
    // A cursor of bob's index does not page through alice's.
    example_filter bob;
    bob.user = "bob";
    std::string bob_cursor = schema::to_hex(schema::by_user_key("bob", 2));
    CHECK(db->list_examples(bob, bob_cursor, 5).items.size() == 1);
    example_filter alice;
    alice.user = "alice";
    CHECK_FALSE(db->list_examples(alice, bob_cursor, 5).error.empty());
    CHECK_FALSE(db->list_jobs({}, "xyz", 5).error.empty());
    // A well-formed cursor past the end is simply the end.
    auto p = db->list_examples({}, schema::to_hex(schema::id_key(1000)), 5);
    CHECK(p.error.empty());
    CHECK(p.items.empty());
  }
  SECTION("jobs page by id") {
    write_batch b;
    for (int n = 0; n < 7; ++n) {
      job_record j;
      j.id = "job-" + std::to_string(n);
      j.state = n < 2 ? "running" : "completed";
      b.jobs.push_back(j);
    }
    db->commit(b);
    auto p1 = db->list_jobs({}, "", 4);
    REQUIRE(p1.items.size() == 4);
    REQUIRE_FALSE(p1.next_cursor.empty());
    auto p2 = db->list_jobs({}, p1.next_cursor, 4);
    CHECK(p2.items.size() == 3);
    CHECK(p2.next_cursor.empty());
    CHECK(p2.items.front().id == "job-4");
    job_filter running;
    running.state = "running";
    CHECK(db->list_jobs(running, "", 10).items.size() == 2);
    CHECK(db->unfinished_jobs().size() == 2);
  }
}

TEST_CASE("jobs page newest first or oldest first", "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  write_batch b;
  for (const char* id : {"j-a", "j-b", "j-c"}) {
    job_record j;
    j.id = id;
    b.jobs.push_back(j);
  }
  REQUIRE(db->commit(b).status == commit_status::ok);
  job_filter newest;
  newest.newest_first = true;
  auto first = db->list_jobs(newest, "", 2);
  REQUIRE(first.items.size() == 2);
  CHECK(first.items[0].id == "j-c");
  CHECK(first.items[1].id == "j-b");
  REQUIRE_FALSE(first.next_cursor.empty());
  auto rest = db->list_jobs(newest, first.next_cursor, 2);
  REQUIRE(rest.items.size() == 1);
  CHECK(rest.items[0].id == "j-a");
  CHECK(rest.next_cursor.empty());
  auto oldest = db->list_jobs({}, "", 5);
  REQUIRE(oldest.items.size() == 3);
  CHECK(oldest.items[0].id == "j-a");
}

TEST_CASE("example filters", "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  write_batch b;
  b.examples = {make_example(1, "alice", "fantasy", "scene", 9.0),
                make_example(2, "alice", "noir", "dialogue", 6.0),
                make_example(3, "bob", "noir", "scene", 8.0),
                make_example(4, "bob", "fantasy", "setting", 7.0)};
  db->commit(b);
  auto count = [&](const example_filter& f) {
    std::size_t n = 0;
    db->for_each_example(f, [&](const example_record&) { return ++n, true; });
    return n;
  };
  example_filter f;
  CHECK(count(f) == 4);
  f.genre = "noir";
  CHECK(count(f) == 2);
  f.min_quality = 7.0;
  CHECK(count(f) == 1);
  example_filter g;
  g.user = "alice";
  g.element = "scene";
  CHECK(count(g) == 1);
  example_filter t;
  t.from_ms = make_example(2).created_ms;
  t.to_ms = make_example(4).created_ms;
  CHECK(count(t) == 2);
  example_filter job;
  job.job_id = "job-1";
  CHECK(count(job) == 2); // examples 1 and 4
  std::size_t seen = 0;
  db->for_each_example({}, [&](const example_record&) { return ++seen < 2; });
  CHECK(seen == 2); // the callback stops the walk
}

TEST_CASE("export: every line of both formats is valid JSON, split is deterministic",
          "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  write_batch b;
  for (int n = 0; n < 300; ++n) {
    auto e = make_example(n, n % 3 == 0 ? "alice" : "bob", n % 2 ? "noir" : "fantasy",
                          "scene", 5.0 + n % 5);
    if (n % 7 == 0) {
      e.prompt = nasty;
      e.output = nasty + nasty;
      e.system = n % 14 == 0 ? "" : nasty;
      e.genre = nasty;
      e.model = nasty;
    }
    b.examples.push_back(e);
  }
  REQUIRE(db->commit(b).status == commit_status::ok);

  for (auto format : {export_format::openai, export_format::zega}) {
    std::string file = dir.path + "/export.jsonl";
    std::ofstream out(file, std::ios::binary);
    export_options opts;
    opts.format = format;
    opts.all_qualities = true; // scores 5..9: the default floor (7.0) would drop some
    auto res = export_jsonl(*db, opts, [&](std::string_view line) {
      out.write(line.data(), static_cast<std::streamsize>(line.size()));
      return true;
    });
    out.close();
    CHECK(res.lines == 300);
    CHECK(run_python_json_check(file) == 0);
  }

  auto openai = export_line(make_example(1), export_format::openai);
  rapidjson::Document d;
  d.Parse(openai.data(), openai.size() - 1);
  REQUIRE(d.IsObject());
  REQUIRE(d["messages"].Size() == 3);
  CHECK(std::string(d["messages"][0]["role"].GetString()) == "system");
  CHECK(std::string(d["messages"][2]["role"].GetString()) == "assistant");
  auto no_system = make_example(1);
  no_system.system.clear();
  auto line = export_line(no_system, export_format::openai);
  d.Parse(line.data(), line.size() - 1);
  CHECK(d["messages"].Size() == 2);
  CHECK(std::string(d["messages"][0]["role"].GetString()) == "user");
  line = export_line(make_example(1), export_format::zega);
  d.Parse(line.data(), line.size() - 1);
  REQUIRE(d.IsObject());
  CHECK(std::string(d["metadata"]["timestamp"].GetString()) == "2025-11-24T16:00:01.000Z");
  CHECK(d["metadata"]["quality_score"].GetDouble() == 7.5);
  CHECK(std::string(d["metadata"]["best_model"].GetString()) == "llama");

  auto collect = [&](export_split split, example_filter f = {}) {
    export_options opts;
    opts.filter = f;
    opts.all_qualities = true;
    opts.validation_fraction = 0.2;
    opts.split = split;
    std::vector<std::string> lines;
    export_jsonl(*db, opts, [&](std::string_view l) {
      lines.emplace_back(l);
      return true;
    });
    return lines;
  };
  auto train = collect(export_split::train);
  auto validation = collect(export_split::validation);
  CHECK(train.size() + validation.size() == 300);
  CHECK(validation.size() > 30);
  CHECK(validation.size() < 90);
  CHECK(collect(export_split::validation) == validation);
  // Together the two splits are exactly the whole export (as multisets: nasty lines repeat).
  auto both = train;
  both.insert(both.end(), validation.begin(), validation.end());
  auto all = collect(export_split::all);
  std::sort(both.begin(), both.end());
  std::sort(all.begin(), all.end());
  CHECK(both == all);
  example_filter alice;
  alice.user = "alice";
  alice.min_quality = 7.0;
  auto filtered = collect(export_split::all, alice);
  CHECK(filtered.size() == 60); // n % 3 == 0 with n % 5 >= 2
  CHECK(parse_export_format("zega") == export_format::zega);
  CHECK_FALSE(parse_export_format("csv"));
  CHECK(parse_export_split("validation") == export_split::validation);

  std::size_t emitted = 0;
  auto stopped = export_jsonl(*db, {}, [&](std::string_view) { return ++emitted < 10; });
  CHECK(stopped.stopped);
  CHECK(emitted == 10);
}

TEST_CASE("a write error (EIO) is held like a full disk, writes nothing, and clears", "[unit]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  write_batch b;
  b.examples = {make_example(1)};
  db->fail_next_writes(1, EIO);
  auto failed = db->commit(b);
  CHECK(failed.status == commit_status::storage_full);
  CHECK_THAT(failed.message, Catch::Contains("Input/output error"));
  CHECK(failed.example_ids.empty());
  CHECK(db->count_examples("") == 0);
  // LMDB's own refusals of a batch are not retried: they would fail again.
  db->fail_next_writes(1, MDB_BAD_VALSIZE);
  CHECK(db->commit(b).status == commit_status::failed);
  auto ok = db->commit(b);
  CHECK(ok.status == commit_status::ok);
  CHECK(ok.example_ids.size() == 1);
  CHECK(db->count_examples("") == 1);
}

TEST_CASE("a full map grows, then reports storage_full without corrupting", "[store]") {
  temp_dir dir;
  std::size_t acknowledged = 0;
  commit_result last;
  {
    auto db = open_store(dir.path, 1, 4);
    CHECK(db->map_size_bytes() == 1u << 20);
    for (int round = 0; round < 1000; ++round) {
      write_batch b;
      for (int n = 0; n < 20; ++n)
        b.examples.push_back(make_example(round * 20 + n));
      last = db->commit(b);
      if (last.status != commit_status::ok)
        break;
      acknowledged += last.example_ids.size();
    }
    CHECK(last.status == commit_status::storage_full);
    CHECK_THAT(last.message, Catch::Contains("max_map_size_mb"));
    CHECK(last.example_ids.empty());
    CHECK(db->map_size_bytes() == 4u << 20);
    CHECK(acknowledged > 500); // it did grow: 1 MB holds about 250 of these
    CHECK(db->count_examples("") == acknowledged);
    write_batch again;
    for (int n = 0; n < 20; ++n)
      again.examples.push_back(make_example(n));
    CHECK(db->commit(again).status == commit_status::storage_full);
    CHECK(db->count_examples("") == acknowledged);
  }
  auto db = open_store(dir.path, 1, 4);
  CHECK(db->count_examples("") == acknowledged);
  CHECK(db->count_examples("default") == acknowledged);
  CHECK(db->get_example(acknowledged));
  std::string cmd = "mdb_stat -e " + dir.path + " > /dev/null";
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("attempt trimming keeps recent attempts and every example", "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  write_batch b;
  for (int n = 0; n < 10; ++n) {
    attempt_record a;
    a.provider = "groq";
    a.outcome = "ok";
    a.at_ms = 1000 * n;
    b.attempts.push_back(a);
  }
  b.examples = {make_example(1)};
  db->commit(b);
  CHECK(db->trim_attempts(6000) == 6);
  CHECK(db->count_attempts() == 4);
  CHECK(db->list_attempts(1).at(0).at_ms == 9000);
  CHECK(db->trim_attempts(6000) == 0);
  CHECK(db->count_examples("") == 1);
}

TEST_CASE("history and stats JSON", "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  write_batch b;
  auto e1 = make_example(1, "default", "fantasy", "scene", 8.0);
  auto e2 = make_example(2, "default", "noir", "dialogue", 6.0);
  e2.provider = "gemini";
  e1.in_library = true;
  b.examples = {e1, e2};
  for (const char* outcome : {"ok", "ok", "throttled", "busy"}) {
    attempt_record a;
    a.provider = "groq";
    a.outcome = outcome;
    a.at_ms = e1.created_ms;
    b.attempts.push_back(a);
  }
  job_record j;
  j.id = "j1";
  j.state = "completed";
  j.requested = 2;
  j.successful = 2;
  j.model_performance = {{"llama", {2, 14.0}}};
  j.fine_tuning_triggered = true;
  j.started_ms = 1'764'000'000'000;
  j.completed_ms = j.started_ms + 90'500;
  b.jobs = {j};
  db->commit(b);

  rapidjson::Document d;
  auto stats = stats_json(*db);
  d.Parse(stats.c_str());
  REQUIRE(d.IsObject());
  CHECK(d["total_sessions"].GetInt() == 1);
  CHECK(d["total_examples_generated"].GetInt() == 2);
  CHECK(d["total_stories_saved"].GetInt() == 1);
  CHECK(d["average_quality"].GetDouble() == Approx(7.0));
  CHECK(d["total_training_time"].GetDouble() == Approx(90.5));
  CHECK(d["fine_tuning_sessions"].GetInt() == 1);
  CHECK(d["total_attempts"].GetInt() == 3);
  CHECK(d["by_provider"]["groq"]["success_rate"].GetDouble() == Approx(2.0 / 3));
  CHECK(d["by_provider"]["gemini"]["average_quality"].GetDouble() == Approx(6.0));
  CHECK(d["by_genre"]["noir"]["examples"].GetInt() == 1);
  CHECK(d["by_element"]["scene"]["average_quality"].GetDouble() == Approx(8.0));
  CHECK(d["by_day"]["2025-11-24"]["examples"].GetInt() == 2);

  auto hist = history_json(db->list_jobs({}, "", 10));
  d.Parse(hist.c_str());
  REQUIRE(d.IsObject());
  REQUIRE(d["history"].Size() == 1);
  const auto& h = d["history"][0];
  CHECK(std::string(h["session_id"].GetString()) == "j1");
  CHECK(h["total_requested"].GetInt() == 2);
  CHECK(h["model_performance"]["llama"]["avg_quality"].GetDouble() == Approx(7.0));
  CHECK(h["total_time"].GetDouble() == Approx(90.5));
  CHECK(std::string(h["started_at"].GetString()) == "2025-11-24T16:00:00.000Z");
  CHECK(h["fine_tuning_triggered"].GetBool());
  CHECK(d["next_cursor"].IsNull());
  j.completed_ms = 0;
  d.Parse(job_json(j).c_str());
  CHECK(d["completed_at"].IsNull());
}

TEST_CASE("readers on other threads keep working while the map grows", "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path, 1, 16);
  std::atomic<bool> done{false};
  std::atomic<bool> went_backwards{false};
  std::atomic<long> reads{0};
  std::thread reader([&] {
    std::size_t last = 0;
    while (!done) {
      auto n = db->count_examples("default");
      auto p = db->list_examples({}, "", 3);
      if (n < last || (n > 0 && p.items.empty()))
        went_backwards = true;
      last = n;
      ++reads;
    }
  });
  std::size_t written = 0;
  for (int round = 0; round < 150; ++round) {
    write_batch b;
    for (int n = 0; n < 20; ++n)
      b.examples.push_back(make_example(round * 20 + n));
    auto res = db->commit(b);
    REQUIRE(res.status == commit_status::ok);
    written += res.example_ids.size();
  }
  done = true;
  reader.join();
  CHECK(db->map_size_bytes() > (1u << 20));
  CHECK(db->count_examples("") == written);
  CHECK(reads > 0);
  CHECK_FALSE(went_backwards);
}

TEST_CASE("over-long users and job ids still get one bounded key each", "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  const std::string long_user(2000, 'u');
  const std::string other_long_user = std::string(1999, 'u') + "v";
  job_record j;
  j.id = std::string(1500, 'j');
  write_batch b;
  b.examples = {make_example(1, long_user), make_example(2, other_long_user)};
  b.jobs = {j};
  REQUIRE(db->commit(b).status == commit_status::ok);
  CHECK(db->count_examples(long_user) == 1);
  CHECK(db->count_examples(other_long_user) == 1);
  example_filter f;
  f.user = long_user;
  auto p = db->list_examples(f, "", 10);
  REQUIRE(p.items.size() == 1);
  CHECK(p.items[0].user == long_user);
  REQUIRE(db->get_job(j.id));
  CHECK(db->get_job(j.id)->id == j.id);
  CHECK(schema::key_part(long_user).size() <= schema::key_part_max);

  write_batch bad;
  bad.examples = {make_example(3)};
  bad.jobs = {job_record{}};
  auto res = db->commit(bad);
  CHECK(res.status == commit_status::failed);
  CHECK_THAT(res.message, Catch::Contains("without an id"));
  CHECK(db->count_examples("") == 2);
}

TEST_CASE("a selective filter pages through a big table in bounded steps", "[store]") {
  temp_dir dir;
  auto db = open_store(dir.path);
  write_batch b;
  for (int n = 0; n < 5000; ++n) {
    auto e = make_example(n);
    e.output = "short";
    e.genre = n == 4900 ? "rare" : "common";
    b.examples.push_back(e);
  }
  REQUIRE(db->commit(b).status == commit_status::ok);
  example_filter f;
  f.genre = "rare";
  auto first = db->list_examples(f, "", 10);
  CHECK(first.items.empty());           // the first 4096 records hold no match...
  REQUIRE_FALSE(first.next_cursor.empty()); // ...but there is more to look at
  auto second = db->list_examples(f, first.next_cursor, 10);
  REQUIRE(second.items.size() == 1);
  CHECK(second.items[0].id == 4901);
  CHECK(second.next_cursor.empty());
  std::size_t seen = 0;
  db->for_each_example(f, [&](const example_record&) { return ++seen, true; });
  CHECK(seen == 1);
}

TEST_CASE("opening a version 2 store indexes every example by its job", "[store]") {
  temp_dir dir;
  write_old_store(
    dir.path,
    {{schema::id_key(1), R"({"id":1,"user":"default","job_id":"j-a","task_seq":0,"element":"scene","genre":"noir","output":"x","quality":8,"fingerprint":11})"},
     {schema::id_key(2), R"({"id":2,"user":"default","job_id":"j-b","task_seq":0,"element":"scene","genre":"noir","output":"y","quality":7})"},
     {schema::id_key(3), R"({"id":3,"user":"default","job_id":"j-a","task_seq":1,"element":"scene","genre":"noir","output":"z","quality":6,"fingerprint":33})"}},
    {{"schema_version", "2"}, {"next_example_id", "4"}});
  auto db = open_store(dir.path);
  CHECK(db->schema_version() == schema::current_version);
  auto seqs_of = [&](const std::string& job) {
    example_filter f;
    f.job_id = job;
    std::vector<std::uint64_t> ids;
    CHECK(db->for_each_example(f, [&](const example_record& ex) {
      CHECK(ex.job_id == job);
      ids.push_back(ex.id);
      return true;
    }).empty());
    return ids;
  };
  CHECK(seqs_of("j-a") == std::vector<std::uint64_t>{1, 3});
  CHECK(seqs_of("j-b") == std::vector<std::uint64_t>{2});
  CHECK(seqs_of("j").empty()); // a prefix of another job's id is another job
  // The user index now carries the fingerprints (example 2 had none).
  CHECK(db->fingerprints("default") == std::vector<std::uint64_t>{11, 0, 33});
  // New commits are indexed too.
  write_batch b;
  b.examples = {make_example(5, "default")};
  b.examples[0].job_id = "j-b";
  CHECK(db->commit(b).example_ids == std::vector<std::uint64_t>{4});
  CHECK(seqs_of("j-b") == std::vector<std::uint64_t>{2, 4});
  CHECK(db->fingerprints("default").back() == make_example(5, "default").fingerprint);
}
