#include <catch2/catch.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>

#include "api/jwt.h"
#include "auth/crypto.h"

using api::jwt::ErrorCode;
using nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;  // the injected clock, Unix seconds
const std::string kSecret = "minicloud-dev-secret";

api::jwt::VerifyOptions hs256_options() {
  api::jwt::VerifyOptions options;
  options.hs256_secret = kSecret;
  return options;
}

json access_claims() {
  return {{"sub", "5b6e1b0e-0000-4000-8000-000000000001"}, {"token_use", "access"}, {"iat", kNow - 60},
          {"exp", kNow + 3600}, {"client_id", "app-client"}, {"iss", "https://cognito-idp.us-east-1.amazonaws.com/pool"}};
}

// The code of the failure, or nullopt when the token verified.
std::optional<ErrorCode> failure(std::string_view token, const api::jwt::VerifyOptions& options, std::int64_t now = kNow) {
  auto result = api::jwt::verify(token, options, now);
  if (result) return std::nullopt;
  return result.error().code;
}

std::string b64url(std::string_view bytes) { return api::jwt::base64url_encode(bytes); }

// A token with any header, payload and signature bytes (for the malformed cases).
std::string raw_token(const json& header, const json& payload, std::string_view signature) {
  return b64url(header.dump()) + "." + b64url(payload.dump()) + "." + b64url(signature);
}

// A fresh RSA key, its JWKS (Cognito's format) and an RS256 signer, all with OpenSSL.
struct RsaKey {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};

  explicit RsaKey(unsigned bits = 2048) : key(EVP_RSA_gen(bits), EVP_PKEY_free) { REQUIRE(key); }

  static std::string bignum_bytes(EVP_PKEY* key, const char* name) {
    BIGNUM* bn = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return bytes;
  }

  json jwk(const std::string& kid) const {
    return {{"alg", "RS256"}, {"e", b64url(bignum_bytes(key.get(), OSSL_PKEY_PARAM_RSA_E))}, {"kid", kid},
            {"kty", "RSA"},   {"n", b64url(bignum_bytes(key.get(), OSSL_PKEY_PARAM_RSA_N))}, {"use", "sig"}};
  }

  std::string sign(const json& header, const json& payload) const {
    const std::string signed_part = b64url(header.dump()) + "." + b64url(payload.dump());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    REQUIRE(EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
    std::size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(signed_part.data());
    REQUIRE(EVP_DigestSign(context.get(), nullptr, &size, data, signed_part.size()) == 1);
    std::string signature(size, '\0');
    REQUIRE(EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                           signed_part.size()) == 1);
    signature.resize(size);
    return signed_part + "." + b64url(signature);
  }
};

// One key per test run: RSA generation takes a moment.
const RsaKey& test_key() {
  static const RsaKey key;
  return key;
}

std::shared_ptr<const api::jwt::KeySet> test_jwks() {
  json jwks = {{"keys", json::array({test_key().jwk("kid-1")})}};
  auto set = api::jwt::KeySet::parse(jwks.dump());
  REQUIRE(set);
  return *set;
}

}  // namespace

TEST_CASE("base64url is strict: no padding, no standard-alphabet characters", "[jwt]") {
  CHECK(api::jwt::base64url_encode("\xfb\xff") == "-_8");
  CHECK(api::jwt::base64url_decode("-_8") == std::string("\xfb\xff"));
  CHECK(api::jwt::base64url_decode("") == std::string());
  CHECK_FALSE(api::jwt::base64url_decode("+/8"));
  CHECK_FALSE(api::jwt::base64url_decode("-_8="));
  CHECK_FALSE(api::jwt::base64url_decode("abcde"));  // 5 characters cannot encode whole bytes
  CHECK_FALSE(api::jwt::base64url_decode("ab\xff"));
}

