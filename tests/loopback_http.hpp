#pragma once
// A tiny blocking HTTP/1.1 client over POSIX sockets for loopback tests: independent of the
// production client so server tests do not depend on it. Every read has a timeout.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace zega::test {

struct raw_response {
  bool ok = false; // a complete response was read
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers; // lower-case names
  std::string body;                 // de-chunked
  std::vector<std::string> chunks;  // the chunks as sent, when chunked

  const std::string* header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name)
        return &v;
    return nullptr;
  }
};

class raw_conn {
public:
  explicit raw_conn(std::uint16_t port, int timeout_ms = 5000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~raw_conn() { close(); }
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  bool send_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  bool request(const std::string& method, const std::string& target, const std::string& body = {},
               const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers)
      req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST")
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size())
             + "\r\n";
    req += "\r\n" + body;
    return send_all(req);
  }

  // `head_request`: the answer to a HEAD request, which has no body whatever its headers say.
  raw_response read_response(bool head_request = false) {
    raw_response r;
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      if (!fill())
        return r;
      head = buf_;
    }
    auto end = buf_.find("\r\n\r\n");
    head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    auto line_end = head.find("\r\n");
    auto status_line = head.substr(0, line_end);
    if (status_line.size() < 12)
      return r;
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      auto next = head.find("\r\n", pos);
      auto line = head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
          value.erase(0, 1);
        r.headers.emplace_back(name, value);
      }
      if (next == std::string::npos)
        break;
      pos = next + 2;
    }
    if (head_request || r.status / 100 == 1 || r.status == 204 || r.status == 304) {
      r.ok = true;
      return r;
    }
    if (const auto* te = r.header("transfer-encoding"); te && *te == "chunked") {
      for (;;) {
        auto crlf = buf_.find("\r\n");
        while (crlf == std::string::npos) {
          if (!fill())
            return r;
          crlf = buf_.find("\r\n");
        }
        std::size_t size = std::stoul(buf_.substr(0, crlf), nullptr, 16);
        while (buf_.size() < crlf + 2 + size + 2)
          if (!fill())
            return r;
        auto chunk = buf_.substr(crlf + 2, size);
        buf_.erase(0, crlf + 2 + size + 2);
        if (size == 0)
          break;
        r.chunks.push_back(chunk);
        r.body += chunk;
      }
    } else if (const auto* cl = r.header("content-length")) {
      std::size_t size = std::stoul(*cl);
      while (buf_.size() < size)
        if (!fill())
          return r;
      r.body = buf_.substr(0, size);
      buf_.erase(0, size);
    } else {
      while (fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
    }
    r.ok = true;
    return r;
  }

  // True when the peer closed (EOF or reset) within the timeout.
  bool peer_closed() {
    char c;
    auto n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

private:
  bool fill() {
    char tmp[4096];
    auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0)
      return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

// One request on a fresh connection.
inline raw_response http_call(std::uint16_t port, const std::string& method,
                              const std::string& target, const std::string& body = {},
                              const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  raw_conn c(port);
  if (!c.connected() || !c.request(method, target, body, headers))
    return {};
  return c.read_response();
}

} // namespace zega::test
