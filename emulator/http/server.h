// http::Server: the listener. Owns a cpp-httplib server, sends every request (any method,
// any path) to one Handler as an http::Request + RequestBody, and writes the returned
// http::Response, streaming large bodies. One log line per request.
//
// Sized for many keep-alive connections: cpp-httplib gives each connection a pool thread
// for its whole life, so a pool smaller than the client's connection count starves the
// extra connections until a keep-alive times out. The pool therefore has `threads`
// (default 256) mostly-sleeping threads, and TCP_NODELAY is on (Nagle + delayed ACK
// otherwise cost ~40 ms per small response).
#pragma once

#include <atomic>
#include <cstdio>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "http/message.h"
#include "http/request_head.h"

namespace httplib { class Server; }

namespace http {

using Handler = std::function<Response(Request& request, RequestBody& body)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 4566;                // 0 = any free port
  int threads = 256;
  bool log_requests = true;       // one JSON line per request on `log`
  // Apply X-Forwarded-Host / X-Forwarded-Proto before the handler sees the request
  // (serve --trust-proxy; see http/forwarded.h).
  bool trust_proxy = false;
  std::FILE* log = stderr;
  // Connections beyond this are answered 503 SlowDown (0: `threads`, each connection holds one).
  std::size_t max_connections = 0;
  // A request head must arrive whole this long after its first byte (slowloris).
  int head_timeout_ms = 10000;
  HeadLimits head_limits;
  // Writes an error answered before any service saw the request (a malformed head, a
  // connection over the cap). serve passes S3's XML; empty: plain text.
  std::function<Response(const core::Error& error, const Request& request)> error_page;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the socket. Returns the port actually bound (useful with port 0).
  std::expected<int, std::string> bind();
  // Serves until stop(); in-flight requests finish first. Call after bind().
  void run();
  // Thread-safe; may be called from a signal-watching thread, also before run() has begun
  // (run() then returns at once) or while it is starting.
  void stop();
  int port() const { return port_; }

 private:
  void handle(const void* native_request, void* native_response, const void* content_reader);
  Response refuse(const core::Error& error, const std::string& remote_addr);
  void log_request(const Request& request, int status, std::int64_t bytes, double ms);
  std::string next_request_id();

  ServerOptions options_;
  Handler handler_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::uint64_t id_seed_;
  std::atomic<std::uint64_t> id_counter_{0};
  // httplib ignores a stop() that comes before it listens, so run() and stop() agree here
  // on who goes first (a SIGTERM right after the ready file was written hung the server).
  std::mutex run_mutex_;
  bool stop_requested_ = false;       // guarded by run_mutex_
  std::atomic<bool> running_{false};  // run() is in or about to enter httplib's listen loop
};

}  // namespace http
