// Pure helpers the listing operations share (list.cpp, bucket.cpp): S3's encoding-type=url
// and the opaque ListBuckets continuation token.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace s3 {

// encoding-type=url as S3 writes it (ceph/s3-tests, checked against AWS): every byte but
// A-Z a-z 0-9 - . _ ~ and '/' becomes %XX (upper-case hex); a space is %20, never '+'.
std::string listing_url_encode(std::string_view text);

// ListBuckets' continuation token: opaque to clients, the last bucket name of the page
// inside. nullopt when the text is not one minicloud issued.
std::string bucket_continuation_token(std::string_view last_bucket);
std::optional<std::string> bucket_after_token(std::string_view token);

}  // namespace s3
