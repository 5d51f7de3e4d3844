// RawHeaderServer: cpp-httplib's Server with one fix. Debian's cpp-httplib (0.11) percent-
// decodes every request header value (upstream stopped only in 0.44), which breaks SigV4
// (a signed "x-amz-copy-source: b/a%20b" arrives as "b/a b") and stores Content-
// Disposition or x-amz-meta-* values altered. This subclass serves each connection
// through its own Stream that records the bytes of the request head, and puts the header
// values back exactly as they were on the wire before any handler sees them.
//
// It also owns the keep-alive loop, waiting for the next request with poll() in short
// slices so that stop() ends idle connections at once instead of after the idle timeout.
#pragma once

#include <httplib.h>

namespace http {

class RawHeaderServer : public httplib::Server {
 public:
  static constexpr int kIdleTimeoutMs = 20000;     // keep-alive idle limit
  static constexpr int kIoTimeoutMs = 60000;       // a stalled read or write
  static constexpr std::size_t kMaxRequestsPerConnection = 100000;

  // cpp-httplib listens with a backlog of 5: a client opening dozens of connections at
  // once has some dropped and retried a second later. Call after binding.
  void raise_listen_backlog();

 protected:
  bool process_and_close_socket(socket_t sock) override;
};

// Replaces `headers` with the header fields of `head` (a request line followed by
// "Name: value" lines), values byte-exact with surrounding whitespace trimmed.
void restore_raw_headers(std::string_view head, httplib::Headers& headers);

}  // namespace http
