#pragma once
// zegad's command line (CLI11), apart from main so that tests can parse without a process.

#include "config/config.hpp"

#include <optional>
#include <string>

namespace zega {

struct zegad_options {
  load_options load;
  bool check_config = false;    // validate, print the effective config, exit
  bool config_optional = false; // a missing --config file means built-in defaults
};

// Either options to run with, or an exit code to stop with now (0 after --help or
// --version, 2 after a usage error) with the text to print on stdout / stderr.
struct command_line_result {
  zegad_options options;
  std::optional<int> exit_code;
  std::string output;
  std::string error;
};

command_line_result parse_zegad_command_line(int argc, const char* const* argv);

} // namespace zega
