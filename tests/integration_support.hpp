#pragma once
// Helpers for loopback integration tests: a real HTTP client, the fake LLM server and zegad
// as child processes, and a look into the archive they leave behind.

#include "tools/child_process.hpp"

#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"
#include "store/store.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <thread>
#include <variant>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace zega::itest {

using namespace std::chrono_literals;
using zega::tools::child_process;
using zega::tools::temp_dir;

struct http_fixture {
  zega::net::io_runtime io;
  std::unique_ptr<zega::net::http_client> client;
  http_fixture() {
    io.start();
    client = std::make_unique<zega::net::http_client>(io);
  }
  zega::net::http_response call(const std::string& method, const std::string& url,
                                const std::string& body = {}) {
    zega::net::http_request req;
    req.method = method;
    req.url = url;
    req.body = body;
    if (!body.empty() || method == "POST")
      req.headers.emplace_back("content-type", "application/json");
    zega::net::client_limits limits;
    limits.first_byte_ms = 60000;
    limits.total_ms = 60000;
    auto result = zega::net::blocking_request(*client, req, limits);
    auto* resp = std::get_if<zega::net::http_response>(&result);
    REQUIRE(resp != nullptr);
    return *resp;
  }
};

inline rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

inline std::string start_fake(child_process& fake, const std::string& dir) {
  REQUIRE(fake.start({ZEGA_FAKE_LLM_BIN, "--port", "0", "--seed", "7", "--latency-ms", "5"},
                     dir + "/fake.log"));
  std::string port = fake.wait_for_line("listening on 127\\.0\\.0\\.1:([0-9]+)", 20s);
  REQUIRE_FALSE(port.empty());
  return port;
}

// A config with only the local Ollama provider, pointed at `base_url`.
inline std::string write_config(const std::string& dir, const std::string& base_url) {
  std::string path = dir + "/zegad.json";
  std::ofstream(path) << R"({"server":{"shutdown_grace_ms":3000},
    "providers":[{"name":"ollama","kind":"ollama","base_url":")"
                      << base_url << R"(","model":"llama3.2","priority":1,
      "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}}]})";
  return path;
}

inline std::string start_zegad(child_process& daemon, const std::string& config,
                        const std::string& data_dir, const std::string& log) {
  REQUIRE(daemon.start({ZEGAD_BIN, "--config", config, "--data-dir", data_dir, "--listen",
                        "127.0.0.1:0"},
                       log));
  std::string port = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)", 30s);
  REQUIRE_FALSE(port.empty());
  return "http://127.0.0.1:" + port;
}

inline std::size_t stored_examples(const std::string& data_dir) {
  std::string error;
  zega::store::store_options opts;
  opts.dir = data_dir;
  auto db = zega::store::store::open(opts, error);
  REQUIRE(db != nullptr);
  return db->count_examples("default");
}

// The fake server with extra options (e.g. --time-scale).
inline std::string start_fake_with(child_process& fake, const std::string& dir,
                                   const std::vector<std::string>& extra) {
  std::vector<std::string> argv{ZEGA_FAKE_LLM_BIN, "--port", "0", "--seed", "7", "--latency-ms",
                                "5", "--log", dir + "/fake-requests.log"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  REQUIRE(fake.start(argv, dir + "/fake.log"));
  std::string port = fake.wait_for_line("listening on 127\\.0\\.0\\.1:([0-9]+)", 20s);
  REQUIRE_FALSE(port.empty());
  return "http://127.0.0.1:" + port;
}

// zegad with extra command-line options (e.g. --env-file /dev/null, so a developer's
// ./.env cannot leak keys into a test).
inline std::string start_zegad_with(child_process& daemon, const std::string& config,
                                    const std::string& data_dir, const std::string& log,
                                    const std::vector<std::string>& extra) {
  std::vector<std::string> argv{ZEGAD_BIN, "--config", config, "--data-dir", data_dir,
                                "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  REQUIRE(daemon.start(argv, log));
  std::string port = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)", 30s);
  REQUIRE_FALSE(port.empty());
  return "http://127.0.0.1:" + port;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Polls `pred` until it holds or `deadline` passes (readiness checks, never timing logic).
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(20ms);
  }
}

// One Server-Sent Event as a browser's EventSource sees it.
struct sse_event {
  std::optional<std::string> id; // the "id:" field, when the event had one
  std::string data;
  std::string type; // data's "type" member, when data is a JSON object
};

// Parses an SSE byte stream the way the HTML standard does: "id:" sets the last event id
// (what EventSource sends back as Last-Event-ID), "data:" lines are joined, a blank line
// dispatches, ":" starts a comment.
class sse_parser {
public:
  template <class F>
  void feed(const std::string& piece, F&& on_event) {
    buffer_ += piece;
    for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (line.empty()) {
        if (has_data_) {
          sse_event ev;
          ev.id = id_;
          ev.data = data_;
          rapidjson::Document doc;
          doc.Parse(ev.data.c_str(), ev.data.size());
          if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("type")
              && doc["type"].IsString())
            ev.type = doc["type"].GetString();
          on_event(std::move(ev));
        }
        id_.reset();
        data_.clear();
        has_data_ = false;
        continue;
      }
      if (line.front() == ':')
        continue;
      auto colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ')
        value.erase(0, 1);
      if (field == "id") {
        id_ = value;
        last_event_id_ = value;
      } else if (field == "data") {
        data_ += has_data_ ? "\n" + value : value;
        has_data_ = true;
      }
    }
  }
  // What a spec-following client would send as Last-Event-ID on reconnection.
  const std::string& last_event_id() const {
    return last_event_id_;
  }

