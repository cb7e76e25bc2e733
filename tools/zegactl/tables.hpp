#pragma once
// zegactl's human output: tables, "key: value" trees, local times, and the views of the
// answers that have a table of their own (status, jobs, history, stats, examples, schedule).

#include "tools/zegactl/client.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace zega::ctl {

struct column {
  const char* key;
  const char* header;
  std::size_t max_width = 40;
};

void print_table(const std::vector<std::vector<std::string>>& rows,
                 const std::vector<column>& cols);
// Any answer as indented "key: value" lines (for commands without a table of their own).
void print_tree(const json& v, int indent = 0);
// Whole numbers without decimals, others with one (two below 1).
std::string rounded(double v);
// "42s", "3m05s", "1h07m".
std::string duration_text(double secs);

// The answer as a tree (or the raw body with --json).
int show_tree(client_env& env, const net::http_response& resp);

int print_status(const json& st);
int print_jobs(const json& doc);
int print_history(const json& doc);
int print_stats(const json& doc);
int print_examples(const json& doc);
int print_schedule(const json& doc);

} // namespace zega::ctl
