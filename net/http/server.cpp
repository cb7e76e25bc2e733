#include "net/http/server.hpp"

#include "net/http/io_runtime.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <sstream>

namespace zega::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t header_limit_bytes = 16 * 1024;
// After a refused request the client may still be sending its body; reading (and dropping)
// it for a moment lets our error response arrive instead of being destroyed by an RST.
constexpr auto drain_time = std::chrono::milliseconds(500);
constexpr std::size_t drain_max_bytes = 16 * 1024 * 1024;
// A connection over the cap may only ask for /health; it must do so quickly.
constexpr auto over_cap_read_time = std::chrono::milliseconds(1000);

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Malformed escapes are kept literally: a lenient decode beats rejecting the request.
std::string percent_decode(const std::string& in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

bool is_parse_error(const error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

template <class Message>
std::string serialize(const Message& msg) {
  std::ostringstream os;
  os << msg;
  return os.str();
}

} // namespace

bool query_param(const std::string& query, const std::string& name, std::string& value) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    auto part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq), true);
    if (!part.empty() && key == name) {
      value = eq == std::string::npos ? std::string() : percent_decode(part.substr(eq + 1), true);
      return true;
    }
    if (amp == std::string::npos)
      break;
    pos = amp + 1;
  }
  return false;
}

namespace {

// What connections share with the server; http_server::impl is just this, so sessions can
// keep it alive without naming the private impl.
struct server_core : std::enable_shared_from_this<server_core> {
  server_core(asio::io_context& ctx, server_options o, request_handler h)
    : ioc(ctx), acceptor(asio::make_strand(ctx)), opts(std::move(o)), handler(std::move(h)) {}

  void do_accept();

  asio::io_context& ioc;
  tcp::acceptor acceptor;
  server_options opts;
  request_handler handler;
  // Cleared by ~http_server so connections outliving it never call into a dead owner.
  std::atomic<bool> handler_enabled{true};
  std::atomic<std::uint16_t> bound_port{0};
  // Sessions with an open socket; the last owner of a session may be another thread.
  std::atomic<int> open_sessions{0};
};

class session;

} // namespace

struct responder::state {
  std::shared_ptr<session> conn;
  std::uint64_t generation = 0;
};

struct http_server::impl : server_core {
  using server_core::server_core;
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, std::shared_ptr<server_core> server, bool over_cap)
    : stream_(std::move(socket)), server_(std::move(server)), over_cap_(over_cap) {
    if (!over_cap_)
      ++server_->open_sessions;
  }
  ~session() { uncount(); }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  template <class Fn>
  void on_strand(Fn fn) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), fn = std::move(fn)]() mutable {
      fn(*self);
    });
  }

  bool alive() const { return alive_.load(); }

  void respond(std::uint64_t gen, int status, std::string content_type, std::string body,
               header_list extra) {
    if (closed_ || !awaiting_ || streaming_ || gen != generation_)
      return;
    http::response<http::string_body> res{static_cast<http::status>(status), version_};
    set_common(res, content_type, extra);
    res.body() = std::move(body);
    res.prepare_payload();
    awaiting_ = false;
    enqueue(head_ ? serialize(res.base()) : serialize(res), after::response_done);
  }

  void start_stream(std::uint64_t gen, int status, std::string content_type, header_list extra) {
    if (closed_ || !awaiting_ || streaming_ || gen != generation_)
      return;
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    // A stream needs a reader; one that already half-closed is treated as gone, as alive()
    // told the producer.
    if (peer_eof_)
      return fail();
    set_common(res, content_type, extra);
    res.chunked(true);
    streaming_ = true;
    enqueue(serialize(res.base()), after::more);
  }

  // Counted by the responder before the piece is posted, so producers on other threads see
  // the backlog at once (wait_writable).
  void note_queued(std::size_t n) {
    std::lock_guard<std::mutex> guard(backlog_mtx_);
    backlog_ += n;
  }

  bool wait_writable(std::size_t limit) {
    std::unique_lock<std::mutex> lock(backlog_mtx_);
    backlog_cv_.wait(lock, [&] { return backlog_ < limit || !alive_.load(); });
    return alive_.load();
  }

  void write(std::uint64_t gen, std::string piece) {
    std::size_t counted = piece.size();
    // An empty chunk would end the body, so it is simply skipped.
    if (closed_ || !streaming_ || gen != generation_ || piece.empty()) {
      release_backlog(counted);
      return;
    }
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    std::string chunk = size;
    chunk += piece;
    chunk += "\r\n";
    // A reader that fell this far behind is dropped rather than buffered without end. A
    // burst (a replay after Last-Event-ID) to a reader that keeps up is not behind: the
    // event cap applies only once the socket stopped taking bytes for a while.
    bool stalled = writing_
                   && std::chrono::steady_clock::now() - write_started_
                        >= std::chrono::milliseconds(server_->opts.stall_grace_ms);
    if ((stalled && queued_pieces_ >= server_->opts.sse_queue_max_events)
        || queued_bytes_ + chunk.size() > server_->opts.max_queued_bytes) {
      release_backlog(counted);
      return fail();
    }
    enqueue(std::move(chunk), after::more, counted, 1);
  }

  void finish(std::uint64_t gen) {
    if (closed_ || !streaming_ || gen != generation_)
      return;
    streaming_ = false;
    awaiting_ = false;
    enqueue("0\r\n\r\n", after::response_done);
  }

  void abort(std::uint64_t gen) {
    if (closed_ || gen != generation_)
      return;
    error_code ec;
    stream_.socket().set_option(asio::socket_base::linger(true, 0), ec);
    fail();
  }

  void raw_and_close(std::uint64_t gen, std::string bytes) {
    if (closed_ || !awaiting_ || gen != generation_)
      return;
    awaiting_ = false;
    streaming_ = false;
    keep_alive_ = false;
    enqueue(std::move(bytes), after::close);
  }

