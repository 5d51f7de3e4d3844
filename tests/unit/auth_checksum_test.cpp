// Checksums and encodings against published check values ("123456789" is the standard
// CRC check input; the aws-chunked trailer example's 66,560 'a's give CRC32C sOO8/Q==).
#include <catch2/catch.hpp>

#include "auth/checksum.h"
#include "auth/crypto.h"

using namespace auth;

namespace {
std::string hex_checksum(ChecksumAlgorithm a, std::string_view data) { return to_hex(checksum_of(a, data)); }
}  // namespace

TEST_CASE("each checksum algorithm matches its check value", "[auth]") {
  CHECK(hex_checksum(ChecksumAlgorithm::CRC32, "123456789") == "cbf43926");
  CHECK(hex_checksum(ChecksumAlgorithm::CRC32C, "123456789") == "e3069283");
  CHECK(hex_checksum(ChecksumAlgorithm::CRC64NVME, "123456789") == "ae8b14860a799888");
  CHECK(hex_checksum(ChecksumAlgorithm::SHA1, "123456789") == "f7c3bc1d808e04732adf679965ccc34ca7ae3441");
  CHECK(hex_checksum(ChecksumAlgorithm::SHA256, "123456789") ==
        "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225");
}

TEST_CASE("checksums of the empty body are what S3 returns", "[auth]") {
  CHECK(base64_encode(checksum_of(ChecksumAlgorithm::CRC32, "")) == "AAAAAA==");
  CHECK(base64_encode(checksum_of(ChecksumAlgorithm::CRC32C, "")) == "AAAAAA==");
  CHECK(base64_encode(checksum_of(ChecksumAlgorithm::CRC64NVME, "")) == "AAAAAAAAAAA=");
  CHECK(base64_encode(checksum_of(ChecksumAlgorithm::SHA256, "")) ==
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST_CASE("CRC32C of the AWS trailer example body", "[auth]") {
  CHECK(base64_encode(checksum_of(ChecksumAlgorithm::CRC32C, std::string(66560, 'a'))) == "sOO8/Q==");
}

TEST_CASE("incremental hashing equals one-shot hashing for every algorithm", "[auth]") {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 7919 % 251));
  for (auto algorithm : all_checksum_algorithms()) {
    Hasher h = Hasher::checksum(algorithm);
    std::size_t pos = 0, step = 1;
    while (pos < data.size()) {
      const std::size_t n = std::min(step, data.size() - pos);
      h.update(std::string_view(data).substr(pos, n));
      pos += n;
      step = step * 3 + 1;
    }
    CHECK(h.digest() == checksum_of(algorithm, data));
    CHECK(h.digest() == checksum_of(algorithm, ""));  // digest() resets
    h.update("junk");
    h.reset();
    h.update(data);
    CHECK(h.digest() == checksum_of(algorithm, data));
  }
}

TEST_CASE("md5 and sha256 hashers", "[auth]") {
  Hasher md5 = Hasher::md5();
  CHECK(to_hex(md5.digest()) == "d41d8cd98f00b204e9800998ecf8427e");
  Hasher sha = Hasher::sha256();
  sha.update("abc");
  CHECK(to_hex(sha.digest()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Hasher moved = std::move(sha);
  moved.reset();
  moved.update("abc");
  CHECK(to_hex(moved.digest()) == sha256_hex("abc"));
}

TEST_CASE("algorithm names and headers", "[auth]") {
  CHECK(parse_checksum_algorithm("crc32c") == ChecksumAlgorithm::CRC32C);
  CHECK(parse_checksum_algorithm("CRC64NVME") == ChecksumAlgorithm::CRC64NVME);
  CHECK_FALSE(parse_checksum_algorithm("md5"));
  CHECK(checksum_name(ChecksumAlgorithm::SHA1) == "SHA1");
  CHECK(checksum_header(ChecksumAlgorithm::CRC64NVME) == "x-amz-checksum-crc64nvme");
  CHECK(checksum_from_header("X-Amz-Checksum-Sha256") == ChecksumAlgorithm::SHA256);
  CHECK_FALSE(checksum_from_header("x-amz-checksum-algorithm"));
}

TEST_CASE("verify_checksum and verify_content_md5 give S3's errors", "[auth]") {
  const std::string crc = checksum_of(ChecksumAlgorithm::CRC32, "hello");
  CHECK(verify_checksum(ChecksumAlgorithm::CRC32, base64_encode(crc), crc));
  auto wrong = verify_checksum(ChecksumAlgorithm::CRC32, "AAAAAA==", crc);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == core::ErrorCode::BadDigest);
  auto invalid = verify_checksum(ChecksumAlgorithm::CRC32, "AAAA", crc);
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().code == core::ErrorCode::InvalidRequest);

  Hasher md5 = Hasher::md5();
  md5.update("hello");
  const std::string digest = md5.digest();
  CHECK(verify_content_md5("XUFAKrxLKna5cZ2REBfFkg==", digest));
  CHECK(verify_content_md5("1B2M2Y8AsgTpgAmY7PhCfg==", digest).error().code == core::ErrorCode::BadDigest);
  CHECK(verify_content_md5("not base64!", digest).error().code == core::ErrorCode::InvalidDigest);
}

TEST_CASE("composite checksum is the checksum of the part checksums plus -N", "[auth]") {
  const std::string a = checksum_of(ChecksumAlgorithm::CRC32, "part one");
  const std::string b = checksum_of(ChecksumAlgorithm::CRC32, "part two");
  CHECK(composite_checksum(ChecksumAlgorithm::CRC32, {a, b}) ==
        base64_encode(checksum_of(ChecksumAlgorithm::CRC32, a + b)) + "-2");
}

TEST_CASE("hex and base64 helpers", "[auth]") {
  CHECK(to_hex(std::string("\x01\xab\xff", 3)) == "01abff");
  CHECK(from_hex("01ABff") == std::string("\x01\xab\xff", 3));
  CHECK_FALSE(from_hex("0"));
  CHECK_FALSE(from_hex("zz"));
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_decode("Zg==") == "f");
  CHECK(base64_decode("Zm9vYg==") == "foob");
  CHECK(base64_decode("") == "");
  CHECK_FALSE(base64_decode("Zg="));
  CHECK_FALSE(base64_decode("Z=g="));
  CHECK_FALSE(base64_decode("Zm9v YmFy"));
  CHECK(to_hex(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")) ==
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
}
