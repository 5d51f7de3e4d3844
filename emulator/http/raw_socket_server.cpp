#include "http/raw_socket_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

namespace http {
namespace {

// Waits until `sock` is readable (or writable), in 100 ms slices so `stop` is noticed.
// Returns false on timeout, error or stop.
template <typename StopFn>
bool wait_for(int sock, short events, int timeout_ms, StopFn stopped) {
  for (int waited = 0; waited < timeout_ms; waited += 100) {
    if (stopped()) return false;
    pollfd pfd{sock, events, 0};
    int n = ::poll(&pfd, 1, std::min(100, timeout_ms - waited));
    if (n > 0) return (pfd.revents & (events | POLLHUP | POLLERR)) != 0;
    if (n < 0 && errno != EINTR) return false;
  }
  return false;
}

std::string address_of(const sockaddr_storage& addr, int* port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    *port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    *port = ntohs(in6->sin6_port);
  }
  return buf;
}

// A buffered socket stream that reads each request head whole before cpp-httplib parses
// it, and notices when a response tells the client the connection closes.
class ConnectionStream : public httplib::Stream {
 public:
  enum class HeadStatus { kComplete, kClosed, kTooLarge, kTimedOut };

  template <typename StopFn>
  ConnectionStream(int sock, StopFn stopped, std::size_t capacity)
      : sock_(sock), stopped_(std::move(stopped)), capacity_(std::max(capacity, kMinBuffer)),
        buffer_(new char[capacity_]) {}

  bool has_buffered() const { return begin_ < end_; }
  bool wait_next_request() {
    return has_buffered() || wait_for(sock_, POLLIN, RawHeaderServer::kIdleTimeoutMs, stopped_);
  }

  // Reads until the buffer holds a whole head (at most limits.max_head_bytes(), within
  // timeout_ms). Complete: head() is the head as sent, and the buffer holds the parser's
  // version of it (head_for_parser) for cpp-httplib to read next.
  HeadStatus read_head(const HeadLimits& limits, int timeout_ms) {
    if (begin_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    response_said_close_ = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::size_t scanned = 0;  // find_head_end needs at most 3 bytes of look-behind
    for (;;) {
      auto from = scanned > 3 ? scanned - 3 : 0;
      auto end = find_head_end(std::string_view(buffer_.get() + from, end_ - from));
      if (end != std::string_view::npos) {
        end += from;
        head_.assign(buffer_.get(), end);
        auto parsed = head_for_parser(head_);
        std::memcpy(buffer_.get(), parsed.data(), end);  // same length
        return HeadStatus::kComplete;
      }
      scanned = end_;
      if (end_ >= limits.max_head_bytes()) return HeadStatus::kTooLarge;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return HeadStatus::kTimedOut;
      if (!wait_for(sock_, POLLIN, static_cast<int>(left.count()), stopped_))
        return stopped_() ? HeadStatus::kClosed : HeadStatus::kTimedOut;
      auto room = std::min(capacity_, limits.max_head_bytes()) - end_;
      ssize_t n = ::recv(sock_, buffer_.get() + end_, room, 0);
      while (n < 0 && errno == EINTR) n = ::recv(sock_, buffer_.get() + end_, room, 0);
      if (n <= 0) return HeadStatus::kClosed;
      end_ += static_cast<std::size_t>(n);
    }
  }
  const std::string& head() const { return head_; }
  bool response_said_close() const { return response_said_close_; }

  bool is_readable() const override {
    return has_buffered() || wait_for(sock_, POLLIN, RawHeaderServer::kIoTimeoutMs, [] { return false; });
  }
  bool is_writable() const override {
    return wait_for(sock_, POLLOUT, RawHeaderServer::kIoTimeoutMs, [] { return false; });
  }

  ssize_t read(char* ptr, std::size_t size) override {
    if (!has_buffered()) {
      if (!is_readable()) return -1;
      ssize_t n = ::recv(sock_, buffer_.get(), capacity_, 0);
      while (n < 0 && errno == EINTR) n = ::recv(sock_, buffer_.get(), capacity_, 0);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    std::size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_.get() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    // cpp-httplib writes a response's status line and headers in one piece.
    std::string_view piece(ptr, size);
    if (piece.starts_with("HTTP/1.")) {
      auto head = piece.substr(0, piece.find("\r\n\r\n"));
      if (head.find("\r\nConnection: close") != std::string_view::npos) response_said_close_ = true;
    }
    return write_raw(ptr, size);
  }

  ssize_t write_raw(const char* ptr, std::size_t size) {
    if (!is_writable()) return -1;
    ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR) n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) ip = address_of(addr, &port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) ip = address_of(addr, &port);
  }
  socket_t socket() const override { return sock_; }

