// Parsing and the default of the stack's "presign_routes" section (see presign_section.h).
#include "stack/presign_section.h"

#include <nlohmann/json.hpp>

#include "auth/sigv4.h"
#include "stack/json_fields.h"
#include "stack/stack.h"

namespace stack {
namespace {

using nlohmann::json;
using Error = std::unexpected<std::string>;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
         c == '-' || c == '.';
}

std::expected<RouteAuth, std::string> parse_auth(const json& object, const std::string& where) {
  if (auto ok = only_keys(object, {"hs256_secret", "jwks_file", "issuer", "audience", "token_use"}, where); !ok)
    return Error(ok.error());
  RouteAuth auth;
  for (auto [name, target] : {std::pair{"hs256_secret", &auth.hs256_secret}, std::pair{"jwks_file", &auth.jwks_file},
                              std::pair{"issuer", &auth.issuer}, std::pair{"audience", &auth.audience},
                              std::pair{"token_use", &auth.token_use}}) {
    auto value = string_field(object, name, where, "");
    if (!value) return Error(value.error());
    *target = *value;
  }
  if (auth.hs256_secret.empty() && auth.jwks_file.empty())
    return Error(where + ": \"hs256_secret\" or \"jwks_file\" is required");
  if (!auth.token_use.empty() && auth.token_use != "access" && auth.token_use != "id")
    return Error(where + ": \"token_use\" must be access or id");
  return auth;
}

std::expected<PresignRouteDecl, std::string> parse_route(const json& r, const Stack& stack, const std::string& where) {
  if (auto ok = only_keys(r, {"method", "path", "bucket", "key", "expires_s", "cors_origins", "auth"}, where); !ok)
    return Error(ok.error());
  PresignRouteDecl route;
  auto method = string_field(r, "method", where, "POST");
  auto path = string_field(r, "path", where);
  auto bucket = string_field(r, "bucket", where);
  auto key = string_field(r, "key", where, route.key);
  for (const auto* field : {&method, &path, &bucket, &key})
    if (!*field) return Error(field->error());
  route.method = *method;
  route.path = *path;
  route.bucket = *bucket;
  route.key = *key;
  if (route.method != "POST" && route.method != "PUT") return Error(where + ": \"method\" must be POST or PUT");
  if (!route.path.starts_with(kApiPrefix) || route.path.size() == kApiPrefix.size() || route.path.ends_with('/') ||
      route.path.find_first_of("?#% ") != std::string::npos || route.path.find("//") != std::string::npos)
    return Error(where + ": \"path\" must be a path under /_api/ (e.g. /_api/avatars/key_upload)");
  if (route.path == "/_api/events" || route.path.starts_with("/_api/events/"))
    return Error(where + ": \"path\" " + route.path + " is minicloud's event API");
  bool declared = false;
  for (const auto& b : stack.buckets) declared = declared || b.name == route.bucket;
  if (!declared) return Error(where + ": bucket " + route.bucket + " is not in \"buckets\"");
  if (auto names = key_template_names(route.key); !names) return Error(where + ": \"key\": " + names.error());
  if (route.key.empty()) return Error(where + ": \"key\" must not be empty");

  auto expires = integer_field(r, "expires_s", where, route.expires_s, 1, static_cast<int>(auth::kMaxPresignExpires));
  if (!expires) return Error(expires.error());
  route.expires_s = *expires;
  if (auto it = r.find("cors_origins"); it != r.end()) {
    if (!it->is_array()) return Error(where + ": \"cors_origins\" must be an array of strings");
    for (const auto& origin : *it) {
      if (!origin.is_string() || origin.get<std::string>().empty())
        return Error(where + ": \"cors_origins\" must be an array of non-empty strings");
      route.cors_origins.push_back(origin.get<std::string>());
    }
  }
  auto auth_it = r.find("auth");
  if (auth_it == r.end()) return Error(where + ": \"auth\" is required");
  auto auth = parse_auth(*auth_it, where + ".auth");
  if (!auth) return Error(auth.error());
  route.auth = std::move(*auth);
  return route;
}

}  // namespace

std::expected<std::vector<std::string>, std::string> key_template_names(std::string_view key_template) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < key_template.size(); ++i) {
    if (key_template[i] == '}') return Error("unmatched } at " + std::to_string(i));
    if (key_template[i] != '{') continue;
    auto close = key_template.find('}', i);
    if (close == std::string_view::npos) return Error("unclosed { at " + std::to_string(i));
    std::string_view name = key_template.substr(i + 1, close - i - 1);
    if (name.empty()) return Error("empty {} at " + std::to_string(i));
    for (char c : name)
      if (!is_name_char(c)) return Error(std::string(name).append(" (between braces) is not a claim name"));
    names.emplace_back(name);
    i = close;
  }
  return names;
}

std::expected<void, std::string> parse_presign_routes(const json& doc, Stack& stack) {
  auto it = doc.find("presign_routes");
  if (it == doc.end()) return {};
  if (!it->is_array()) return Error("stack: \"presign_routes\" must be an array");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string where = "stack.presign_routes[" + std::to_string(i) + "]";
    auto route = parse_route((*it)[i], stack, where);
    if (!route) return Error(route.error());
    for (const auto& other : stack.presign_routes)
      if (other.path == route->path) return Error(where + ": duplicate path " + route->path);
    stack.presign_routes.push_back(std::move(*route));
  }
  return {};
}

void add_default_presign_route(const EnvLookupFn& env, Stack& stack) {
  PresignRouteDecl route;
  route.path = "/_api/avatars/key_upload";
  route.bucket = stack.buckets.at(0).name;
  route.cors_origins = {"http://localhost:3000", "http://127.0.0.1:3000", "https://*.gitpod.io"};
  route.auth.hs256_secret = env("MINICLOUD_JWT_SECRET").value_or(kDefaultJwtSecret);
  if (route.auth.hs256_secret.empty()) route.auth.hs256_secret = kDefaultJwtSecret;
  stack.presign_routes.push_back(std::move(route));
}

}  // namespace stack
