#include "api/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <sstream>

#include "auth/crypto.h"

namespace api::jwt {
namespace {

using nlohmann::json;
using Unexpected = std::unexpected<Error>;

// Cognito tokens are 1-2 KB; anything far larger is not a token worth parsing.
constexpr std::size_t kMaxTokenBytes = 16 * 1024;
constexpr int kMinRsaBits = 2048;  // RFC 7518 3.3: RS256 keys MUST be 2048 bits or larger

Unexpected fail(ErrorCode code, std::string message) { return Unexpected(Error{code, std::move(message)}); }

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BigNum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using KeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::optional<json> decode_json_object(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text) return std::nullopt;
  json value = json::parse(*text, nullptr, false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

// An RSA public key from a JWK's base64url n and e; the error says what is wrong.
std::expected<EVP_PKEY*, std::string> rsa_public_key(std::string_view n_text, std::string_view e_text) {
  auto n_bytes = base64url_decode(n_text);
  auto e_bytes = base64url_decode(e_text);
  if (!n_bytes || n_bytes->empty() || !e_bytes || e_bytes->empty()) return std::unexpected("\"n\" and \"e\" must be base64url");
  BigNum n(BN_bin2bn(bytes_of(*n_bytes), static_cast<int>(n_bytes->size()), nullptr));
  BigNum e(BN_bin2bn(bytes_of(*e_bytes), static_cast<int>(e_bytes->size()), nullptr));
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!n || !e || !builder || !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
    return std::unexpected("out of memory");
  Params params(OSSL_PARAM_BLD_to_param(builder.get()));
  KeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !key)
    return std::unexpected("not a valid RSA public key");
  if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
    int bits = EVP_PKEY_get_bits(key);
    EVP_PKEY_free(key);
    return std::unexpected("RSA key of " + std::to_string(bits) + " bits (RS256 needs at least 2048)");
  }
  return key;
}

std::optional<std::string> string_claim(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::expected<void, Error> check_times(const json& payload, const VerifyOptions& options, std::int64_t now_s) {
  auto exp = payload.find("exp");
  if (exp == payload.end()) return fail(ErrorCode::Malformed, "token has no exp claim");
  if (!exp->is_number()) return fail(ErrorCode::Malformed, "exp must be a number");
  const double now = static_cast<double>(now_s);
  if (now >= exp->get<double>() + static_cast<double>(options.leeway_s)) return fail(ErrorCode::Expired, "token expired");
  if (auto nbf = payload.find("nbf"); nbf != payload.end()) {
    if (!nbf->is_number()) return fail(ErrorCode::Malformed, "nbf must be a number");
    if (now + static_cast<double>(options.leeway_s) < nbf->get<double>())
      return fail(ErrorCode::NotYetValid, "token not yet valid (nbf is in the future)");
  }
  return {};
}

std::expected<void, Error> check_claims(const json& payload, const VerifyOptions& options) {
  if (!options.issuer.empty() && string_claim(payload, "iss") != options.issuer)
    return fail(ErrorCode::WrongIssuer, "wrong issuer (expected " + options.issuer + ")");
  const auto token_use = string_claim(payload, "token_use");
  if (!options.token_use.empty() && token_use != options.token_use)
    return fail(ErrorCode::WrongTokenUse, "wrong token_use (expected " + options.token_use + ")");
  if (!options.audience.empty()) {
    const std::string use = options.token_use.empty() ? token_use.value_or("") : options.token_use;
    bool matches = false;
    if (use == "access") {
      matches = string_claim(payload, "client_id") == options.audience;
    } else if (auto aud = payload.find("aud"); aud != payload.end()) {
      if (aud->is_string()) matches = aud->get<std::string>() == options.audience;
      if (aud->is_array())
        for (const auto& a : *aud) matches = matches || (a.is_string() && a.get<std::string>() == options.audience);
    }
    if (!matches)
      return fail(ErrorCode::WrongAudience,
                  std::string("wrong audience (") + (use == "access" ? "client_id" : "aud") + " is not " + options.audience + ")");
  }
  return {};
}

}  // namespace

void KeySet::FreeKey::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

std::expected<std::shared_ptr<const KeySet>, std::string> KeySet::parse(std::string_view jwks_json) {
  json doc = json::parse(jwks_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::unexpected("JWKS: not a JSON object");
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) return std::unexpected("JWKS: \"keys\" must be an array");
  std::shared_ptr<KeySet> set(new KeySet());
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const json& jwk = (*keys)[i];
    const std::string where = "JWKS keys[" + std::to_string(i) + "]";
    if (!jwk.is_object()) return std::unexpected(where + ": must be an object");
    if (string_claim(jwk, "kty") != "RSA") continue;  // EC or symmetric keys: not used here
    auto kid = string_claim(jwk, "kid");
    if (!kid || kid->empty()) return std::unexpected(where + ": \"kid\" is required");
    const std::string named = where + " (kid " + *kid + ")";
    if (auto alg = jwk.find("alg"); alg != jwk.end() && *alg != "RS256") return std::unexpected(named + ": \"alg\" must be RS256");
    if (auto use = jwk.find("use"); use != jwk.end() && *use != "sig") return std::unexpected(named + ": \"use\" must be sig");
    auto n = string_claim(jwk, "n");
    auto e = string_claim(jwk, "e");
    if (!n || !e) return std::unexpected(named + ": \"n\" and \"e\" are required");
    auto key = rsa_public_key(*n, *e);
    if (!key) return std::unexpected(named + ": " + key.error());
    std::unique_ptr<evp_pkey_st, FreeKey> owned(*key);
    if (!set->keys_.emplace(*kid, std::move(owned)).second) return std::unexpected(named + ": duplicate kid");
  }
  if (set->keys_.empty()) return std::unexpected("JWKS: no RSA signing key");
  return set;
}

