// A distribution as declared in the stack's "distributions" section: plain data plus the
// parser for that section. The CDN (cdn/service.h) serves it; the CloudFront API
// (cdn/api.h) describes it.
//
//   "distributions": [{
//     "id": "E1MINICLOUD",                       // [A-Z0-9]{1,32}
//     "domain": "e1minicloud.cloudfront.localhost", // default: <lowercase id>.cloudfront.localhost
//     "aliases": ["assets.localhost"],
//     "origin": {"bucket": "assets.cruddur.com", "path": "/prod"},
//     "default_root_object": "index.html",
//     "default_behavior": {"cache_policy": {"min_ttl": 1, "default_ttl": 86400,
//                          "max_ttl": 31536000, "query_strings": false},
//                          "compress": true, "response_headers_policy": "SimpleCORS"},
//     "behaviors": [{"path_pattern": "/avatars/*", ...same fields as default_behavior}],
//     "custom_error_responses": [{"error_code": 404, "response_page_path": "/404.html",
//                                 "response_code": 404, "error_caching_min_ttl": 10}],
//     "port": 4567,                             // optional own port (0 = any free port)
//     "cache_bytes": 268435456                  // memory the cache may hold
//   }]
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cdn {

// TTLs in seconds. Defaults: AWS's managed CachingOptimized policy.
struct CachePolicy {
  std::int64_t min_ttl = 1;
  std::int64_t default_ttl = 86400;
  std::int64_t max_ttl = 31536000;
  bool query_strings = false;  // include the query string in the cache key
  bool operator==(const CachePolicy&) const = default;
};

struct Behavior {
  std::string path_pattern = "*";  // CloudFront syntax: '*' any run, '?' one character
  CachePolicy cache_policy;
  bool compress = true;
  std::string response_headers_policy = "SimpleCORS";  // "SimpleCORS" | "None"
  bool operator==(const Behavior&) const = default;
};

struct CustomErrorResponse {
  int error_code = 404;                 // origin status this applies to (4xx/5xx)
  std::string response_page_path;       // "/404.html"; empty: the origin's error body
  int response_code = 0;                // status sent to the viewer; 0 = error_code
  std::int64_t error_caching_min_ttl = 10;  // seconds the error is cached
  bool operator==(const CustomErrorResponse&) const = default;
};

struct Distribution {
  std::string id;
  std::string domain;
  std::vector<std::string> aliases;
  std::string origin_bucket;
  std::string origin_path;  // "" or "/prefix" (no trailing slash)
  std::string default_root_object;
  Behavior default_behavior;
  std::vector<Behavior> behaviors;  // first match wins, then default_behavior
  std::vector<CustomErrorResponse> custom_error_responses;
  std::optional<int> port;
  std::int64_t cache_bytes = 256LL * 1024 * 1024;
  bool operator==(const Distribution&) const = default;

  // The behaviour for a viewer path ("/avatars/x.jpg").
  const Behavior& behavior_for(std::string_view path) const;
  const CustomErrorResponse* error_response_for(int status) const;
  // The object key for a viewer path: origin path + path, without the leading '/'.
  std::string origin_key(std::string_view path) const;
};

// CloudFront path-pattern matching: case-sensitive, '*' matches any run (also '/'), '?'
// exactly one character; a pattern without a leading '/' is taken as if it had one.
bool path_matches(std::string_view pattern, std::string_view path);

// Parses the "distributions" array. The error names the offending field.
std::expected<std::vector<Distribution>, std::string> parse_distributions(const nlohmann::json& section);

// E1MINICLOUD in front of `origin_bucket`, alias assets.localhost, CachingOptimized.
Distribution default_distribution(std::string origin_bucket);

}  // namespace cdn
