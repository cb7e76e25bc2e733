#include "net/http/client.hpp"

#include "net/http/io_runtime.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <exception>
#include <future>
#include <map>
#include <optional>
#include <vector>

namespace zega::net {

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;
using kind = transport_error_kind;

// Servers commonly drop idle keep-alive connections after 5-60 s; beyond this age a pooled
// connection is more likely stale than useful.
constexpr auto max_idle_age = std::chrono::seconds(30);
constexpr std::size_t max_idle_per_key = 16;
constexpr std::size_t header_limit = 64 * 1024;
constexpr std::size_t read_piece_bytes = 16 * 1024;

struct connection {
  std::shared_ptr<ssl::context> tls_ctx; // must outlive the stream built on it
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  boost::beast::flat_buffer buffer;
  steady::time_point idle_since;

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }

  template <class F>
  void with_stream(F&& f) {
    if (tls)
      f(*tls);
    else
      f(*plain);
  }

  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  // Between responses an HTTP/1.1 connection has nothing to read: EOF means the server
  // closed it, and stray bytes (a TLS close_notify, an unsolicited response) make it
  // unusable too. A non-blocking peek tells which without consuming anything.
  bool still_usable() {
    if (!socket().is_open() || buffer.size() != 0 || steady::now() - idle_since > max_idle_age)
      return false;
    char byte;
    auto n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

// Pool and TLS contexts; touched only on the io thread.
struct client_core {
  client_core(asio::io_context& ctx, proxy_config proxy_settings)
    : io(ctx), proxy(std::move(proxy_settings)) {}

  asio::io_context& io;
  const proxy_config proxy;
  std::atomic<std::size_t> opened{0};
  std::map<std::string, std::vector<std::shared_ptr<connection>>> idle;
  std::map<std::string, std::shared_ptr<ssl::context>> tls_contexts; // by ca_file

  std::shared_ptr<connection> take_idle(const std::string& key) {
    auto it = idle.find(key);
    if (it == idle.end())
      return {};
    auto& list = it->second;
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      if (conn->still_usable())
        return conn;
      conn->close();
    }
    return {};
  }

  void give_back(const std::string& key, std::shared_ptr<connection> conn) {
    auto& list = idle[key];
    if (list.size() >= max_idle_per_key) {
      list.front()->close();
      list.erase(list.begin());
    }
    conn->idle_since = steady::now();
    list.push_back(std::move(conn));
  }

  void close_all_idle() {
    for (auto& [key, list] : idle)
      for (auto& conn : list)
        conn->close();
    idle.clear();
  }

  std::shared_ptr<ssl::context> tls_context(const std::string& ca_file, std::string& error) {
    if (auto it = tls_contexts.find(ca_file); it != tls_contexts.end())
      return it->second;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) {
      error = "cannot load the system CA store: " + ec.message();
      return {};
    }
    if (!ca_file.empty()) {
      // OpenSSL reports a missing file only as a generic error; say what is wrong.
      if (::access(ca_file.c_str(), R_OK) != 0) {
        error = "cannot read CA file " + ca_file + ": " + std::strerror(errno);
        return {};
      }
      ctx->load_verify_file(ca_file, ec);
      if (ec) {
        error = "cannot load CA file " + ca_file + " (not PEM certificates?)";
        return {};
      }
    }
    ctx->set_verify_mode(ssl::verify_peer);
    tls_contexts.emplace(ca_file, ctx);
    return ctx;
  }
};

std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string env_or(const char* upper, const char* lower_name) {
  if (const char* v = std::getenv(upper); v && *v)
    return v;
  if (const char* v = std::getenv(lower_name); v && *v)
    return v;
  return {};
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

kind classify_io_error(const error_code& ec) {
  if (ec == http::error::body_limit || ec == http::error::header_limit
      || ec == http::error::buffer_overflow)
    return kind::too_large;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message
      || ec == asio::error::eof || ec == asio::error::connection_reset
      || ec == asio::error::broken_pipe || ec == asio::error::connection_aborted
      || ec == asio::error::not_connected || ec == ssl::error::stream_truncated)
    return kind::reset;
  if (ec.category() == make_error_code(http::error::bad_version).category())
    return kind::protocol;
  if (ec.category() == asio::error::get_ssl_category())
    return kind::tls;
  return kind::reset;
}

