// The digests every upload computes while its body streams (PutObject, UploadPart, POST
// Object): MD5 for the ETag, and one checksum, the client's or the default (CRC64NVME, as
// S3 adds to objects uploaded without one), verified at the end against what the client
// declared.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/auth.h"
#include "s3/context.h"

namespace s3 {

class UploadDigests {
 public:
  // `expected`: the checksum the client sent a value for (not a trailer); nullopt for none.
  // `default_checksum`: computed when the client sent none; nullopt computes none.
  UploadDigests(const std::optional<auth::ExpectedChecksum>& expected,
                std::optional<auth::ChecksumAlgorithm> default_checksum);

  void update(std::string_view data);

  // Verifies Content-MD5 (InvalidDigest / BadDigest) when given and the expected checksum
  // (BadDigest); returns the MD5 hex and the checksum computed.
  Result<ReceivedBody> finish(const std::optional<std::string>& content_md5);

 private:
  auth::Hasher md5_;
  std::optional<auth::ExpectedChecksum> expected_;
  std::optional<auth::ChecksumAlgorithm> algorithm_;
  std::optional<auth::Hasher> checksum_;
};

// x-amz-checksum-<algorithm> response headers for the checksums an object carries.
void add_checksum_headers(http::Response& response, const store::ObjectMeta& object);

}  // namespace s3