private:
  enum class after { more, response_done, close };
  struct out_item {
    std::string bytes;
    after then;
    std::size_t counted = 0; // bytes of backlog this item accounts for
    std::size_t pieces = 0;  // stream pieces merged into it
  };

  void release_backlog(std::size_t n) {
    if (n == 0)
      return;
    {
      std::lock_guard<std::mutex> guard(backlog_mtx_);
      backlog_ -= std::min(n, backlog_);
    }
    backlog_cv_.notify_all();
  }

  void mark_gone() {
    {
      std::lock_guard<std::mutex> guard(backlog_mtx_);
      alive_ = false;
      backlog_ = 0;
    }
    backlog_cv_.notify_all();
  }

  template <class Response>
  void set_common(Response& res, const std::string& content_type, const header_list& extra) {
    res.set(http::field::server, "zega");
    if (!content_type.empty())
      res.set(http::field::content_type, content_type);
    for (const auto& [name, value] : cors_)
      res.insert(name, value);
    for (const auto& [name, value] : extra)
      res.insert(name, value);
    res.keep_alive(keep_alive_);
  }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(header_limit_bytes);
    parser_->body_limit(server_->opts.max_body_bytes);
    cors_.clear();
    stream_.expires_after(over_cap_ ? over_cap_read_time
                                    : std::chrono::milliseconds(server_->opts.read_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  // Turns a read error into the right refusal; false when there was none.
  bool read_failed(error_code ec) {
    if (!ec)
      return false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout)
      close_gracefully();
    else if (ec == http::error::body_limit)
      refuse(413, error_json("payload_too_large", "request body too large"));
    else if (ec == http::error::header_limit)
      refuse(431, error_json("headers_too_large", "request headers too large"));
    else if (is_parse_error(ec))
      refuse(400, error_json("bad_request", "malformed HTTP request"));
    else
      fail();
    return true;
  }

  void on_header(error_code ec) {
    if (read_failed(ec))
      return;
    auto read_body = [self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](error_code ec, std::size_t) { self->on_read(ec); });
    };
    // curl and others wait for this interim answer before sending a larger body.
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      continue_ = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(continue_),
                        [self = shared_from_this(), read_body](error_code ec, std::size_t) {
                          if (ec)
                            return self->fail();
                          read_body();
                        });
      return;
    }
    read_body();
  }

  void on_read(error_code ec) {
    if (read_failed(ec))
      return;

    auto& req = parser_->get();
    server_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    auto qmark = r.target.find('?');
    r.path = percent_decode(r.target.substr(0, qmark), false);
    r.query = qmark == std::string::npos ? std::string() : r.target.substr(qmark + 1);
    for (const auto& field : req)
      r.headers.emplace_back(lower({field.name_string().data(), field.name_string().size()}), std::string(field.value()));
    r.body = std::move(req.body());
    error_code ep_ec;
    auto ep = stream_.socket().remote_endpoint(ep_ec);
    if (!ep_ec)
      r.remote = ep.address().to_string() + ":" + std::to_string(ep.port());

    keep_alive_ = req.keep_alive();
    version_ = req.version();
    head_ = req.method() == http::verb::head;
    ++generation_;
    awaiting_ = true;
    streaming_ = false;
    stream_.expires_never();

    if (!server_->handler_enabled.load())
      return refuse(503, error_json("shutting_down", "server is shutting down"));
    if (over_cap_ && r.path != "/health")
      return refuse(503, error_json("busy", "too many connections; try again shortly"));
    if (over_cap_)
      keep_alive_ = false;
    auto verdict = check_request(server_->opts.guard, r.method, r.path, r.headers,
                                 !r.body.empty());
    cors_ = std::move(verdict.headers);
    if (verdict.status != 0) {
      if (verdict.code.empty())
        return respond(generation_, verdict.status, "", "", {});
      return respond(generation_, verdict.status, "application/json",
                     error_json(verdict.code, verdict.message), {});
    }
    auto st = std::make_shared<responder::state>();
    st->conn = shared_from_this();
    st->generation = generation_;
    try {
      server_->handler(std::move(r), responder(std::move(st)));
    } catch (...) {
      respond(generation_, 500, "application/json", error_json("internal", "handler failed"), {});
    }
    watch_peer();
  }

  // While the application prepares an answer nobody reads the socket; this wait notices a
  // client that hung up so alive() turns false and streaming producers stop.
  void watch_peer() {
    if (closed_ || !awaiting_)
      return;
    stream_.socket().async_wait(
      tcp::socket::wait_read, [self = shared_from_this(), gen = generation_](error_code ec) {
        if (self->closed_ || !self->awaiting_ || gen != self->generation_
            || ec == asio::error::operation_aborted)
          return;
        error_code avail_ec;
        auto pending = self->stream_.socket().available(avail_ec);
        // Readable with nothing to read means end of stream; data means a pipelined request,
        // which the next read will pick up.
        if (ec || avail_ec)
          self->fail();
        else if (pending == 0)
          self->on_peer_eof();
      });
  }

  // End of stream while an answer is pending: the client either left or only shut down its
  // sending side (`nc -N`, some scripts) and still waits. Both look the same, so producers are
  // told it is gone (alive() = false, streams stop) while a plain answer is still delivered.
  // No operation is left pending: if the application drops its responders without answering,
  // the session goes with them and its socket is closed.
  void on_peer_eof() {
    if (streaming_)
      return fail();
    peer_eof_ = true;
    keep_alive_ = false;
    mark_gone();
  }

  void refuse(int status, std::string body) {
    awaiting_ = false;
    streaming_ = false;
    keep_alive_ = false;
    http::response<http::string_body> res{static_cast<http::status>(status), version_};
    set_common(res, "application/json", {});
    res.body() = std::move(body);
    res.prepare_payload();
    enqueue(serialize(res), after::close);
  }

  void enqueue(std::string bytes, after then, std::size_t counted = 0, std::size_t pieces = 0) {
    queued_bytes_ += bytes.size();
    queued_pieces_ += pieces;
    // Pieces waiting behind the write in flight go out as one write: one allocation and one
    // system call per round instead of one per event.
    if (then == after::more && out_.size() >= 2 && out_.back().then == after::more) {
      auto& back = out_.back();
      back.bytes += bytes;
      back.counted += counted;
      back.pieces += pieces;
      return;
    }
    out_.push_back({std::move(bytes), then, counted, pieces});
    if (!writing_)
      write_next();
  }

  void write_next() {
    if (closed_ || out_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    stream_.expires_after(std::chrono::milliseconds(server_->opts.read_timeout_ms));
    asio::async_write(stream_, asio::buffer(out_.front().bytes),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        self->on_written(ec);
                      });
  }

  void on_written(error_code ec) {
    if (ec || closed_)
      return fail();
    auto then = out_.front().then;
    queued_bytes_ -= out_.front().bytes.size();
    queued_pieces_ -= out_.front().pieces;
    release_backlog(out_.front().counted);
    out_.pop_front();
    switch (then) {
      case after::more:
        return write_next();
      case after::response_done:
        writing_ = false;
        if (keep_alive_)
          return do_read();
        return close_gracefully();
      case after::close:
        writing_ = false;
        return close_gracefully();
    }
  }

  void close_gracefully() {
    if (closed_)
      return;
    mark_gone();
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return fail();
    stream_.expires_after(drain_time);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buf_),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > drain_max_bytes)
                                return self->fail();
                              self->drain();
                            });
  }

  void fail() {
    mark_gone();
    if (closed_)
      return;
    closed_ = true;
    out_.clear();
    queued_bytes_ = 0;
    queued_pieces_ = 0;
    writing_ = false;
    stream_.close();
    uncount();
  }

  // The cap counts open sockets, not session objects: a responder held by a slow producer
  // keeps the object alive after its socket is closed.
  void uncount() {
    if (over_cap_ || uncounted_)
      return;
    uncounted_ = true;
    --server_->open_sessions;
  }

  beast::tcp_stream stream_;
  std::shared_ptr<server_core> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<out_item> out_;
  std::string continue_; // the interim "100 Continue", alive until written
  bool over_cap_ = false;   // accepted beyond max_connections: /health or 503
  bool uncounted_ = false;
  bool peer_eof_ = false;   // the client shut down its sending side
  header_list cors_;        // CORS headers for the current request's answers
  std::size_t queued_bytes_ = 0;
  std::size_t queued_pieces_ = 0;
  std::chrono::steady_clock::time_point write_started_{};
  std::array<char, 4096> drain_buf_{};
  std::size_t drained_ = 0;
  std::uint64_t generation_ = 0; // requests read on this connection
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;      // HEAD: headers only
  bool awaiting_ = false;  // a request waits for (the rest of) its response
  bool streaming_ = false; // chunked response headers are out
  bool writing_ = false;
  bool closed_ = false;
  std::atomic<bool> alive_{true};
  std::mutex backlog_mtx_;
  std::condition_variable backlog_cv_;
  std::size_t backlog_ = 0; // streamed bytes accepted but not yet written
};

} // namespace