// One request from start to callback, including the single retry on a fresh connection.
class exchange : public std::enable_shared_from_this<exchange> {
public:
  exchange(std::shared_ptr<client_core> core, http_request req, client_limits limits,
           http_callback done, chunk_callback on_chunk)
    : core_(std::move(core)),
      req_(std::move(req)),
      limits_(std::move(limits)),
      done_(std::move(done)),
      on_chunk_(std::move(on_chunk)),
      resolver_(core_->io),
      phase_timer_(core_->io),
      total_timer_(core_->io),
      piece_(read_piece_bytes) {}

  void start() {
    // The URL is never echoed: query strings may carry API keys.
    if (!parse_url(req_.url, url_)) {
      fail(kind::bad_url, "malformed or unsupported url (need http:// or https://)");
      return;
    }
    bool v6 = url_.host.find(':') != std::string::npos;
    where_ = (v6 ? "[" + url_.host + "]" : url_.host) + ":" + url_.port;
    const auto& proxy = core_->proxy;
    via_proxy_ = url_.tls && (!proxy.host.empty() || !proxy.error.empty())
                 && !proxy.bypass(url_.host);
    if (via_proxy_ && !proxy.error.empty()) {
      fail(kind::bad_url, "cannot reach " + where_ + ": " + proxy.error);
      return;
    }
    key_ = (url_.tls ? "https|" : "http|") + url_.host + "|" + url_.port + "|" + limits_.ca_file;
    try {
      build_wire_request(v6);
    } catch (const std::exception& e) {
      fail(kind::protocol, std::string("cannot build the request for ") + where_ + ": "
                               + e.what());
      return;
    }
    if (limits_.total_ms > 0) {
      total_timer_.expires_after(std::chrono::milliseconds(limits_.total_ms));
      total_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
        if (!ec && !self->finished_)
          self->fail(kind::total_timeout, "exchange with " + self->where_ + " not complete after "
                                              + std::to_string(self->limits_.total_ms) + " ms");
      });
    }
    conn_ = core_->take_idle(key_);
    if (conn_) {
      reused_ = true;
      send();
    } else {
      connect();
    }
  }

