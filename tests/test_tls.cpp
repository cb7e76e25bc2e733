#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"
#include "tests/loopback_server.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

using namespace zega::net;
using zega::test::loopback_server;
using zega::test::tcp;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;

namespace {

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

struct identity {
  pkey_ptr key;
  x509_ptr cert;
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext)
    throw std::runtime_error("bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A CA when `issuer` is null (self-signed), otherwise a server certificate for `san`.
identity make_identity(const std::string& common_name, const identity* issuer,
                       const std::string& san, long serial) {
  identity id{pkey_ptr(EVP_EC_gen("P-256")), x509_ptr(X509_new())};
  X509* cert = id.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, id.key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* issuer_cert = issuer ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  add_ext(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer) {
    add_ext(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
    add_ext(cert, issuer_cert, NID_ext_key_usage, "serverAuth");
    add_ext(cert, issuer_cert, NID_subject_alt_name, san.c_str());
  } else {
    add_ext(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  X509_sign(cert, issuer ? issuer->key.get() : id.key.get(), EVP_sha256());
  return id;
}

// A throw-away CA (written to a temp PEM file for ca_file) and server identities signed by it.
struct test_pki {
  identity ca = make_identity("zega test CA", nullptr, "", 1);
  identity localhost = make_identity("localhost", &ca, "DNS:localhost,IP:127.0.0.1", 2);
  identity other = make_identity("other.example", &ca, "DNS:other.example", 3);
  std::filesystem::path ca_file = std::filesystem::temp_directory_path()
                                  / ("zega_test_ca_" + std::to_string(::getpid()) + ".pem");

  test_pki() {
    FILE* out = std::fopen(ca_file.c_str(), "w");
    REQUIRE(out != nullptr);
    PEM_write_X509(out, ca.cert.get());
    std::fclose(out);
  }
  ~test_pki() { std::filesystem::remove(ca_file); }
};

// An HTTPS server on loopback presenting `server_id`; answers "secure <target>".
loopback_server tls_server(const identity& server_id) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_use_certificate(ctx->native_handle(), server_id.cert.get());
  SSL_CTX_use_PrivateKey(ctx->native_handle(), server_id.key.get());
  return loopback_server([ctx](tcp::socket& socket, int) {
    ssl::stream<tcp::socket&> stream(socket, *ctx);
    boost::system::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (ec)
      return;
    zega::test::serve_http(stream, [](const zega::test::request& req) {
      return zega::test::text_response("secure " + std::string(req.target()));
    });
  });
}

// Copies one direction of a tunnel, then shuts both sockets so the other direction ends too.
// Raw ::shutdown keeps the two pumping threads off each other's Asio socket state.
void pump(tcp::socket& from, tcp::socket& to) {
  char buf[4096];
  boost::system::error_code ec;
  for (;;) {
    std::size_t n = from.read_some(boost::asio::buffer(buf), ec);
    if (ec)
      break;
    boost::asio::write(to, boost::asio::buffer(buf, n), ec);
    if (ec)
      break;
  }
  ::shutdown(to.native_handle(), SHUT_RDWR);
  ::shutdown(from.native_handle(), SHUT_RDWR);
}

struct proxy_log {
  std::mutex mutex;
  std::string target;
  std::string authorization;
};

// A CONNECT proxy on loopback that records what it was asked and answers `status`; on 200 it
// tunnels to 127.0.0.1 at the requested port.
loopback_server connect_proxy(std::shared_ptr<proxy_log> log, unsigned status) {
  return loopback_server([log, status](tcp::socket& client, int) {
    boost::beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    boost::system::error_code ec;
    http::read_header(client, buffer, parser, ec);
    if (ec)
      return;
    std::string target(parser.get().target());
    {
      std::lock_guard<std::mutex> lock(log->mutex);
      log->target = target;
      log->authorization = std::string(parser.get()[http::field::proxy_authorization]);
    }
    if (status != 200) {
      std::string reply = "HTTP/1.1 " + std::to_string(status) + " No\r\nContent-Length: 0\r\n\r\n";
      boost::asio::write(client, boost::asio::buffer(reply), ec);
      return;
    }
    tcp::socket upstream(client.get_executor());
    auto port = static_cast<unsigned short>(std::stoi(target.substr(target.rfind(':') + 1)));
    upstream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec)
      return;
    std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
    boost::asio::write(client, boost::asio::buffer(established), ec);
    std::thread upward([&] { pump(client, upstream); });
    pump(upstream, client);
    upward.join();
  });
}

struct client_fixture {
  io_runtime io;
  http_client client{io, proxy_config{}}; // hermetic: ignore any HTTPS_PROXY
  client_fixture() { io.start(); }
};

http_request get(const std::string& url) {
  http_request req;
  req.url = url;
  return req;
}

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

} // namespace

TEST_CASE("https succeeds against a server whose CA is given as ca_file", "[tls]") {
  test_pki pki;
  auto server = tls_server(pki.localhost);
  client_fixture f;
  client_limits limits;
  limits.ca_file = pki.ca_file.string();

  auto by_name = expect_response(
      blocking_request(f.client, get(server.url("https://localhost", "/a")), limits));
  CHECK(by_name.status == 200);
  CHECK(by_name.body == "secure /a");
  // Kept alive across requests over TLS too.
  auto again = expect_response(
      blocking_request(f.client, get(server.url("https://localhost", "/b")), limits));
  CHECK(again.body == "secure /b");
  CHECK(f.client.connections_opened() == 1);

  // An IP literal is checked against the certificate's IP address entry.
  auto by_ip = expect_response(
      blocking_request(f.client, get(server.url("https://127.0.0.1", "/c")), limits));
  CHECK(by_ip.body == "secure /c");
}

TEST_CASE("a certificate for another host name is rejected", "[tls]") {
  test_pki pki;
  auto server = tls_server(pki.other);
  client_fixture f;
  client_limits limits;
  limits.ca_file = pki.ca_file.string();
  auto err = expect_error(
      blocking_request(f.client, get(server.url("https://localhost", "/")), limits));
  CHECK(err.kind == transport_error_kind::tls);
  CHECK(err.message.find("hostname mismatch") != std::string::npos);
  CHECK(err.message.find("localhost:" + std::to_string(server.port())) != std::string::npos);
}

TEST_CASE("a certificate from an unknown CA is rejected", "[tls]") {
  test_pki pki;
  auto server = tls_server(pki.localhost);
  client_fixture f;
  auto err = expect_error(blocking_request(f.client, get(server.url("https://localhost", "/"))));
  CHECK(err.kind == transport_error_kind::tls);
  CHECK(err.message.find("certificate verify failed") != std::string::npos);
}

TEST_CASE("a missing ca_file is a tls error naming the file", "[tls]") {
  client_fixture f;
  client_limits limits;
  limits.ca_file = "/nonexistent/zega-ca.pem";
  auto err = expect_error(blocking_request(f.client, get("https://127.0.0.1:1/"), limits));
  CHECK(err.kind == transport_error_kind::tls);
  CHECK(err.message.find("/nonexistent/zega-ca.pem") != std::string::npos);
}

TEST_CASE("a server that never completes the handshake hits the tls deadline", "[tls]") {
  loopback_server server([](tcp::socket& socket, int) {
    char byte[512];
    boost::system::error_code ec;
    while (!ec)
      socket.read_some(boost::asio::buffer(byte), ec);
  });
  client_fixture f;
  client_limits limits;
  limits.tls_ms = 200;
  auto start = std::chrono::steady_clock::now();
  auto err = expect_error(blocking_request(f.client, get(server.url("https://127.0.0.1", "/")),
                                           limits));
  CHECK(err.kind == transport_error_kind::tls_timeout);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("a plain-http server behind an https url is a tls error", "[tls]") {
  loopback_server server([](tcp::socket& socket, int) {
    zega::test::serve_http(socket, [](const zega::test::request&) {
      return zega::test::text_response("plain");
    });
  });
  client_fixture f;
  auto err = expect_error(blocking_request(f.client, get(server.url("https://127.0.0.1", "/"))));
  CHECK(err.kind == transport_error_kind::tls);
}

TEST_CASE("https goes through a CONNECT proxy with verification intact", "[tls]") {
  test_pki pki;
  auto server = tls_server(pki.localhost);
  auto log = std::make_shared<proxy_log>();
  auto proxy = connect_proxy(log, 200);
  io_runtime io;
  auto proxy_url = "http://user:pw@127.0.0.1:" + std::to_string(proxy.port());
  http_client client(io, parse_proxy_config(proxy_url, "example.com"));
  io.start();
  client_limits limits;
  limits.ca_file = pki.ca_file.string();

  auto res = expect_response(
      blocking_request(client, get(server.url("https://localhost", "/tunnelled")), limits));
  CHECK(res.body == "secure /tunnelled");
  CHECK(expect_response(
            blocking_request(client, get(server.url("https://localhost", "/again")), limits))
            .body
        == "secure /again");
  CHECK(client.connections_opened() == 1);
  CHECK(proxy.connections() == 1);
  std::lock_guard<std::mutex> lock(log->mutex);
  CHECK(log->target == "localhost:" + std::to_string(server.port()));
  CHECK(log->authorization == "Basic dXNlcjpwdw=="); // base64("user:pw")
}

TEST_CASE("a proxy refusing the tunnel is reported without credentials", "[tls]") {
  auto log = std::make_shared<proxy_log>();
  auto proxy = connect_proxy(log, 403);
  io_runtime io;
  http_client client(io, parse_proxy_config("user:secret@127.0.0.1:" + std::to_string(proxy.port()),
                                            ""));
  io.start();
  auto err = expect_error(blocking_request(client, get("https://api.example.net/v1")));
  CHECK(err.kind == transport_error_kind::connection_refused);
  CHECK(err.message.find("403") != std::string::npos);
  CHECK(err.message.find("api.example.net:443") != std::string::npos);
  CHECK(err.message.find("secret") == std::string::npos);
  std::lock_guard<std::mutex> lock(log->mutex);
  CHECK(log->target == "api.example.net:443");
}

TEST_CASE("hosts matched by no_proxy and plain http bypass the proxy", "[tls]") {
  test_pki pki;
  auto server = tls_server(pki.localhost);
  auto plain = loopback_server([](tcp::socket& socket, int) {
    zega::test::serve_http(socket, [](const zega::test::request&) {
      return zega::test::text_response("direct");
    });
  });
  // The proxy port is closed: any attempt to use it would fail.
  io_runtime io;
  http_client client(io, parse_proxy_config("127.0.0.1:1", "localhost"));
  io.start();
  client_limits limits;
  limits.ca_file = pki.ca_file.string();
  CHECK(expect_response(blocking_request(client, get(server.url("https://localhost", "/")), limits))
            .status
        == 200);
  CHECK(expect_response(blocking_request(client, get(plain.url()))).body == "direct");
  auto err = expect_error(
      blocking_request(client, get(server.url("https://127.0.0.1", "/")), limits));
  CHECK(err.kind == transport_error_kind::connection_refused);
  CHECK(err.message.find("proxy 127.0.0.1:1") != std::string::npos);
}

TEST_CASE("a proxy that never answers CONNECT hits the connect deadline", "[tls]") {
  loopback_server silent_proxy([](tcp::socket& socket, int) {
    char byte[512];
    boost::system::error_code ec;
    while (!ec)
      socket.read_some(boost::asio::buffer(byte), ec);
  });
  io_runtime io;
  http_client client(io, parse_proxy_config("127.0.0.1:" + std::to_string(silent_proxy.port()),
                                            ""));
  io.start();
  client_limits limits;
  limits.connect_ms = 200;
  auto start = std::chrono::steady_clock::now();
  auto err = expect_error(blocking_request(client, get("https://api.example.net/"), limits));
  CHECK(err.kind == transport_error_kind::connect_timeout);
  CHECK(err.message.find("proxy 127.0.0.1:" + std::to_string(silent_proxy.port()))
        != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
