#include "config/command_line.hpp"

#include <CLI/CLI.hpp>

#include <sstream>

namespace zega {

command_line_result parse_zegad_command_line(int argc, const char* const* argv) {
  command_line_result result;
  auto& o = result.options;
  CLI::App app{"Generates creative-writing training examples through LLM providers in "
               "priority order.",
               "zegad"};
  app.footer("exit codes: 0 ok, 1 runtime failure (store, port), 2 configuration or usage error");
  app.set_version_flag("--version", std::string("zegad ") + ZEGA_VERSION);
  auto file = [](std::optional<std::string>& out) {
    return [&out](const std::string& value) { out = value; };
  };
  app.add_option_function<std::string>("--config", file(o.load.config_file),
                                       "JSON configuration (built-in defaults when omitted)")
    ->type_name("FILE");
  app.add_option_function<std::string>("--data-dir", file(o.load.data_dir),
                                       "where the LMDB archive lives (overrides storage.data_dir)")
    ->type_name("DIR");
  app.add_option_function<std::string>(
       "--listen", file(o.load.listen),
       "HTTP address (default 127.0.0.1:8002; port 0 = any free port; localhost = 127.0.0.1)")
    ->type_name("HOST:PORT");
  app.add_option_function<std::string>("--env-file", file(o.load.env_file),
                                       "read API keys from this file (default ./.env when present)")
    ->type_name("FILE");
  app.add_flag("--check-config", o.check_config,
               "validate, print the effective config (secrets redacted), exit");
  app.add_flag("--config-optional", o.config_optional,
               "a missing --config FILE means built-in defaults, not an error (the systemd "
               "unit: no config must not become a restart loop)");

  std::ostringstream out, err;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    result.exit_code = 0;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    result.exit_code = 0;
  } catch (const CLI::ParseError& e) {
    err << "zegad: " << e.what() << " (see --help)\n";
    result.exit_code = 2;
  }
  result.output = out.str();
  result.error = err.str();
  return result;
}

} // namespace zega