private:
  void build_wire_request(bool v6) {
    wire_.version(11);
    wire_.method_string(req_.method);
    wire_.target(url_.target);
    for (const auto& [name, value] : req_.headers)
      wire_.set(name, value);
    bool default_port = url_.port == (url_.tls ? "443" : "80");
    std::string host = v6 ? "[" + url_.host + "]" : url_.host;
    if (wire_.find(http::field::host) == wire_.end()) // a caller may name another (vhosts)
      wire_.set(http::field::host, default_port ? host : host + ":" + url_.port);
    if (wire_.find(http::field::user_agent) == wire_.end())
      wire_.set(http::field::user_agent, "zegad");
    wire_.keep_alive(true);
    wire_.body() = std::move(req_.body);
    wire_.prepare_payload();
    head_ = wire_.method() == http::verb::head;
  }

  // One deadline per phase (connect, handshake, first byte); the total deadline runs beside.
  void arm_phase(int ms, kind on_expiry, std::string what) { // what: "connect to host:port"
    ++phase_id_;
    phase_timer_.cancel();
    if (ms <= 0)
      return;
    phase_timer_.expires_after(std::chrono::milliseconds(ms));
    phase_timer_.async_wait([self = shared_from_this(), id = phase_id_, on_expiry, ms,
                             what = std::move(what)](const error_code& ec) {
      if (ec || self->finished_ || id != self->phase_id_)
        return;
      self->fail(on_expiry, what + " timed out after " + std::to_string(ms) + " ms");
    });
  }

  void connect() {
    reused_ = false;
    arm_phase(limits_.connect_ms, kind::connect_timeout, "connect to " + peer());
    const auto& host = via_proxy_ ? core_->proxy.host : url_.host;
    const auto& port = via_proxy_ ? core_->proxy.port : url_.port;
    resolver_.async_resolve(
        host, port,
        [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type results) {
          if (self->finished_)
            return;
          if (ec)
            return self->fail(kind::dns,
                              "cannot resolve " + self->peer() + ": " + ec.message());
          self->on_resolved(results);
        });
  }

  void on_resolved(const tcp::resolver::results_type& results) {
    auto conn = std::make_shared<connection>();
    if (url_.tls) {
      std::string error;
      conn->tls_ctx = core_->tls_context(limits_.ca_file, error);
      if (!conn->tls_ctx)
        return fail(kind::tls, error);
      conn->tls.emplace(core_->io, *conn->tls_ctx);
    } else {
      conn->plain.emplace(core_->io);
    }
    conn_ = std::move(conn);
    if (url_.tls)
      configure_tls();
    asio::async_connect(conn_->socket(), results,
                        [self = shared_from_this()](const error_code& ec, const tcp::endpoint&) {
                          self->on_connected(ec);
                        });
  }

  void configure_tls() {
    SSL* ssl_handle = conn_->tls->native_handle();
    // SNI carries names only; RFC 6066 forbids IP literals there.
    if (!is_ip_literal(url_.host))
      SSL_set_tlsext_host_name(ssl_handle, url_.host.c_str());
    conn_->tls->set_verify_mode(ssl::verify_peer);
    // host_name_verification alone leaves OpenSSL's reason unset on a mismatch; recording it
    // makes the failure message say why.
    conn_->tls->set_verify_callback(
        [check = ssl::host_name_verification(url_.host)](bool preverified,
                                                         ssl::verify_context& ctx) {
          if (!preverified)
            return false;
          if (check(true, ctx))
            return true;
          X509_STORE_CTX_set_error(ctx.native_handle(), X509_V_ERR_HOSTNAME_MISMATCH);
          return false;
        });
  }

  void on_connected(const error_code& ec) {
    if (finished_)
      return;
    if (ec) {
      // Refused, unreachable and similar all mean nothing answered at that address.
      return fail(kind::connection_refused, "cannot connect to " + peer() + ": " + ec.message());
    }
    ++core_->opened;
    error_code ignored;
    conn_->socket().set_option(tcp::no_delay(true), ignored);
    if (via_proxy_)
      open_tunnel();
    else if (url_.tls)
      handshake();
    else
      send();
  }

  // "proxy host:port for host:port" while talking to the proxy, else the target's host:port.
  std::string peer() const {
    if (!via_proxy_)
      return where_;
    return "proxy " + core_->proxy.host + ":" + core_->proxy.port + " for " + where_;
  }

  // Runs under the connect deadline: the tunnel is part of reaching the server.
  void open_tunnel() {
    tunnel_req_.method(http::verb::connect);
    tunnel_req_.version(11);
    tunnel_req_.target(where_);
    tunnel_req_.set(http::field::host, where_);
    if (!core_->proxy.user_info.empty())
      tunnel_req_.set(http::field::proxy_authorization,
                      "Basic " + base64(core_->proxy.user_info));
    http::async_write(conn_->socket(), tunnel_req_,
                      [self = shared_from_this()](const error_code& ec, std::size_t) {
                        if (self->finished_)
                          return;
                        if (ec)
                          return self->fail(kind::connection_refused,
                                            "cannot open a tunnel via " + self->peer() + ": "
                                                + ec.message());
                        self->read_tunnel_reply();
                      });
  }

  void read_tunnel_reply() {
    tunnel_parser_.emplace();
    tunnel_parser_->skip(true); // a CONNECT reply has no body; the tunnel follows the header
    http::async_read_header(
        conn_->socket(), conn_->buffer, *tunnel_parser_,
        [self = shared_from_this()](const error_code& ec, std::size_t) {
          if (self->finished_)
            return;
          if (ec)
            return self->fail(kind::connection_refused, "cannot open a tunnel via "
                                                            + self->peer() + ": " + ec.message());
          unsigned status = self->tunnel_parser_->get().result_int();
          if (status / 100 != 2 || self->conn_->buffer.size() != 0)
            return self->fail(kind::connection_refused, "tunnel via " + self->peer()
                                                            + " refused with status "
                                                            + std::to_string(status));
          self->handshake();
        });
  }

  void handshake() {
    arm_phase(limits_.tls_ms, kind::tls_timeout, "tls handshake with " + where_);
    conn_->tls->async_handshake(ssl::stream_base::client,
                                [self = shared_from_this()](const error_code& ec) {
                                  if (self->finished_)
                                    return;
                                  if (ec)
                                    return self->fail(kind::tls, self->describe_tls_failure(ec));
                                  self->send();
                                });
  }

  std::string describe_tls_failure(const error_code& ec) {
    std::string msg = "tls handshake with " + where_ + " failed: " + ec.message();
    long verify = SSL_get_verify_result(conn_->tls->native_handle());
    if (verify != X509_V_OK)
      msg += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    return msg;
  }

  void send() {
    arm_phase(limits_.first_byte_ms, kind::first_byte_timeout,
              "waiting for a response from " + where_);
    conn_->with_stream([this](auto& stream) {
      http::async_write(stream, wire_,
                        [self = shared_from_this()](const error_code& ec, std::size_t) {
                          if (self->finished_)
                            return;
                          if (ec)
                            return self->on_io_error(ec, "sending to");
                          self->read_header();
                        });
    });
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(limits_.max_body_bytes);
    if (head_)
      parser_->skip(true);
    conn_->with_stream([this](auto& stream) {
      http::async_read_header(stream, conn_->buffer, *parser_,
                              [self = shared_from_this()](const error_code& ec, std::size_t) {
                                self->on_header(ec);
                              });
    });
  }

  void on_header(const error_code& ec) {
    if (finished_)
      return;
    if (ec)
      return on_io_error(ec, "reading the response from");
    ++phase_id_;
    phase_timer_.cancel();
    const auto& head = parser_->get();
    response_.status = static_cast<int>(head.result_int());
    for (const auto& field : head)
      response_.headers.emplace_back(lower(std::string(field.name_string())),
                                     std::string(field.value()));
    read_body();
  }

  void read_body() {
    if (parser_->is_done())
      return complete();
    auto& body = parser_->get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    conn_->with_stream([this](auto& stream) {
      http::async_read_some(stream, conn_->buffer, *parser_,
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec == http::error::need_buffer)
                                ec = {};
                              self->on_body(ec);
                            });
    });
  }

  void on_body(const error_code& ec) {
    if (finished_)
      return;
    std::size_t got = piece_.size() - parser_->get().body().size;
    if (got > 0) {
      if (on_chunk_) {
        if (!on_chunk_(std::string(piece_.data(), got)))
          return fail(kind::cancelled, "transfer from " + where_ + " aborted by the receiver");
      } else {
        response_.body.append(piece_.data(), got);
      }
    }
    if (ec)
      return on_io_error(ec, "reading the response from");
    read_body();
  }

  void on_io_error(const error_code& ec, const char* doing) {
    bool nothing_received = conn_->buffer.size() == 0 && (!parser_ || !parser_->got_some());
    if (reused_ && !retried_ && nothing_received) {
      // The server dropped the idle connection while we picked it: a fresh one is the fix.
      retried_ = true;
      conn_->close();
      conn_.reset();
      parser_.reset();
      connect();
      return;
    }
    fail(classify_io_error(ec), std::string(doing) + " " + where_ + " failed: " + ec.message());
  }

  void complete() {
    bool reusable = parser_->get().keep_alive() && conn_->buffer.size() == 0;
    if (reusable) {
      core_->give_back(key_, std::move(conn_));
      conn_.reset();
    }
    finish(std::move(response_));
  }

  void fail(kind k, std::string message) { finish(transport_error{k, std::move(message)}); }

  void finish(http_result result) {
    finished_ = true;
    ++phase_id_;
    phase_timer_.cancel();
    total_timer_.cancel();
    resolver_.cancel();
    if (conn_)
      conn_->close();
    auto done = std::move(done_);
    done_ = nullptr;
    if (done)
      done(std::move(result));
  }

  std::shared_ptr<client_core> core_;
  http_request req_;
  client_limits limits_;
  http_callback done_;
  chunk_callback on_chunk_;
  url_parts url_;
  std::string where_; // host:port, the only target detail put in messages
  std::string key_;
  tcp::resolver resolver_;
  asio::steady_timer phase_timer_;
  asio::steady_timer total_timer_;
  unsigned phase_id_ = 0; // lets a timer that fired just before re-arming be ignored
  std::shared_ptr<connection> conn_;
  http::request<http::string_body> wire_;
  http::request<http::empty_body> tunnel_req_;
  std::optional<http::response_parser<http::empty_body>> tunnel_parser_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::vector<char> piece_;
  http_response response_;
  bool head_ = false;
  bool via_proxy_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool finished_ = false;
};

} // namespace

