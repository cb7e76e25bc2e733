#pragma once
// Asynchronous HTTP/1.1 + HTTPS client running on the io thread: keep-alive connection
// reuse per (scheme, host, port, ca_file), TLS with the system CA store, peer and host-name
// verification and SNI, deadlines for connect / TLS / first byte / whole response, and a
// response size cap. Callbacks run on the io thread and must not block.

#include "net/http_types.hpp"

#include <functional>
#include <memory>

namespace zega::net {

class io_runtime;

using http_callback = std::function<void(http_result)>;
// Streaming: called for each piece of body as it arrives (after headers). Return false to
// abort the transfer. The final callback still receives the response (with empty body
// when streaming) or the error.
using chunk_callback = std::function<bool(const std::string& piece)>;

class http_client {
public:
  explicit http_client(io_runtime& io);
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
