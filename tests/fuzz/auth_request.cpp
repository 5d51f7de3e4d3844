// Request authentication end to end: SigV4 (Authorization header and presigned query),
// SigV2 (header and query), the canonical request's parts, credential scopes, dates,
// the payload modes and declared checksums, with the S3 documentation's keys so that a
// seed with a valid signature reaches the checks behind it.
// Input: a request head ("GET /test.txt HTTP/1.1\r\nHost: ...\r\nAuthorization: ...\r\n").
// The clock is the request's own x-amz-date / Date (else the S3 examples' 2013-05-24), so
// a correctly signed seed is not refused for skew.
#include <algorithm>
#include <chrono>

#include "auth/authenticate.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "fuzz_support.h"
#include "http/message.h"

namespace {

using Clock = std::chrono::system_clock;

auth::SecretLookup secrets() {
  return [](std::string_view key) -> std::optional<auth::Secret> {
    if (key == "AKIAIOSFODNN7EXAMPLE") return auth::Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    if (key == "ASIATEMPORARY") return auth::Secret("temporary-secret", "the-token", Clock::time_point{} + std::chrono::hours(24 * 365 * 60));
    return std::nullopt;
  };
}

Clock::time_point request_time(const auth::RequestView& request) {
  if (auto amz = request.header("x-amz-date")) {
    if (auto t = auth::parse_amz_date(*amz)) return *t;
    if (auto t = auth::parse_http_date(*amz)) return *t;
  }
  if (auto date = request.header("Date"))
    if (auto t = auth::parse_http_date(*date)) return *t;
  if (auto date = request.query_param("X-Amz-Date"))
    if (auto t = auth::parse_amz_date(*date)) return *t;
  return *auth::parse_amz_date("20130524T000000Z");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::RequestHead head = fuzz::split_request(fuzz::as_text(data, size));
  auth::RequestView request;
  request.method = head.method;
  request.raw_path = head.raw_path;
  request.raw_query = head.raw_query;
  request.headers = head.headers;
  request.sigv2 = true;
  if (auto host = request.header("Host"); host && host->find(".s3") != std::string::npos)
    request.host_bucket = host->substr(0, host->find(".s3"));
  const auto now = request_time(request);

  // As S3 sees it, then as a JSON/query service does (the body's hash given, no SigV2).
  auth::SigningKeyCache cache(4);
  auto identity = auth::authenticate(request, secrets(), now, &cache);
  if (identity && !identity->anonymous) FUZZ_CHECK(!identity->access_key.empty());
  (void)auth::expected_checksum(request);
  request.sigv2 = false;
  request.body_sha256 = std::string(auth::kEmptySha256);
  (void)auth::authenticate(request, secrets(), now);

  // The building blocks on their own, as a refusal may come before some of them.
  (void)auth::canonical_uri(request.raw_path);
  (void)auth::canonical_query(request.raw_query, "X-Amz-Signature");
  (void)auth::canonical_query(request.raw_query, {}, true);
  std::vector<std::string> signed_headers;
  for (const auto& [name, value] : request.headers) {
    signed_headers.push_back(http::to_lower(name));
    (void)auth::canonical_header_value(value);
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()), signed_headers.end());
  std::string missing;
  (void)auth::canonical_headers(request.headers, signed_headers, &missing);
  (void)auth::sigv2::canonical_amz_headers(request.headers);
  (void)auth::sigv2::canonical_resource(request.host_bucket, request.raw_path, request.raw_query);
  if (auto authorization = request.header("Authorization")) {
    auto credential = authorization->find("Credential=");
    if (credential != std::string::npos)
      (void)auth::parse_credential(authorization->substr(credential + 11, authorization->find(',', credential) - credential - 11),
                                   core::ErrorCode::AuthorizationHeaderMalformed, "");
  }
  if (auto credential = request.query_param("X-Amz-Credential"))
    (void)auth::parse_credential(*credential, core::ErrorCode::AuthorizationQueryParametersError, "");
  return 0;
}
