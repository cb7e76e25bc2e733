#pragma once
// Asynchronous HTTP/1.1 + HTTPS client running on the io thread: keep-alive connection
// reuse per (scheme, host, port, ca_file), TLS with the system CA store, peer and host-name
// verification and SNI, deadlines for connect / TLS / first byte / whole response, and a
// response size cap. Callbacks run on the io thread and must not block.

#include "net/http/types.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zega::net {

class io_runtime;

// Forward proxy for https:// requests, reached with an HTTP CONNECT tunnel (TLS and host-name
// verification still run end to end). http:// requests always go direct: they target local
// servers such as Ollama.
struct proxy_config {
  std::string host; // empty: no proxy
  std::string port;
  std::string user_info;             // "user:password" for Basic auth; never logged
  std::vector<std::string> no_proxy; // exact hosts, domains ("example.com" or ".example.com"
                                     // also match subdomains), or "*" for every host
  std::string error; // non-empty when the proxy setting is unusable: https requests then fail
                     // with bad_url rather than silently going direct

  bool bypass(const std::string& host) const;
};

// `https_proxy`: "[http://][user:password@]host[:port][/]" (port defaults to 1080, as in curl);
// `no_proxy`: comma-separated entries as in proxy_config::no_proxy.
proxy_config parse_proxy_config(const std::string& https_proxy, const std::string& no_proxy);
// From HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy.
proxy_config proxy_from_environment();

using http_callback = std::function<void(http_result)>;
// Streaming: called for each piece of body as it arrives (after headers). Return false to
// abort the transfer. The final callback still receives the response (with empty body
// when streaming) or the error.
using chunk_callback = std::function<bool(const std::string& piece)>;

// Threading: async_request only posts; resolve, connect, TLS, I/O and every callback run on
// the io thread. Each request's final callback runs exactly once (unless the io runtime is
// stopped first); callbacks must not throw. Deadlines in client_limits that are <= 0 are disabled; a streaming request
// (chunk_callback) is still bounded by total_ms and max_body_bytes, so long-lived streams pass
// generous values.
//
// Reuse: idle keep-alive connections are pooled per (scheme, host, port, ca_file). When a
// request on a pooled connection fails before any response byte arrives (the server closed it
// meanwhile), it is retried once on a fresh connection; a fresh connection is never retried.
class http_client {
public:
  // Takes the proxy from the environment (proxy_from_environment).
  explicit http_client(io_runtime& io);
  http_client(io_runtime& io, proxy_config proxy);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Thread-safe: may be called from any thread.
  void async_request(http_request req, client_limits limits, http_callback done,
                     chunk_callback on_chunk = {});

  // Closes every idle pooled connection (shutdown).
  void close_idle();

  // Number of connections opened so far (for tests and benchmarks of reuse).
  std::size_t connections_opened() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// Blocking convenience for tools and start-up code (never call on the io thread or an
// actor thread).
http_result blocking_request(http_client& client, http_request req, client_limits limits = {},
                             chunk_callback on_chunk = {});

} // namespace zega::net