TEST_CASE("an HS256 token signed by another library verifies (jwt.io's example)", "[jwt]") {
  // jwt.io's sample token: signed with "your-256-bit-secret", no exp. The signature passes,
  // then the missing exp is refused (verify requires it, as API Gateway does).
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  api::jwt::VerifyOptions options;
  options.hs256_secret = "your-256-bit-secret";
  auto result = api::jwt::verify(token, options, kNow);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::Malformed);
  CHECK(result.error().message == "token has no exp claim");
  options.hs256_secret = "another secret";
  CHECK(failure(token, options) == ErrorCode::InvalidSignature);
}

TEST_CASE("HS256: a valid token gives its claims", "[jwt]") {
  const std::string token = api::jwt::sign_hs256(access_claims(), kSecret);
  auto claims = api::jwt::verify(token, hs256_options(), kNow);
  REQUIRE(claims);
  CHECK((*claims)["sub"] == "5b6e1b0e-0000-4000-8000-000000000001");
  // The header sign_hs256 writes.
  CHECK(api::jwt::base64url_decode(token.substr(0, token.find('.'))) == std::string(R"({"alg":"HS256","typ":"JWT"})"));
}

TEST_CASE("HS256: exp and nbf are checked against the injected clock with 5 s of leeway", "[jwt]") {
  json claims = access_claims();
  claims["exp"] = kNow - 10;
  auto expired = api::jwt::verify(api::jwt::sign_hs256(claims, kSecret), hs256_options(), kNow);
  REQUIRE_FALSE(expired);
  CHECK(expired.error().code == ErrorCode::Expired);
  CHECK(expired.error().message == "token expired");
  // Inside the leeway, and the same token a little earlier.
  claims["exp"] = kNow - 4;
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), hs256_options()) == std::nullopt);
  claims["exp"] = kNow - 10;
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), hs256_options(), kNow - 20) == std::nullopt);
  // A fractional exp is a number too.
  claims["exp"] = static_cast<double>(kNow) + 0.5;
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), hs256_options()) == std::nullopt);

  claims = access_claims();
  claims["nbf"] = kNow + 60;
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), hs256_options()) == ErrorCode::NotYetValid);
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), hs256_options(), kNow + 60) == std::nullopt);
  claims["nbf"] = kNow + 3;
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), hs256_options()) == std::nullopt);

  claims = access_claims();
  claims.erase("exp");
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), hs256_options()) == ErrorCode::Malformed);
  claims["exp"] = "tomorrow";
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), hs256_options()) == ErrorCode::Malformed);
}

TEST_CASE("HS256: a wrong secret or a changed payload is an invalid signature", "[jwt]") {
  const std::string token = api::jwt::sign_hs256(access_claims(), kSecret);
  CHECK(failure(api::jwt::sign_hs256(access_claims(), "not the secret"), hs256_options()) == ErrorCode::InvalidSignature);
  // Swap in another payload, keep the signature.
  json other = access_claims();
  other["sub"] = "someone-else";
  const auto dot1 = token.find('.'), dot2 = token.rfind('.');
  const std::string forged = token.substr(0, dot1 + 1) + b64url(other.dump()) + token.substr(dot2);
  CHECK(failure(forged, hs256_options()) == ErrorCode::InvalidSignature);
  // A truncated signature.
  CHECK(failure(token.substr(0, token.size() - 4), hs256_options()) == ErrorCode::InvalidSignature);
}

TEST_CASE("alg none and unknown algorithms are refused", "[jwt]") {
  const std::string payload = b64url(access_claims().dump());
  for (const char* none : {"none", "None", "NONE"}) {
    const std::string header = b64url(json{{"alg", none}, {"typ", "JWT"}}.dump());
    auto result = api::jwt::verify(header + "." + payload + ".", hs256_options(), kNow);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::UnsupportedAlgorithm);
    CHECK(result.error().message == "unsigned tokens (alg none) are not accepted");
    CHECK(failure(header + "." + payload + "." + b64url("x"), hs256_options()) == ErrorCode::UnsupportedAlgorithm);
  }
  for (const char* alg : {"HS512", "RS512", "ES256", "hs256"})
    CHECK(failure(raw_token({{"alg", alg}}, access_claims(), "sig"), hs256_options()) == ErrorCode::UnsupportedAlgorithm);
}

