#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"
#include "tests/loopback_server.hpp"

#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>

using namespace zega::net;
using zega::test::loopback_server;
using zega::test::tcp;
namespace http = boost::beast::http;

namespace {

struct client_fixture {
  io_runtime io;
  http_client client{io, proxy_config{}}; // hermetic: ignore any HTTPS_PROXY
  client_fixture() { io.start(); }
};

http_response expect_response(const http_result& result) {
  if (const auto* err = std::get_if<transport_error>(&result))
    FAIL("transport error: " << err->message);
  return std::get<http_response>(result);
}

transport_error expect_error(const http_result& result) {
  if (std::holds_alternative<http_response>(result))
    FAIL("unexpected response, status " << std::get<http_response>(result).status);
  return std::get<transport_error>(result);
}

http_request get(const std::string& url) {
  http_request req;
  req.url = url;
  return req;
}

void write_raw(tcp::socket& socket, const std::string& bytes) {
  boost::system::error_code ignored;
  boost::asio::write(socket, boost::asio::buffer(bytes), ignored);
}

// Reads one request so the client is past sending, then holds the connection silently
// until the server shuts it down.
void swallow_request(tcp::socket& socket) {
  boost::beast::flat_buffer buffer;
  zega::test::request req;
  boost::system::error_code ec;
  http::read(socket, buffer, req, ec);
  char byte;
  socket.read_some(boost::asio::buffer(&byte, 1), ec);
}

long long ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - start)
      .count();
}

loopback_server echo_server() {
  return loopback_server([](tcp::socket& socket, int) {
    zega::test::serve_http(socket, [](const zega::test::request& req) {
      auto res = zega::test::text_response(std::string(req.method_string()) + " "
                                           + std::string(req.target()) + " "
                                           + std::string(req["X-Test"]) + " " + req.body());
      res.set("X-Echo-Method", req.method_string());
      return res;
    });
  });
}

} // namespace

TEST_CASE("GET and POST round trip with headers and body", "[client]") {
  auto server = echo_server();
  client_fixture f;

  auto got = expect_response(blocking_request(f.client, get(server.url("/v1/items?x=1"))));
  CHECK(got.status == 200);
  CHECK(got.body == "GET /v1/items?x=1  ");

  http_request post;
  post.method = "POST";
  post.url = server.url("/submit");
  post.headers = {{"X-Test", "hello"}, {"content-type", "application/json"}};
  post.body = R"({"a":1})";
  auto posted = expect_response(blocking_request(f.client, post));
  CHECK(posted.status == 200);
  CHECK(posted.body == R"(POST /submit hello {"a":1})");
  // Header names come back lower-cased.
  REQUIRE(find_header(posted.headers, "x-echo-method") != nullptr);
  CHECK(*find_header(posted.headers, "x-echo-method") == "POST");
  CHECK(find_header(posted.headers, "content-type") != nullptr);
}

TEST_CASE("callbacks run once on the io thread", "[client]") {
  auto server = echo_server();
  client_fixture f;
  std::promise<std::thread::id> io_thread;
  f.io.post([&] { io_thread.set_value(std::this_thread::get_id()); });
  auto io_id = io_thread.get_future().get();

  std::promise<std::thread::id> callback_thread;
  std::atomic<int> calls{0};
  f.client.async_request(get(server.url()), {}, [&](http_result result) {
    CHECK(std::holds_alternative<http_response>(result));
    if (++calls == 1)
      callback_thread.set_value(std::this_thread::get_id());
  });
  auto future = callback_thread.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(future.get() == io_id);
  f.io.stop(); // drains nothing further: a second call would have been queued already
  CHECK(calls.load() == 1);
}

TEST_CASE("sequential requests reuse one keep-alive connection", "[client]") {
  auto server = echo_server();
  client_fixture f;
  for (int i = 0; i < 3; ++i)
    CHECK(expect_response(blocking_request(f.client, get(server.url()))).status == 200);
  CHECK(f.client.connections_opened() == 1);
  CHECK(server.connections() == 1);

  f.client.close_idle();
  CHECK(expect_response(blocking_request(f.client, get(server.url()))).status == 200);
  CHECK(f.client.connections_opened() == 2);
}

