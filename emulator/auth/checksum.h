// Streaming hashers for S3 integrity headers: Content-MD5, x-amz-content-sha256 and the
// flexible checksums x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}.
//
// Wire format (as S3): a checksum value is the base64 of the big-endian digest bytes,
// e.g. CRC32("123456789") = 0xCBF43926 -> "y/Q5Jg==".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace auth {

enum class ChecksumAlgorithm { CRC32, CRC32C, CRC64NVME, SHA1, SHA256 };

// "CRC32", "crc32c", "CRC64NVME", "sha1", ... (case-insensitive). nullopt if unknown.
std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name);
// Canonical upper-case name, as in x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm.
std::string_view checksum_name(ChecksumAlgorithm algorithm);
// Lowercase header name: "x-amz-checksum-crc32", ...
std::string_view checksum_header(ChecksumAlgorithm algorithm);
// Inverse of checksum_header (case-insensitive), e.g. for the value of x-amz-trailer.
std::optional<ChecksumAlgorithm> checksum_from_header(std::string_view header_name);
// Size of the raw digest in bytes (4, 4, 8, 20, 32).
std::size_t checksum_size(ChecksumAlgorithm algorithm);
// All five, in a fixed order (for scanning request headers).
const std::vector<ChecksumAlgorithm>& all_checksum_algorithms();

// One incremental hash. update() any number of times, then digest(): it returns the raw
// big-endian bytes and resets the hasher to its empty state, ready for the next input.
// Movable, not copyable.
class Hasher {
 public:
  static Hasher md5();
  static Hasher sha256();
  static Hasher checksum(ChecksumAlgorithm algorithm);

  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  void update(std::string_view data);
  std::string digest();
  void reset();

 private:
  struct State;
  explicit Hasher(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// One-shot convenience: raw digest of `data`.
std::string checksum_of(ChecksumAlgorithm algorithm, std::string_view data);

// Multipart "composite" checksum: the algorithm applied to the concatenation of the raw
// part checksums, base64-encoded, followed by "-N" (N = number of parts), as
// CompleteMultipartUpload returns it.
std::string composite_checksum(ChecksumAlgorithm algorithm,
                               const std::vector<std::string>& raw_part_checksums);

// Compare a client-supplied base64 checksum with the raw digest we computed.
//   malformed value (not base64, wrong size) -> InvalidRequest
//     "Value for x-amz-checksum-crc32 header is invalid."
//   mismatch -> BadDigest "The CRC32 you specified did not match the calculated checksum."
core::Result<void> verify_checksum(ChecksumAlgorithm algorithm, std::string_view expected_base64,
                                 std::string_view computed_raw);

// Content-MD5 check: malformed -> InvalidDigest, mismatch -> BadDigest (S3's messages).
core::Result<void> verify_content_md5(std::string_view header_value, std::string_view computed_raw_md5);

}  // namespace auth
