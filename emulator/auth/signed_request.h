// Internals shared by the two SigV4 styles: header auth (authenticate.cpp) and query auth,
// i.e. presigned URLs (authenticate_query.cpp), and by SigV2 (authenticate_v2.cpp). Not part of the auth API: include
// auth/authenticate.h instead.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authenticate.h"
#include "auth/signing_key_cache.h"
#include "core/error.h"

namespace auth::detail {

bool istarts_with(std::string_view s, std::string_view prefix);
std::vector<std::string_view> split(std::string_view s, char sep);
core::Error error(core::ErrorCode code, std::string message = {});
// "2013-05-24T00:00:00Z", as S3 writes ServerTime and Expires in error details.
std::string iso8601_extended(std::chrono::system_clock::time_point t);
// InvalidRequest "... Please use AWS4-HMAC-SHA256." (SigV2, SigV4A).
core::Error unsupported_mechanism();

// The query string decoded once; find() returns the first parameter of that name.
class QueryParams {
 public:
  explicit QueryParams(std::string_view raw);
  std::optional<std::string> find(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return params_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// What both auth styles share once parsed.
struct SignedRequest {
  Credential credential;
  std::string amz_date;                     // as sent, ISO basic
  std::vector<std::string> signed_headers;  // as listed by the client, lowercased
  std::string signed_headers_joined;        // exactly as sent (lowercased)
  std::string signature;                    // as sent
  std::string exclude_param;                // "X-Amz-Signature" for query auth
  std::vector<std::string> payload_hashes;  // candidates, first is the primary
};

core::Error unknown_key(std::string_view access_key);
// XAmzContentSHA256Mismatch with S3's details.
core::Error body_hash_mismatch(std::string_view client_hex, std::string_view computed_hex);

// Computes the signature over every equivalent spelling of the request the client may have
// signed and accepts the first that matches; returns the matching payload hash. See the
// definition for the spellings.
core::Result<std::string> verify_signature(const RequestView& request, const SignedRequest& s,
                                           std::string_view signing_key);
std::string signing_key_for(const Credential& c, std::string_view secret, SigningKeyCache* cache);

// x-amz-content-sha256's value -> its mode; InvalidArgument (or the SigV4A refusal) otherwise.
core::Result<PayloadMode> payload_mode(std::string_view value);
Identity make_identity(const SignedRequest& s, std::string signing_key, bool presigned);
core::Result<void> parse_signed_headers(std::string_view value, SignedRequest& s, core::ErrorCode code,
                                        std::string_view prefix);

// authenticate_query.cpp
bool has_query_auth(const QueryParams& query);
bool has_sigv2_query(const QueryParams& query);
core::Result<Identity> authenticate_query(const RequestView& request, const QueryParams& query,
                                          const SecretLookup& secrets, std::chrono::system_clock::time_point now,
                                          SigningKeyCache* cache);

// authenticate_v2.cpp (S3 only, see RequestView::sigv2)
bool has_v2_query(const QueryParams& query);  // AWSAccessKeyId or Signature present
core::Result<Identity> authenticate_v2_header(const RequestView& request, std::string_view authorization,
                                              const SecretLookup& secrets, std::chrono::system_clock::time_point now);
core::Result<Identity> authenticate_v2_query(const RequestView& request, const QueryParams& query,
                                             const SecretLookup& secrets, std::chrono::system_clock::time_point now);

}  // namespace auth::detail