std::expected<std::shared_ptr<const KeySet>, std::string> KeySet::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read the JWKS file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto set = parse(buffer.str());
  if (!set) return std::unexpected(path + ": " + set.error());
  return set;
}

std::optional<bool> KeySet::verify_rs256(const std::string& kid, std::string_view signed_part,
                                         std::string_view signature) const {
  auto it = keys_.find(kid);
  if (it == keys_.end()) return std::nullopt;
  // The EVP_PKEY is only read here; OpenSSL 3 allows that from many threads at once.
  DigestContext context(EVP_MD_CTX_new());
  if (!context || EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, it->second.get()) != 1) return false;
  return EVP_DigestVerify(context.get(), bytes_of(signature), signature.size(), bytes_of(signed_part), signed_part.size()) == 1;
}

std::expected<json, Error> verify(std::string_view token, const VerifyOptions& options, std::int64_t now_s) {
  if (token.size() > kMaxTokenBytes) return fail(ErrorCode::Malformed, "malformed token (too long)");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return fail(ErrorCode::Malformed, "malformed token (expected header.payload.signature)");
  const std::string_view signed_part = token.substr(0, second);
  auto header = decode_json_object(token.substr(0, first));
  auto payload = decode_json_object(token.substr(first + 1, second - first - 1));
  if (!header || !payload) return fail(ErrorCode::Malformed, "malformed token (header and payload must be base64url JSON objects)");

  const auto alg = string_claim(*header, "alg");
  if (!alg) return fail(ErrorCode::Malformed, "malformed token (no alg in the header)");
  if (*alg == "none" || *alg == "None" || *alg == "NONE")
    return fail(ErrorCode::UnsupportedAlgorithm, "unsigned tokens (alg none) are not accepted");
  auto signature = base64url_decode(token.substr(second + 1));
  if (!signature || signature->empty()) return fail(ErrorCode::Malformed, "malformed token (the signature is not base64url)");

  // The key follows from the algorithm: the secret only ever checks HS256 and the JWKS
  // only RS256, so an HS256 token "signed" with the public key cannot pass.
  if (*alg == "HS256") {
    if (options.hs256_secret.empty()) return fail(ErrorCode::UnsupportedAlgorithm, "HS256 tokens are not accepted here (no hs256_secret)");
    if (!auth::constant_time_equal(auth::hmac_sha256(options.hs256_secret, signed_part), *signature))
      return fail(ErrorCode::InvalidSignature, "invalid signature");
  } else if (*alg == "RS256") {
    if (!options.jwks) return fail(ErrorCode::UnsupportedAlgorithm, "RS256 tokens are not accepted here (no jwks_file)");
    const auto kid = string_claim(*header, "kid");
    if (!kid) return fail(ErrorCode::UnknownKey, "RS256 token without kid");
    auto valid = options.jwks->verify_rs256(*kid, signed_part, *signature);
    if (!valid) return fail(ErrorCode::UnknownKey, "no key with kid " + *kid + " in the JWKS");
    if (!*valid) return fail(ErrorCode::InvalidSignature, "invalid signature");
  } else {
    return fail(ErrorCode::UnsupportedAlgorithm, "alg " + *alg + " is not accepted (HS256 or RS256)");
  }

  if (auto ok = check_times(*payload, options, now_s); !ok) return std::unexpected(ok.error());
  if (auto ok = check_claims(*payload, options); !ok) return std::unexpected(ok.error());
  return std::move(*payload);
}

std::string sign_hs256(const json& payload, std::string_view secret) {
  const std::string signed_part = base64url_encode(json{{"alg", "HS256"}, {"typ", "JWT"}}.dump()) + "." +
                                  base64url_encode(payload.dump());
  return signed_part + "." + base64url_encode(auth::hmac_sha256(secret, signed_part));
}

std::string base64url_encode(std::string_view bytes) {
  std::string out = auth::base64_encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string standard(text);
  for (auto& c : standard) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=') return std::nullopt;  // base64url has neither, nor padding
  }
  standard.append((4 - standard.size() % 4) % 4, '=');
  return auth::base64_decode(standard);
}

}  // namespace api::jwt
