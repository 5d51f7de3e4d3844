// JWT verification for the presign routes, the way the original API Gateway authorizer
// (aws-jwt-verify's CognitoJwtVerifier) checks a Cognito token: signature first (HS256
// with a shared dev secret, or RS256 with the JWKS key named by the token's `kid`), then
// exp / nbf against the caller's clock, then iss, token_use and the app client id.
//
// OpenSSL's EVP directly, not cpp-jwt: Debian's cpp-jwt 1.4 reads out of bounds on a token
// byte >= 0x80 (its base64 table is indexed by a signed char), throws from its error-code
// API on a non-string "alg", and checks exp against the system clock before the signature.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace api::jwt {

enum class ErrorCode {
  Malformed,             // not three base64url parts of JSON objects
  UnsupportedAlgorithm,  // alg none, an unknown alg, or one the route has no key for
  UnknownKey,            // RS256 with a kid not in the JWKS
  InvalidSignature,
  Expired,
  NotYetValid,  // nbf in the future
  WrongIssuer,
  WrongTokenUse,
  WrongAudience,
};

struct Error {
  ErrorCode code;
  std::string message;  // for the 401 body: says what is wrong, never the secret
};

// The RSA signing keys of a JWKS document ({"keys": [{"kid", "kty": "RSA", "alg": "RS256",
// "n", "e", "use": "sig"}]}, e.g. a Cognito pool's /.well-known/jwks.json), by kid.
// Immutable after parsing; shared by every request thread.
class KeySet {
 public:
  // Keys of other types (EC, oct) are skipped; an RSA key with a bad n/e, under 2048 bits,
  // or with an alg other than RS256 or a use other than sig is an error, as is a set with
  // no usable key. The error names the key.
  static std::expected<std::shared_ptr<const KeySet>, std::string> parse(std::string_view jwks_json);
  static std::expected<std::shared_ptr<const KeySet>, std::string> load_file(const std::string& path);

  std::size_t size() const { return keys_.size(); }
  // True when `signature` is a valid RS256 signature of `signed_part` by the key `kid`.
  // nullopt when there is no such key.
  std::optional<bool> verify_rs256(const std::string& kid, std::string_view signed_part,
                                   std::string_view signature) const;

 private:
  struct FreeKey {
    void operator()(evp_pkey_st* key) const;
  };
  KeySet() = default;
  std::map<std::string, std::unique_ptr<evp_pkey_st, FreeKey>> keys_;  // by kid
};

struct VerifyOptions {
  std::string hs256_secret;             // empty: HS256 tokens are refused
  std::shared_ptr<const KeySet> jwks;   // null: RS256 tokens are refused
  std::string issuer;                   // empty: not checked
  std::string audience;                 // empty: not checked (client_id or aud, see verify)
  std::string token_use;                // "access" | "id" | empty (not checked)
  std::int64_t leeway_s = 5;            // clock skew allowed on exp and nbf
};

// Verifies `token` at `now_s` (Unix seconds) and returns its payload. exp is required.
// The audience is the app client id: Cognito puts it in `client_id` in access tokens and
// in `aud` (string or array) in id tokens; which one is read follows the configured
// token_use, else the token's own token_use.
std::expected<nlohmann::json, Error> verify(std::string_view token, const VerifyOptions& options, std::int64_t now_s);

// {"alg":"HS256","typ":"JWT"}.payload.signature, for `minicloud token` and tests.
std::string sign_hs256(const nlohmann::json& payload, std::string_view secret);

// RFC 4648 base64url without padding (what JWTs use); decode is strict (no padding, no
// other characters, no impossible length).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace api::jwt
