#include <catch2/catch.hpp>

#include <string>

#include "http/request_head.h"

namespace {

std::optional<core::Error> check(const std::string& head, http::HeadLimits limits = {}) {
  return http::check_request_head(head, limits);
}

std::string code_of(const std::optional<core::Error>& error) {
  return error ? std::string(error->code_name()) : "ok";
}

}  // namespace

TEST_CASE("the end of a head is its blank line, CRLF or bare LF", "[request-head]") {
  CHECK(http::find_head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody") == 27);
  CHECK(http::find_head_end("GET / HTTP/1.1\nHost: a\n\nbody") == 24);
  CHECK(http::find_head_end("GET / HTTP/1.1\r\nHost: a\r\n") == std::string::npos);
  CHECK(http::find_head_end("GET / HTTP/1.1\r\nHost: a\r\n\r") == std::string::npos);
  CHECK(http::find_head_end("") == std::string::npos);
}

TEST_CASE("Content-Length must be plain digits within int64", "[request-head]") {
  const std::string line = "PUT /b/k HTTP/1.1\r\nHost: x\r\n";
  CHECK(code_of(check(line + "Content-Length: 5\r\n\r\n")) == "ok");
  CHECK(code_of(check(line + "Content-Length:  0 \r\n\r\n")) == "ok");
  CHECK(code_of(check(line + "Content-Length: 9223372036854775807\r\n\r\n")) == "ok");
  for (const char* bad : {"-1", "", "abc", "+5", "1 2", "0x10", "9223372036854775808", "99999999999999999999999"}) {
    INFO(bad);
    auto error = check(line + "Content-Length: " + bad + "\r\n\r\n");
    REQUIRE(error);
    CHECK(error->code_name() == "BadRequest");
    CHECK(error->http_status() == 400);
  }
  CHECK(code_of(check(line + "Content-Length: 5\r\ncontent-length: 5\r\n\r\n")) == "ok");
  CHECK(code_of(check(line + "Content-Length: 5\r\ncontent-length: 6\r\n\r\n")) == "BadRequest");
}

TEST_CASE("Transfer-Encoding is answered as S3 answers it: 501 naming the header", "[request-head]") {
  const std::string line = "PUT /b/k HTTP/1.1\r\nHost: x\r\n";
  for (const char* extra : {"Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\nx-amz-decoded-content-length: 3\r\n"}) {
    INFO(extra);
    auto error = check(line + extra + "\r\n");
    REQUIRE(error);
    CHECK(error->code_name() == "NotImplemented");
    CHECK(error->http_status() == 501);
    REQUIRE(error->details.size() == 1);
    CHECK(error->details[0] == std::pair<std::string, std::string>{"Header", "Transfer-Encoding"});
  }
  // aws-chunked streaming of a body whose encoded length the client does not know
  CHECK(code_of(check(line + "Transfer-Encoding: chunked\r\nContent-Encoding: aws-chunked\r\n"
                             "x-amz-decoded-content-length: 70000\r\n\r\n")) == "ok");
  CHECK(code_of(check(line + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"
                             "x-amz-decoded-content-length: 3\r\n\r\n")) == "BadRequest");
  CHECK(code_of(check(line + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
                             "x-amz-decoded-content-length: 3\r\n\r\n")) == "BadRequest");
}

TEST_CASE("the request line needs a served method, a target and HTTP/1.x", "[request-head]") {
  CHECK(code_of(check("GET /b?list-type=2 HTTP/1.1\r\n\r\n")) == "ok");
  CHECK(code_of(check("OPTIONS /b/k HTTP/1.0\r\n\r\n")) == "ok");
  CHECK(code_of(check("GET /b HTTP/2.0\r\n\r\n")) == "BadRequest");
  CHECK(code_of(check("GET HTTP/1.1\r\n\r\n")) == "BadRequest");
  CHECK(code_of(check("GET  /b HTTP/1.1\r\n\r\n")) == "BadRequest");
  CHECK(code_of(check("G(T /b HTTP/1.1\r\n\r\n")) == "BadRequest");
  CHECK(code_of(check("\r\n\r\n")) == "BadRequest");
  auto error = check("TRACE /b HTTP/1.1\r\n\r\n");
  REQUIRE(error);
  CHECK(error->code_name() == "MethodNotAllowed");
  CHECK(error->http_status() == 405);
}

TEST_CASE("header lines need a token name and a colon", "[request-head]") {
  CHECK(code_of(check("GET / HTTP/1.1\r\nX-Empty:\r\n\r\n")) == "ok");
  CHECK(code_of(check("GET / HTTP/1.1\r\nno colon here\r\n\r\n")) == "BadRequest");
  CHECK(code_of(check("GET / HTTP/1.1\r\nHost : x\r\n\r\n")) == "BadRequest");
  CHECK(code_of(check("GET / HTTP/1.1\r\n: x\r\n\r\n")) == "BadRequest");
  CHECK(code_of(check("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n")) == "BadRequest");
}

TEST_CASE("limits: request line, header bytes, header count", "[request-head]") {
  http::HeadLimits limits;
  limits.max_request_line = 64;
  limits.max_header_bytes = 100;
  limits.max_header_count = 3;
  CHECK(code_of(check("GET /" + std::string(60, 'a') + " HTTP/1.1\r\n\r\n", limits)) == "RequestHeaderSectionTooLarge");
  CHECK(code_of(check("GET / HTTP/1.1\r\nA: " + std::string(100, 'a') + "\r\n\r\n", limits)) == "RequestHeaderSectionTooLarge");
  CHECK(code_of(check("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits)) == "ok");
  CHECK(code_of(check("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits)) == "RequestHeaderSectionTooLarge");
}

TEST_CASE("the parser's head hides Range from cpp-httplib, same length", "[request-head]") {
  std::string head = "GET /b/k HTTP/1.1\r\nrange: bytes=abc\r\nX-Range: keep\r\n\r\n";
  auto parsed = http::head_for_parser(head);
  CHECK(parsed.size() == head.size());
  CHECK(parsed == "GET /b/k HTTP/1.1\r\nX-Rng: bytes=abc\r\nX-Range: keep\r\n\r\n");
}
