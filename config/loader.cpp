#include "config/config.hpp"

#include "config/schema.hpp"
#include "config/strings.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace zega {

namespace {

// ---- small helpers ------------------------------------------------------------------

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// "a", "a or b", "a, b or c"
std::string one_of(const std::vector<std::string>& options) {
  std::string out;
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (i > 0)
      out += i + 1 == options.size() ? " or " : ", ";
    out += options[i];
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// No config is nested this deep; a document that is gets refused before parsing, so neither
// the parser nor anything that walks the tree recurses without bound.
constexpr int max_nesting = 64;

// Offset of the bracket that goes past max_nesting, outside strings.
std::optional<std::size_t> too_deep(const std::string& text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_nesting)
        return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

// ---- environment --------------------------------------------------------------------

bool valid_env_name(const std::string& s) {
  return !s.empty() && std::isdigit(static_cast<unsigned char>(s.front())) == 0
         && std::all_of(s.begin(), s.end(), [](unsigned char c) {
              return std::isalnum(c) != 0 || c == '_';
            });
}

// KEY=VALUE lines as the seed's .env uses them: '#' comments, optional `export `, optional
// single or double quotes, and " #" starting a comment after an unquoted value.
std::map<std::string, std::string> parse_dotenv(const std::string& text, const std::string& file,
                                                std::vector<config_error>& errors) {
  std::map<std::string, std::string> vars;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = std::string(trim(line));
    if (line.empty() || line.front() == '#')
      continue;
    if (line.rfind("export ", 0) == 0)
      line = std::string(trim(line.substr(7)));
    const auto eq = line.find('=');
    const std::string key = eq == std::string::npos ? line : std::string(trim(line.substr(0, eq)));
    if (eq == std::string::npos || !valid_env_name(key)) {
      // The line itself may hold a secret, so it is not echoed.
      errors.push_back({file + ":" + std::to_string(number), "expected KEY=VALUE"});
      continue;
    }
    std::string value(trim(line.substr(eq + 1)));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')
        && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    else if (const auto hash = value.find(" #"); hash != std::string::npos)
      value = std::string(trim(value.substr(0, hash)));
    vars[key] = value;
  }
  return vars;
}

class environment {
public:
  environment(const load_options& opts, std::vector<config_error>& errors) : opts_(opts) {
    std::optional<std::string> path = opts.env_file;
    // The working directory's .env is only implied for a real run, never for tests that
    // isolate themselves from the process environment.
    if (!path && opts.use_process_env)
      path = ".env";
    if (!path)
      return;
    if (auto text = read_file(*path))
      dotenv_ = parse_dotenv(*text, *path, errors);
    else if (opts.env_file)
      errors.push_back({"env_file", "cannot read " + quoted(*path)});
  }

  // Explicit overrides first, then the process environment, then .env.
  std::optional<std::string> get(const std::string& name) const {
    if (auto it = opts_.env_override.find(name); it != opts_.env_override.end())
      if (!it->second.empty())
        return it->second;
    if (opts_.use_process_env)
      if (const char* v = std::getenv(name.c_str()); v && *v)
        return std::string(v);
    if (auto it = dotenv_.find(name); it != dotenv_.end() && !it->second.empty())
      return it->second;
    return std::nullopt;
  }

private:
  const load_options& opts_;
  std::map<std::string, std::string> dotenv_;
};

void resolve_secrets(config& cfg, const environment& env) {
  if (auto token = env.get(cfg.server.token_env))
    cfg.server.token = *token;
  for (auto& p : cfg.providers) {
    if (!p.enabled) {
      p.disabled_reason = "disabled in the config (enabled is false)";
      continue;
    }
    if (!p.needs_key())
      continue;
    for (const auto& var : p.api_key_env)
      if (auto key = env.get(var)) {
        p.api_key = *key;
        break;
      }
    if (p.api_key.empty()) {
      p.enabled = false;
      p.disabled_reason = p.api_key_env.empty()
                            ? "no API key: api_key_env names no variable"
                            : "no API key: set " + one_of(p.api_key_env);
    }
  }
}

} // namespace

load_result parse_config(const std::string& json_text, const load_options& opts) {
  load_result result;
  std::vector<config_error>& errors = result.errors;
  config cfg = default_config();

  auto invalid = [&](std::size_t offset, const std::string& why) {
    errors.push_back({"", "invalid JSON at offset " + std::to_string(offset) + ": " + why});
    return result;
  };
  if (auto offset = too_deep(json_text))
    return invalid(*offset, "nested deeper than " + std::to_string(max_nesting) + " levels");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json_text.c_str(), json_text.size());
  if (doc.HasParseError())
    return invalid(doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
  schema::read(doc, cfg, errors);

  if (opts.data_dir) {
    if (opts.data_dir->empty())
      errors.push_back({"--data-dir", "expected a directory, got \"\""});
    else
      cfg.storage.data_dir = *opts.data_dir;
  }
  if (opts.listen) {
    if (auto why = schema::listen_problem(*opts.listen); !why.empty())
      errors.push_back({"--listen", why});
    else
      cfg.server.listen = schema::bindable_listen(*opts.listen);
  }

  const environment env(opts, errors);
  resolve_secrets(cfg, env);

  if (errors.empty())
    result.cfg = std::move(cfg);
  return result;
}

load_result load_config(const load_options& opts) {
  if (!opts.config_file)
    return parse_config("{}", opts);
  auto text = read_file(*opts.config_file);
  if (!text) {
    load_result result;
    result.errors.push_back({"--config", "cannot read " + quoted(*opts.config_file)});
    return result;
  }
  auto result = parse_config(*text, opts);
  for (auto& e : result.errors)
    if (e.path.empty())
      e.path = *opts.config_file;
  return result;
}

} // namespace zega
