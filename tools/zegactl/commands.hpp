#pragma once
// zegactl's commands that do more than one call and a view: train, probe, export, score.

#include "tools/zegactl/client.hpp"

#include <string>
#include <vector>

namespace zega::ctl {

struct train_args {
  int n = 0;
  int votes = 0;
  bool follow = false;
  bool no_wait = false;
  std::string user;
  std::vector<std::string> genres, elements;
};

// Waits while the daemon is paused (or exits 4 with --no-wait), then runs the batch: one
// answer, or with --follow the live stream with a progress line.
int cmd_train(client_env& env, const train_args& a);

// One real call on a provider; a failed upstream call fails the command.
int cmd_probe(client_env& env, const std::string& name);

struct export_args {
  std::string file, format, user, genre, element, provider, min_quality, split, fraction;
  std::string dir, config_file, data_dir; // --dir: local export beside the daemon's data
};

// -o FILE streams GET /export into FILE; --dir exports locally from the archive.
int cmd_export(client_env& env, const export_args& a);

// Scores a text (file or stdin) locally with the quality rubric.
int cmd_score(const std::string& element_name, bool truncated, const std::string& file);

} // namespace zega::ctl
