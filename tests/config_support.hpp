#pragma once
// Config tests never see the real environment or a .env in the working directory.

#include "config/config.hpp"

#include <map>
#include <string>
#include <vector>

namespace zega::test {

inline load_options isolated(std::map<std::string, std::string> env = {}) {
  load_options o;
  o.use_process_env = false;
  o.env_override = std::move(env);
  return o;
}

inline std::vector<std::string> messages(const load_result& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors)
    out.push_back(e.to_string());
  return out;
}

} // namespace zega::test
