// JWT verification of the presign routes (HS256 and RS256 with a JWKS), and the JWKS
// document reader.
// Input: a token ("header.payload.signature"), or a JWKS document when it starts with '{'.
#include <fstream>
#include <sstream>

#include "api/jwt.h"
#include "fuzz_support.h"

namespace {

std::shared_ptr<const api::jwt::KeySet> test_keys() {
  // The fixture JWKS (one 2048-bit RSA key, kid "minicloud-test-key-1").
  static const auto keys = [] {
    auto loaded = api::jwt::KeySet::load_file(MINICLOUD_SOURCE_DIR "/fixtures/jwt/jwks.json");
    if (!loaded) fuzz::fail("fixtures/jwt/jwks.json does not load");
    return *loaded;
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  if (!text.empty() && text.front() == '{') {
    if (auto keys = api::jwt::KeySet::parse(text)) FUZZ_CHECK((*keys)->size() > 0);
    return 0;
  }
  if (auto decoded = api::jwt::base64url_decode(text))
    FUZZ_CHECK(api::jwt::base64url_decode(api::jwt::base64url_encode(*decoded)) == decoded);

  api::jwt::VerifyOptions options;
  options.hs256_secret = "fuzz-secret";
  options.jwks = test_keys();
  options.issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example";
  options.audience = "client-id";
  (void)api::jwt::verify(text, options, 1700000000);
  options.issuer.clear();
  options.audience.clear();
  options.token_use = "access";
  (void)api::jwt::verify(text, options, 1700000000);
  return 0;
}
