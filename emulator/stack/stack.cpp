#include "stack/stack.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "stack/json_fields.h"

namespace stack {
namespace {

using nlohmann::json;

std::expected<std::vector<http::cors::Rule>, std::string> parse_cors_rules(const json& rules, const std::string& where) {
  if (!rules.is_array()) return std::unexpected(where + ": must be an array of CORS rules");
  std::vector<http::cors::Rule> parsed;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    std::string at = where + "[" + std::to_string(i) + "]";
    if (auto ok = only_keys(r, {"ID", "AllowedOrigins", "AllowedMethods", "AllowedHeaders", "ExposeHeaders", "MaxAgeSeconds"}, at); !ok)
      return std::unexpected(ok.error());
    http::cors::Rule rule;
    auto id = string_field(r, "ID", at, "");
    if (!id) return std::unexpected(id.error());
    rule.id = *id;
    for (auto [name, target] : {std::pair{"AllowedOrigins", &rule.allowed_origins}, std::pair{"AllowedMethods", &rule.allowed_methods},
                                std::pair{"AllowedHeaders", &rule.allowed_headers}, std::pair{"ExposeHeaders", &rule.expose_headers}}) {
      auto values = string_list(r, name, at);
      if (!values) return std::unexpected(values.error());
      *target = std::move(*values);
    }
    if (r.contains("MaxAgeSeconds")) {
      if (!r["MaxAgeSeconds"].is_number_integer()) return std::unexpected(at + ": \"MaxAgeSeconds\" must be an integer");
      rule.max_age_seconds = r["MaxAgeSeconds"].get<int>();
    }
    parsed.push_back(std::move(rule));
  }
  if (auto problem = http::cors::problem_with(parsed)) return std::unexpected(where + ": " + *problem);
  return parsed;
}

}  // namespace

bool is_canned_acl(std::string_view acl) {
  return acl == "private" || acl == "public-read" || acl == "public-read-write" || acl == "authenticated-read";
}

std::optional<std::string> Stack::secret_for(std::string_view access_key) const {
  for (const auto& c : credentials)
    if (c.access_key == access_key) return c.secret_key;
  return std::nullopt;
}

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::expected<Stack, std::string> parse_stack(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return std::unexpected("stack: not valid JSON");
  if (!doc.is_object()) return std::unexpected("stack: the document must be a JSON object");
  if (auto ok = only_keys(doc, {"region", "credentials", "buckets", "functions", "topics", "notifications", "event_delivery", "distributions", "presign_routes"}, "stack"); !ok)
    return std::unexpected(ok.error());

  Stack stack;
  if (auto region = string_field(doc, "region", "stack", "us-east-1"); region) stack.region = *region;
  else return std::unexpected(region.error());

  if (doc.contains("credentials")) {
    if (!doc["credentials"].is_array()) return std::unexpected("stack: \"credentials\" must be an array");
    for (std::size_t i = 0; i < doc["credentials"].size(); ++i) {
      const auto& c = doc["credentials"][i];
      std::string where = "stack.credentials[" + std::to_string(i) + "]";
      if (auto ok = only_keys(c, {"access_key", "secret_key"}, where); !ok) return std::unexpected(ok.error());
      auto key = string_field(c, "access_key", where);
      auto secret = string_field(c, "secret_key", where);
      if (!key) return std::unexpected(key.error());
      if (!secret) return std::unexpected(secret.error());
      if (key->empty()) return std::unexpected(where + ": \"access_key\" must not be empty");
      stack.credentials.push_back({*key, *secret});
    }
  } else {
    stack.credentials.push_back({"test", "test"});
  }

  if (doc.contains("buckets")) {
    if (!doc["buckets"].is_array()) return std::unexpected("stack: \"buckets\" must be an array");
    for (std::size_t i = 0; i < doc["buckets"].size(); ++i) {
      const auto& b = doc["buckets"][i];
      std::string where = "stack.buckets[" + std::to_string(i) + "]";
      if (auto ok = only_keys(b, {"name", "acl", "cors"}, where); !ok) return std::unexpected(ok.error());
      auto name = string_field(b, "name", where);
      auto acl = string_field(b, "acl", where, "private");
      if (!name) return std::unexpected(name.error());
      if (!acl) return std::unexpected(acl.error());
      if (!is_canned_acl(*acl))
        return std::unexpected(where + ": \"acl\" must be private, public-read, public-read-write or authenticated-read");
      BucketDecl decl{*name, *acl, {}};
      if (b.contains("cors")) {
        auto rules = parse_cors_rules(b["cors"], where + ".cors");
        if (!rules) return std::unexpected(rules.error());
        decl.cors = std::move(*rules);
      }
      stack.buckets.push_back(std::move(decl));
    }
  }

  if (doc.contains("distributions")) {
    auto distributions = cdn::parse_distributions(doc["distributions"]);
    if (!distributions) return std::unexpected(distributions.error());
    stack.distributions = std::move(*distributions);
  }
  if (auto events = parse_events_sections(doc, stack); !events) return std::unexpected(events.error());
  if (auto routes = parse_presign_routes(doc, stack); !routes) return std::unexpected(routes.error());
  return stack;
}

std::expected<Stack, std::string> load_stack_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read stack file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto stack = parse_stack(buffer.str());
  if (!stack) return std::unexpected(path + ": " + stack.error());
  // Files a stack names sit beside it: the same stack works from any working directory.
  auto beside_stack = std::filesystem::path(path).parent_path();
  for (auto& route : stack->presign_routes) {
    if (!route.auth.jwks_file.empty() && std::filesystem::path(route.auth.jwks_file).is_relative())
      route.auth.jwks_file = (beside_stack / route.auth.jwks_file).string();
  }
  return stack;
}

Stack default_stack(const EnvLookup& env) {
  auto get = [&](const char* name, const char* fallback) { return env(name).value_or(fallback); };
  Stack stack;
  stack.region = get("AWS_DEFAULT_REGION", "us-east-1");
  stack.credentials.push_back({"test", "test"});
  // The uploads bucket carries the original project's CORS rule (Gitpod origins, PUT from
  // the browser with a presigned URL), plus the local dev server's origins.
  http::cors::Rule browser_uploads;
  browser_uploads.allowed_origins = {"https://*.gitpod.io", "http://localhost:3000", "http://127.0.0.1:3000"};
  browser_uploads.allowed_methods = {"PUT"};
  browser_uploads.allowed_headers = {"*"};
  browser_uploads.expose_headers = {"x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2", "ETag"};
  browser_uploads.max_age_seconds = 3000;
  stack.buckets.push_back({get("UPLOADS_BUCKET_NAME", "cruddur-uploaded-avatars"), "private", {browser_uploads}});
  stack.buckets.push_back({get("ASSETS_BUCKET_NAME", "assets.cruddur.com"), "private", {}});
  add_default_events(env, stack);
  add_default_presign_route(env, stack);
  stack.distributions.push_back(cdn::default_distribution(stack.buckets.back().name));
  return stack;
}

}  // namespace stack
