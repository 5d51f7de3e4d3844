// A presign route: the original app's API Gateway (JWT authorizer, CORS) + Lambda pair in
// one handler. `POST /_api/avatars/key_upload` with `Authorization: Bearer <JWT>` and
// `{"extension": "jpg"}` answers `{"url": "<presigned PUT URL>"}` for the key template
// filled from the verified token and the body; OPTIONS answers the browser's preflight.
//
// Errors are JSON `{"message": ...}` as API Gateway's: 400 bad body, 401 bad token (with
// the reason), 403 refused preflight, 404 unknown path, 405 other methods. Every answer to
// an allowed Origin carries the CORS headers, errors included, so the page can read them.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/jwt.h"
#include "http/cors.h"
#include "http/message.h"
#include "stack/presign_section.h"

namespace api {

struct PresignRouteOptions {
  std::string region = "us-east-1";
  std::string access_key, secret_key;  // the URL's signer (the stack's first credential)
  // "https://host[:port]": the URLs' origin whatever the caller's Host. Empty: the scheme
  // and Host header of the request (after serve --trust-proxy applied X-Forwarded-*).
  std::string public_url;
  std::function<std::int64_t()> now_ms;  // injectable clock; default system clock
};

class PresignRoute {
 public:
  // Loads the JWKS file when the route has one; the error says what is wrong.
  static std::expected<std::unique_ptr<PresignRoute>, std::string> create(stack::PresignRouteDecl decl,
                                                                          PresignRouteOptions options);
  http::Response handle(http::Request& request, http::RequestBody& body) const;
  const stack::PresignRouteDecl& decl() const { return decl_; }

 private:
  PresignRoute() = default;
  http::Response preflight(const http::Request& request) const;
  http::Response mint(const http::Request& request, http::RequestBody& body) const;
  // The URL's scheme://authority, or a message for a request without a usable Host.
  std::expected<std::string, std::string> endpoint_for(const http::Request& request) const;
  void add_cors(http::Response& response, const http::Request& request) const;
  std::int64_t now_ms() const;

  stack::PresignRouteDecl decl_;
  PresignRouteOptions options_;
  jwt::VerifyOptions verify_;
  std::vector<http::cors::Rule> cors_;  // one rule built from cors_origins
};

// The Content-Type a browser sends for a file with this extension (case-insensitive):
// jpg/jpeg, png, gif, webp, avif, heic; nullopt for others.
std::optional<std::string> content_type_for_extension(std::string_view extension);

// The key template with {extension} and {claim} filled in, or the reason it cannot be
// (a claim that is missing, not a string, empty, or holds '/' or a control character).
std::expected<std::string, std::string> render_key(std::string_view key_template, std::string_view extension,
                                                   const nlohmann::json& claims);

}  // namespace api
