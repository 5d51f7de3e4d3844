// The stack's "presign_routes" section (issue 4): the API Gateway + Lambda pair of the
// original app, which hands a signed-in browser a presigned PUT URL for its avatar.
//
//   "presign_routes": [{
//     "method": "POST",                          // POST (default) or PUT
//     "path": "/_api/avatars/key_upload",        // under /_api/
//     "bucket": "cruddur-uploaded-avatars",      // one of "buckets"
//     "key": "{sub}.{extension}",                // {extension} from the body, any other
//                                                // {name} from the token's string claims
//     "expires_s": 300,
//     "cors_origins": ["http://localhost:3000", "https://*.gitpod.io"],
//     "auth": {"hs256_secret": "...", "jwks_file": "jwks.json",   // at least one
//              "issuer": "https://cognito-idp.<region>.amazonaws.com/<pool>",
//              "audience": "<app client id>", "token_use": "access"}   // optional
//   }]
#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace stack {

struct Stack;

struct RouteAuth {
  std::string hs256_secret;  // HS256 dev secret; empty: HS256 refused
  std::string jwks_file;     // RS256 keys (a Cognito pool's JWKS), relative to the stack file; empty: RS256 refused
  std::string issuer;        // expected iss; empty: not checked
  std::string audience;      // app client id (client_id in access tokens, aud in id tokens)
  std::string token_use;     // "access", "id", or empty (not checked)
};

struct PresignRouteDecl {
  std::string method = "POST";
  std::string path;
  std::string bucket;
  std::string key = "{sub}.{extension}";
  int expires_s = 300;
  std::vector<std::string> cors_origins;
  RouteAuth auth;
};

inline constexpr std::string_view kApiPrefix = "/_api/";

// Reads "presign_routes" into `stack` (whose buckets are already parsed). The error
// names the field.
std::expected<void, std::string> parse_presign_routes(const nlohmann::json& doc, Stack& stack);

// The names between braces in a key template ("{sub}.{extension}" -> sub, extension), or
// an error for an unclosed brace or an empty or odd name.
std::expected<std::vector<std::string>, std::string> key_template_names(std::string_view key_template);

// The default stack's route, as the original app's: POST /_api/avatars/key_upload ->
// uploads bucket, {sub}.{extension}, 300 s, HS256 secret MINICLOUD_JWT_SECRET (default
// kDefaultJwtSecret). `stack.buckets` must hold the uploads bucket first.
inline constexpr const char* kDefaultJwtSecret = "minicloud-dev-secret";
using EnvLookupFn = std::function<std::optional<std::string>(std::string_view name)>;
void add_default_presign_route(const EnvLookupFn& env, Stack& stack);

}  // namespace stack
