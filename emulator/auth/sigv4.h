// AWS Signature Version 4 building blocks, shared by verification (authenticate.h),
// presigning (presign.h) and the aws-chunked decoder (chunked.h).
//
// Reference: AWS SigV4 "Create a canonical request" and the S3 pages "Signature
// Calculations for the Authorization Header" / "Authenticating Requests: Using Query
// Parameters". S3 differs from other services in two ways that matter here: the path is
// not normalised and not double-encoded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auth {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
// SHA-256 of the empty string.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Longest validity of a presigned URL (7 days), in seconds.
inline constexpr std::int64_t kMaxPresignExpires = 604800;
// Allowed clock skew for header auth.
inline constexpr std::chrono::minutes kMaxSkew{15};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// AWS UriEncode: every byte except A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex);
// '/' is kept when encode_slash is false (object key paths).
std::string uri_encode(std::string_view raw, bool encode_slash);
// %XX decoding only ('+' stays '+'). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// Canonical URI from the path exactly as received: each '/'-separated segment is
// percent-decoded and re-encoded with uri_encode, so "%2F" inside a segment survives,
// "%7e" becomes "~", and nothing is normalised ("//", "." and ".." stay).
// nullopt on a malformed escape.
std::optional<std::string> canonical_uri(std::string_view raw_path);

// Canonical query string from the raw query (without '?'): split on '&', each name and
// value percent-decoded and re-encoded with uri_encode(…, true), sorted by encoded name
// then encoded value, "name=value" joined with '&' (a parameter without '=' gets an empty
// value). Parameters named in `exclude` (compared on the decoded name, exactly) are
// dropped, e.g. X-Amz-Signature for presigned URLs.
// `plus_is_space`: decode '+' as a space (form encoding) instead of a literal '+'.
std::optional<std::string> canonical_query(std::string_view raw_query,
                                           std::string_view exclude = {},
                                           bool plus_is_space = false);

// Header value canonicalisation: trim, collapse inner runs of spaces/tabs to one space.
std::string canonical_header_value(std::string_view value);

// The canonical headers block for `signed_headers` (lowercase names, sorted, unique):
// "name:value\n" for each, values of repeated headers joined with ','. A signed header
// absent from `headers` yields "name:\n"; `missing` (if not null) receives its name.
std::string canonical_headers(const HeaderList& headers,
                              const std::vector<std::string>& signed_headers,
                              std::string* missing = nullptr);

// Assemble the canonical request from its already-canonical parts.
std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::string_view canonical_headers,
                              std::string_view signed_headers_joined, std::string_view payload_hash);

// "20130524/us-east-1/s3/aws4_request"
std::string credential_scope(std::string_view date, std::string_view region, std::string_view service);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>"
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"), raw.
std::string derive_signing_key(std::string_view secret, std::string_view date,
                               std::string_view region, std::string_view service);

// Lowercase hex HMAC-SHA256(signing_key, string_to_sign).
std::string sign(std::string_view signing_key, std::string_view string_to_sign);

// ISO 8601 basic format, UTC: "20130524T000000Z". Seconds precision.
std::string format_amz_date(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text);
// RFC 1123 / IMF-fixdate ("Fri, 24 May 2013 00:00:00 GMT", or "... +0000"), for a Date header.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

}  // namespace auth