TEST_CASE("malformed tokens get Malformed, never a crash", "[jwt]") {
  const auto options = hs256_options();
  const std::string good = api::jwt::sign_hs256(access_claims(), kSecret);
  for (std::string token : {std::string(), std::string("abc"), std::string("a.b"), good + ".x", std::string(".."),
                            std::string("!!!.@@@.###"), std::string("eyJhbGciOiJIUzI1NiJ9\xff.eyJ9.abc"),
                            std::string(20000, 'a') + ".b.c"})
    CHECK(failure(token, options) == ErrorCode::Malformed);
  // Parts that are base64url but not JSON objects, or an alg that is not a string.
  CHECK(failure(b64url("[1,2]") + "." + b64url(access_claims().dump()) + "." + b64url("s"), options) == ErrorCode::Malformed);
  CHECK(failure(b64url(R"({"alg":"HS256"})") + "." + b64url("not json") + "." + b64url("s"), options) == ErrorCode::Malformed);
  CHECK(failure(raw_token({{"alg", 1}}, access_claims(), "s"), options) == ErrorCode::Malformed);
  CHECK(failure(raw_token({{"typ", "JWT"}}, access_claims(), "s"), options) == ErrorCode::Malformed);
  // An empty or non-base64url signature.
  CHECK(failure(good.substr(0, good.rfind('.') + 1), options) == ErrorCode::Malformed);
  CHECK(failure(good.substr(0, good.rfind('.') + 1) + "a+b/", options) == ErrorCode::Malformed);
}

TEST_CASE("issuer, token_use and audience are checked when configured", "[jwt]") {
  auto options = hs256_options();
  options.issuer = "https://cognito-idp.us-east-1.amazonaws.com/pool";
  options.token_use = "access";
  options.audience = "app-client";
  const std::string good = api::jwt::sign_hs256(access_claims(), kSecret);
  CHECK(failure(good, options) == std::nullopt);

  json claims = access_claims();
  claims["iss"] = "https://cognito-idp.us-east-1.amazonaws.com/other-pool";
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), options) == ErrorCode::WrongIssuer);
  claims.erase("iss");
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), options) == ErrorCode::WrongIssuer);

  claims = access_claims();
  claims["token_use"] = "id";
  auto wrong_use = api::jwt::verify(api::jwt::sign_hs256(claims, kSecret), options, kNow);
  REQUIRE_FALSE(wrong_use);
  CHECK(wrong_use.error().code == ErrorCode::WrongTokenUse);
  CHECK(wrong_use.error().message == "wrong token_use (expected access)");

  // Access tokens carry the app client in client_id (an aud there does not count).
  claims = access_claims();
  claims["client_id"] = "another-client";
  claims["aud"] = "app-client";
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), options) == ErrorCode::WrongAudience);

  // Id tokens carry it in aud (a string or an array).
  options.token_use = "id";
  claims = access_claims();
  claims["token_use"] = "id";
  claims.erase("client_id");
  claims["aud"] = "app-client";
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), options) == std::nullopt);
  claims["aud"] = json::array({"x", "app-client"});
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), options) == std::nullopt);
  claims["aud"] = "another-client";
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), options) == ErrorCode::WrongAudience);

  // With no token_use configured, the token's own token_use says where to look.
  options.token_use.clear();
  CHECK(failure(good, options) == std::nullopt);
  claims = access_claims();
  claims["client_id"] = "another-client";
  CHECK(failure(api::jwt::sign_hs256(claims, kSecret), options) == ErrorCode::WrongAudience);
}

