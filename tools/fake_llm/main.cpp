// zega-fake-llm: a local stand-in for Ollama, Groq, Gemini and the Hugging Face router,
// with their real wire formats, sliding-window limits and fault injection.

#include "net/http/server.hpp"
#include "net/http/io_runtime.hpp"
#include "net/http/stop_signals.hpp"
#include "tools/fake_llm/emulation.hpp"
#include "tools/fake_llm/service.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  zega::net::server_options opts;
  std::uint64_t seed = 1;
  std::string config_file, log_file, time_scale;
  std::optional<int> latency_ms;
  CLI::App app{"A local stand-in for Ollama, Groq, Gemini and the Hugging Face router, with "
               "their real wire formats, sliding-window limits and fault injection.",
               "zega-fake-llm"};
  app.footer("Prints 'zega-fake-llm listening on HOST:PORT' once ready; SIGINT/SIGTERM stop it.\n"
             "Provider routes: /api/* (ollama), /openai/v1/* (groq), /v1/* (huggingface),\n"
             "/v1beta/* (gemini). Admin: GET /_fake/stats, GET|POST /_fake/config, POST "
             "/_fake/reset.\nExit codes: 0 ok, 1 cannot listen, 2 usage or configuration error.");
  app.set_version_flag("--version", std::string("zega-fake-llm ") + ZEGA_VERSION);
  app.add_option("--host", opts.host, "listen address")->capture_default_str();
  app.add_option("--port", opts.port, "listen port, 0 = ephemeral")->capture_default_str();
  app.add_option("--seed", seed, "seed of the generated texts")->capture_default_str();
  // Kept as typed: it goes into the JSON settings below, which validate it once more.
  app.add_option("--time-scale", time_scale, "all rate windows last 1/X of real time (default 1)")
    ->check(CLI::PositiveNumber)
    ->type_name("X");
  app.add_option("--latency-ms", latency_ms, "default response latency of every provider (default 0)")
    ->check(CLI::NonNegativeNumber);
  app.add_option("--config", config_file, "JSON settings (time_scale, latency_ms, providers{...})")
    ->type_name("FILE");
  app.add_option("--log", log_file, "one JSON line per request (default stderr)")
    ->type_name("FILE")
    ->check([](const std::string& value) {
      return value == "-" ? "--log - is not allowed: stdout carries the port line" : "";
    });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "zega-fake-llm: " << e.what() << " (see --help)\n";
    return 2;
  }
  std::string overrides; // CLI values win over the config file
  if (!time_scale.empty())
    overrides += "\"time_scale\":" + time_scale;
  if (latency_ms)
    overrides += std::string(overrides.empty() ? "" : ",") + "\"latency_ms\":"
                 + std::to_string(*latency_ms);

  zega::fake::emulator emu;
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) {
      std::fprintf(stderr, "zega-fake-llm: cannot read %s\n", config_file.c_str());
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    if (auto err = emu.apply_config(text.str()); !err.empty()) {
      std::fprintf(stderr, "zega-fake-llm: %s: %s\n", config_file.c_str(), err.c_str());
      return 2;
    }
  }
  if (!overrides.empty())
    if (auto err = emu.apply_config("{" + overrides + "}"); !err.empty()) {
      std::fprintf(stderr, "zega-fake-llm: %s\n", err.c_str());
      return 2;
    }

  std::FILE* log = stderr;
  if (!log_file.empty()) {
    log = std::fopen(log_file.c_str(), "a");
    if (!log) {
      std::fprintf(stderr, "zega-fake-llm: cannot open log %s\n", log_file.c_str());
      return 2;
    }
  }

  // Before any thread starts, so only the wait below receives them.
  zega::net::stop_signals stop;

  zega::net::io_runtime io;
  zega::fake::service svc(emu, seed, log);
  zega::net::http_server server(io, opts, [&svc](zega::net::server_request req,
                                                 zega::net::responder res) {
    svc.handle(std::move(req), std::move(res));
  });
  if (auto err = server.start(); !err.empty()) {
    std::fprintf(stderr, "zega-fake-llm: %s\n", err.c_str());
    return 1;
  }
  io.start();
  std::printf("zega-fake-llm listening on %s:%u\n", opts.host.c_str(), server.port());
  std::fflush(stdout);

  stop.wait();
  server.stop_accepting();
  io.stop();
  svc.stop();
  if (log != stderr)
    std::fclose(log);
  return 0;
}