TEST_CASE("a stale pooled connection is retried once on a fresh one", "[client]") {
  // The first connection answers once, then drops the next request unanswered, as a server
  // does when its idle timeout races the client's reuse.
  loopback_server server([](tcp::socket& socket, int index) {
    auto ok = [](const zega::test::request&) { return zega::test::text_response("ok"); };
    if (index == 0) {
      zega::test::serve_http(socket, ok, 1);
      boost::beast::flat_buffer buffer;
      zega::test::request req;
      boost::system::error_code ec;
      http::read(socket, buffer, req, ec);
      return;
    }
    zega::test::serve_http(socket, ok);
  });
  client_fixture f;
  CHECK(expect_response(blocking_request(f.client, get(server.url()))).body == "ok");
  CHECK(expect_response(blocking_request(f.client, get(server.url()))).body == "ok");
  CHECK(f.client.connections_opened() == 2);
}

TEST_CASE("a fresh connection closed before the response is not retried", "[client]") {
  loopback_server server([](tcp::socket& socket, int) {
    boost::beast::flat_buffer buffer;
    zega::test::request req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
  });
  client_fixture f;
  auto err = expect_error(blocking_request(f.client, get(server.url())));
  CHECK(err.kind == transport_error_kind::reset);
  CHECK(server.connections() == 1);
}

