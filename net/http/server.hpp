#pragma once
// Small HTTP/1.1 server on the io thread (Beast inside the .cpp): one session per
// connection with read deadlines and body limits, keep-alive, and chunked streaming for
// SSE / NDJSON. The application sees only `server_request` and a `responder`.

#include "net/http/guard.hpp"
#include "net/http/types.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace zega::net {

class io_runtime;

struct server_request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw target: path + query
  std::string path;    // decoded path without query
  std::string query;   // raw query string without '?'
  header_list headers; // lower-case names
  std::string body;
  std::string remote;  // "ip:port"
};

// Query parameter lookup ("a=1&b=x%20y"); returns false when absent.
bool query_param(const std::string& query, const std::string& name, std::string& value);

// Handle to answer one request. Copyable, thread-safe: every call is posted onto the
// connection's strand. Calls after the connection is gone are ignored (alive() = false).
class responder {
public:
  struct state;
  explicit responder(std::shared_ptr<state> s);

  // A complete response (Content-Length set).
  void respond(int status, std::string content_type, std::string body,
               header_list extra = {}) const;
  // Starts a chunked response; then write() pieces, then finish().
  void start_stream(int status, std::string content_type, header_list extra = {}) const;
  void write(std::string piece) const;
  void finish() const;
  // Closes the socket abruptly (RST), without a response (fault injection, shutdown).
  void abort() const;
  // Sends raw bytes on the socket then closes it (fault injection: truncated bodies).
  void raw_and_close(std::string bytes) const;
  // False once the client went away; streaming producers poll it to stop.
  bool alive() const;
  // Backpressure for producers on their own thread (never the io thread): blocks while
  // more than `max_backlog` written bytes wait for the socket; false once the client left.
  bool wait_writable(std::size_t max_backlog = 1024 * 1024) const;

private:
  std::shared_ptr<state> state_;
};

using request_handler = std::function<void(server_request, responder)>;

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0; // 0 = ephemeral
  std::size_t max_body_bytes = 1024 * 1024;
  int read_timeout_ms = 30000;
  // Token, Host, Origin, media-type and CORS rules run by the server before any handler.
  guard_options guard;
  // Connections beyond this get a 503 (only /health is still answered on them) and are
  // closed, so idle sockets cannot use up the descriptors /health needs.
  int max_connections = 512;
  // A client that stops reading a stream is dropped once this many pieces (SSE events) wait
  // while its socket took nothing for `stall_grace_ms`, or once the bytes waiting exceed
  // `max_queued_bytes` (above the 1 MiB backlog export producers keep). An SSE client
  // resumes with Last-Event-ID.
  std::size_t sse_queue_max_events = 256;
  int stall_grace_ms = 1000;
  std::size_t max_queued_bytes = 8 * 1024 * 1024;
};

class http_server {
public:
  http_server(io_runtime& io, server_options opts, request_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds and starts accepting. Returns an error message, empty on success.
  std::string start();
  // The bound port (useful when options asked for 0).
  std::uint16_t port() const;
  // Stops accepting new connections; open streams are finished by their owners.
  void stop_accepting();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace zega::net
