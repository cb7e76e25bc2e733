#include "config/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

namespace zega::log {

namespace {

spdlog::level::level_enum to_spdlog(level l) {
  switch (l) {
    case level::debug: return spdlog::level::debug;
    case level::info: return spdlog::level::info;
    case level::warning: return spdlog::level::warn;
    case level::error: return spdlog::level::err;
  }
  return spdlog::level::err;
}

level from_spdlog(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug: return level::debug;
    case spdlog::level::info: return level::info;
    case spdlog::level::warn: return level::warning;
    default: return level::error;
  }
}

// "%*" in the journald pattern: the sd-daemon(3) "<N>" priority prefix.
class priority_flag : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto prefix = "<" + std::to_string(journald_priority(from_spdlog(msg.level))) + ">";
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<priority_flag>();
  }
};

struct state {
  std::mutex mutex;
  std::shared_ptr<spdlog::logger> logger;
  std::vector<std::string> secrets;
  std::atomic<int> min_level{static_cast<int>(level::info)};
};

state& global() {
  static state s;
  return s;
}

std::shared_ptr<spdlog::logger> make_logger(const options& opts) {
  spdlog::sink_ptr sink;
  if (opts.out)
    sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*opts.out, true);
  else
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("zegad", std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (opts.journald.value_or(under_journald()))
    formatter->add_flag<priority_flag>('*').set_pattern("%*%l %v");
  else
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v");
  logger->set_formatter(std::move(formatter));
  // Our own threshold decides; the logger passes everything it is given.
  logger->set_level(spdlog::level::trace);
  return logger;
}

} // namespace

const char* to_string(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warning: return "warning";
    case level::error: return "error";
  }
  return "error";
}

std::optional<level> parse_level(const std::string& text) {
  if (text == "debug") return level::debug;
  if (text == "info") return level::info;
  if (text == "warning" || text == "warn") return level::warning;
  if (text == "error") return level::error;
  return std::nullopt;
}

int journald_priority(level l) {
  switch (l) {
    case level::debug: return 7;
    case level::info: return 6;
    case level::warning: return 4;
    case level::error: return 3;
  }
  return 3;
}

void init(const options& opts) {
  auto logger = make_logger(opts);
  auto& s = global();
  std::lock_guard<std::mutex> guard{s.mutex};
  s.logger = std::move(logger);
  s.min_level = static_cast<int>(opts.min_level);
}

void set_level(level l) { global().min_level = static_cast<int>(l); }

bool enabled(level l) { return static_cast<int>(l) >= global().min_level.load(); }

bool under_journald() {
  // JOURNAL_STREAM is "<device>:<inode>" of the journal stream; a child that inherited the
  // variable but writes elsewhere (a shell started from a service) must not get prefixes.
  const char* v = std::getenv("JOURNAL_STREAM");
  if (v == nullptr || *v == '\0') return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(v, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st{};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev
         && static_cast<unsigned long long>(st.st_ino) == ino;
}

void add_secret(const std::string& value) {
  if (value.size() < 4) return;
  auto& s = global();
  std::lock_guard<std::mutex> guard{s.mutex};
  for (const auto& known : s.secrets)
    if (known == value) return;
  s.secrets.push_back(value);
}

void clear_secrets() {
  auto& s = global();
  std::lock_guard<std::mutex> guard{s.mutex};
  s.secrets.clear();
}

std::string mask_secrets(std::string text) {
  std::vector<std::string> secrets;
  {
    auto& s = global();
    std::lock_guard<std::mutex> guard{s.mutex};
    secrets = s.secrets;
  }
  for (const auto& secret : secrets)
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  return text;
}

void write(level l, const std::string& component, const std::string& message) {
  if (!enabled(l)) return;
  std::shared_ptr<spdlog::logger> logger;
  {
    auto& s = global();
    std::lock_guard<std::mutex> guard{s.mutex};
    if (!s.logger) s.logger = make_logger({});
    logger = s.logger;
  }
  const auto line = mask_secrets("[" + component + "] " + message);
  logger->log(to_spdlog(l), spdlog::string_view_t(line.data(), line.size()));
}

} // namespace zega::log