bool proxy_config::bypass(const std::string& target_host) const {
  std::string host = lower(target_host);
  for (const auto& raw : no_proxy) {
    std::string entry = lower(raw);
    if (entry == "*")
      return true;
    if (!entry.empty() && entry.front() == '.')
      entry.erase(0, 1);
    if (entry.empty())
      continue;
    if (host == entry)
      return true;
    auto cut = host.size() - entry.size(); // subdomain: "<label>." + entry
    if (host.size() > entry.size() && host.compare(cut, entry.size(), entry) == 0
        && host[cut - 1] == '.')
      return true;
  }
  return false;
}

proxy_config parse_proxy_config(const std::string& https_proxy, const std::string& no_proxy) {
  proxy_config config;
  std::string::size_type start = 0;
  while (start <= no_proxy.size()) {
    auto comma = no_proxy.find(',', start);
    std::string entry(trim(no_proxy.substr(start, comma == std::string::npos ? std::string::npos
                                                                          : comma - start)));
    if (!entry.empty())
      config.no_proxy.push_back(entry);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  std::string rest(trim(https_proxy));
  if (rest.empty())
    return config;
  // The proxy URL may carry credentials, so no message quotes it.
  if (auto scheme = rest.find("://"); scheme != std::string::npos) {
    if (lower(rest.substr(0, scheme)) != "http") {
      config.error = "HTTPS_PROXY must be an http:// proxy";
      return config;
    }
    rest.erase(0, scheme + 3);
  }
  rest = rest.substr(0, rest.find('/'));
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    config.user_info = rest.substr(0, at);
    rest.erase(0, at + 1);
  }
  auto colon = rest.rfind(':');
  auto bracket = rest.rfind(']');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  url_parts parts;
  if (!parse_url("http://" + rest + (has_port ? "" : ":1080") + "/", parts)) {
    config.error = "HTTPS_PROXY is not a usable host:port";
    config.user_info.clear();
    return config;
  }
  config.host = parts.host;
  config.port = parts.port;
  return config;
}

