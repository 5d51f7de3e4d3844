// What header auth and query auth share: the credential scope, the canonical request and
// signature check, payload modes, the Identity.
#include "auth/signed_request.h"

#include <algorithm>
#include <cctype>

#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "http/message.h"

namespace auth {
namespace detail {

using http::iequals;
using http::to_lower;
using http::trim;

using core::ErrorCode;
using Clock = std::chrono::system_clock;

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

core::Error error(ErrorCode code, std::string message) { return core::make_error(code, std::move(message)); }

std::string iso8601_extended(Clock::time_point t) {
  const std::string basic = format_amz_date(t);  // 20130524T000000Z
  return basic.substr(0, 4) + "-" + basic.substr(4, 2) + "-" + basic.substr(6, 2) + "T" +
         basic.substr(9, 2) + ":" + basic.substr(11, 2) + ":" + basic.substr(13, 2) + "Z";
}

QueryParams::QueryParams(std::string_view raw) {
  std::size_t start = 0;
  while (start <= raw.size()) {
    const std::size_t amp = std::min(raw.find('&', start), raw.size());
    const std::string_view item = raw.substr(start, amp - start);
    start = amp + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    auto name = percent_decode(item.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1));
    if (name && value) params_.emplace_back(std::move(*name), std::move(*value));
  }
}

std::optional<std::string> QueryParams::find(std::string_view name) const {
  for (const auto& [n, v] : params_)
    if (n == name) return v;
  return std::nullopt;
}

core::Error unsupported_mechanism() {
  return error(ErrorCode::InvalidRequest,
               "The authorization mechanism you have provided is not supported. Please use "
               "AWS4-HMAC-SHA256.");
}

core::Error unknown_key(std::string_view access_key) {
  auto e = error(ErrorCode::InvalidAccessKeyId,
                 "The AWS Access Key Id you provided does not exist in our records.");
  e.details.emplace_back("AWSAccessKeyId", std::string(access_key));
  return e;
}

core::Error body_hash_mismatch(std::string_view client_hex, std::string_view computed_hex) {
  auto e = error(ErrorCode::XAmzContentSHA256Mismatch,
                 "The provided 'x-amz-content-sha256' header does not match what was computed.");
  e.details.emplace_back("ClientComputedContentSHA256", std::string(client_hex));
  e.details.emplace_back("S3ComputedContentSHA256", std::string(computed_hex));
  return e;
}

namespace {

core::Error signature_mismatch(const SignedRequest& s, std::string_view sts, std::string_view canonical) {
  auto e = error(ErrorCode::SignatureDoesNotMatch,
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your key and signing method.");
  e.details.emplace_back("AWSAccessKeyId", s.credential.access_key);
  e.details.emplace_back("StringToSign", std::string(sts));
  e.details.emplace_back("SignatureProvided", s.signature);
  e.details.emplace_back("StringToSignBytes", to_spaced_hex(sts));
  e.details.emplace_back("CanonicalRequest", std::string(canonical));
  e.details.emplace_back("CanonicalRequestBytes", to_spaced_hex(canonical));
  return e;
}

}  // namespace

// Computes the signature over every equivalent spelling of the request the client may have
// signed (path re-encoded per AWS or exactly as sent; '+' in the query as '+' or as a
// space; for presigned URLs the payload hash header or UNSIGNED-PAYLOAD) and accepts the
// first that matches. All spellings decode to the same request, so accepting any of them
// grants nothing the signer did not sign. Returns the matching payload hash.
core::Result<std::string> verify_signature(const RequestView& request, const SignedRequest& s,
                                         std::string_view signing_key) {
  std::string missing;
  const std::string headers = canonical_headers(request.headers, s.signed_headers, &missing);

  std::vector<std::string> uris;
  const auto normalised = canonical_uri(request.raw_path);
  if (normalised) uris.push_back(*normalised);
  if (!normalised || *normalised != request.raw_path) uris.push_back(request.raw_path.empty() ? "/" : request.raw_path);

  std::vector<std::string> queries;
  const auto literal_plus = canonical_query(request.raw_query, s.exclude_param, false);
  if (!literal_plus) {
    return std::unexpected(error(ErrorCode::InvalidArgument, "Invalid percent-encoding in the query string."));
  }
  queries.push_back(*literal_plus);
  if (request.raw_query.find('+') != std::string::npos) {
    if (auto as_space = canonical_query(request.raw_query, s.exclude_param, true)) queries.push_back(*as_space);
  }

  const std::string scope = credential_scope(s.credential.date, s.credential.region, s.credential.service);
  std::string first_sts, first_canonical;
  for (const auto& payload : s.payload_hashes) {
    for (const auto& uri : uris) {
      for (const auto& query : queries) {
        const std::string canonical =
            canonical_request(request.method, uri, query, headers, s.signed_headers_joined, payload);
        const std::string sts = string_to_sign(s.amz_date, scope, canonical);
        if (first_sts.empty()) {
          first_sts = sts;
          first_canonical = canonical;
        }
        // A signed header that is absent never verifies, even if the client signed it empty.
        if (missing.empty() && constant_time_equal(sign(signing_key, sts), s.signature)) return payload;
      }
    }
  }
  return std::unexpected(signature_mismatch(s, first_sts, first_canonical));
}

std::string signing_key_for(const Credential& c, std::string_view secret, SigningKeyCache* cache) {
  if (cache != nullptr) return cache->get(secret, c.date, c.region, c.service);
  return derive_signing_key(secret, c.date, c.region, c.service);
}

// ---- Payload mode ------------------------------------------------------------------------

namespace {

bool is_sha256_hex(std::string_view v) {
  return v.size() == 64 && std::all_of(v.begin(), v.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

}  // namespace

core::Result<PayloadMode> payload_mode(std::string_view value) {
  if (value == kUnsignedPayload) return PayloadMode::Unsigned;
  if (value == kStreamingSigned) return PayloadMode::StreamingSigned;
  if (value == kStreamingSignedTrailer) return PayloadMode::StreamingSignedTrailer;
  if (value == kStreamingUnsignedTrailer) return PayloadMode::StreamingUnsignedTrailer;
  if (is_sha256_hex(value)) return PayloadMode::Sha256;
  if (istarts_with(value, "STREAMING-AWS4-ECDSA")) return std::unexpected(unsupported_mechanism());
  auto e = error(ErrorCode::InvalidArgument,
                 "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                 "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a "
                 "valid sha256 value.");
  e.details.emplace_back("ArgumentName", "x-amz-content-sha256");
  e.details.emplace_back("ArgumentValue", std::string(value));
  return std::unexpected(e);
}

Identity make_identity(const SignedRequest& s, std::string signing_key, bool presigned) {
  Identity id;
  id.anonymous = false;
  id.access_key = s.credential.access_key;
  id.region = s.credential.region;
  id.service = s.credential.service;
  id.date = s.credential.date;
  id.amz_date = s.amz_date;
  id.scope = credential_scope(s.credential.date, s.credential.region, s.credential.service);
  id.presigned = presigned;
  id.seed_signature = s.signature;
  id.signing_key = std::move(signing_key);
  return id;
}

core::Result<void> parse_signed_headers(std::string_view value, SignedRequest& s, ErrorCode code,
                                      std::string_view prefix) {
  s.signed_headers_joined = to_lower(value);
  for (auto name : split(s.signed_headers_joined, ';')) {
    if (name.empty()) {
      return std::unexpected(error(code, std::string(prefix) + "SignedHeaders is mal-formed."));
    }
    s.signed_headers.emplace_back(name);
  }
  if (std::find(s.signed_headers.begin(), s.signed_headers.end(), "host") == s.signed_headers.end()) {
    return std::unexpected(error(code, std::string(prefix) + "the host header must be signed."));
  }
  return {};
}

}  // namespace detail

using detail::error;
using detail::split;
using core::ErrorCode;

// ---- Credential scope -------------------------------------------------------------------

// The key itself may not contain '/', but splitting from the right keeps odd keys working
// the way S3 reports them.
core::Result<Credential> parse_credential(std::string_view value, ErrorCode code, std::string_view prefix) {
  const auto parts = split(value, '/');
  if (parts.size() < 5 || parts[parts.size() - 4].empty()) {
    return std::unexpected(error(code, std::string(prefix) +
                                           "the Credential is mal-formed; expecting "
                                           "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."));
  }
  const std::size_t n = parts.size();
  if (parts[n - 1] != "aws4_request") {
    return std::unexpected(error(code, std::string(prefix) + "incorrect terminal \"" +
                                           std::string(parts[n - 1]) +
                                           "\". This endpoint uses \"aws4_request\"."));
  }
  Credential c;
  for (std::size_t i = 0; i + 4 < n; ++i) {
    if (i > 0) c.access_key.push_back('/');
    c.access_key += parts[i];
  }
  c.date = parts[n - 4];
  c.region = parts[n - 3];
  c.service = parts[n - 2];
  if (c.access_key.empty() || c.region.empty() || c.service.empty()) {
    return std::unexpected(error(code, std::string(prefix) +
                                           "the Credential is mal-formed; expecting "
                                           "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."));
  }
  return c;
}

}  // namespace auth
