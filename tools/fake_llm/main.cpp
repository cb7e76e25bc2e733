// zega-fake-llm: a local stand-in for Ollama, Groq, Gemini and the Hugging Face router,
// with their real wire formats, sliding-window limits and fault injection.

#include "net/http/server.hpp"
#include "net/http/io_runtime.hpp"
#include "net/http/stop_signals.hpp"
#include "tools/fake_llm/emulation.hpp"
#include "tools/fake_llm/service.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

const char* usage =
  "usage: zega-fake-llm [options]\n"
  "  --host ADDR        listen address (default 127.0.0.1)\n"
  "  --port N           listen port, 0 = ephemeral (default 0)\n"
  "  --seed N           seed of the generated texts (default 1)\n"
  "  --time-scale X     all rate windows last 1/X of real time (default 1)\n"
  "  --latency-ms N     default response latency of every provider (default 0)\n"
  "  --config FILE      JSON settings (time_scale, latency_ms, providers{...})\n"
  "  --log FILE         one JSON line per request (default stderr)\n"
  "  --help             this text\n"
  "Prints 'zega-fake-llm listening on HOST:PORT' once ready; SIGINT/SIGTERM stop it.\n"
  "Provider routes: /api/* (ollama), /openai/v1/* (groq), /v1/* (huggingface),\n"
  "/v1beta/* (gemini). Admin: GET /_fake/stats, GET|POST /_fake/config, POST /_fake/reset.\n";

bool parse_number(const char* text, double& out) {
  char* end = nullptr;
  out = std::strtod(text, &end);
  return end && *end == '\0' && end != text;
}

} // namespace

int main(int argc, char** argv) {
  zega::net::server_options opts;
  std::uint64_t seed = 1;
  std::string config_file, log_file;
  std::string overrides; // CLI values win over the config file
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "zega-fake-llm: %s needs a value\n%s", arg.c_str(), usage);
      return 2;
    }
    const char* value = argv[++i];
    double n = 0;
    bool numeric = parse_number(value, n);
    if (arg == "--host") {
      opts.host = value;
    } else if (arg == "--port" && numeric && n >= 0 && n <= 65535) {
      opts.port = static_cast<std::uint16_t>(n);
    } else if (arg == "--seed" && numeric && n >= 0) {
      seed = std::strtoull(value, nullptr, 10);
    } else if (arg == "--time-scale" && numeric && n > 0) {
      overrides += std::string(overrides.empty() ? "" : ",") + "\"time_scale\":" + value;
    } else if (arg == "--latency-ms" && numeric && n >= 0 && n == static_cast<int>(n)) {
      overrides += std::string(overrides.empty() ? "" : ",") + "\"latency_ms\":" + value;
    } else if (arg == "--config") {
      config_file = value;
    } else if (arg == "--log") {
      if (std::string(value) == "-") {
        std::fputs("zega-fake-llm: --log - is not allowed: stdout carries the port line\n", stderr);
        return 2;
      }
      log_file = value;
    } else {
      std::fprintf(stderr, "zega-fake-llm: bad option or value: %s %s\n%s", arg.c_str(), value,
                   usage);
      return 2;
    }
  }

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