 private:
  static constexpr std::size_t kMinBuffer = 16 * 1024;  // body reads
  int sock_;
  std::function<bool()> stopped_;
  std::size_t capacity_;
  std::unique_ptr<char[]> buffer_;  // uninitialised: pages are touched only as used
  std::size_t begin_ = 0, end_ = 0;
  std::string head_;
  bool response_said_close_ = false;
};

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 405: return "Method Not Allowed";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// Answers `response` on a connection that then closes: the whole response, a half-close,
// and a short drain of what the client still sends, so that closing does not reset the
// connection before the client has read the answer.
void answer_and_close(ConnectionStream& stream, const Response& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  if (!response.content_type.empty()) out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n";
  out += response.body;
  for (std::size_t sent = 0; sent < out.size();) {
    ssize_t n = stream.write_raw(out.data() + sent, out.size() - sent);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(stream.socket(), SHUT_WR);
  char sink[4096];
  std::size_t drained = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (drained < 1024 * 1024 && std::chrono::steady_clock::now() < until) {
    pollfd pfd{stream.socket(), POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) break;
    ssize_t n = ::recv(stream.socket(), sink, sizeof sink, 0);
    if (n <= 0) break;
    drained += static_cast<std::size_t>(n);
  }
}

}  // namespace

void restore_raw_headers(std::string_view head, httplib::Headers& headers) {
  httplib::Headers raw;
  bool first = true;
  while (!head.empty()) {
    auto eol = head.find('\n');
    auto line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {  // the request line
      first = false;
      continue;
    }
    if (line.empty()) break;  // end of the head
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto name = line.substr(0, colon);
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    raw.emplace(std::string(name), std::string(value));
  }
  if (!raw.empty()) headers = std::move(raw);
}

void RawHeaderServer::raise_listen_backlog() {
  socket_t sock = svr_sock_;
  if (sock != INVALID_SOCKET) ::listen(sock, SOMAXCONN);
}

bool RawHeaderServer::process_and_close_socket(socket_t sock) {
  auto stopped = [this] { return svr_sock_ == INVALID_SOCKET; };
  ConnectionStream stream(sock, stopped, policy_.limits.max_head_bytes());
  auto refuse = [&](core::Error error) {
    std::string ip;
    int port = 0;
    stream.get_remote_ip_and_port(ip, port);
    answer_and_close(stream, policy_.refuse(error, ip));
  };

  bool ok = false;
  if (open_connections_.fetch_add(1) >= policy_.max_connections) {
    refuse(core::make_error(core::ErrorCode::SlowDown));
  } else {
    for (std::size_t served = 0; served < kMaxRequestsPerConnection; ++served) {
      if (stopped() || !stream.wait_next_request()) break;
      auto status = stream.read_head(policy_.limits, policy_.head_timeout_ms);
      if (status == ConnectionStream::HeadStatus::kClosed) break;
      std::optional<core::Error> refusal;
      if (status == ConnectionStream::HeadStatus::kTooLarge)
        refusal = core::make_error(core::ErrorCode::RequestHeaderSectionTooLarge);
      else if (status == ConnectionStream::HeadStatus::kTimedOut)
        refusal = core::make_error(core::ErrorCode::RequestTimeout);
      else
        refusal = check_request_head(stream.head(), policy_.limits);
      if (refusal) {
        refuse(std::move(*refusal));
        break;
      }
      bool close_connection = stopped() || served + 1 == kMaxRequestsPerConnection;
      bool connection_closed = false;
      ok = process_request(stream, close_connection, connection_closed,
                           [&stream](httplib::Request& request) { restore_raw_headers(stream.head(), request.headers); });
      if (!ok || connection_closed || close_connection || stream.response_said_close()) break;
    }
  }
  open_connections_.fetch_sub(1);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace http
