// Request authentication: AWS SigV4 by Authorization header or by query parameters
// (presigned URLs), and SigV2 for S3. Verifies the signature only; what the identity may do (ACLs) is the
// caller's decision, as is hashing the body (see verify_payload_sha256 and chunked.h).
//
// Time comes in as a parameter, so expiry and skew tests need no clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/checksum.h"
#include "auth/signing_key_cache.h"
#include "core/error.h"

namespace auth {

// A request as received, before any decoding the signature depends on.
struct RequestView {
  std::string method;    // "GET"
  std::string raw_path;  // exactly as on the request line, percent-encoding kept, no query
  std::string raw_query; // exactly as sent, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  // Services other than S3 (their SDKs send no x-amz-content-sha256; the signature covers
  // the body's hash): the lowercase hex SHA-256 of the whole body, computed by the caller.
  // Empty: S3's rules (see authenticate()).
  std::string body_sha256;
  // S3 only: accept SigV2 (other services refuse it as an unsupported mechanism), and the
  // bucket named by the Host header of a virtual-hosted request, which SigV2's
  // CanonicalizedResource starts with (empty for path-style requests).
  bool sigv2 = false;
  std::string host_bucket;

  // First header of that name (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  // First query parameter of that (decoded) name, percent-decoded; nullopt if absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

// How the body is protected, from x-amz-content-sha256 (or UNSIGNED-PAYLOAD for a
// presigned URL without it).
enum class PayloadMode {
  Unsigned,                // UNSIGNED-PAYLOAD
  Sha256,                  // hex digest in x-amz-content-sha256: the body must hash to it
  StreamingSigned,         // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  StreamingSignedTrailer,  // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  StreamingUnsignedTrailer // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// True for the three aws-chunked modes (the body must go through ChunkedDecoder).
bool is_streaming(PayloadMode mode);

// Who sent the request and what the signature covered.
struct Identity {
  bool anonymous = true;
  std::string access_key;
  std::string region;    // as signed by the client
  std::string service;   // from the credential scope: "s3", "cloudfront", ...
  std::string date;      // yyyymmdd of the credential scope
  std::string amz_date;  // ISO basic, "20130524T000000Z"
  std::string scope;     // "20130524/us-east-1/s3/aws4_request"
  bool presigned = false;
  PayloadMode payload = PayloadMode::Unsigned;
  std::string payload_sha256;  // Sha256 mode: lowercase hex the body must hash to
  std::string seed_signature;  // the request signature; streaming modes chain from it
  std::string signing_key;     // derived key (raw), for chunk and trailer signatures
};

// A SigV4 credential scope: "<AKID>/<yyyymmdd>/<region>/<service>/aws4_request".
struct Credential {
  std::string access_key, date, region, service;
};
// Parses one; a malformed value -> `code` with S3's message after `message_prefix`
// (e.g. "Error parsing the X-Amz-Credential parameter; ").
core::Result<Credential> parse_credential(std::string_view value, core::ErrorCode code, std::string_view message_prefix);

// What the server knows about an access key.
struct Secret {
  std::string secret_key;
  // Temporary credentials (STS) are valid only with the session token issued with them
  // (X-Amz-Security-Token, header or presigned query parameter) and until `expires`. A
  // long-term key has neither: any token or none is accepted (command functions send
  // AWS_SESSION_TOKEN=minicloud-depth-N with the stack's key; see events/functions.h).
  std::string session_token;
  std::optional<std::chrono::system_clock::time_point> expires;

