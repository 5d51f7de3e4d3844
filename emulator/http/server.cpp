#include "http/server.h"

#include <httplib.h>

#include "http/forwarded.h"
#include "http/raw_socket_server.h"

#include <chrono>
#include <random>
#include <thread>

namespace http {
namespace {

constexpr std::size_t kStreamChunk = 256 * 1024;
// A body the handler did not read (e.g. a PUT refused by auth) is read and dropped up to
// this size, so the connection can serve the next request; past it the connection closes.
constexpr std::int64_t kDrainLimit = 8 * 1024 * 1024;
constexpr std::size_t kRefusalThreads = 8;

// True when the connection may be reused: the unread rest of the body was drained.
bool drain_unread_body(RequestBody& body) {
  if (!body.has_body() || body.consumed()) return true;
  if (body.content_length() && *body.content_length() > kDrainLimit) return false;
  std::int64_t drained = 0;
  auto result = body.stream([&drained](std::string_view piece) -> core::Result<void> {
    drained += static_cast<std::int64_t>(piece.size());
    if (drained > kDrainLimit) return std::unexpected(core::make_error(core::ErrorCode::EntityTooLarge));
    return {};
  });
  return result.has_value();
}

Request to_request(const httplib::Request& native, std::string request_id) {
  Request request;
  request.request_id = std::move(request_id);
  request.method = native.method;
  const std::string& target = native.target;
  auto q = target.find('?');
  request.raw_path = target.substr(0, q);
  request.raw_query = q == std::string::npos ? std::string{} : target.substr(q + 1);
  request.path = percent_decode(request.raw_path);
  request.query = parse_query(request.raw_query);
  request.headers.assign(native.headers.begin(), native.headers.end());
  request.remote_addr = native.remote_addr;
  request.received_at = std::chrono::system_clock::now();
  return request;
}

// cpp-httplib parses a multipart/form-data body itself when a handler streams it, and
// through the raw-bytes reader it then calls a receiver that is not there. S3's POST
// Object reads the form as it streams (http/form_data.h), so cpp-httplib must see an
// opaque body: once our Request has copied the headers, the native request's
// Content-Type stops saying multipart/form-data.
void keep_form_data_opaque(httplib::Request& native) {
  auto content_type = native.headers.find("Content-Type");
  if (content_type != native.headers.end() && native.is_multipart_form_data())
    content_type->second = "application/octet-stream";
}

// cpp-httplib decompresses a streamed body whose Content-Encoding is "gzip", "deflate" or
// contains "br". S3 stores bodies as sent (a gzip file PUT with Content-Encoding: gzip
// stays gzip), so once our Request has copied the headers the native request loses it.
void keep_body_encoded(httplib::Request& native) { native.headers.erase("Content-Encoding"); }

// Body source over cpp-httplib's streaming reader (bodies never fully buffered), or
// over the already-read body when httplib read it itself.
RequestBody to_body(const httplib::Request& native, const httplib::ContentReader* reader) {
  std::optional<std::int64_t> length;
  if (native.has_header("Content-Length")) {
    try {
      length = std::stoll(native.get_header_value("Content-Length"));
    } catch (...) {
      length.reset();
    }
  }
  if (reader) {
    return RequestBody(length, [reader](const RequestBody::Sink& sink) -> core::Result<void> {
      core::Result<void> sink_error;
      bool ok = (*reader)([&](const char* data, std::size_t n) {
        auto r = sink(std::string_view(data, n));
        if (!r) {
          sink_error = std::move(r);
          return false;
        }
        return true;
      });
      if (!sink_error) return sink_error;
      if (!ok) return std::unexpected(core::make_error(core::ErrorCode::IncompleteBody));
      return {};
    });
  }
  if (native.body.empty()) return RequestBody(length, nullptr);
  const std::string* body = &native.body;
  return RequestBody(length, [body](const RequestBody::Sink& sink) { return sink(*body); });
}

void write_response(Response& response, httplib::Response& native) {
  native.status = response.status;
  for (auto& [k, v] : response.headers) native.set_header(k, v);
  if (response.stream && response.stream->length > 0) {
    auto provider = std::move(*response.stream);
    auto length = static_cast<std::size_t>(provider.length);
    native.set_content_provider(
        length, response.content_type,
        [provider, buffer = std::make_shared<std::string>()](std::size_t offset, std::size_t len,
                                                            httplib::DataSink& sink) {
          buffer->resize(std::min(len, kStreamChunk));
          auto n = provider.read(static_cast<std::int64_t>(offset), buffer->data(), buffer->size());
          if (!n || *n == 0) return false;  // storage failed mid-body: abort the connection
          return sink.write(buffer->data(), *n);
        });
  } else if (!response.body.empty() || !response.content_type.empty()) {
    native.set_content(std::move(response.body), response.content_type.c_str());
  }
}

}  // namespace

Server::Server(ServerOptions options, Handler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      id_seed_(std::random_device{}() * 0x9E3779B97F4A7C15ull ^ std::random_device{}()) {
  auto threads = static_cast<std::size_t>(options_.threads > 0 ? options_.threads : 256);
  ConnectionPolicy policy;
  policy.limits = options_.head_limits;
  policy.head_timeout_ms = options_.head_timeout_ms;
  policy.max_connections = options_.max_connections > 0 ? options_.max_connections : threads;
  policy.refuse = [this](const core::Error& error, const std::string& remote_addr) { return refuse(error, remote_addr); };
  server_ = std::make_unique<RawHeaderServer>(std::move(policy));
  // A few threads beyond the connection cap, to answer the connections over it at once.
  auto pool = std::max(threads, options_.max_connections) + kRefusalThreads;
  server_->new_task_queue = [pool] { return new httplib::ThreadPool(pool); };
  server_->set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second minicloud bind the
  // same port silently; SO_REUSEADDR alone still allows a quick restart.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Keep-alive and I/O timeouts are RawHeaderServer's (it runs the connection loop).
  server_->set_payload_max_length(std::numeric_limits<std::size_t>::max());

  auto plain = [this](const httplib::Request& req, httplib::Response& res) { handle(&req, &res, nullptr); };
  auto streamed = [this](const httplib::Request& req, httplib::Response& res,
                         const httplib::ContentReader& reader) { handle(&req, &res, &reader); };
  // Every path, keys holding CR or LF included (a regex '.' stops at a line break).
  const std::string any = "[\\s\\S]*";
  server_->Get(any, plain);  // also HEAD
  server_->Options(any, plain);
  server_->Put(any, plain).Put(any, streamed);
  server_->Post(any, plain).Post(any, streamed);
  server_->Delete(any, plain).Delete(any, streamed);
  server_->Patch(any, plain).Patch(any, streamed);
}

Server::~Server() { stop(); }

std::expected<int, std::string> Server::bind() {
  bool ok;
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    ok = port_ > 0;
  } else {
    port_ = options_.port;
    ok = server_->bind_to_port(options_.host, options_.port);
  }
  if (!ok) return std::unexpected("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                                  " (address in use or not available)");
  static_cast<RawHeaderServer&>(*server_).raise_listen_backlog();
  return port_;
}

void Server::run() {
  {
    std::lock_guard lock(run_mutex_);
    if (stop_requested_) return;
    running_ = true;
  }
  server_->listen_after_bind();
  running_ = false;
}

void Server::stop() {
  {
    std::lock_guard lock(run_mutex_);
    stop_requested_ = true;
    if (!running_) return;  // run() has not begun and now will not
  }
  // run() is listening or about to: wait until httplib says so, then stop it.
  while (running_ && !server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (server_->is_running()) server_->stop();
}

std::string Server::next_request_id() {
  // AWS request ids are 16 upper-case hex digits; unique per process run.
  std::uint64_t n = id_seed_ + id_counter_.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llX", static_cast<unsigned long long>(n));
  return out;
}

void Server::handle(const void* native_request, void* native_response, const void* content_reader) {
  const auto& req = *static_cast<const httplib::Request*>(native_request);
  auto& res = *static_cast<httplib::Response*>(native_response);
  // cpp-httplib applies Range headers to content providers by itself; S3's range rules
  // (416, suffix ranges, ignored multi-ranges) are implemented by the services instead.
  const_cast<httplib::Request&>(req).ranges.clear();

  auto started = std::chrono::steady_clock::now();
  Request request = to_request(req, next_request_id());
  if (options_.trust_proxy) apply_forwarded_headers(request);
  keep_form_data_opaque(const_cast<httplib::Request&>(req));
  keep_body_encoded(const_cast<httplib::Request&>(req));
  RequestBody body = to_body(req, static_cast<const httplib::ContentReader*>(content_reader));
  Response response = handler_(request, body);
  if (!drain_unread_body(body)) {
    // cpp-httplib then answers "Connection: close", so the client does not reuse a
    // connection whose remaining bytes are the rest of an unread body.
    const_cast<httplib::Request&>(req).set_header("Connection", "close");
  }
  response.set_header("x-amz-request-id", request.request_id);
  std::int64_t bytes = response.stream ? response.stream->length : static_cast<std::int64_t>(response.body.size());
  write_response(response, res);

  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  log_request(request, response.status, bytes, ms);
}

Response Server::refuse(const core::Error& error, const std::string& remote_addr) {
  Request request;
  request.request_id = next_request_id();
  request.remote_addr = remote_addr;
  Response response;
  if (options_.error_page) {
    response = options_.error_page(error, request);
  } else {
    response.status = error.http_status();
    response.body = std::string(error.code_name()) + ": " + error.effective_message() + "\n";
    response.content_type = "text/plain";
  }
  response.set_header("x-amz-request-id", request.request_id);
  log_request(request, response.status, static_cast<std::int64_t>(response.body.size()), 0);
  return response;
}

void Server::log_request(const Request& request, int status, std::int64_t bytes, double ms) {
  if (!options_.log_requests || !options_.log) return;
  std::string path = request.raw_path.size() > 200 ? request.raw_path.substr(0, 200) + "..." : request.raw_path;
  for (auto& c : path)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '?';
  std::fprintf(options_.log,
               "{\"id\":\"%s\",\"remote\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,"
               "\"bytes\":%lld,\"ms\":%.3f}\n",
               request.request_id.c_str(), request.remote_addr.c_str(), request.method.c_str(), path.c_str(), status,
               static_cast<long long>(bytes), ms);
}

}  // namespace http
