#include "s3/upload_digests.h"

namespace s3 {

UploadDigests::UploadDigests(const std::optional<auth::ExpectedChecksum>& expected,
                             std::optional<auth::ChecksumAlgorithm> default_checksum)
    : md5_(auth::Hasher::md5()), expected_(expected), algorithm_(expected ? expected->algorithm : default_checksum) {
  if (algorithm_) checksum_.emplace(auth::Hasher::checksum(*algorithm_));
}

void UploadDigests::update(std::string_view data) {
  md5_.update(data);
  if (checksum_) checksum_->update(data);
}

Result<ReceivedBody> UploadDigests::finish(const std::optional<std::string>& content_md5) {
  ReceivedBody received;
  std::string md5_raw = md5_.digest();
  received.md5_hex = auth::to_hex(md5_raw);
  if (content_md5) {
    if (auto ok = auth::verify_content_md5(*content_md5, md5_raw); !ok) return std::unexpected(ok.error());
  }
  if (checksum_) {
    std::string raw = checksum_->digest();
    if (expected_) {
      if (auto ok = auth::verify_checksum(*algorithm_, expected_->value_base64, raw); !ok)
        return std::unexpected(ok.error());
    }
    received.checksums[std::string(auth::checksum_name(*algorithm_))] = auth::base64_encode(raw);
  }
  return received;
}

void add_checksum_headers(http::Response& response, const store::ObjectMeta& object) {
  for (const auto& [name, value] : object.checksums) {
    if (auto algorithm = auth::parse_checksum_algorithm(name))
      response.set_header(std::string(auth::checksum_header(*algorithm)), value);
  }
}

}  // namespace s3
