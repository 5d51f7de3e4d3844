// SigV2 verification for S3: "Authorization: AWS <key>:<signature>" and presigned URLs
// with AWSAccessKeyId/Signature/Expires (what boto3's generate_presigned_url makes for
// us-east-1 when asked for signature_version "s3"). The order of checks is SigV4's: shape,
// date, key, clock, signature, session token.
#include <chrono>

#include "auth/crypto.h"
#include "auth/signed_request.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "http/message.h"

namespace auth::detail {

namespace {

using http::iequals;
using http::to_lower;
using http::trim;

using core::ErrorCode;
using Clock = std::chrono::system_clock;

struct V2Request {
  std::string access_key;
  std::string signature;
  std::string date;  // the StringToSign's date line: Date, "" (x-amz-date sent) or Expires
  sigv2::HeaderList amz_headers;
  bool presigned = false;
};

core::Error signature_mismatch(const V2Request& v, std::string_view sts) {
  auto e = error(ErrorCode::SignatureDoesNotMatch,
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your key and signing method.");
  e.details.emplace_back("AWSAccessKeyId", v.access_key);
  e.details.emplace_back("StringToSign", std::string(sts));
  e.details.emplace_back("SignatureProvided", v.signature);
  e.details.emplace_back("StringToSignBytes", to_spaced_hex(sts));
  return e;
}

// The header, else (presigned URLs: botocore moves signed Content-Type/Content-MD5 into
// the query) the lowercase query parameter.
std::string header_or_param(const RequestView& request, const QueryParams* query, std::string_view name) {
  if (auto value = request.header(name)) return std::string(trim(*value));
  if (query != nullptr) {
    if (auto value = query->find(name)) return std::string(trim(*value));
  }
  return {};
}

// Signature, then the session token, then the body's protection. SigV2 does not sign the
// body: a SHA-256 in x-amz-content-sha256 (which is signed, being an x-amz-* header) is
// still checked; aws-chunked bodies with chunk signatures need SigV4's seed signature.
core::Result<Identity> verify(const RequestView& request, const QueryParams* query, const V2Request& v,
                              const Secret& secret, Clock::time_point now) {
  const auto resource = sigv2::canonical_resource(request.host_bucket, request.raw_path, request.raw_query);
  if (!resource) {
    return std::unexpected(error(ErrorCode::InvalidArgument, "Invalid percent-encoding in the query string."));
  }
  const std::string md5 = header_or_param(request, query, "content-md5");
  const std::string type = header_or_param(request, query, "content-type");
  const std::string sts =
      sigv2::string_to_sign(request.method, md5, type, v.date, sigv2::canonical_amz_headers(v.amz_headers), *resource);
  bool matched = constant_time_equal(sigv2::sign(secret.secret_key, sts), v.signature);
  // The developer guide's own x-amz-date example (DELETE) signs the x-amz-date value in the
  // Date line and leaves it out of the x-amz-* headers. Both spellings sign the same
  // request, so either is accepted; errors show the first.
  if (!matched && !v.presigned) {
    if (auto amz_date = request.header("x-amz-date")) {
      sigv2::HeaderList others;
      for (const auto& header : v.amz_headers)
        if (!iequals(header.first, "x-amz-date")) others.push_back(header);
      const std::string alt = sigv2::string_to_sign(request.method, md5, type, trim(*amz_date),
                                                    sigv2::canonical_amz_headers(others), *resource);
      matched = constant_time_equal(sigv2::sign(secret.secret_key, alt), v.signature);
    }
  }
  if (!matched) return std::unexpected(signature_mismatch(v, sts));

  std::optional<std::string> token;
  for (const auto& [name, value] : v.amz_headers) {
    if (iequals(name, "x-amz-security-token")) {
      token = value;
      break;
    }
  }
  if (auto ok = check_session_token(secret, token, now); !ok) return std::unexpected(ok.error());

  Identity id;
  id.anonymous = false;
  id.access_key = v.access_key;
  id.service = "s3";
  id.presigned = v.presigned;
  id.seed_signature = v.signature;
  if (auto content_sha = request.header("x-amz-content-sha256")) {
    const auto mode = payload_mode(trim(*content_sha));
    if (!mode) return std::unexpected(mode.error());
    if (*mode == PayloadMode::StreamingSigned || *mode == PayloadMode::StreamingSignedTrailer)
      return std::unexpected(unsupported_mechanism());
    id.payload = *mode;
    if (*mode == PayloadMode::Sha256) id.payload_sha256 = to_lower(trim(*content_sha));
  }
  return id;
}

}  // namespace

bool has_v2_query(const QueryParams& query) { return query.find("AWSAccessKeyId") || query.find("Signature"); }

core::Result<Identity> authenticate_v2_header(const RequestView& request, std::string_view authorization,
                                              const SecretLookup& secrets, Clock::time_point now) {
  // "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="; the key has no ':', the
  // base64 signature neither.
  const std::string_view credentials = trim(authorization.substr(4));
  const std::size_t colon = credentials.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == credentials.size()) {
    auto e = error(ErrorCode::InvalidArgument,
                   "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
    e.details.emplace_back("ArgumentName", "Authorization");
    e.details.emplace_back("ArgumentValue", std::string(authorization));
    return std::unexpected(e);
  }
  V2Request v;
  v.access_key = std::string(credentials.substr(0, colon));
  v.signature = std::string(credentials.substr(colon + 1));
  v.amz_headers = request.headers;

  // x-amz-date wins over Date (it is signed among the x-amz-* headers; the Date line is
  // then empty), so clients that cannot set Date can still sign.
  std::optional<Clock::time_point> request_time;
  std::string request_time_text;
  if (auto amz = request.header("x-amz-date")) {
    request_time_text = *amz;
    request_time = parse_http_date(trim(*amz));
    if (!request_time) request_time = parse_amz_date(trim(*amz));
  } else if (auto date = request.header("date")) {
    request_time_text = *date;
    request_time = parse_http_date(trim(*date));
    v.date = std::string(trim(*date));
  }
  if (!request_time) {
    return std::unexpected(
        error(ErrorCode::AccessDenied, "AWS authentication requires a valid Date or x-amz-date header"));
  }

  const auto secret = secrets(v.access_key);
  if (!secret) return std::unexpected(unknown_key(v.access_key));

  const auto skew = now > *request_time ? now - *request_time : *request_time - now;
  if (skew > kMaxSkew) {
    auto e = error(ErrorCode::RequestTimeTooSkewed,
                   "The difference between the request time and the current time is too large.");
    e.details.emplace_back("RequestTime", request_time_text);
    e.details.emplace_back("ServerTime", iso8601_extended(now));
    e.details.emplace_back("MaxAllowedSkewMilliseconds", "900000");
    return std::unexpected(e);
  }
  return verify(request, nullptr, v, *secret, now);
}

core::Result<Identity> authenticate_v2_query(const RequestView& request, const QueryParams& query,
                                             const SecretLookup& secrets, Clock::time_point now) {
  const auto access_key = query.find("AWSAccessKeyId");
  const auto signature = query.find("Signature");
  const auto expires = query.find("Expires");
  if (!access_key || !signature || !expires) {
    return std::unexpected(error(ErrorCode::AccessDenied,
                                 "Query-string authentication requires the Signature, Expires and "
                                 "AWSAccessKeyId parameters"));
  }
  const auto expires_at = http::parse_decimal(*expires);
  if (!expires_at) {
    return std::unexpected(error(ErrorCode::AccessDenied, "Invalid date (should be seconds since epoch): " + *expires));
  }
  V2Request v;
  v.access_key = *access_key;
  v.signature = *signature;
  v.date = *expires;
  v.presigned = true;
  // Headers a presigned URL carries as parameters (x-amz-security-token above all) are
  // signed as headers, exactly as if they had been sent as such.
  for (const auto& [name, value] : request.headers) {
    if (istarts_with(name, "x-amz-")) v.amz_headers.emplace_back(name, value);
  }
  for (const auto& [name, value] : query.all()) {
    if (istarts_with(name, "x-amz-")) v.amz_headers.emplace_back(name, value);
  }

  const auto secret = secrets(v.access_key);
  if (!secret) return std::unexpected(unknown_key(v.access_key));

  // Seconds past the clock's range (its nanoseconds end in 2262) never expire.
  constexpr auto kLatest = std::chrono::floor<std::chrono::seconds>(Clock::time_point::max()).time_since_epoch().count();
  const auto expiry = *expires_at >= kLatest ? Clock::time_point::max() : Clock::time_point(std::chrono::seconds(*expires_at));
  if (now > expiry) {
    auto e = error(ErrorCode::AccessDenied, "Request has expired");
    e.details.emplace_back("Expires", iso8601_extended(expiry));
    e.details.emplace_back("ServerTime", iso8601_extended(now));
    return std::unexpected(e);
  }
  return verify(request, &query, v, *secret, now);
}

}  // namespace auth::detail
