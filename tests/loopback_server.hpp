#pragma once
// Blocking test server on 127.0.0.1 with an ephemeral port: each accepted connection runs
// the given handler on its own thread. The destructor shuts every socket down (waking any
// blocked read) and joins, so a test never outlives its server. Handlers end a connection
// with shutdown, not close, so a descriptor is never reused while the server still owns it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace zega::test {

using tcp = boost::asio::ip::tcp;

class loopback_server {
public:
  // index: 0 for the first accepted connection, 1 for the next, ...
  using handler = std::function<void(tcp::socket& socket, int index)>;

  explicit loopback_server(handler h) : handler_(std::move(h)), acceptor_(io_) {
    tcp::endpoint local(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(local.protocol());
    acceptor_.bind(local);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~loopback_server() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR); // wakes the blocked accept
    accept_thread_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    boost::system::error_code ignored;
    for (auto& socket : sockets_)
      socket->shutdown(tcp::socket::shutdown_both, ignored);
    for (auto& thread : threads_)
      thread.join();
  }

  unsigned short port() const { return port_; }
  int connections() const { return accepted_.load(); }
  std::string url(const std::string& scheme_host, const std::string& path) const {
    return scheme_host + ":" + std::to_string(port_) + path;
  }
  std::string url(const std::string& path = "/") const { return url("http://127.0.0.1", path); }

private:
  void accept_loop() {
    while (!stopping_) {
      auto socket = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_)
        return;
      int index = accepted_++;
      std::lock_guard<std::mutex> lock(mutex_);
      sockets_.push_back(socket);
      threads_.emplace_back([this, socket, index] {
        handler_(*socket, index);
        boost::system::error_code ignored;
        socket->shutdown(tcp::socket::shutdown_both, ignored);
      });
    }
  }

  handler handler_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread accept_thread_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
};

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

// Answers requests on one connection until the client closes it or `max_requests` is reached
// (negative: no limit). Works on a plain socket and on an ssl::stream alike.
template <class Stream>
void serve_http(Stream& stream, const std::function<response(const request&)>& respond,
                int max_requests = -1) {
  boost::beast::flat_buffer buffer;
  for (int served = 0; max_requests < 0 || served < max_requests; ++served) {
    request req;
    boost::system::error_code ec;
    boost::beast::http::read(stream, buffer, req, ec);
    if (ec)
      return;
    response res = respond(req);
    res.version(11);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    boost::beast::http::write(stream, res, ec);
    if (ec || !req.keep_alive())
      return;
  }
}

inline response text_response(const std::string& body, unsigned status = 200) {
  response res;
  res.result(status);
  res.set(boost::beast::http::field::content_type, "text/plain");
  res.body() = body;
  return res;
}

} // namespace zega::test