TEST_CASE("RS256 with a JWKS: the key is chosen by kid", "[jwt]") {
  api::jwt::VerifyOptions options;
  options.jwks = test_jwks();
  const json header = {{"alg", "RS256"}, {"kid", "kid-1"}};
  const std::string token = test_key().sign(header, access_claims());
  auto claims = api::jwt::verify(token, options, kNow);
  REQUIRE(claims);
  CHECK((*claims)["token_use"] == "access");

  CHECK(failure(test_key().sign({{"alg", "RS256"}, {"kid", "kid-2"}}, access_claims()), options) == ErrorCode::UnknownKey);
  CHECK(failure(test_key().sign({{"alg", "RS256"}}, access_claims()), options) == ErrorCode::UnknownKey);
  // Another key's signature under kid-1.
  RsaKey other;
  CHECK(failure(other.sign(header, access_claims()), options) == ErrorCode::InvalidSignature);
  // Expiry applies to RS256 too.
  json claims_expired = access_claims();
  claims_expired["exp"] = kNow - 3600;
  CHECK(failure(test_key().sign(header, claims_expired), options) == ErrorCode::Expired);
  // A route without a JWKS refuses RS256; one without a secret refuses HS256.
  CHECK(failure(token, hs256_options()) == ErrorCode::UnsupportedAlgorithm);
  CHECK(failure(api::jwt::sign_hs256(access_claims(), kSecret), options) == ErrorCode::UnsupportedAlgorithm);
}

TEST_CASE("alg/key confusion: an HS256 token keyed with the public key does not pass", "[jwt]") {
  // The classic attack: sign HS256 with the RSA public key (here its JWK text) as the HMAC
  // key and a kid from the JWKS. The secret is the only HS256 key, so this fails.
  api::jwt::VerifyOptions options = hs256_options();
  options.jwks = test_jwks();
  const std::string public_key_text = test_key().jwk("kid-1").dump();
  const std::string signed_part = b64url(json{{"alg", "HS256"}, {"kid", "kid-1"}}.dump()) + "." + b64url(access_claims().dump());
  const std::string token = signed_part + "." + b64url(auth::hmac_sha256(public_key_text, signed_part));
  CHECK(failure(token, options) == ErrorCode::InvalidSignature);
  // And an RS256 header on an HMAC signature is an invalid RSA signature.
  const std::string rs_part = b64url(json{{"alg", "RS256"}, {"kid", "kid-1"}}.dump()) + "." + b64url(access_claims().dump());
  CHECK(failure(rs_part + "." + b64url(auth::hmac_sha256(kSecret, rs_part)), options) == ErrorCode::InvalidSignature);
}

TEST_CASE("JWKS documents: Cognito's shape parses, bad keys are refused with a reason", "[jwt]") {
  json cognito = {{"keys", json::array({test_key().jwk("abc123="), RsaKey().jwk("def456=")})}};
  auto set = api::jwt::KeySet::parse(cognito.dump());
  REQUIRE(set);
  CHECK((*set)->size() == 2);

  // Keys of other types are skipped; a set with only those has no usable key.
  json ec = {{"kty", "EC"}, {"crv", "P-256"}, {"kid", "ec"}, {"x", "AA"}, {"y", "AA"}};
  json mixed = {{"keys", json::array({ec, test_key().jwk("rsa")})}};
  REQUIRE(api::jwt::KeySet::parse(mixed.dump()));
  CHECK_FALSE(api::jwt::KeySet::parse(json{{"keys", json::array({ec})}}.dump()));

  auto refused = [](json key) { return !api::jwt::KeySet::parse(json{{"keys", json::array({key})}}.dump()).has_value(); };
  json key = test_key().jwk("k");
  json no_n = key;
  no_n.erase("n");
  CHECK(refused(no_n));
  json wrong_alg = key;
  wrong_alg["alg"] = "HS256";
  CHECK(refused(wrong_alg));
  json wrong_use = key;
  wrong_use["use"] = "enc";
  CHECK(refused(wrong_use));
  json bad_n = key;
  bad_n["n"] = "not+base64url";
  CHECK(refused(bad_n));
  json no_kid = key;
  no_kid.erase("kid");
  CHECK(refused(no_kid));
  CHECK(refused(RsaKey(1024).jwk("small")));
  auto duplicate = api::jwt::KeySet::parse(json{{"keys", json::array({key, key})}}.dump());
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().find("duplicate kid") != std::string::npos);
  CHECK_FALSE(api::jwt::KeySet::parse("{}"));
  CHECK_FALSE(api::jwt::KeySet::parse("not json"));
  CHECK_FALSE(api::jwt::KeySet::load_file("/nonexistent/jwks.json"));
}