proxy_config proxy_from_environment() {
  return parse_proxy_config(env_or("HTTPS_PROXY", "https_proxy"),
                            env_or("NO_PROXY", "no_proxy"));
}

struct http_client::impl : client_core {
  using client_core::client_core;
};

http_client::http_client(io_runtime& io) : http_client(io, proxy_from_environment()) {}

http_client::http_client(io_runtime& io, proxy_config proxy)
  : impl_(std::make_shared<impl>(*static_cast<asio::io_context*>(io.native()),
                                 std::move(proxy))) {}

http_client::~http_client() {
  // In-flight exchanges keep the core alive; only the idle pool is ours to close.
  asio::post(impl_->io, [core = impl_] { core->close_all_idle(); });
}

void http_client::async_request(http_request req, client_limits limits, http_callback done,
                                 chunk_callback on_chunk) {
  std::shared_ptr<client_core> core = impl_;
  asio::post(core->io, [core, req = std::move(req), limits = std::move(limits),
                        done = std::move(done), on_chunk = std::move(on_chunk)]() mutable {
    std::make_shared<exchange>(core, std::move(req), std::move(limits), std::move(done),
                               std::move(on_chunk))
        ->start();
  });
}

void http_client::close_idle() {
  asio::post(impl_->io, [core = impl_] { core->close_all_idle(); });
}

std::size_t http_client::connections_opened() const { return impl_->opened.load(); }

http_result blocking_request(http_client& client, http_request req, client_limits limits,
                             chunk_callback on_chunk) {
  auto promise = std::make_shared<std::promise<http_result>>();
  auto future = promise->get_future();
  client.async_request(
      std::move(req), std::move(limits),
      [promise](http_result result) { promise->set_value(std::move(result)); },
      std::move(on_chunk));
  try {
    return future.get();
  } catch (const std::future_error&) {
    // The runtime was torn down with the request still queued: the callback never ran.
    return transport_error{transport_error_kind::cancelled,
                           "the io runtime stopped before the request finished"};
  }
}

} // namespace zega::net
