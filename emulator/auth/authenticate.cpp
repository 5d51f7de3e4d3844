// SigV4 verification (SigV2 in authenticate_v2.cpp). The order of checks follows what S3 answers when several things are
// wrong at once: shape of the auth data, then the date, then the key, then the clock,
// then the signature. Header auth is here, query auth (presigned URLs) in
// authenticate_query.cpp, what both share in signed_request.cpp.
#include "auth/authenticate.h"

#include <algorithm>

#include "auth/crypto.h"
#include "auth/signed_request.h"
#include "auth/sigv4.h"
#include "http/message.h"

namespace auth {

namespace {

using http::iequals;
using http::to_lower;
using http::trim;

using core::ErrorCode;
using Clock = std::chrono::system_clock;
using namespace detail;

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

  auto content_sha = request.header("x-amz-content-sha256");
  if (!request.body_sha256.empty()) {
    if (content_sha && !iequals(*content_sha, request.body_sha256))
      return std::unexpected(body_hash_mismatch(*content_sha, request.body_sha256));
    if (!content_sha) content_sha = request.body_sha256;
  }
  if (!content_sha) {
    return std::unexpected(
        error(ErrorCode::InvalidRequest, "Missing required header for this request: x-amz-content-sha256"));
  }
  const auto mode = payload_mode(*content_sha);
  if (!mode) return std::unexpected(mode.error());
  s.payload_hashes = {*content_sha};

  std::string key = signing_key_for(s.credential, secret->secret_key, cache);
  if (auto ok = verify_signature(request, s, key); !ok) return std::unexpected(ok.error());
  if (auto ok = check_session_token(*secret, request.header("x-amz-security-token"), now); !ok)
    return std::unexpected(ok.error());

  Identity id = make_identity(s, std::move(key), false);
  id.payload = *mode;
  if (*mode == PayloadMode::Sha256) id.payload_sha256 = to_lower(*content_sha);
  return id;
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
  const bool v2_query = request.sigv2 && !query_auth && has_v2_query(query);
  if (authorization && (query_auth || v2_query)) {
    return std::unexpected(error(ErrorCode::InvalidArgument,
                                 "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                                 "Signature query string parameter or the Authorization header should be "
                                 "specified"));
  }
  if (query_auth) return authenticate_query(request, query, secrets, now, cache);
  if (v2_query) return authenticate_v2_query(request, query, secrets, now);
  if (authorization) {
    const std::string_view value = trim(*authorization);
    if (value.starts_with(kAlgorithm) && (value.size() == kAlgorithm.size() || value[kAlgorithm.size()] == ' '))
      return authenticate_header(request, value, secrets, now, cache);
    if (value.starts_with("AWS ") && request.sigv2) return authenticate_v2_header(request, value, secrets, now);
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
  return std::unexpected(body_hash_mismatch(identity.payload_sha256, computed));
}

core::Result<void> check_session_token(const Secret& secret, const std::optional<std::string>& token,
                                       Clock::time_point now) {
  if (secret.session_token.empty()) return {};
  if (!token || !constant_time_equal(*token, secret.session_token))
    return std::unexpected(error(ErrorCode::InvalidToken));
  if (secret.expires && now >= *secret.expires) return std::unexpected(error(ErrorCode::ProvidedTokenExpired));
  return {};
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