responder::responder(std::shared_ptr<state> s) : state_(std::move(s)) {}

void responder::respond(int status, std::string content_type, std::string body,
                        header_list extra) const {
  state_->conn->on_strand([gen = state_->generation, status, ct = std::move(content_type),
                           body = std::move(body), extra = std::move(extra)](session& s) mutable {
    s.respond(gen, status, std::move(ct), std::move(body), std::move(extra));
  });
}

void responder::start_stream(int status, std::string content_type, header_list extra) const {
  state_->conn->on_strand([gen = state_->generation, status, ct = std::move(content_type),
                           extra = std::move(extra)](session& s) mutable {
    s.start_stream(gen, status, std::move(ct), std::move(extra));
  });
}

void responder::write(std::string piece) const {
  state_->conn->note_queued(piece.size());
  state_->conn->on_strand([gen = state_->generation, piece = std::move(piece)](session& s) mutable {
    s.write(gen, std::move(piece));
  });
}

void responder::finish() const {
  state_->conn->on_strand([gen = state_->generation](session& s) { s.finish(gen); });
}

void responder::abort() const {
  state_->conn->on_strand([gen = state_->generation](session& s) { s.abort(gen); });
}

void responder::raw_and_close(std::string bytes) const {
  state_->conn->on_strand([gen = state_->generation, bytes = std::move(bytes)](session& s) mutable {
    s.raw_and_close(gen, std::move(bytes));
  });
}

