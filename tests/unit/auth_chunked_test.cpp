// The aws-chunked decoder against the S3 documentation's two chunked uploads (66,560 'a's
// in chunks of 64 KiB, 1 KiB and 0, signed; and the same with a signed CRC32C trailer),
// then the unsigned-trailer form the SDKs send by default, and broken bodies.
#include <catch2/catch.hpp>

#include <random>

#include "auth/authenticate.h"
#include "auth/checksum.h"
#include "auth/chunked.h"
#include "auth/crypto.h"
#include "auth/sigv4.h"

using namespace auth;
using core::ErrorCode;

namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const auto kTime = *parse_amz_date("20130524T000000Z");

SecretLookup secrets() {
  return [](std::string_view key) -> std::optional<std::string> {
    if (key == "AKIAIOSFODNN7EXAMPLE") return std::string(kSecret);
    return std::nullopt;
  };
}

// The seed request of the documentation's chunked PUT; `trailer` selects the variant.
RequestView seed_request(bool trailer) {
  RequestView r;
  r.method = "PUT";
  r.raw_path = "/examplebucket/chunkObject.txt";
  r.headers = {{"Host", "s3.amazonaws.com"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"Content-Encoding", "aws-chunked"},
               {"x-amz-decoded-content-length", "66560"}};
  if (!trailer) {
    r.headers.emplace_back("Content-Length", "66824");
    r.headers.emplace_back("x-amz-content-sha256", std::string(kStreamingSigned));
    r.headers.emplace_back(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders="
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
        "x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  } else {
    r.headers.emplace_back("x-amz-content-sha256", std::string(kStreamingSignedTrailer));
    r.headers.emplace_back("x-amz-trailer", "x-amz-checksum-crc32c");
    r.headers.emplace_back(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders="
        "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
        "x-amz-storage-class;x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");
  }
  return r;
}

Identity seed_identity(bool trailer) {
  auto id = authenticate(seed_request(trailer), secrets(), kTime);
  REQUIRE(id);
  return *id;
}

std::string chunk(std::size_t size, std::string_view signature, char fill = 'a') {
  std::string out;
  char size_hex[32];
  std::snprintf(size_hex, sizeof size_hex, "%zx", size);
  out += size_hex;
  if (!signature.empty()) out += ";chunk-signature=" + std::string(signature);
  out += "\r\n" + std::string(size, fill) + "\r\n";
  return out;
}

std::string signed_example_body() {
  return chunk(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648") +
         chunk(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497") +
         chunk(0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
}

std::string trailer_example_body(std::string_view checksum = "sOO8/Q==") {
  std::string body = chunk(65536, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2") +
                     chunk(1024, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7");
  body += "0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n";
  body += "x-amz-checksum-crc32c:" + std::string(checksum) + "\r\n";
  body += "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n";
  return body;
}

struct Outcome {
  core::Result<void> result;
  std::string payload;
};

// Feed `body` in pieces of the given sizes (cycled), then finish.
Outcome decode(ChunkedDecoder& decoder, std::string_view body, std::vector<std::size_t> pieces = {}) {
  Outcome o;
  if (pieces.empty()) pieces = {body.size() == 0 ? 1 : body.size()};
  std::size_t i = 0;
  while (!body.empty()) {
    const std::size_t n = std::min(pieces[i++ % pieces.size()], body.size());
    if (auto ok = decoder.feed(body.substr(0, n), o.payload); !ok) {
      o.result = ok;
      return o;
    }
    body.remove_prefix(n);
  }
  o.result = decoder.finish();
  return o;
}

std::string unsigned_trailer_body(std::string_view data, std::string_view trailer_line) {
  std::string body = chunk(data.size(), "", 'x');
  body.replace(body.find("\r\n") + 2, data.size(), data);
  body += "0\r\n" + std::string(trailer_line) + "\r\n\r\n";
  return body;
}

Identity unsigned_trailer_identity() {
  Identity id;
  id.anonymous = false;
  id.payload = PayloadMode::StreamingUnsignedTrailer;
  return id;
}

}  // namespace

TEST_CASE("the documentation's chunked PUT: seed and every chunk signature verify", "[auth]") {
  const Identity id = seed_identity(false);
  CHECK(id.payload == PayloadMode::StreamingSigned);
  CHECK(id.seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  ChunkedDecoder decoder(id, 66560);
  auto o = decode(decoder, signed_example_body());
  REQUIRE(o.result);
  CHECK(o.payload == std::string(66560, 'a'));
  CHECK(decoder.decoded_length() == 66560);
  CHECK(decoder.trailers().empty());
}

TEST_CASE("chunked decoding does not depend on how the body is split", "[auth]") {
  const Identity id = seed_identity(false);
  const std::string body = signed_example_body();
  SECTION("one byte at a time") {
    ChunkedDecoder decoder(id, 66560);
    auto o = decode(decoder, body, {1});
    REQUIRE(o.result);
    CHECK(o.payload == std::string(66560, 'a'));
  }
  SECTION("random splits") {
    std::mt19937 rng(42);
    for (int round = 0; round < 20; ++round) {
      std::vector<std::size_t> pieces;
      for (int i = 0; i < 50; ++i) pieces.push_back(1 + rng() % 300);
      ChunkedDecoder decoder(id, 66560);
      auto o = decode(decoder, body, pieces);
      REQUIRE(o.result);
      CHECK(o.payload.size() == 66560);
    }
  }
}

TEST_CASE("a changed byte in a chunk fails its signature", "[auth]") {
  const Identity id = seed_identity(false);
  std::string body = signed_example_body();
  body[body.size() - 200] = 'b';  // inside the 1 KiB chunk
  ChunkedDecoder decoder(id, 66560);
  auto o = decode(decoder, body, {4096});
  REQUIRE_FALSE(o.result);
  CHECK(o.result.error().code == ErrorCode::SignatureDoesNotMatch);
  // The decoder stays failed.
  std::string more;
  CHECK_FALSE(decoder.feed("x", more));
  CHECK_FALSE(decoder.finish());
}

TEST_CASE("a wrong chunk signature, missing signature or reordered chunks fail", "[auth]") {
  const Identity id = seed_identity(false);
  SECTION("wrong signature") {
    std::string body = signed_example_body();
    body[30] = body[30] == '0' ? '1' : '0';  // a hex digit of the first signature
    ChunkedDecoder decoder(id, 66560);
    CHECK(decode(decoder, body).result.error().code == ErrorCode::SignatureDoesNotMatch);
  }
  SECTION("no signature") {
    ChunkedDecoder decoder(id, 1024);
    CHECK(decode(decoder, chunk(1024, "")).result.error().code == ErrorCode::InvalidRequest);
  }
  SECTION("second chunk first") {
    ChunkedDecoder decoder(id, 66560);
    const std::string body = chunk(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
    CHECK(decode(decoder, body).result.error().code == ErrorCode::SignatureDoesNotMatch);
  }
}

TEST_CASE("truncated bodies and length mismatches give IncompleteBody", "[auth]") {
  const Identity id = seed_identity(false);
  const std::string body = signed_example_body();
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, std::size_t{90}, std::size_t{40000},
                          body.size() - 90, body.size() - 1}) {
    ChunkedDecoder decoder(id, 66560);
    auto o = decode(decoder, std::string_view(body).substr(0, cut), {777});
    REQUIRE_FALSE(o.result);
    CHECK(o.result.error().code == ErrorCode::IncompleteBody);
  }
  SECTION("declared length larger than the body") {
    ChunkedDecoder decoder(id, 70000);
    CHECK(decode(decoder, body).result.error().code == ErrorCode::IncompleteBody);
  }
  SECTION("declared length smaller than the body") {
    ChunkedDecoder decoder(id, 1000);
    CHECK(decode(decoder, body).result.error().code == ErrorCode::IncompleteBody);
  }
  SECTION("bytes after the end") {
    ChunkedDecoder decoder(id, 66560);
    CHECK(decode(decoder, body + "junk").result.error().code == ErrorCode::InvalidRequest);
  }
}

TEST_CASE("the documentation's signed-trailer PUT verifies chunk, trailer signature and CRC32C", "[auth]") {
  const Identity id = seed_identity(true);
  CHECK(id.payload == PayloadMode::StreamingSignedTrailer);
  ChunkedDecoder decoder(id, 66560, ChecksumAlgorithm::CRC32C);
  auto o = decode(decoder, trailer_example_body(), {1000});
  REQUIRE(o.result);
  CHECK(o.payload == std::string(66560, 'a'));
  REQUIRE(decoder.trailers().size() == 1);
  CHECK(decoder.trailers()[0] == std::pair<std::string, std::string>{"x-amz-checksum-crc32c", "sOO8/Q=="});
  REQUIRE(decoder.verified_checksum());
  CHECK(decoder.verified_checksum()->first == ChecksumAlgorithm::CRC32C);
  CHECK(decoder.verified_checksum()->second == "sOO8/Q==");

  SECTION("a changed trailer value breaks the trailer signature") {
    ChunkedDecoder other(id, 66560, ChecksumAlgorithm::CRC32C);
    CHECK(decode(other, trailer_example_body("sOO8/A==")).result.error().code == ErrorCode::SignatureDoesNotMatch);
  }
  SECTION("one byte at a time") {
    ChunkedDecoder other(id, 66560, ChecksumAlgorithm::CRC32C);
    CHECK(decode(other, trailer_example_body(), {1}).result);
  }
  SECTION("a missing trailer signature is refused") {
    std::string body = trailer_example_body();
    body.erase(body.find("x-amz-trailer-signature"));
    body += "\r\n";
    ChunkedDecoder other(id, 66560, ChecksumAlgorithm::CRC32C);
    CHECK(decode(other, body).result.error().code == ErrorCode::SignatureDoesNotMatch);
  }
}

TEST_CASE("unsigned trailer: the trailing checksum is verified", "[auth]") {
  const std::string data = "hello, trailer";
  const std::string good = base64_encode(checksum_of(ChecksumAlgorithm::CRC32, data));
  SECTION("correct checksum") {
    ChunkedDecoder decoder(unsigned_trailer_identity(), static_cast<std::int64_t>(data.size()), ChecksumAlgorithm::CRC32);
    auto o = decode(decoder, unsigned_trailer_body(data, "x-amz-checksum-crc32:" + good), {3});
    REQUIRE(o.result);
    CHECK(o.payload == data);
    CHECK(decoder.verified_checksum()->second == good);
  }
  SECTION("wrong checksum -> BadDigest") {
    ChunkedDecoder decoder(unsigned_trailer_identity(), static_cast<std::int64_t>(data.size()), ChecksumAlgorithm::CRC32);
    auto o = decode(decoder, unsigned_trailer_body(data, "x-amz-checksum-crc32:AAAAAA=="));
    CHECK(o.result.error().code == ErrorCode::BadDigest);
  }
  SECTION("malformed checksum -> InvalidRequest") {
    ChunkedDecoder decoder(unsigned_trailer_identity(), static_cast<std::int64_t>(data.size()), ChecksumAlgorithm::CRC32);
    CHECK(decode(decoder, unsigned_trailer_body(data, "x-amz-checksum-crc32:nope")).result.error().code ==
          ErrorCode::InvalidRequest);
  }
  SECTION("declared trailer never sent") {
    ChunkedDecoder decoder(unsigned_trailer_identity(), static_cast<std::int64_t>(data.size()), ChecksumAlgorithm::CRC32);
    CHECK(decode(decoder, unsigned_trailer_body(data, "")).result.error().code == ErrorCode::InvalidRequest);
  }
  SECTION("undeclared checksum trailer") {
    ChunkedDecoder decoder(unsigned_trailer_identity(), static_cast<std::int64_t>(data.size()));
    CHECK(decode(decoder, unsigned_trailer_body(data, "x-amz-checksum-crc32:" + good)).result.error().code ==
          ErrorCode::InvalidRequest);
  }
  SECTION("CRC64NVME over several chunks") {
    const std::string big(100000, 'z');
    std::string body = chunk(65536, "", 'z') + chunk(100000 - 65536, "", 'z') + "0\r\n";
    body += "x-amz-checksum-crc64nvme:" + base64_encode(checksum_of(ChecksumAlgorithm::CRC64NVME, big)) + "\r\n\r\n";
    ChunkedDecoder decoder(unsigned_trailer_identity(), 100000, ChecksumAlgorithm::CRC64NVME);
    auto o = decode(decoder, body, {5000});
    REQUIRE(o.result);
    CHECK(o.payload == big);
  }
  SECTION("trailer without the final CRLF is accepted") {
    std::string body = unsigned_trailer_body(data, "x-amz-checksum-crc32:" + good);
    body.resize(body.size() - 4);
    ChunkedDecoder decoder(unsigned_trailer_identity(), static_cast<std::int64_t>(data.size()), ChecksumAlgorithm::CRC32);
    CHECK(decode(decoder, body).result);
  }
}

TEST_CASE("chunk headers that are not aws-chunked are refused without buffering them", "[auth]") {
  ChunkedDecoder decoder(unsigned_trailer_identity(), -1);
  std::string out;
  CHECK(decoder.feed("zz\r\n", out).error().code == ErrorCode::InvalidRequest);
  ChunkedDecoder endless(unsigned_trailer_identity(), -1);
  const std::string junk(1000, '1');
  core::Result<void> r;
  for (int i = 0; i < 10 && r; ++i) r = endless.feed(junk, out);
  CHECK(r.error().code == ErrorCode::InvalidRequest);
  ChunkedDecoder bare_lf(unsigned_trailer_identity(), -1);
  CHECK(bare_lf.feed("5\n", out).error().code == ErrorCode::InvalidRequest);
}
