#include "s3/listing.h"

#include "auth/crypto.h"

namespace s3 {
namespace {

constexpr std::string_view kBucketTokenTag = "mcb1:";

bool kept_as_is(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '/';
}

}  // namespace

std::string listing_url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (kept_as_is(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string bucket_continuation_token(std::string_view last_bucket) {
  std::string plain(kBucketTokenTag);
  plain += last_bucket;
  return auth::base64_encode(plain);
}

std::optional<std::string> bucket_after_token(std::string_view token) {
  auto plain = auth::base64_decode(token);
  if (!plain || !plain->starts_with(kBucketTokenTag) || plain->size() == kBucketTokenTag.size()) return std::nullopt;
  return plain->substr(kBucketTokenTag.size());
}

}  // namespace s3
