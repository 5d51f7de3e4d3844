// RawHeaderServer: cpp-httplib's Server, with the connection loop owned here.
//
// - Raw header values. Debian's cpp-httplib (0.11) percent-decodes every request header
//   value (upstream stopped only in 0.44), which breaks SigV4 (a signed "x-amz-copy-source:
//   b/a%20b" arrives as "b/a b") and stores Content-Disposition or x-amz-meta-* values
//   altered. Each head is read here first and its header values put back exactly as they
//   were on the wire before any handler sees them.
// - The head gate (http/request_head.h). A head must arrive whole within
//   `head_timeout_ms` (slowloris) and within HeadLimits, and pass check_request_head, or the
//   connection is answered with `refuse`'s S3 error at once and closed.
// - A connection cap. Beyond `max_connections` open connections a new one is answered
//   503 SlowDown and closed, instead of waiting unseen in the pool's queue.
// - Keep-alive: the next request is awaited with poll() in short slices so that stop() ends
//   idle connections at once instead of after the idle timeout. A response that says
//   "Connection: close" closes the connection.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <string>

#include "core/error.h"
#include "http/message.h"
#include "http/request_head.h"

namespace http {

struct ConnectionPolicy {
  HeadLimits limits;
  int head_timeout_ms = 10000;           // from a head's first byte to its blank line
  std::size_t max_connections = 256;
  // Required: the response for a refused head or connection (request id and logging are
  // the caller's).
  std::function<Response(const core::Error& error, const std::string& remote_addr)> refuse;
};

class RawHeaderServer : public httplib::Server {
 public:
  static constexpr int kIdleTimeoutMs = 20000;     // keep-alive idle limit
  static constexpr int kIoTimeoutMs = 60000;       // a stalled read or write
  static constexpr std::size_t kMaxRequestsPerConnection = 100000;

  explicit RawHeaderServer(ConnectionPolicy policy) : policy_(std::move(policy)) {}

  // cpp-httplib listens with a backlog of 5: a client opening dozens of connections at
  // once has some dropped and retried a second later. Call after binding.
  void raise_listen_backlog();

 protected:
  bool process_and_close_socket(socket_t sock) override;

 private:
  ConnectionPolicy policy_;
  std::atomic<std::size_t> open_connections_{0};
};

// Replaces `headers` with the header fields of `head` (a request line followed by
// "Name: value" lines), values byte-exact with surrounding whitespace trimmed.
void restore_raw_headers(std::string_view head, httplib::Headers& headers);

}  // namespace http
