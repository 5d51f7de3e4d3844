#include <catch2/catch.hpp>

#include "http/message.h"
#include "http/range.h"
#include "http/raw_socket_server.h"
#include "s3/endpoint.h"

using Kind = http::RangeRequest::Kind;

TEST_CASE("byte ranges are read as S3 reads them", "[http]") {
  auto r = http::parse_byte_range("bytes=10-19", 1024);
  CHECK(r.kind == Kind::Partial);
  CHECK(r.range.first == 10);
  CHECK(r.range.last == 19);
  CHECK(r.range.content_range(1024) == "bytes 10-19/1024");
  CHECK(http::parse_byte_range("bytes=-5", 1024).range.first == 1019);
  CHECK(http::parse_byte_range("bytes=-5000", 1024).range.first == 0);
  CHECK(http::parse_byte_range("bytes=1000-", 1024).range.last == 1023);
  CHECK(http::parse_byte_range("bytes=1000-99999", 1024).range.last == 1023);
  CHECK(http::parse_byte_range("bytes=1024-", 1024).kind == Kind::Unsatisfiable);
  CHECK(http::parse_byte_range("bytes=2000-3000", 1024).kind == Kind::Unsatisfiable);
  CHECK(http::parse_byte_range("bytes=-0", 1024).kind == Kind::Unsatisfiable);
  CHECK(http::parse_byte_range("bytes=0-", 0).kind == Kind::Unsatisfiable);
  // Malformed or several ranges: the whole body, as S3 does.
  for (const char* spec : {"", "bytes=", "bytes=5-2", "bytes=a-b", "items=0-1", "bytes=0-1,3-4", "bytes=1"})
    CHECK(http::parse_byte_range(spec, 1024).kind == Kind::Whole);
}

TEST_CASE("header values are restored exactly as they were on the wire", "[http]") {
  httplib::Headers decoded{{"x-amz-copy-source", "b/a b"}, {"REMOTE_ADDR", "127.0.0.1"}};
  http::restore_raw_headers(
      "PUT /b/k HTTP/1.1\r\nHost: h:1\r\nx-amz-copy-source:  b/a%20b \r\nx-amz-meta-v: 100%25\r\n\r\nbody", decoded);
  REQUIRE(decoded.size() == 3);
  CHECK(decoded.find("x-amz-copy-source")->second == "b/a%20b");
  CHECK(decoded.find("x-amz-meta-v")->second == "100%25");
  CHECK(decoded.find("Host")->second == "h:1");
}

TEST_CASE("the router turns a request into one endpoint", "[http]") {
  s3::Addressing addressing;
  auto request = [](std::string method, std::string target, std::string host = "127.0.0.1:4566") {
    http::Request r;
    r.method = std::move(method);
    auto q = target.find('?');
    r.raw_path = target.substr(0, q);
    r.raw_query = q == std::string::npos ? "" : target.substr(q + 1);
    r.path = http::percent_decode(r.raw_path);
    r.query = http::parse_query(r.raw_query);
    r.headers = {{"Host", host}};
    return r;
  };
  auto route = [&](http::Request r) { return s3::route(r, addressing); };
  CHECK(route(request("GET", "/"))->endpoint == s3::Endpoint::ListBuckets);
  CHECK(route(request("GET", "/b?list-type=2"))->endpoint == s3::Endpoint::ListObjectsV2);
  CHECK(route(request("GET", "/b"))->endpoint == s3::Endpoint::ListObjects);
  CHECK(route(request("POST", "/b?delete"))->endpoint == s3::Endpoint::DeleteObjects);
  CHECK(route(request("PUT", "/b/k?partNumber=1&uploadId=u"))->endpoint == s3::Endpoint::UploadPart);
  CHECK(route(request("POST", "/b/k?uploads"))->endpoint == s3::Endpoint::CreateMultipartUpload);
  CHECK(route(request("DELETE", "/b/k?uploadId=u"))->endpoint == s3::Endpoint::AbortMultipartUpload);
  auto keyed = route(request("GET", "/b/dir/a%20b.txt"));
  CHECK(keyed->bucket == "b");
  CHECK(keyed->key == "dir/a b.txt");
  auto vhost = route(request("GET", "/k.txt", "my.bucket.s3.localhost:4566"));
  CHECK(vhost->bucket == "my.bucket");
  CHECK(vhost->key == "k.txt");
  CHECK(route(request("GET", "/b?policy")).error().code == core::ErrorCode::NotImplemented);
  CHECK(route(request("PATCH", "/b/k")).error().code == core::ErrorCode::MethodNotAllowed);
  CHECK(route(request("GET", "/b?encryption"))->endpoint == s3::Endpoint::GetBucketEncryption);
  CHECK(route(request("PUT", "/b?encryption"))->endpoint == s3::Endpoint::PutBucketEncryption);
  CHECK(route(request("DELETE", "/b?encryption"))->endpoint == s3::Endpoint::DeleteBucketEncryption);
}

TEST_CASE("the router refuses a request expecting another account to own the bucket", "[http]") {
  s3::Addressing addressing;
  auto route = [&](std::string target, const char* header, std::string owner) {
    http::Request r;
    r.method = "GET";
    auto q = target.find('?');
    r.raw_path = target.substr(0, q);
    r.raw_query = q == std::string::npos ? "" : target.substr(q + 1);
    r.path = http::percent_decode(r.raw_path);
    r.query = http::parse_query(r.raw_query);
    r.headers = {{"Host", "127.0.0.1:4566"}, {header, std::move(owner)}};
    return s3::route(r, addressing);
  };
  CHECK(route("/b?location", "x-amz-expected-bucket-owner", "000000000000"));
  CHECK(route("/b/k", "X-Amz-Expected-Bucket-Owner", "000000000000"));
  CHECK(route("/b?location", "x-amz-expected-bucket-owner", "111111111111").error().code ==
        core::ErrorCode::AccessDenied);
  CHECK(route("/b/k", "x-amz-source-expected-bucket-owner", "111111111111").error().code ==
        core::ErrorCode::AccessDenied);
}

TEST_CASE("decimals parse without overflow or signs", "[http]") {
  CHECK(http::parse_decimal("0") == 0);
  CHECK(http::parse_decimal("9223372036854775807") == INT64_MAX);
  CHECK_FALSE(http::parse_decimal("9223372036854775808").has_value());  // was signed overflow in PutObject
  CHECK_FALSE(http::parse_decimal("9999999999999999999").has_value());
  CHECK_FALSE(http::parse_decimal("").has_value());
  CHECK_FALSE(http::parse_decimal("-1").has_value());
  CHECK_FALSE(http::parse_decimal("+1").has_value());
  CHECK_FALSE(http::parse_decimal("12 ").has_value());
}
