#include "http/raw_socket_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

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

// A buffered socket stream that keeps a copy of what the request head consumed.
class RecordingStream : public httplib::Stream {
 public:
  template <typename StopFn>
  RecordingStream(int sock, StopFn stopped) : sock_(sock), stopped_(std::move(stopped)) {}

  void start_recording() {
    head_.clear();
    recording_ = true;
  }
  std::string take_head() {
    recording_ = false;
    return std::move(head_);
  }
  bool has_buffered() const { return begin_ < end_; }
  bool wait_next_request() {
    return has_buffered() || wait_for(sock_, POLLIN, RawHeaderServer::kIdleTimeoutMs, stopped_);
  }

  bool is_readable() const override {
    return has_buffered() || wait_for(sock_, POLLIN, RawHeaderServer::kIoTimeoutMs, [] { return false; });
  }
  bool is_writable() const override {
    return wait_for(sock_, POLLOUT, RawHeaderServer::kIoTimeoutMs, [] { return false; });
  }

  ssize_t read(char* ptr, std::size_t size) override {
    if (!has_buffered()) {
      if (!is_readable()) return -1;
      ssize_t n = ::recv(sock_, buffer_, sizeof buffer_, 0);
      while (n < 0 && errno == EINTR) n = ::recv(sock_, buffer_, sizeof buffer_, 0);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    std::size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    // The head is a few KiB; a request that sends more before its blank line is refused
    // by cpp-httplib's own limits anyway, so the copy stays bounded.
    if (recording_ && head_.size() < 256 * 1024) head_.append(ptr, n);
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
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
  int sock_;
  std::function<bool()> stopped_;
  char buffer_[16 * 1024];
  std::size_t begin_ = 0, end_ = 0;
  bool recording_ = false;
  std::string head_;
};

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
  RecordingStream stream(sock, stopped);
  bool ok = false;
  for (std::size_t served = 0; served < kMaxRequestsPerConnection; ++served) {
    if (stopped() || !stream.wait_next_request()) break;
    bool close_connection = stopped() || served + 1 == kMaxRequestsPerConnection;
    bool connection_closed = false;
    stream.start_recording();
    ok = process_request(stream, close_connection, connection_closed,
                         [&stream](httplib::Request& request) { restore_raw_headers(stream.take_head(), request.headers); });
    if (!ok || connection_closed || close_connection) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace http
