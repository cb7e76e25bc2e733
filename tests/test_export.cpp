// Honest exports, curation and rescore (issue 13 items 1, 6, 7) on real LMDB files, and the
// fine-tuning core (issue 12 items 3 and 4).
#include "store/codec.hpp"
#include "store/export.hpp"
#include "store/finetune.hpp"
#include "store/rescore.hpp"
#include "store/store.hpp"
#include "tests/fixtures/quality_fixtures.hpp"
#include "tests/temp_dir.hpp"
#include "training/finetune.hpp"
#include "training/quality.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace zega;
using namespace zega::store;
using zega::testing::temp_dir;

namespace {

std::unique_ptr<store::store> open_db(const std::string& dir) {
  std::string error;
  auto db = store::store::open({dir, 16, 64}, error);
  INFO(error);
  REQUIRE(db);
  return db;
}

const char* const elements[] = {"scene", "character", "dialogue", "setting"};

example_record example(int n, double quality, const std::string& topic,
                       const std::string& user = "alice") {
  example_record e;
  e.user = user;
  e.job_id = "job-1";
  e.task_seq = static_cast<std::uint64_t>(n);
  e.element = elements[n % 4];
  e.genre = n % 2 ? "noir" : "fantasy";
  e.topic = topic;
  e.system = "You write fiction.";
  e.prompt = "Write a " + e.element + " about " + topic + " (#" + std::to_string(n) + ")";
  e.output = "Output number " + std::to_string(n) + ".";
  e.quality = quality;
  e.provider = n % 3 ? "groq" : "ollama";
  e.model = n % 3 ? "llama-3.1-8b" : "llama3.2";
  e.created_ms = 1764000000000 + n * 1000;
  return e;
}

std::vector<std::uint64_t> commit(store::store& db, const std::vector<example_record>& exs) {
  write_batch b;
  b.examples = exs;
  auto res = db.commit(b);
  REQUIRE(res.status == commit_status::ok);
  return res.example_ids;
}

std::vector<std::string> export_lines(const store::store& db, const export_options& opts,
                                      export_result* result = nullptr) {
  std::vector<std::string> lines;
  auto res = export_jsonl(db, opts, [&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  });
  if (result)
    *result = res;
  return lines;
}

rapidjson::Document parse(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  REQUIRE(!d.HasParseError());
  return d;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

TEST_CASE("export: min_quality defaults to the memory threshold, \"all\" exports every score",
          "[unit][export]") {
  temp_dir dir;
  auto db = open_db(dir.path);
  commit(*db, {example(0, 4.5, "a"), example(1, 6.9, "b"), example(2, 7.0, "c"),
               example(3, 9.1, "d")});
  export_options opts;
  CHECK(export_lines(*db, opts).size() == 2); // 7.0 and 9.1
  opts.memory_threshold = 9.0;                // quality.memory_threshold moves the default
  CHECK(export_lines(*db, opts).size() == 1);

  export_options q;
  REQUIRE(apply_export_query({std::nullopt, std::string("all"), std::nullopt, std::nullopt}, q)
          == "");
  CHECK(export_lines(*db, q).size() == 4);
  REQUIRE(apply_export_query({std::nullopt, std::string("6.5"), std::nullopt, std::nullopt}, q)
          == "");
  CHECK(export_lines(*db, q).size() == 3);
  auto bad = apply_export_query({std::nullopt, std::string("lots"), std::nullopt, std::nullopt}, q);
  CHECK(bad.find("min_quality") == 0);
  CHECK(apply_export_query({std::string("csv"), std::nullopt, std::nullopt, std::nullopt}, q)
          .find("format") == 0);
}

TEST_CASE("export: a split without a validation fraction is an error, not an empty file",
          "[unit][export]") {
  temp_dir dir;
  auto db = open_db(dir.path);
  commit(*db, {example(0, 8, "a"), example(1, 8, "b")});
  for (const char* split : {"validation", "train"}) {
    export_options opts;
    auto error = apply_export_query({std::nullopt, std::nullopt, std::string(split), std::nullopt},
                                    opts);
    INFO(error);
    CHECK(error.find("split") == 0);
    CHECK(error.find("validation_fraction") != std::string::npos);
    export_result res;
    CHECK(export_lines(*db, opts, &res).empty());
    CHECK(res.error == error); // export_jsonl refuses the same options before sending a line
    export_options zero;
    CHECK(apply_export_query({std::nullopt, std::nullopt, std::string(split), std::string("0")},
                             zero)
            .find("validation_fraction") != std::string::npos);
  }
  export_options fine;
  CHECK(apply_export_query({std::nullopt, std::nullopt, std::string("validation"),
                            std::string("0.5")},
                           fine)
          .empty());
  export_options all;
  CHECK(apply_export_query({std::nullopt, std::nullopt, std::string("all"), std::nullopt}, all)
          .empty());
}

TEST_CASE("export: the validation split keeps premises disjoint and stable as data grows",
          "[unit][export]") {
  temp_dir dir;
  auto db = open_db(dir.path);
  // 80 premises, 5 examples each over different elements, written with varying case and
  // spacing (the same premise as the history sees it).
  std::map<std::string, std::string> premise_of_prompt;
  std::vector<example_record> batch;
  int n = 0;
  for (int p = 0; p < 80; ++p) {
    for (int k = 0; k < 5; ++k, ++n) {
      std::string topic = "a lighthouse keeper who hides letter " + std::to_string(p);
      if (k == 1)
        topic = "A  Lighthouse keeper who hides LETTER " + std::to_string(p);
      auto e = example(n, 8.0, topic);
      premise_of_prompt[e.prompt] = premise_key(e);
      batch.push_back(e);
    }
  }
  commit(*db, batch);
  auto premises = [&](export_split split) {
    export_options opts;
    opts.format = export_format::completion;
    opts.validation_fraction = 0.25;
    opts.split = split;
    std::multiset<std::string> out;
    for (const auto& line : export_lines(*db, opts)) {
      auto d = parse(line);
      out.insert(premise_of_prompt.at(d["prompt"].GetString()));
    }
    return out;
  };
  auto train = premises(export_split::train);
  auto validation = premises(export_split::validation);
  CHECK(train.size() + validation.size() == 400);
  std::set<std::string> train_set(train.begin(), train.end());
  std::set<std::string> validation_set(validation.begin(), validation.end());
  for (const auto& p : validation_set)
    CHECK(train_set.count(p) == 0);
  for (const auto& p : validation_set)
    CHECK(validation.count(p) == 5); // all of a premise's examples on one side
  CHECK(validation_set.size() >= 8);  // ~20 of 80 premises
  CHECK(validation_set.size() <= 34);

  // New premises arrive: every premise keeps its side.
  std::vector<example_record> more;
  for (int p = 80; p < 120; ++p, ++n) {
    auto e = example(n, 8.0, "a lighthouse keeper who hides letter " + std::to_string(p));
    premise_of_prompt[e.prompt] = premise_key(e);
    more.push_back(e);
  }
  commit(*db, more);
  auto validation_after = premises(export_split::validation);
  for (const auto& p : validation_set)
    CHECK(validation_after.count(p) == 5);
  auto train_after = premises(export_split::train);
  for (const auto& p : train_set)
    CHECK(validation_after.count(p) == 0);
  CHECK(train_after.size() + validation_after.size() == 440);
}

TEST_CASE("export: chat messages, prompt/completion and zega formats", "[unit][export]") {
  auto e = example(5, 8.25, "a storm");
  auto chat = parse(export_line(e, export_format::openai));
  REQUIRE(chat["messages"].Size() == 3);
  CHECK(std::string(chat["messages"][0]["role"].GetString()) == "system");
  CHECK(std::string(chat["messages"][1]["content"].GetString()) == e.prompt);
  CHECK(std::string(chat["messages"][2]["role"].GetString()) == "assistant");
  CHECK(std::string(chat["messages"][2]["content"].GetString()) == e.output);
  auto completion = parse(export_line(e, export_format::completion));
  CHECK(completion.MemberCount() == 2);
  CHECK(std::string(completion["prompt"].GetString()) == e.prompt);
  CHECK(std::string(completion["completion"].GetString()) == e.output);
  auto zega_line = parse(export_line(e, export_format::zega));
  CHECK(std::string(zega_line["input"].GetString()) == e.prompt);
  CHECK(zega_line["metadata"]["quality_score"].GetDouble() == 8.25);
  CHECK(parse_export_format("messages") == export_format::openai);
  CHECK(parse_export_format("completion") == export_format::completion);
  CHECK(parse_export_format("prompt_completion") == export_format::completion);
  CHECK_FALSE(parse_export_format("alpaca"));
}

TEST_CASE("curation: review status round trip, old records, filters, rejected never export",
          "[unit][export]") {
  temp_dir dir;
  auto db = open_db(dir.path);
  // A record as written before curation existed has no "review" and no "rubric_version".
  example_record old;
  REQUIRE(decode(R"({"id":3,"user":"alice","element":"scene","quality":8.5})", old));
  CHECK(old.review == review_status::none);
  CHECK(old.rubric_version == 0);
  example_record versioned; // the version read back from the stored report
  REQUIRE(decode(R"({"id":4,"quality_json":"{\"score\":8.5,\"rubric_version\":1,\"parts\":[]}"})",
                 versioned));
  CHECK(versioned.rubric_version == 1);
  auto ids = commit(*db, {example(0, 9, "a"), example(1, 8, "b"), example(2, 3, "c"),
                          example(3, 9.5, "d", "bob")});
  CHECK(db->get_example(ids[0])->review == review_status::none);

  write_batch b;
  b.reviews = {{ids[0], review_status::rejected}, {ids[2], review_status::rejected},
               {ids[1], review_status::accepted}, {999999, review_status::accepted}};
  auto res = db->commit(b);
  REQUIRE(res.status == commit_status::ok);
  CHECK(res.missing_reviews == std::vector<std::uint64_t>{999999});
  auto rejected = db->get_example(ids[0]);
  REQUIRE(rejected);
  CHECK(rejected->review == review_status::rejected);
  CHECK(rejected->output == example(0, 9, "a").output); // nothing else changed
  CHECK(db->get_example(ids[1])->review == review_status::accepted);
  CHECK(parse_review_status("rejected") == review_status::rejected);
  CHECK_FALSE(parse_review_status("maybe"));

  example_filter by_status;
  by_status.review = review_status::rejected;
  CHECK(db->list_examples(by_status, "", 50).items.size() == 2);
  by_status.review = review_status::none;
  CHECK(db->list_examples(by_status, "", 50).items.size() == 1); // bob's
  example_filter by_provider;
  by_provider.provider = "ollama";
  CHECK(db->list_examples(by_provider, "", 50).items.size() == 2); // n = 0 and 3

  // Un-rejecting brings it back.
  export_options all;
  all.all_qualities = true;
  export_result r;
  CHECK(export_lines(*db, all, &r).size() == 2);
  CHECK(r.rejected == 2);
  write_batch undo;
  undo.reviews = {{ids[2], review_status::none}};
  REQUIRE(db->commit(undo).status == commit_status::ok);
  CHECK(export_lines(*db, all).size() == 3);

  temp_dir out;
  auto res_dir = export_to_directory(*db, all, out.path, 1764600000000);
  REQUIRE(res_dir.error == "");
  CHECK(res_dir.stats.rejected == 1);
  CHECK(read_file(res_dir.train_path).find(example(0, 9, "a").prompt) == std::string::npos);
}

TEST_CASE("export to a directory: train, validation and a dataset card that add up",
          "[unit][export]") {
  temp_dir dir;
  auto db = open_db(dir.path);
  std::vector<example_record> batch;
  for (int n = 0; n < 120; ++n) {
    auto e = example(n, 3.0 + (n % 8), "premise " + std::to_string(n / 3));
    e.rubric_version = n < 100 ? training::rubric_version : 1;
    batch.push_back(e);
  }
  commit(*db, batch);
  export_options opts;
  opts.validation_fraction = 0.2;
  opts.library_threshold = 8.5;
  temp_dir out;
  const std::string target = out.path + "/nested/ds";
  auto res = export_to_directory(*db, opts, target, 1764600000000);
  REQUIRE(res.error == "");
  const auto train = read_file(res.train_path);
  const auto validation = read_file(res.validation_path);
  const auto card = read_file(res.card_path);
  CHECK(count_lines(train) == res.stats.train);
  CHECK(count_lines(validation) == res.stats.validation);
  // Scores 7..10 of 3..10: half of the 120.
  CHECK(res.stats.train + res.stats.validation == 60);
  CHECK(res.stats.validation > 0);
  CHECK(!std::filesystem::exists(res.train_path + ".part"));
  INFO(card);
  CHECK(card.find("| train.jsonl | " + std::to_string(res.stats.train) + " |")
        != std::string::npos);
  CHECK(card.find("| validation.jsonl | " + std::to_string(res.stats.validation) + " |")
        != std::string::npos);
  CHECK(card.find("| total | 60 |") != std::string::npos);
  CHECK(card.find("minimum quality: 7.0 (the memory threshold)") != std::string::npos);
  CHECK(card.find("memory 7.0, library 8.5") != std::string::npos);
  CHECK(card.find("rubric version: " + std::to_string(training::rubric_version))
        != std::string::npos);
  CHECK(card.find("older rubric") != std::string::npos); // 20 examples scored by version 1
  CHECK(card.find("2025-12-01T14:40:00.000Z") != std::string::npos);
  // Histogram: 15 examples each at 7, 8, 9 and 10 (10 lands in the last bucket).
  CHECK(res.stats.histogram[6] == 0);
  CHECK(res.stats.histogram[7] == 15);
  CHECK(res.stats.histogram[9] == 30);
  CHECK(card.find("| 9–10 | 30 |") != std::string::npos);
  CHECK(card.find("| 7–<8 | 15 |") != std::string::npos);
  for (const char* expected : {"groq / llama-3.1-8b", "ollama / llama3.2", "| fantasy |",
                               "| noir |", "| scene |", "| dialogue |", "| setting |",
                               "| character |", "Format: `openai`"})
    CHECK(card.find(expected) != std::string::npos);

  // Exporting again replaces the files with the same content (deterministic).
  auto again = export_to_directory(*db, opts, target, 1764600000000);
  REQUIRE(again.error == "");
  CHECK(read_file(again.train_path) == train);
  CHECK(read_file(again.card_path) == card);
  export_options bad = opts;
  bad.validation_fraction = 2;
  CHECK(!export_to_directory(*db, bad, target, 0).error.empty());
}

TEST_CASE("rescore: chunked, outputs unchanged, threshold crossings counted", "[unit][export]") {
  temp_dir dir;
  auto db = open_db(dir.path);
  std::vector<example_record> batch;
  // Good texts stored with a low old score, word salad and refusals stored with a high one.
  for (int i = 0; i < 4; ++i) {
    auto good = example(0, 5.0, "g" + std::to_string(i));
    good.element = "scene";
    good.output = fixtures::good_scenes[i];
    good.quality_json = R"({"score":5.0,"rubric_version":1,"parts":[]})";
    batch.push_back(good);
    auto salad = example(0, 9.5, "s" + std::to_string(i));
    salad.element = "scene";
    salad.output = fixtures::word_salad(fixtures::good_scenes[i], 7 + i);
    salad.quality_json = R"({"score":9.5,"rubric_version":1,"parts":[]})";
    salad.in_memory = salad.in_library = true;
    batch.push_back(salad);
  }
  auto refusal = example(0, 8.8, "r");
  refusal.element = "scene";
  refusal.output = fixtures::refusals[0];
  refusal.in_memory = refusal.in_library = true;
  batch.push_back(refusal);
  auto ids = commit(*db, batch);

  rescore_options opts;
  rescore_counts total;
  std::uint64_t cursor = 0;
  int chunks = 0;
  do {
    auto r = rescore_chunk(*db, cursor, 2, opts);
    REQUIRE(r.status == commit_status::ok);
    total += r.counts;
    cursor = r.next_cursor;
    ++chunks;
  } while (cursor != 0 && chunks < 100);
  CHECK(chunks == 5); // 9 examples, 2 per chunk
  CHECK(total.examined == 9);
  CHECK(total.rescored == 9);
  CHECK(total.memory_up == 4);
  CHECK(total.memory_down == 5);
  CHECK(total.library_down == 5);
  CHECK(total.library_up <= 4);
  for (std::size_t k = 0; k < ids.size(); ++k) {
    auto ex = db->get_example(ids[k]);
    REQUIRE(ex);
    CHECK(ex->output == batch[k].output); // never changed
    CHECK(ex->rubric_version == training::rubric_version);
    CHECK(ex->quality_json.find("\"rubric_version\":" + std::to_string(training::rubric_version))
          != std::string::npos);
    CHECK(ex->in_memory == (ex->quality >= 7.0));
    CHECK(ex->in_library == (ex->quality >= 8.0));
  }
  // Everything is current now: a second pass changes nothing unless forced.
  auto second = rescore_chunk(*db, 0, 100, opts);
  CHECK(second.counts.rescored == 0);
  CHECK(second.counts.skipped == 9);
  CHECK(second.next_cursor == 0);
  opts.force = true;
  opts.memory_threshold = 9.9; // a stricter threshold moves flags, not scores
  auto forced = rescore_chunk(*db, 0, 100, opts);
  CHECK(forced.counts.memory_down == 0); // crossings are about scores, and none moved
  for (auto id : ids) {
    auto ex = db->get_example(id);
    CHECK(ex->in_memory == (ex->quality >= 9.9));
  }
  auto json = parse(to_json(total));
  CHECK(json["memory"]["up"].GetUint64() == 4);
  CHECK(json["memory"]["down"].GetUint64() == 5);
}

TEST_CASE("fine-tuning: model names, balanced selection and the /api/create body",
          "[unit][finetune]") {
  CHECK(training::model_name_for("alice") == "zega-alice");
  CHECK(training::model_name_for("user_42.b") == "zega-user_42.b");
  auto folded = training::model_name_for("Alice Smith/π");
  CHECK(folded.rfind("zega-alice-smith-", 0) == 0);
  CHECK(folded != training::model_name_for("alice smith"));
  CHECK(training::model_name_for("").rfind("zega-user-", 0) == 0);
  CHECK(training::model_name_for(std::string(300, 'x')).size() < 70);
  for (char c : training::model_name_for("../etc/passwd:latest"))
    CHECK((std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c))
           || c == '-' || c == '.' || c == '_'));

  training::finetune_settings s;
  s.max_examples = 7;
  s.base_model = "llama3.2";
  training::shot_pool pool(s);
  std::uint64_t id = 1;
  for (int i = 0; i < 30; ++i)
    pool.offer({id++, "scene", "fantasy", "p", "o", 9.0 + (i % 10) / 10.0});
  pool.offer({id++, "dialogue", "noir", "p", "o", 8.0});
  pool.offer({id++, "dialogue", "noir", "p", "o", 7.5});
  pool.offer({id++, "setting", "noir", "p", "o", 7.0});
  for (int i = 0; i < 5; ++i)
    pool.offer({id++, "character", "noir", "p", "o", 6.9}); // below the floor
  auto picked = pool.select();
  REQUIRE(picked.size() == 7);
  std::map<std::string, int> by;
  for (const auto& sh : picked)
    ++by[sh.element];
  CHECK(by["dialogue"] == 2);
  CHECK(by["setting"] == 1);
  CHECK(by["scene"] == 4);
  CHECK(by.count("character") == 0);
  for (const auto& sh : picked)
    if (sh.element == "scene")
      CHECK(sh.quality >= 9.6); // the best scenes
  CHECK(picked[0].quality >= picked[3].quality);

  training::finetune_settings even = s;
  even.max_examples = 8;
  training::shot_pool balanced(even);
  for (const char* el : elements)
    for (int i = 0; i < 5; ++i)
      balanced.offer({id++, el, "g", "p", "o", 8.0});
  std::map<std::string, int> per;
  for (const auto& sh : balanced.select())
    ++per[sh.element];
  for (const char* el : elements)
    CHECK(per[el] == 2);

  auto body = parse(training::create_body("Alice", s, picked));
  CHECK(std::string(body["model"].GetString()) == training::model_name_for("Alice"));
  CHECK(std::string(body["from"].GetString()) == "llama3.2");
  CHECK(std::string(body["system"].GetString()) == training::default_system_prompt());
  CHECK(body["stream"].IsFalse());
  REQUIRE(body["messages"].Size() == 14);
  CHECK(std::string(body["messages"][0]["role"].GetString()) == "user");
  CHECK(std::string(body["messages"][1]["role"].GetString()) == "assistant");
  s.system_prompt = "Write noir.";
  CHECK(std::string(parse(training::create_body("a", s, {}))["system"].GetString())
        == "Write noir.");
}

