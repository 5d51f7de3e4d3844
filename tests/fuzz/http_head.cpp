// The request head as minicloud reads it: the head gate (find_head_end,
// check_request_head, head_for_parser), the raw header values put back over
// cpp-httplib's decoded ones (restore_raw_headers), the target split and decoded, the query
// parsed both ways, X-Forwarded-*, Range for several object sizes, Content-Length, and
// a CORS preflight's headers.
// Input: a request head ("GET /b/k?x=1 HTTP/1.1\r\nHost: ...\r\n\r\n").
#include <httplib.h>

#include <limits>

#include "fuzz_support.h"
#include "http/cors.h"
#include "http/forwarded.h"
#include "http/message.h"
#include "http/range.h"
#include "http/raw_socket_server.h"
#include "http/request_head.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);

  // The gate: where the head ends, whether it passes, and the parser's copy of it.
  const std::size_t end = http::find_head_end(text);
  FUZZ_CHECK(end == std::string_view::npos || (end >= 2 && end <= text.size() && text[end - 1] == '\n'));
  http::HeadLimits limits;
  limits.max_request_line = 256;
  limits.max_header_bytes = 512;
  limits.max_header_count = 8;
  if (auto error = http::check_request_head(text, limits)) {
    FUZZ_CHECK(error->http_status() >= 400);
  }
  FUZZ_CHECK(http::head_for_parser(text).size() == text.size());

  httplib::Headers headers{{"Host", "decoded-by-httplib"}};
  http::restore_raw_headers(text, headers);

  // What http/server.cpp does with the request line and the restored headers.
  const fuzz::RequestHead head = fuzz::split_request(text);
  http::Request request;
  request.method = head.method;
  request.raw_path = head.raw_path;
  request.raw_query = head.raw_query;
  request.path = http::percent_decode(request.raw_path);
  request.query = http::parse_query(request.raw_query);
  for (const auto& [name, value] : headers) request.headers.emplace_back(name, value);
  (void)http::parse_query(request.raw_query, true);
  (void)http::uri_encode(request.path, false);

  http::apply_forwarded_headers(request);
  (void)request.host();
  (void)request.query_value("uploadId");
  (void)http::parse_decimal(request.header_or("Content-Length"));

  if (auto range = request.header("Range")) {
    for (std::int64_t object_size : {std::int64_t{0}, std::int64_t{1}, std::int64_t{1000},
                                     std::numeric_limits<std::int64_t>::max()}) {
      auto parsed = http::parse_byte_range(*range, object_size);
      if (parsed.kind == http::RangeRequest::Kind::Partial) {
        FUZZ_CHECK(parsed.range.first >= 0);
        FUZZ_CHECK(parsed.range.first <= parsed.range.last);
        FUZZ_CHECK(parsed.range.last < object_size);
        (void)parsed.range.content_range(object_size);
      }
    }
  }

  if (auto preflight = http::cors::read_preflight(request)) {
    http::cors::Rule rule;
    rule.allowed_origins = {"https://*.example.com", "*"};
    rule.allowed_methods = {"GET", "PUT"};
    rule.allowed_headers = {"x-amz-*", "Content-Type"};
    std::vector<http::cors::Rule> rules{rule};
    if (const auto* match = http::cors::match_preflight(rules, *preflight)) {
      http::Response response;
      http::cors::add_preflight_headers(response, *match, *preflight);
    }
  }
  return 0;
}
