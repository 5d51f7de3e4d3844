// http::Request / http::Response: the emulator's own view of one HTTP exchange, so that
// services (S3, CDN, API) never touch cpp-httplib types. server.cpp converts both ways.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup over a header list; first match.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim(std::string_view s);
// A non-negative decimal (digits only, no sign or spaces) that fits in int64; nullopt
// otherwise. For Content-Length-like headers and byte ranges.
std::optional<std::int64_t> parse_decimal(std::string_view s);

// Percent-decoding of a path or query component ('+' stays '+' in paths; in queries
// `plus_is_space` decides, since S3 signs '+' as a literal but HTML forms mean space).
std::string percent_decode(std::string_view s, bool plus_is_space = false);
// AWS-style URI encoding: unreserved A-Z a-z 0-9 - _ . ~ kept; '/' kept if !encode_slash.
std::string uri_encode(std::string_view s, bool encode_slash = true);

// The request body, read at most once, streamed in pieces as the socket delivers them.
class RequestBody {
 public:
  using Sink = std::function<core::Result<void>(std::string_view piece)>;
  using Source = std::function<core::Result<void>(const Sink&)>;
  RequestBody() = default;  // no body
  RequestBody(std::optional<std::int64_t> content_length, Source source)
      : content_length_(content_length), source_(std::move(source)) {}
  // Declared Content-Length, or nullopt (chunked transfer or none).
  std::optional<std::int64_t> content_length() const { return content_length_; }
  bool has_body() const { return static_cast<bool>(source_); }
  bool consumed() const { return consumed_; }
  // Feeds every piece to `sink`; stops at the first error (from the socket or the sink).
  core::Result<void> stream(const Sink& sink);
  // Reads the whole body into memory, refusing more than `max_bytes` (for XML documents).
  core::Result<std::string> read_all(std::size_t max_bytes);

 private:
  std::optional<std::int64_t> content_length_;
  Source source_;
  bool consumed_ = false;
};

struct Request {
  std::string request_id;
  std::string method;       // "GET", "HEAD", ...
  std::string raw_path;     // as on the request line, percent-encoding kept
  std::string raw_query;    // without '?', as sent
  std::string path;         // percent-decoded raw_path
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;          // names as received
  std::string remote_addr;
  std::chrono::system_clock::time_point received_at;
  // "http", or what X-Forwarded-Proto says under serve --trust-proxy (http/forwarded.h).
  std::string scheme = "http";

  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
  std::string header_or(std::string_view name, std::string fallback = {}) const {
    return header(name).value_or(std::move(fallback));
  }
  bool has_query(std::string_view name) const;
  std::optional<std::string> query_value(std::string_view name) const;
  std::string host() const;  // Host header without port, lowercased
};

// Streams a response body: fills `buf` with up to `len` bytes at `offset`; returns the
// count (0 only at the end) or an error.
struct BodyProvider {
  std::int64_t length = 0;
  std::function<core::Result<std::size_t>(std::int64_t offset, char* buf, std::size_t len)> read;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;                     // small bodies (XML, JSON)
  std::optional<BodyProvider> stream;   // large bodies (objects); wins over `body`
  std::string content_type;             // for `body`/`stream`; empty = none

  void set_header(std::string name, std::string value);
  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

// Parses "a=1&b&c=%20" into decoded pairs, empty pieces skipped. '+' is kept literally, as
// S3 reads its URLs, unless plus_is_space (application/x-www-form-urlencoded bodies).
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw_query, bool plus_is_space = false);

}  // namespace http