TEST_CASE("fine-tuning: training_stats semantics", "[unit][finetune]") {
  auto stats = training::compute_training_stats({0, 0, 0, false}, 50);
  CHECK(stats.training_examples == 0);
  CHECK(stats.examples_until_next_training == 50);
  CHECK(stats.avg_quality_score == 0);
  stats = training::compute_training_stats({73, 73 * 8.123, 1, true}, 50);
  CHECK(stats.examples_until_next_training == 27);
  CHECK(stats.avg_quality_score == Approx(8.12));
  CHECK(stats.custom_model_exists);
  CHECK(stats.training_steps == 1);
  CHECK(training::compute_training_stats({50, 400, 0, false}, 50).examples_until_next_training
        == 50);
  auto json = parse(training::to_json(stats));
  for (const char* key : {"training_examples", "examples_until_next_training",
                          "custom_model_exists", "training_steps", "avg_quality_score"})
    CHECK(json.HasMember(key));
}

TEST_CASE("fine-tuning: prepare_finetune exports the user's dataset and builds the body",
          "[unit][finetune]") {
  temp_dir dir;
  auto db = open_db(dir.path + "/db");
  std::vector<example_record> batch;
  for (int n = 0; n < 40; ++n)
    batch.push_back(example(n, n % 2 ? 8.5 : 5.0, "t" + std::to_string(n)));
  batch.push_back(example(99, 9.9, "other user", "bob"));
  auto ids = commit(*db, batch);
  write_batch reject;
  reject.reviews = {{ids[1], review_status::rejected}};
  REQUIRE(db->commit(reject).status == commit_status::ok);

  config cfg = default_config();
  cfg.storage.data_dir = dir.path;
  cfg.finetune.base_model = "llama3.2";
  cfg.finetune.max_examples = 8;
  auto settings = finetune_settings_from(cfg);
  auto stats = user_training_stats(*db, "alice", settings);
  CHECK(stats.training_examples == 19); // 20 good, one rejected
  CHECK(stats.examples_until_next_training == 31);
  CHECK_FALSE(stats.custom_model_exists);

  auto plan = prepare_finetune(*db, cfg, "alice", 1764600000000);
  REQUIRE(plan.error == "");
  CHECK(plan.model == "zega-alice");
  CHECK(plan.shots.size() == 8);
  CHECK(plan.exported.stats.train + plan.exported.stats.validation == 19);
  CHECK(plan.exported.train_path.find(dir.path + "/finetune/zega-alice/") == 0);
  CHECK(std::filesystem::exists(plan.exported.card_path));
  auto body = parse(plan.create_body);
  CHECK(body["messages"].Size() == 16);
  CHECK(plan.create_body.find("other user") == std::string::npos);
  CHECK(plan.create_body.find(batch[1].prompt) == std::string::npos); // rejected

  auto answer = parse(training::to_json(finetune_outcome_of(plan, true, "model created")));
  CHECK(std::string(answer["status"].GetString()) == "success");
  CHECK(std::string(answer["model"].GetString()) == "zega-alice");
  CHECK(answer["examples_used"].GetUint64() == 8);
  CHECK(std::string(answer["export"]["card"].GetString()) == plan.exported.card_path);

  // A successful build is recorded in meta: custom_model_exists and training_steps follow.
  write_batch meta;
  meta.meta = {{finetune_meta_key("alice"),
                encode(after_attempt(std::nullopt, plan.model, true, "ok", 1))}};
  REQUIRE(db->commit(meta).status == commit_status::ok);
  stats = user_training_stats(*db, "alice", settings);
  CHECK(stats.custom_model_exists);
  CHECK(stats.training_steps == 1);

  auto nothing = prepare_finetune(*db, cfg, "carol", 0);
  CHECK(nothing.error.find("memory threshold") != std::string::npos);
  auto failed = parse(training::to_json(finetune_outcome_of(nothing, true, "")));
  CHECK(std::string(failed["status"].GetString()) == "failed");
}
