#include "api/presign_route.h"

#include <chrono>

#include "auth/presign.h"
#include "http/forwarded.h"

namespace api {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxBodyBytes = 64 * 1024;  // {"extension": "jpg"} is 20 bytes
constexpr std::size_t kMaxKeyBytes = 1024;        // S3's key limit
constexpr std::size_t kMaxClaimBytes = 256;
constexpr int kPreflightMaxAgeS = 600;

http::Response message(int status, std::string text) {
  http::Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = json{{"message", std::move(text)}}.dump();
  return response;
}

bool is_alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool valid_extension(std::string_view extension) {
  if (extension.empty() || extension.size() > 10) return false;
  for (char c : extension)
    if (!is_alphanumeric(c)) return false;
  return true;
}

// A media type as a browser's File.type gives it: printable ASCII, type/subtype.
bool valid_content_type(std::string_view type) {
  if (type.empty() || type.size() > 255 || type.find('/') == std::string_view::npos) return false;
  for (char c : type)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

}  // namespace

std::optional<std::string> content_type_for_extension(std::string_view extension) {
  const std::string lower = http::to_lower(extension);
  if (lower == "jpg" || lower == "jpeg") return "image/jpeg";
  for (const char* known : {"png", "gif", "webp", "avif", "heic"})
    if (lower == known) return "image/" + lower;
  return std::nullopt;
}

std::expected<std::string, std::string> render_key(std::string_view key_template, std::string_view extension,
                                                   const json& claims) {
  std::string key;
  for (std::size_t i = 0; i < key_template.size(); ++i) {
    if (key_template[i] != '{') {
      key.push_back(key_template[i]);
      continue;
    }
    const auto close = key_template.find('}', i);
    if (close == std::string_view::npos) return std::unexpected("the key template has an unclosed {");
    const std::string name(key_template.substr(i + 1, close - i - 1));
    i = close;
    if (name == "extension") {
      key += extension;
      continue;
    }
    auto claim = claims.find(name);
    if (claim == claims.end() || !claim->is_string())
      return std::unexpected("the token has no string claim \"" + name + "\" for the key");
    const auto& value = claim->get_ref<const std::string&>();
    bool clean = !value.empty() && value.size() <= kMaxClaimBytes;
    for (char c : value) clean = clean && c != '/' && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    if (!clean) return std::unexpected("the token's \"" + name + "\" claim cannot be part of a key");
    key += value;
  }
  if (key.size() > kMaxKeyBytes) return std::unexpected("the key would be longer than 1024 bytes");
  return key;
}

std::expected<std::unique_ptr<PresignRoute>, std::string> PresignRoute::create(stack::PresignRouteDecl decl,
                                                                                PresignRouteOptions options) {
  std::unique_ptr<PresignRoute> route(new PresignRoute());
  route->verify_.hs256_secret = decl.auth.hs256_secret;
  route->verify_.issuer = decl.auth.issuer;
  route->verify_.audience = decl.auth.audience;
  route->verify_.token_use = decl.auth.token_use;
  if (!decl.auth.jwks_file.empty()) {
    auto keys = jwt::KeySet::load_file(decl.auth.jwks_file);
    if (!keys) return std::unexpected("presign route " + decl.path + ": " + keys.error());
    route->verify_.jwks = std::move(*keys);
  }
  http::cors::Rule rule;
  rule.id = decl.path;
  rule.allowed_origins = decl.cors_origins;
  rule.allowed_methods = {"OPTIONS", decl.method};
  rule.allowed_headers = {"*"};  // the requested headers are reflected
  rule.max_age_seconds = kPreflightMaxAgeS;
  route->cors_.push_back(std::move(rule));
  route->decl_ = std::move(decl);
  route->options_ = std::move(options);
  return route;
}

std::int64_t PresignRoute::now_ms() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void PresignRoute::add_cors(http::Response& response, const http::Request& request) const {
  auto origin = request.header("Origin");
  if (!origin) return;
  if (const auto* rule = http::cors::match_request(cors_, *origin, decl_.method))
    http::cors::add_response_headers(response, *rule, *origin);
}

http::Response PresignRoute::handle(http::Request& request, http::RequestBody& body) const {
  if (request.path != decl_.path) return message(404, "Not Found");
  if (request.method == "OPTIONS") return preflight(request);
  http::Response response;
  if (request.method != decl_.method) {
    response = message(405, "Method Not Allowed");
    response.set_header("Allow", "OPTIONS, " + decl_.method);
  } else {
    response = mint(request, body);
  }
  add_cors(response, request);
  response.set_header("Cache-Control", "no-store");
  return response;
}

http::Response PresignRoute::preflight(const http::Request& request) const {
  auto asked = http::cors::read_preflight(request);
  if (!asked) return message(400, "a CORS preflight needs Origin and Access-Control-Request-Method");
  const auto* rule = http::cors::match_preflight(cors_, *asked);
  if (!rule) return message(403, "CORS preflight refused: origin, method or headers not allowed for " + decl_.path);
  http::Response response;
  response.status = 204;
  http::cors::add_preflight_headers(response, *rule, *asked);
  if (!response.header("Access-Control-Allow-Headers")) response.set_header("Access-Control-Allow-Headers", "authorization, content-type");
  return response;
}

std::expected<std::string, std::string> PresignRoute::endpoint_for(const http::Request& request) const {
  if (!options_.public_url.empty()) return options_.public_url;
  const std::string host = request.header_or("Host");
  if (!http::is_valid_authority(host)) return std::unexpected("the request has no usable Host header");
  return request.scheme + "://" + host;
}

http::Response PresignRoute::mint(const http::Request& request, http::RequestBody& body) const {
  // The authorizer: a Bearer token, verified before the body is looked at.
  auto authorization = request.header("Authorization");
  if (!authorization) return message(401, "missing Authorization header (Bearer token)");
  std::string_view value = http::trim(*authorization);
  if (value.size() < 7 || !http::iequals(value.substr(0, 7), "Bearer "))
    return message(401, "the Authorization header must be \"Bearer <token>\"");
  auto claims = jwt::verify(http::trim(value.substr(7)), verify_, now_ms() / 1000);
  if (!claims) {
    auto response = message(401, claims.error().message);
    response.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return response;
  }

  // The Lambda: {"extension": "jpg"[, "content_type": "image/jpeg"]} -> a presigned PUT.
  auto text = body.read_all(kMaxBodyBytes);
  if (!text) {
    if (text.error().code == core::ErrorCode::EntityTooLarge) return message(413, "the request body is too large");
    return message(400, "the request body could not be read");
  }
  json input = json::parse(*text, nullptr, false);
  if (input.is_discarded() || !input.is_object())
    return message(400, "the body must be a JSON object like {\"extension\": \"jpg\"}");
  auto extension = input.find("extension");
  if (extension == input.end() || !extension->is_string() || !valid_extension(extension->get_ref<const std::string&>()))
    return message(400, "\"extension\" must be 1-10 letters or digits, e.g. \"jpg\"");
  std::optional<std::string> content_type = content_type_for_extension(extension->get_ref<const std::string&>());
  if (auto given = input.find("content_type"); given != input.end()) {
    if (!given->is_string() || !valid_content_type(given->get_ref<const std::string&>()))
      return message(400, "\"content_type\" must be a media type such as \"image/jpeg\"");
    content_type = given->get<std::string>();
  }
  auto key = render_key(decl_.key, extension->get_ref<const std::string&>(), *claims);
  if (!key) return message(400, key.error());
  auto endpoint = endpoint_for(request);
  if (!endpoint) return message(400, endpoint.error());

  auth::PresignRequest presign;
  presign.method = "PUT";
  presign.endpoint = *endpoint;
  presign.bucket = decl_.bucket;
  presign.key = *key;
  presign.region = options_.region;
  presign.access_key = options_.access_key;
  presign.secret_key = options_.secret_key;
  presign.expires_s = decl_.expires_s;
  presign.now = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms()));
  // The upload must then send exactly this Content-Type (what the page's fetch does with
  // file.type); without a known type only the host is signed.
  if (content_type) presign.signed_headers.emplace_back("content-type", *content_type);
  http::Response response;
  response.content_type = "application/json";
  response.body = json{{"url", auth::presign_url(presign)}}.dump();
  return response;
}

}  // namespace api