TEST_CASE("a closed port reports connection_refused quickly", "[client]") {
  unsigned short port;
  {
    boost::asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  client_fixture f;
  auto start = std::chrono::steady_clock::now();
  auto err = expect_error(
      blocking_request(f.client, get("http://127.0.0.1:" + std::to_string(port) + "/")));
  CHECK(err.kind == transport_error_kind::connection_refused);
  CHECK(err.message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(ms_since(start) < 1000);
}

TEST_CASE("a server that never answers hits the first-byte deadline", "[client]") {
  loopback_server server([](tcp::socket& socket, int) { swallow_request(socket); });
  client_fixture f;
  client_limits limits;
  limits.first_byte_ms = 200;
  auto start = std::chrono::steady_clock::now();
  auto err = expect_error(blocking_request(f.client, get(server.url()), limits));
  auto elapsed = ms_since(start);
  CHECK(err.kind == transport_error_kind::first_byte_timeout);
  CHECK(err.message.find(std::to_string(server.port())) != std::string::npos);
  CHECK(elapsed >= 150);
  CHECK(elapsed < 2000);
}

TEST_CASE("a body that stalls hits the total deadline", "[client]") {
  loopback_server server([](tcp::socket& socket, int) {
    boost::beast::flat_buffer buffer;
    zega::test::request req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    write_raw(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    char byte;
    socket.read_some(boost::asio::buffer(&byte, 1), ec);
  });
  client_fixture f;
  client_limits limits;
  limits.total_ms = 300;
  auto start = std::chrono::steady_clock::now();
  auto err = expect_error(blocking_request(f.client, get(server.url()), limits));
  CHECK(err.kind == transport_error_kind::total_timeout);
  CHECK(ms_since(start) < 2000);
}

TEST_CASE("responses over the size cap fail with too_large", "[client]") {
  loopback_server server([](tcp::socket& socket, int) {
    zega::test::serve_http(socket, [](const zega::test::request& req) {
      if (req.target() == "/chunked") {
        zega::test::response res = zega::test::text_response(std::string(5000, 'y'));
        res.chunked(true);
        return res;
      }
      return zega::test::text_response(std::string(10000, 'x'));
    });
  });
  client_fixture f;
  client_limits limits;
  limits.max_body_bytes = 1000;
  auto err = expect_error(blocking_request(f.client, get(server.url("/fixed")), limits));
  CHECK(err.kind == transport_error_kind::too_large);
  auto err2 = expect_error(blocking_request(f.client, get(server.url("/chunked")), limits));
  CHECK(err2.kind == transport_error_kind::too_large);
  limits.max_body_bytes = 20000;
  CHECK(expect_response(blocking_request(f.client, get(server.url("/fixed")), limits)).body.size()
        == 10000);
}

TEST_CASE("a server closing mid-body reports reset", "[client]") {
  loopback_server server([](tcp::socket& socket, int) {
    boost::beast::flat_buffer buffer;
    zega::test::request req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    write_raw(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(100, 'z'));
  });
  client_fixture f;
  auto err = expect_error(blocking_request(f.client, get(server.url())));
  CHECK(err.kind == transport_error_kind::reset);
}

TEST_CASE("a chunked response streams through the chunk callback", "[client]") {
  // The server holds back the rest until the client has seen the first piece, which proves
  // pieces are delivered as they arrive rather than at the end.
  std::promise<void> first_seen;
  auto first_seen_future = first_seen.get_future().share();
  std::atomic<bool> server_was_released{false};
  loopback_server server([&](tcp::socket& socket, int) {
    boost::beast::flat_buffer buffer;
    zega::test::request req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    write_raw(socket, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n5\r\nalpha\r\n");
    if (first_seen_future.wait_for(std::chrono::seconds(5)) == std::future_status::ready)
      server_was_released = true;
    write_raw(socket, "4\r\nbeta\r\n5\r\ngamma\r\n0\r\n\r\n");
  });
  client_fixture f;
  std::vector<std::string> pieces;
  auto result = blocking_request(f.client, get(server.url("/events")), {},
                                 [&](const std::string& piece) {
                                   if (pieces.empty())
                                     first_seen.set_value();
                                   pieces.push_back(piece);
                                   return true;
                                 });
  auto res = expect_response(result);
  CHECK(server_was_released);
  CHECK(res.status == 200);
  CHECK(res.body.empty());
  REQUIRE_FALSE(pieces.empty());
  CHECK(pieces.front() == "alpha");
  std::string joined;
  for (const auto& piece : pieces)
    joined += piece;
  CHECK(joined == "alphabetagamma");
}

TEST_CASE("a chunk callback returning false aborts the transfer", "[client]") {
  loopback_server server([](tcp::socket& socket, int) {
    zega::test::serve_http(socket, [](const zega::test::request&) {
      return zega::test::text_response(std::string(100000, 'q'));
    });
  });
  client_fixture f;
  int calls = 0;
  auto err = expect_error(blocking_request(f.client, get(server.url()), {},
                                           [&](const std::string&) { return ++calls < 2; }));
  CHECK(err.kind == transport_error_kind::cancelled);
  CHECK(calls == 2);
}

TEST_CASE("malformed urls fail with bad_url and never echo the url", "[client]") {
  client_fixture f;
  auto err = expect_error(blocking_request(f.client, get("ftp://example.com/?key=secret")));
  CHECK(err.kind == transport_error_kind::bad_url);
  CHECK(err.message.find("secret") == std::string::npos);
}

TEST_CASE("a non-http reply is a protocol error", "[client]") {
  loopback_server server([](tcp::socket& socket, int) {
    boost::beast::flat_buffer buffer;
    zega::test::request req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    write_raw(socket, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  });
  client_fixture f;
  auto err = expect_error(blocking_request(f.client, get(server.url())));
  CHECK(err.kind == transport_error_kind::protocol);
}

TEST_CASE("proxy settings parse like curl's HTTPS_PROXY and NO_PROXY", "[client]") {
  auto full = parse_proxy_config("http://user:pw@proxy.local:3128/", "");
  CHECK(full.error.empty());
  CHECK(full.host == "proxy.local");
  CHECK(full.port == "3128");
  CHECK(full.user_info == "user:pw");

  auto bare = parse_proxy_config(" proxy.local ", "");
  CHECK(bare.host == "proxy.local");
  CHECK(bare.port == "1080");
  CHECK(bare.user_info.empty());

  auto socks = parse_proxy_config("socks5://user:secret@proxy.local:1080", "");
  CHECK(socks.host.empty());
  CHECK_FALSE(socks.error.empty());
  CHECK(socks.error.find("secret") == std::string::npos);

  auto none = parse_proxy_config("", "");
  CHECK(none.host.empty());
  CHECK(none.error.empty());

  auto rules = parse_proxy_config("proxy.local:3128", "localhost, .example.com,10.0.0.1,,");
  CHECK(rules.no_proxy.size() == 3);
  CHECK(rules.bypass("LOCALHOST"));
  CHECK(rules.bypass("example.com"));
  CHECK(rules.bypass("api.example.com"));
  CHECK_FALSE(rules.bypass("notexample.com"));
  CHECK(rules.bypass("10.0.0.1"));
  CHECK_FALSE(rules.bypass("api.groq.com"));
  CHECK(parse_proxy_config("p:1", "*").bypass("anything.at.all"));
}

TEST_CASE("io_runtime runs posted work and can be restarted", "[client]") {
  io_runtime io;
  io.start();
  io.start(); // idempotent
  std::promise<int> first;
  io.post([&] { first.set_value(1); });
  CHECK(first.get_future().get() == 1);
  io.stop();
  io.stop();
  io.start();
  std::promise<int> second;
  io.post([&] { second.set_value(2); });
  auto future = second.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(future.get() == 2);
  CHECK(io.native() != nullptr);
}