bool responder::alive() const { return state_->conn->alive(); }

bool responder::wait_writable(std::size_t max_backlog) const {
  return state_->conn->wait_writable(max_backlog);
}

void server_core::do_accept() {
  acceptor.async_accept(
    asio::make_strand(ioc), [self = shared_from_this()](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open())
        return;
      if (!ec) {
        bool over_cap = self->open_sessions.load() >= self->opts.max_connections;
        std::make_shared<session>(std::move(socket), self, over_cap)->run();
        return self->do_accept();
      }
      // Out of descriptors or similar: pause instead of spinning on the same error.
      auto timer = std::make_shared<asio::steady_timer>(self->acceptor.get_executor());
      timer->expires_after(std::chrono::milliseconds(50));
      timer->async_wait([self, timer](error_code) { self->do_accept(); });
    });
}

http_server::http_server(io_runtime& io, server_options opts, request_handler handler)
  : impl_(std::make_shared<impl>(*static_cast<asio::io_context*>(io.native()), std::move(opts),
                                 std::move(handler))) {}

http_server::~http_server() {
  impl_->handler_enabled = false;
  stop_accepting();
}

std::string http_server::start() {
  error_code ec;
  auto address = asio::ip::make_address(impl_->opts.host, ec);
  if (ec)
    return "invalid listen address '" + impl_->opts.host + "': " + ec.message();
  tcp::endpoint endpoint{address, impl_->opts.port};
  auto& acc = impl_->acceptor;
  const std::string where = impl_->opts.host + ":" + std::to_string(impl_->opts.port);
  if (acc.open(endpoint.protocol(), ec); ec)
    return "cannot open socket for " + where + ": " + ec.message();
  if (acc.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return "cannot set SO_REUSEADDR on " + where + ": " + ec.message();
  // The close gets its own error code: reusing `ec` made the message read "Success".
  error_code close_ec;
  if (acc.bind(endpoint, ec); ec) {
    acc.close(close_ec);
    return "cannot bind " + where + ": " + ec.message();
  }
  if (acc.listen(asio::socket_base::max_listen_connections, ec); ec) {
    acc.close(close_ec);
    return "cannot listen on " + where + ": " + ec.message();
  }
  impl_->bound_port = acc.local_endpoint(ec).port();
  asio::post(acc.get_executor(), [self = impl_] { self->do_accept(); });
  return {};
}

std::uint16_t http_server::port() const { return impl_->bound_port.load(); }

void http_server::stop_accepting() {
  asio::post(impl_->acceptor.get_executor(), [self = impl_] {
    error_code ec;
    self->acceptor.close(ec);
  });
}

} // namespace zega::net