  // A long-term key. Implicit, so a lookup returning std::optional<std::string> (e.g.
  // stack::Stack::secret_for) is a SecretLookup as it stands.
  Secret(std::string key) : secret_key(std::move(key)) {}  // NOLINT(google-explicit-constructor)
  Secret(std::string key, std::string token, std::chrono::system_clock::time_point expiry)
      : secret_key(std::move(key)), session_token(std::move(token)), expires(expiry) {}
};

// The secret of an access key, or nullopt if the key is unknown.
using SecretLookup = std::function<std::optional<Secret>(std::string_view access_key)>;

// Temporary credentials: `token` (nullopt: none sent) must equal the one issued (constant
// time) -> InvalidToken otherwise, and `now` must be before the expiry ->
// ProvidedTokenExpired ("ExpiredToken") otherwise. A long-term key: always ok. The errors
// are S3's; rpc/ renames them for the query and JSON services.
core::Result<void> check_session_token(const Secret& secret, const std::optional<std::string>& token,
                                       std::chrono::system_clock::time_point now);

// Authenticate one request.
//  - No Authorization header and no X-Amz-Algorithm/X-Amz-Signature/X-Amz-Credential
//    parameter: anonymous Identity (never an error).
//  - "Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…":
//    x-amz-content-sha256 required, unless request.body_sha256 is given: then that is the
//    payload hash signed, and an x-amz-content-sha256 sent must equal it
//    (XAmzContentSHA256Mismatch otherwise); X-Amz-Date (or Date) within 15 minutes of `now`
//    (RequestTimeTooSkewed otherwise); credential date must equal the X-Amz-Date day.
//  - Query auth (X-Amz-Algorithm=AWS4-HMAC-SHA256 …): X-Amz-Expires 1..604800
//    (AuthorizationQueryParametersError otherwise), past X-Amz-Date + X-Amz-Expires ->
//    AccessDenied "Request has expired"; every header in X-Amz-SignedHeaders must be
//    present; x-amz-* request headers that are not signed -> AccessDenied; every query
//    parameter except X-Amz-Signature is signed as given (X-Amz-Security-Token and SDK
//    checksum parameters included). Payload is UNSIGNED-PAYLOAD unless an
//    x-amz-content-sha256 header is sent; with request.body_sha256 it is that hash.
//  - Unknown access key -> InvalidAccessKeyId; wrong signature -> SignatureDoesNotMatch
//    with AWS's details (AWSAccessKeyId, StringToSign, SignatureProvided,
//    StringToSignBytes, CanonicalRequest, CanonicalRequestBytes). Comparison is
//    constant-time.
//  - Then, for temporary credentials, check_session_token (after the signature, so only
//    the holder of the secret learns whether a token is right).
//  - SigV2 when request.sigv2 (S3): "Authorization: AWS key:sig" with Date (or x-amz-date)
//    within 15 minutes of `now`, or the AWSAccessKeyId/Signature/Expires query (any of the
//    first two present selects it; one missing -> AccessDenied; Expires in the past ->
//    AccessDenied "Request has expired"). The string to sign is S3's (sigv2.h), x-amz-*
//    query parameters counting as headers; SignatureDoesNotMatch carries AWSAccessKeyId,
//    StringToSign, SignatureProvided and StringToSignBytes. SigV2 does not sign the body:
//    payload is Unsigned unless x-amz-content-sha256 says otherwise (chunk-signed
//    aws-chunked bodies need SigV4 and are refused). Session tokens as for SigV4.
//  - SigV2 elsewhere and SigV4A: InvalidRequest "The authorization mechanism you have
//    provided is not supported. Please use AWS4-HMAC-SHA256."
//  - `cache` (optional, owned by the caller) memoises signing keys; see signing_key_cache.h.
core::Result<Identity> authenticate(const RequestView& request, const SecretLookup& secrets,
                                  std::chrono::system_clock::time_point now, SigningKeyCache* cache = nullptr);

// For PayloadMode::Sha256: compare the body's raw SHA-256 with what was signed.
// Mismatch -> XAmzContentSHA256Mismatch (details ClientComputedContentSHA256,
// S3ComputedContentSHA256). Other modes: always ok.
core::Result<void> verify_payload_sha256(const Identity& identity, std::string_view computed_raw_sha256);

// A checksum the client asked us to verify against the whole body.
struct ExpectedChecksum {
  ChecksumAlgorithm algorithm;
  std::string value_base64;   // empty when it arrives in the aws-chunked trailer
  bool in_trailer = false;    // declared by x-amz-trailer; value comes from ChunkedDecoder
};

// The checksum a request carries: an x-amz-checksum-* header or a trailer declared in
// x-amz-trailer. x-amz-checksum-* query parameters are not checksums, as on S3: aws-sdk-js
// v3 (>= 3.729) signs the CRC32 of an empty body into every presigned PutObject URL, and
// uploads of real files through such URLs succeed on AWS. More than one -> InvalidRequest ("Expecting a single x-amz-checksum-
// header"); x-amz-sdk-checksum-algorithm naming a different algorithm -> InvalidRequest.
// nullopt when there is none.
core::Result<std::optional<ExpectedChecksum>> expected_checksum(const RequestView& request);

}  // namespace auth
