// Query auth: presigned URLs (X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...).
#include <algorithm>
#include <charconv>

#include "auth/signed_request.h"
#include "auth/sigv4.h"
#include "http/message.h"

namespace auth::detail {

namespace {

using http::to_lower;
using core::ErrorCode;
using Clock = std::chrono::system_clock;

// S3's checks and words (minio, Ozone and noobaa carry the same strings). Zero is allowed:
// such a URL has expired when it arrives, and is refused as expired.
core::Result<std::int64_t> parse_expires(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return std::unexpected(error(ErrorCode::AuthorizationQueryParametersError, "X-Amz-Expires should be a number"));
  }
  if (value < 0) {
    return std::unexpected(
        error(ErrorCode::AuthorizationQueryParametersError, "X-Amz-Expires must be non-negative"));
  }
  if (value > kMaxPresignExpires) {
    return std::unexpected(error(ErrorCode::AuthorizationQueryParametersError,
                                 "X-Amz-Expires must be less than a week (in seconds); that is, the given "
                                 "X-Amz-Expires must be less than 604800 seconds"));
  }
  return value;
}

}  // namespace

core::Result<Identity> authenticate_query(const RequestView& request, const QueryParams& query,
                                        const SecretLookup& secrets, Clock::time_point now,
                                        SigningKeyCache* cache) {
  const auto algorithm = query.find("X-Amz-Algorithm");
  const auto credential = query.find("X-Amz-Credential");
  const auto date = query.find("X-Amz-Date");
  const auto expires = query.find("X-Amz-Expires");
  const auto signed_headers = query.find("X-Amz-SignedHeaders");
  const auto signature = query.find("X-Amz-Signature");
  if (algorithm && *algorithm != kAlgorithm) {
    if (istarts_with(*algorithm, "AWS4-ECDSA")) return std::unexpected(unsupported_mechanism());
    return std::unexpected(error(ErrorCode::AuthorizationQueryParametersError,
                                 "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""));
  }
  if (!algorithm || !credential || !date || !expires || !signed_headers || !signature) {
    return std::unexpected(error(ErrorCode::AuthorizationQueryParametersError,
                                 "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                                 "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                                 "X-Amz-Expires parameters."));
  }
  constexpr std::string_view kPrefix = "Error parsing the X-Amz-Credential parameter; ";
  SignedRequest s;
  s.exclude_param = "X-Amz-Signature";
  auto cred = parse_credential(*credential, ErrorCode::AuthorizationQueryParametersError, kPrefix);
  if (!cred) return std::unexpected(cred.error());
  s.credential = std::move(*cred);
  if (auto ok = parse_signed_headers(*signed_headers, s, ErrorCode::AuthorizationQueryParametersError,
                                     "Error parsing the X-Amz-SignedHeaders parameter; ");
      !ok)
    return std::unexpected(ok.error());
  s.signature = *signature;

  const auto signed_at = parse_amz_date(*date);
  if (!signed_at) {
    return std::unexpected(error(ErrorCode::AuthorizationQueryParametersError,
                                 "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""));
  }
  s.amz_date = *date;
  const auto lifetime = parse_expires(*expires);
  if (!lifetime) return std::unexpected(lifetime.error());
  if (s.credential.date != s.amz_date.substr(0, 8)) {
    return std::unexpected(error(ErrorCode::AuthorizationQueryParametersError,
                                 "Invalid credential date \"" + s.credential.date +
                                     "\". This date is not the same as X-Amz-Date: \"" +
                                     s.amz_date.substr(0, 8) + "\"."));
  }

  const auto secret = secrets(s.credential.access_key);
  if (!secret) return std::unexpected(unknown_key(s.credential.access_key));

  if (*signed_at > now + kMaxSkew) {
    return std::unexpected(error(ErrorCode::AccessDenied, "Request is not valid yet"));
  }
  const auto expiry = *signed_at + std::chrono::seconds(*lifetime);
  if (now > expiry || *lifetime == 0) {
    auto e = error(ErrorCode::AccessDenied, "Request has expired");
    e.details.emplace_back("X-Amz-Expires", *expires);
    e.details.emplace_back("Expires", iso8601_extended(expiry));
    e.details.emplace_back("ServerTime", iso8601_extended(now));
    return std::unexpected(e);
  }

  // Every x-amz-* header the request carries must be covered by the signature, or a URL
  // holder could add e.g. x-amz-acl: public-read. x-amz-content-sha256 is covered anyway
  // (it is the payload hash).
  std::string unsigned_headers;
  for (const auto& [name, value] : request.headers) {
    const std::string lower = to_lower(name);
    if (!lower.starts_with("x-amz-") || lower == "x-amz-content-sha256") continue;
    if (std::find(s.signed_headers.begin(), s.signed_headers.end(), lower) != s.signed_headers.end()) continue;
    if (!unsigned_headers.empty()) unsigned_headers += ", ";
    unsigned_headers += lower;
  }
  if (!unsigned_headers.empty()) {
    auto e = error(ErrorCode::AccessDenied, "There were headers present in the request which were not signed");
    e.details.emplace_back("HeadersNotSigned", unsigned_headers);
    return std::unexpected(e);
  }

  // Payload: UNSIGNED-PAYLOAD unless the client sends a hash (header or query parameter).
  // Other services sign the body's hash: with no UNSIGNED-PAYLOAD alternative, since their
  // parameters are in the body.
  std::optional<std::string> content_sha = request.header("x-amz-content-sha256");
  if (!content_sha) content_sha = query.find("X-Amz-Content-Sha256");
  if (!request.body_sha256.empty()) {
    if (content_sha && !http::iequals(*content_sha, request.body_sha256))
      return std::unexpected(body_hash_mismatch(*content_sha, request.body_sha256));
    if (!content_sha) content_sha = request.body_sha256;
  }
  PayloadMode mode = PayloadMode::Unsigned;
  if (content_sha) {
    const auto parsed = payload_mode(*content_sha);
    if (!parsed) return std::unexpected(parsed.error());
    mode = *parsed;
    if (*content_sha != kUnsignedPayload) s.payload_hashes.push_back(*content_sha);
  }
  if (request.body_sha256.empty()) s.payload_hashes.emplace_back(kUnsignedPayload);

  std::string key = signing_key_for(s.credential, secret->secret_key, cache);
  const auto matched = verify_signature(request, s, key);
  if (!matched) return std::unexpected(matched.error());
  if (*matched == kUnsignedPayload && mode != PayloadMode::Sha256) mode = PayloadMode::Unsigned;
  // The token is a signed query parameter of the URL (or, rarely, a signed header).
  auto token = query.find("X-Amz-Security-Token");
  if (!token) token = request.header("x-amz-security-token");
  if (auto ok = check_session_token(*secret, token, now); !ok) return std::unexpected(ok.error());

  Identity id = make_identity(s, std::move(key), true);
  id.payload = mode;
  if (mode == PayloadMode::Sha256) id.payload_sha256 = to_lower(*content_sha);
  return id;
}

bool has_query_auth(const QueryParams& query) {
  return query.find("X-Amz-Algorithm") || query.find("X-Amz-Credential") || query.find("X-Amz-Signature");
}

bool has_sigv2_query(const QueryParams& query) {
  return query.find("AWSAccessKeyId") && query.find("Signature");
}

}  // namespace auth::detail
