#pragma once
// Fine-tuning a user's model through Ollama (issue 12): which examples become few-shot
// messages, the body of Ollama's POST /api/create, ZEGA's answer shape, and ZEGA's
// training_stats. Pure: the store gathers the inputs, the actors make the calls.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace zega::training {

struct finetune_settings {
  std::size_t max_examples = 20;   // finetune.max_examples
  std::size_t threshold = 50;      // finetune.threshold: examples per fine-tuning round
  double min_quality = 7.0;        // quality.memory_threshold
  std::string base_model;          // finetune.base_model (Ollama model to build from)
  std::string system_prompt;       // finetune.system_prompt; empty = default_system_prompt()
};

// The system prompt of a built model when none is configured: a creative-writing assistant
// that writes the one element asked for, in the genre asked for, with no chatter.
const std::string& default_system_prompt();

// "zega-" + the user id made a valid Ollama model name: lower case, [a-z0-9._-], no leading
// or trailing punctuation, bounded length. An id that had to change gets a short hash of the
// original appended, so "Alice" and "alice" do not build the same model.
std::string model_name_for(std::string_view user);

// One stored example as a candidate few-shot pair.
struct shot {
  std::uint64_t id = 0;
  std::string element;
  std::string genre;
  std::string prompt;
  std::string output;
  double quality = 0;
};

// Keeps the best candidates per element while the store streams a user's examples, so
// memory stays bounded (max_examples per element) whatever the dataset size.
class shot_pool {
public:
  explicit shot_pool(const finetune_settings& s) : settings_(s) {}
  // Ignores shots below the quality floor; callers leave rejected examples out.
  void offer(const shot& s);
  // Balanced across elements: rounds that take each element's best remaining shot (in
  // element name order), until max_examples are taken or none remain. Best first within an
  // element (higher quality, then the older id).
  std::vector<shot> select() const;
  std::size_t offered() const { return offered_; }

private:
  finetune_settings settings_;
  std::map<std::string, std::vector<shot>> by_element_; // each sorted best first, capped
  std::size_t offered_ = 0;
};

// Ollama's POST /api/create body: {"model","from","system","messages":[user, assistant, ...],
// "stream":false}.
std::string create_body(std::string_view user, const finetune_settings& s,
                        const std::vector<shot>& shots);

// What a trigger did, answered in ZEGA's shape.
struct finetune_outcome {
  bool success = false;
  std::string message;
  std::string model;
  std::size_t examples_used = 0;            // few-shot messages in the model
  std::map<std::string, std::size_t> by_element;
  std::size_t training_examples = 0;        // train.jsonl lines
  std::size_t validation_examples = 0;      // validation.jsonl lines
  std::string train_path, validation_path, card_path;
};
// {"status":"success"|"failed","message":…,"model":…,"examples_used":N,"by_element":{…},
//  "training_examples":N,"validation_examples":N,
//  "export":{"train":path,"validation":path,"card":path}}
std::string to_json(const finetune_outcome& o);

// ZEGA's training_stats, from what the store knows about one user.
struct training_stats_input {
  std::size_t good_examples = 0;   // quality >= memory threshold, not rejected
  double good_quality_total = 0;   // sum of their scores
  std::size_t finetune_runs = 0;   // fine-tuning rounds recorded in history
  bool custom_model_exists = false;
};

struct training_stats {
  std::size_t training_examples = 0;
  // To the next multiple of finetune.threshold (a full round right after a multiple).
  std::size_t examples_until_next_training = 0;
  bool custom_model_exists = false;
  std::size_t training_steps = 0;  // fine-tuning rounds run so far
  double avg_quality_score = 0;    // of the training examples, rounded to 0.01
};

training_stats compute_training_stats(const training_stats_input& in, std::size_t threshold);
// {"training_examples":N,"examples_until_next_training":N,"custom_model_exists":b,
//  "training_steps":N,"avg_quality_score":x}
std::string to_json(const training_stats& s);

} // namespace zega::training
