// SigV4 verification. The order of checks follows what S3 answers when several things are
// wrong at once: shape of the auth data, then the date, then the key, then the clock,
// then the signature.
#include "auth/authenticate.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "auth/crypto.h"
#include "http/message.h"
#include "auth/sigv4.h"

namespace auth {

namespace {

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

core::Error error(ErrorCode code, std::string message = {}) { return core::make_error(code, std::move(message)); }

// "2013-05-24T00:00:00Z", as S3 writes ServerTime and Expires in error details.
std::string iso8601_extended(Clock::time_point t) {
  const std::string basic = format_amz_date(t);  // 20130524T000000Z
  return basic.substr(0, 4) + "-" + basic.substr(4, 2) + "-" + basic.substr(6, 2) + "T" +
         basic.substr(9, 2) + ":" + basic.substr(11, 2) + ":" + basic.substr(13, 2) + "Z";
}

// The query string decoded once; find() returns the first parameter of that name.
class QueryParams {
 public:
  explicit QueryParams(std::string_view raw) {
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

  std::optional<std::string> find(std::string_view name) const {
    for (const auto& [n, v] : params_)
      if (n == name) return v;
    return std::nullopt;
  }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

core::Error unsupported_mechanism() {
  return error(ErrorCode::InvalidRequest,
               "The authorization mechanism you have provided is not supported. Please use "
               "AWS4-HMAC-SHA256.");
}

}  // namespace

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

namespace {

// ---- What both auth styles share once parsed ---------------------------------------------

struct SignedRequest {
  Credential credential;
  std::string amz_date;                     // as sent, ISO basic
  std::vector<std::string> signed_headers;  // as listed by the client, lowercased
  std::string signed_headers_joined;        // exactly as sent (lowercased)
  std::string signature;                    // as sent
  std::string exclude_param;                // "X-Amz-Signature" for query auth
  std::vector<std::string> payload_hashes;  // candidates, first is the primary
};

core::Error unknown_key(std::string_view access_key) {
  auto e = error(ErrorCode::InvalidAccessKeyId,
                 "The AWS Access Key Id you provided does not exist in our records.");
  e.details.emplace_back("AWSAccessKeyId", std::string(access_key));
  return e;
}

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

bool is_sha256_hex(std::string_view v) {
  return v.size() == 64 && std::all_of(v.begin(), v.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

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

// ---- Header auth -------------------------------------------------------------------------

core::Result<Identity> authenticate_header(const RequestView& request, std::string_view authorization,
                                         const SecretLookup& secrets, Clock::time_point now,
                                         SigningKeyCache* cache) {
  constexpr std::string_view kMalformed = "The authorization header is malformed; ";
  SignedRequest s;
  std::string_view rest = trim(authorization.substr(kAlgorithm.size()));
  std::optional<std::string_view> credential, signed_headers, signature;
  for (auto part : split(rest, ',')) {
    part = trim(part);
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    const auto key = trim(part.substr(0, eq));
    const auto value = trim(part.substr(eq + 1));
    if (key == "Credential") credential = value;
    else if (key == "SignedHeaders") signed_headers = value;
    else if (key == "Signature") signature = value;
  }
  if (!credential || !signed_headers || !signature) {
    return std::unexpected(error(ErrorCode::AuthorizationHeaderMalformed,
                                 std::string(kMalformed) +
                                     "the authorization header requires three components: Credential, "
                                     "SignedHeaders, and Signature."));
  }
  auto cred = parse_credential(*credential, ErrorCode::AuthorizationHeaderMalformed, kMalformed);
  if (!cred) return std::unexpected(cred.error());
  s.credential = std::move(*cred);
  if (auto ok = parse_signed_headers(*signed_headers, s, ErrorCode::AuthorizationHeaderMalformed, kMalformed); !ok)
    return std::unexpected(ok.error());
  s.signature = *signature;

  // Request time: X-Amz-Date, else Date.
  std::optional<Clock::time_point> request_time;
  std::string request_time_text;
  if (auto amz = request.header("x-amz-date")) {
    request_time_text = *amz;
    request_time = parse_amz_date(trim(*amz));
  } else if (auto date = request.header("date")) {
    request_time_text = *date;
    request_time = parse_http_date(trim(*date));
  }
  if (!request_time) {
    return std::unexpected(
        error(ErrorCode::AccessDenied, "AWS authentication requires a valid Date or x-amz-date header"));
  }
  s.amz_date = format_amz_date(*request_time);
  if (s.credential.date != s.amz_date.substr(0, 8)) {
    return std::unexpected(error(ErrorCode::AuthorizationHeaderMalformed,
                                 std::string(kMalformed) + "Invalid credential date \"" + s.credential.date +
                                     "\". This date is not the same as X-Amz-Date: \"" +
                                     s.amz_date.substr(0, 8) + "\"."));
  }

  const auto secret = secrets(s.credential.access_key);
  if (!secret) return std::unexpected(unknown_key(s.credential.access_key));

  const auto skew = now > *request_time ? now - *request_time : *request_time - now;
  if (skew > kMaxSkew) {
    auto e = error(ErrorCode::RequestTimeTooSkewed,
                   "The difference between the request time and the current time is too large.");
    e.details.emplace_back("RequestTime", request_time_text);
    e.details.emplace_back("ServerTime", iso8601_extended(now));
    e.details.emplace_back("MaxAllowedSkewMilliseconds", "900000");
    return std::unexpected(e);
  }

  const auto content_sha = request.header("x-amz-content-sha256");
  if (!content_sha) {
    return std::unexpected(
        error(ErrorCode::InvalidRequest, "Missing required header for this request: x-amz-content-sha256"));
  }
  const auto mode = payload_mode(*content_sha);
  if (!mode) return std::unexpected(mode.error());
  s.payload_hashes = {*content_sha};

  std::string key = signing_key_for(s.credential, *secret, cache);
  if (auto ok = verify_signature(request, s, key); !ok) return std::unexpected(ok.error());

  Identity id = make_identity(s, std::move(key), false);
  id.payload = *mode;
  if (*mode == PayloadMode::Sha256) id.payload_sha256 = to_lower(*content_sha);
  return id;
}

// ---- Query auth (presigned URLs) ---------------------------------------------------------

core::Result<std::int64_t> parse_expires(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return std::unexpected(error(ErrorCode::AuthorizationQueryParametersError, "X-Amz-Expires should be a number"));
  }
  if (value < 1) {
    return std::unexpected(
        error(ErrorCode::AuthorizationQueryParametersError, "X-Amz-Expires must be non-negative"));
  }
  if (value > kMaxPresignExpires) {
    return std::unexpected(error(ErrorCode::AuthorizationQueryParametersError,
                                 "X-Amz-Expires must be less than a week (in seconds) that is 604800"));
  }
  return value;
}

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
  if (now > expiry) {
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
  std::optional<std::string> content_sha = request.header("x-amz-content-sha256");
  if (!content_sha) content_sha = query.find("X-Amz-Content-Sha256");
  PayloadMode mode = PayloadMode::Unsigned;
  if (content_sha) {
    const auto parsed = payload_mode(*content_sha);
    if (!parsed) return std::unexpected(parsed.error());
    mode = *parsed;
    if (*content_sha != kUnsignedPayload) s.payload_hashes.push_back(*content_sha);
  }
  s.payload_hashes.emplace_back(kUnsignedPayload);

  std::string key = signing_key_for(s.credential, *secret, cache);
  const auto matched = verify_signature(request, s, key);
  if (!matched) return std::unexpected(matched.error());
  if (*matched == kUnsignedPayload && mode != PayloadMode::Sha256) mode = PayloadMode::Unsigned;

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

}  // namespace

// ---- RequestView -------------------------------------------------------------------------

std::optional<std::string> RequestView::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return std::nullopt;
}

std::optional<std::string> RequestView::query_param(std::string_view name) const {
  std::string_view q = raw_query;
  std::size_t start = 0;
  while (start <= q.size()) {
    const std::size_t amp = std::min(q.find('&', start), q.size());
    const std::string_view item = q.substr(start, amp - start);
    start = amp + 1;
    const std::size_t eq = item.find('=');
    const auto key = percent_decode(item.substr(0, eq));
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    auto value = percent_decode(item.substr(eq + 1));
    if (value) return value;
  }
  return std::nullopt;
}

bool is_streaming(PayloadMode mode) {
  return mode == PayloadMode::StreamingSigned || mode == PayloadMode::StreamingSignedTrailer ||
         mode == PayloadMode::StreamingUnsignedTrailer;
}

core::Result<Identity> authenticate(const RequestView& request, const SecretLookup& secrets, Clock::time_point now,
                                  SigningKeyCache* cache) {
  const auto authorization = request.header("authorization");
  const QueryParams query(request.raw_query);
  const bool query_auth = has_query_auth(query);
  if (authorization && query_auth) {
    return std::unexpected(error(ErrorCode::InvalidArgument,
                                 "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                                 "Signature query string parameter or the Authorization header should be "
                                 "specified"));
  }
  if (query_auth) return authenticate_query(request, query, secrets, now, cache);
  if (authorization) {
    const std::string_view value = trim(*authorization);
    if (value.starts_with(kAlgorithm) && (value.size() == kAlgorithm.size() || value[kAlgorithm.size()] == ' '))
      return authenticate_header(request, value, secrets, now, cache);
    if (value.starts_with("AWS ") || value.starts_with("AWS4-ECDSA-P256-SHA256"))
      return std::unexpected(unsupported_mechanism());
    auto e = error(ErrorCode::InvalidArgument, "Unsupported Authorization Type");
    e.details.emplace_back("ArgumentName", "Authorization");
    e.details.emplace_back("ArgumentValue", std::string(value));
    return std::unexpected(e);
  }
  if (has_sigv2_query(query)) return std::unexpected(unsupported_mechanism());
  return Identity{};
}

core::Result<void> verify_payload_sha256(const Identity& identity, std::string_view computed_raw_sha256) {
  if (identity.payload != PayloadMode::Sha256) return {};
  const std::string computed = to_hex(computed_raw_sha256);
  if (constant_time_equal(computed, identity.payload_sha256)) return {};
  auto e = error(ErrorCode::XAmzContentSHA256Mismatch,
                 "The provided 'x-amz-content-sha256' header does not match what was computed.");
  e.details.emplace_back("ClientComputedContentSHA256", identity.payload_sha256);
  e.details.emplace_back("S3ComputedContentSHA256", computed);
  return std::unexpected(e);
}

core::Result<std::optional<ExpectedChecksum>> expected_checksum(const RequestView& request) {
  std::vector<ExpectedChecksum> found;
  for (const auto& [name, value] : request.headers) {
    if (auto algorithm = checksum_from_header(name)) found.push_back({*algorithm, value, false});
  }
  if (auto trailer = request.header("x-amz-trailer")) {
    const auto name = trim(*trailer);
    const auto algorithm = checksum_from_header(name);
    if (!algorithm) {
      return std::unexpected(
          error(ErrorCode::InvalidRequest, "The value specified in the x-amz-trailer header is not supported"));
    }
    found.push_back({*algorithm, {}, true});
  }
  if (found.size() > 1) {
    return std::unexpected(error(ErrorCode::InvalidRequest,
                                 "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                                 "allowed."));
  }
  auto sdk_algorithm = request.header("x-amz-sdk-checksum-algorithm");
  if (sdk_algorithm && !found.empty()) {
    const auto declared = parse_checksum_algorithm(trim(*sdk_algorithm));
    if (!declared || *declared != found.front().algorithm) {
      return std::unexpected(
          error(ErrorCode::InvalidRequest, "Value for x-amz-sdk-checksum-algorithm header is invalid."));
    }
  }
  if (found.empty()) return std::optional<ExpectedChecksum>{};
  return std::optional<ExpectedChecksum>{found.front()};
}

}  // namespace auth
