// AWS Signature Version 2 for S3 (the "AWS <key>:<signature>" header and the
// AWSAccessKeyId/Signature/Expires query of presigned URLs), as the S3 developer guide's
// "Authenticating REST requests" describes it. Pure functions: the string to sign and the
// signature. Verifying a request is authenticate_v2.cpp's job.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auth::sigv2 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// True for a query parameter S3 includes in the CanonicalizedResource (acl, uploadId,
// response-content-type, ...). The list is the union of the developer guide's and
// botocore's; anything else (list-type, prefix, ...) is not signed.
bool is_sub_resource(std::string_view name);

// CanonicalizedAmzHeaders: every x-amz-* header, name lowercased, value trimmed, repeated
// names joined with ',', sorted by name, each "name:value\n". Empty when there are none.
std::string canonical_amz_headers(const HeaderList& headers);

// CanonicalizedResource: "/" + `bucket` (non-empty only when the bucket came from the Host
// header) + the path exactly as sent ("/bucket" gets its trailing '/'), then the
// sub-resources of `raw_query` sorted by name, "?name" or "?name=value" joined with '&',
// values percent-decoded. nullopt on a malformed escape in a sub-resource value.
std::optional<std::string> canonical_resource(std::string_view bucket, std::string_view raw_path,
                                              std::string_view raw_query);

// "VERB\nContent-MD5\nContent-Type\nDate\n" + amz_headers + resource. `date` is the Date
// header (empty when x-amz-date is sent) or, for a presigned URL, Expires.
std::string string_to_sign(std::string_view method, std::string_view content_md5, std::string_view content_type,
                           std::string_view date, std::string_view amz_headers, std::string_view resource);

// base64(HMAC-SHA1(secret, string_to_sign)).
std::string sign(std::string_view secret, std::string_view string_to_sign);

}  // namespace auth::sigv2