private:
  std::string buffer_;
  std::optional<std::string> id_;
  std::string data_;
  bool has_data_ = false;
  std::string last_event_id_;
};

// A streaming HTTP request whose SSE events the test thread takes one by one with a
// deadline. The client hangs up after `stop_after` events (0 = never) or after close().
class sse_stream {
public:
  sse_stream(zega::net::http_client& client, const std::string& method, const std::string& url,
             const std::string& body = {}, zega::net::header_list headers = {},
             std::size_t stop_after = 0)
      : st_(std::make_shared<shared>()) {
    zega::net::http_request req;
    req.method = method;
    req.url = url;
    req.body = body;
    req.headers = std::move(headers);
    if (!body.empty())
      req.headers.emplace_back("content-type", "application/json");
    zega::net::client_limits limits;
    limits.first_byte_ms = 30000;
    limits.total_ms = 60000;
    auto st = st_;
    client.async_request(
      std::move(req), limits,
      [st](zega::net::http_result result) {
        std::lock_guard<std::mutex> lock(st->mutex);
        st->result = std::move(result);
        st->cv.notify_all();
      },
      [st, stop_after](const std::string& piece) {
        std::lock_guard<std::mutex> lock(st->mutex);
        if (st->closing)
          return false;
        st->raw += piece;
        st->parser.feed(piece, [&](sse_event ev) {
          if (stop_after != 0 && st->received >= stop_after)
            return;
          ++st->received;
          st->events.push_back(std::move(ev));
        });
        st->cv.notify_all();
        return stop_after == 0 || st->received < stop_after;
      });
  }
  ~sse_stream() {
    close();
  }
  sse_stream(const sse_stream&) = delete;
  sse_stream& operator=(const sse_stream&) = delete;

  // The next event, or nothing when the stream ended or the deadline passed first.
  std::optional<sse_event> next(std::chrono::milliseconds deadline) {
    std::unique_lock<std::mutex> lock(st_->mutex);
    st_->cv.wait_for(lock, deadline, [&] { return !st_->events.empty() || st_->result; });
    if (st_->events.empty())
      return std::nullopt;
    auto ev = std::move(st_->events.front());
    st_->events.pop_front();
    return ev;
  }
  // Waits for the request to end; the final response when the server ended the stream
  // (status and headers; the body went to the events), nothing on timeout or error.
  std::optional<zega::net::http_response> wait_end(std::chrono::milliseconds deadline) {
    std::unique_lock<std::mutex> lock(st_->mutex);
    st_->cv.wait_for(lock, deadline, [&] { return st_->result.has_value(); });
    if (!st_->result)
      return std::nullopt;
    if (auto* resp = std::get_if<zega::net::http_response>(&*st_->result))
      return *resp;
    return std::nullopt;
  }
  // Hangs up when the next piece arrives.
  void close() {
    std::lock_guard<std::mutex> lock(st_->mutex);
    st_->closing = true;
  }
  std::string last_event_id() const {
    std::lock_guard<std::mutex> lock(st_->mutex);
    return st_->parser.last_event_id();
  }
  std::string raw() const {
    std::lock_guard<std::mutex> lock(st_->mutex);
    return st_->raw;
  }

private:
  struct shared {
    std::mutex mutex;
    std::condition_variable cv;
    sse_parser parser;
    std::deque<sse_event> events;
    std::size_t received = 0;
    std::string raw;
    bool closing = false;
    std::optional<zega::net::http_result> result;
  };
  std::shared_ptr<shared> st_;
};

} // namespace zega::itest

#endif
