// CORS rules evaluated the way S3 evaluates a bucket's CORS configuration. One matcher for
// everything on the port that answers browsers: bucket CORS (s3/cors.cpp) and the presign
// API routes (api/) both describe their policy as a list of Rules.
//
// S3's algorithm: the first rule whose AllowedOrigins match the Origin, whose
// AllowedMethods contain the (requested) method and — for a preflight — whose
// AllowedHeaders match every header in Access-Control-Request-Headers, wins. Origins and
// headers may contain at most one '*' wildcard; headers compare case-insensitively,
// origins case-sensitively (as S3 does).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace http::cors {

struct Rule {
  std::string id;
  std::vector<std::string> allowed_origins;  // "https://*.gitpod.io", "*"
  std::vector<std::string> allowed_methods;  // GET PUT POST DELETE HEAD
  std::vector<std::string> allowed_headers;  // "*", "x-amz-*", "Content-Type"
  std::vector<std::string> expose_headers;   // "ETag", ...
  std::optional<int> max_age_seconds;
  // Access-Control-Allow-Credentials: true is sent unless the matching origin is "*"
  // (S3's behaviour; browsers refuse credentials with a literal "*").
};

// What S3's PutBucketCors would reject in these rules, as its message; nullopt when they
// are valid: 1..100 rules, each with an origin and a method, methods among GET PUT POST
// DELETE HEAD, at most one '*' per origin or header.
std::optional<std::string> problem_with(const std::vector<Rule>& rules);

// '*' matches any run of characters (including none). At most one '*' is meaningful
// in S3 rules; this matcher accepts any number.
bool wildcard_match(std::string_view pattern, std::string_view value, bool ignore_case);

// "a, B ,c" -> {"a", "B", "c"} (empty items dropped).
std::vector<std::string> split_list(std::string_view header_value);

struct Preflight {
  std::string origin;                        // Origin
  std::string method;                        // Access-Control-Request-Method
  std::vector<std::string> request_headers;  // Access-Control-Request-Headers, split
};

// Reads Origin / Access-Control-Request-Method / -Headers. nullopt when Origin or the
// requested method is missing (S3 answers such an OPTIONS with 400).
std::optional<Preflight> read_preflight(const Request& request);

// The first rule allowing this preflight, or nullptr.
const Rule* match_preflight(const std::vector<Rule>& rules, const Preflight& preflight);
// The first rule allowing an actual request from `origin` with `method`, or nullptr.
const Rule* match_request(const std::vector<Rule>& rules, std::string_view origin, std::string_view method);

// Headers of a successful preflight: Allow-Origin (the origin, or "*" for a "*" rule),
// Allow-Methods (the rule's), Allow-Headers (the requested ones), Expose-Headers, Max-Age,
// Allow-Credentials, Vary.
void add_preflight_headers(Response& response, const Rule& rule, const Preflight& preflight);
// Headers of an actual cross-origin response (also error responses): Allow-Origin,
// Allow-Methods, Expose-Headers, Max-Age, Allow-Credentials, Vary.
void add_response_headers(Response& response, const Rule& rule, std::string_view origin);

}  // namespace http::cors
