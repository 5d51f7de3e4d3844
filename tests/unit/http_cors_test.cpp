#include <catch2/catch.hpp>

#include "http/cors.h"

using http::cors::Rule;

namespace {

// The original Cruddur uploads bucket rule, plus the local dev origins.
std::vector<Rule> cruddur_rules() {
  Rule gitpod;
  gitpod.allowed_origins = {"https://*.gitpod.io", "http://localhost:3000"};
  gitpod.allowed_methods = {"PUT"};
  gitpod.allowed_headers = {"*"};
  gitpod.expose_headers = {"x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2", "ETag"};
  gitpod.max_age_seconds = 3000;
  Rule public_get;
  public_get.allowed_origins = {"*"};
  public_get.allowed_methods = {"GET", "HEAD"};
  return {gitpod, public_get};
}

http::cors::Preflight preflight(std::string origin, std::string method, std::vector<std::string> headers = {}) {
  return {std::move(origin), std::move(method), std::move(headers)};
}

}  // namespace

TEST_CASE("wildcards match as S3's do", "[cors]") {
  using http::cors::wildcard_match;
  CHECK(wildcard_match("https://*.gitpod.io", "https://3000-abc-xyz.ws-eu110.gitpod.io", false));
  CHECK_FALSE(wildcard_match("https://*.gitpod.io", "https://gitpod.io", false));
  CHECK_FALSE(wildcard_match("https://*.gitpod.io", "https://evil.gitpod.io.example.com", false));
  CHECK_FALSE(wildcard_match("https://*.gitpod.io", "http://x.gitpod.io", false));
  CHECK(wildcard_match("*", "", false));
  CHECK(wildcard_match("http://localhost:*", "http://localhost:5173", false));
  CHECK(wildcard_match("x-amz-*", "X-Amz-Date", true));
  CHECK_FALSE(wildcard_match("x-amz-*", "X-Amz-Date", false));
  CHECK(wildcard_match("a*b*c", "aXXbYYc", false));
  CHECK_FALSE(wildcard_match("a*b*c", "aXXbYY", false));
  CHECK(wildcard_match("exact", "exact", false));
  CHECK_FALSE(wildcard_match("exact", "exactly", false));
}

TEST_CASE("wildcards: the text around and between stars, in time linear in the input", "[cors]") {
  using http::cors::wildcard_match;
  CHECK(wildcard_match("ab*ba", "abba", false));
  CHECK_FALSE(wildcard_match("ab*ba", "aba", false));  // the text around the '*' cannot overlap
  CHECK(wildcard_match("**", "anything", false));
  CHECK(wildcard_match("a**", "a", false));
  CHECK(wildcard_match("*aab*", "aaab", false));  // a partial match restarts inside itself
  CHECK(wildcard_match("a*ab*ab*b", "aababb", false));
  CHECK_FALSE(wildcard_match("a*ab*ab*b", "aabab", false));
  CHECK(wildcard_match("x-*-AMZ-*-y", "X-a-amz-b-Y", true));
  CHECK_FALSE(wildcard_match("x-*-AMZ-*-y", "X-a-amz-b-Y", false));
  // An attacker's long Origin against a long rule: backtracking made this |rule| x |origin|.
  const std::string rule = "*" + std::string(5000, 'a') + "b";
  CHECK_FALSE(wildcard_match(rule, std::string(10000, 'a'), false));
  CHECK(wildcard_match(rule, std::string(10000, 'a') + "b", false));
}

TEST_CASE("header lists are split and trimmed", "[cors]") {
  CHECK(http::cors::split_list(" content-type , x-amz-date,,authorization ") ==
        std::vector<std::string>{"content-type", "x-amz-date", "authorization"});
  CHECK(http::cors::split_list("").empty());
}

TEST_CASE("a preflight matches the first rule allowing origin, method and every header", "[cors]") {
  auto rules = cruddur_rules();
  const Rule* rule = http::cors::match_preflight(
      rules, preflight("https://3000-omenking-awsbootcampcru-2n1d6e0bd1f.ws-us94.gitpod.io", "PUT", {"content-type"}));
  REQUIRE(rule == &rules[0]);
  CHECK(http::cors::match_preflight(rules, preflight("http://localhost:3000", "PUT")) == &rules[0]);
  // Wrong origin, wrong method: no rule.
  CHECK(http::cors::match_preflight(rules, preflight("http://localhost:3001", "PUT")) == nullptr);
  CHECK(http::cors::match_preflight(rules, preflight("http://localhost:3000", "DELETE")) == nullptr);
  // Methods are case-sensitive, as S3's are.
  CHECK(http::cors::match_preflight(rules, preflight("http://localhost:3000", "put")) == nullptr);
  // GET from anywhere falls to the second rule.
  CHECK(http::cors::match_preflight(rules, preflight("https://example.com", "GET")) == &rules[1]);
  // The second rule allows no headers: requesting one fails it.
  CHECK(http::cors::match_preflight(rules, preflight("https://example.com", "GET", {"x-custom"})) == nullptr);
}

TEST_CASE("requested headers must each match an AllowedHeader", "[cors]") {
  Rule rule;
  rule.allowed_origins = {"http://app"};
  rule.allowed_methods = {"PUT"};
  rule.allowed_headers = {"Content-Type", "x-amz-*"};
  std::vector<Rule> rules{rule};
  CHECK(http::cors::match_preflight(rules, preflight("http://app", "PUT", {"content-type", "x-amz-meta-a"})) != nullptr);
  CHECK(http::cors::match_preflight(rules, preflight("http://app", "PUT", {"content-type", "authorization"})) == nullptr);
}

TEST_CASE("preflight headers reflect the origin and list what the rule allows", "[cors]") {
  auto rules = cruddur_rules();
  auto p = preflight("http://localhost:3000", "PUT", {"Content-Type", "X-Amz-Date"});
  http::Response response;
  http::cors::add_preflight_headers(response, *http::cors::match_preflight(rules, p), p);
  CHECK(response.header("Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(response.header("Access-Control-Allow-Methods") == "PUT");
  CHECK(response.header("Access-Control-Allow-Headers") == "content-type, x-amz-date");
  CHECK(response.header("Access-Control-Expose-Headers") == "x-amz-server-side-encryption, x-amz-request-id, x-amz-id-2, ETag");
  CHECK(response.header("Access-Control-Max-Age") == "3000");
  CHECK(response.header("Access-Control-Allow-Credentials") == "true");
  CHECK(response.header("Vary").value_or("").starts_with("Origin"));
}

TEST_CASE("a literal * rule answers * and no credentials", "[cors]") {
  auto rules = cruddur_rules();
  const Rule* rule = http::cors::match_request(rules, "https://example.com", "GET");
  REQUIRE(rule == &rules[1]);
  http::Response response;
  http::cors::add_response_headers(response, *rule, "https://example.com");
  CHECK(response.header("Access-Control-Allow-Origin") == "*");
  CHECK_FALSE(response.header("Access-Control-Allow-Credentials").has_value());
  CHECK_FALSE(response.header("Access-Control-Expose-Headers").has_value());
  CHECK(http::cors::match_request(rules, "https://example.com", "PUT") == nullptr);
}

TEST_CASE("read_preflight needs Origin and the requested method", "[cors]") {
  http::Request request;
  request.method = "OPTIONS";
  CHECK_FALSE(http::cors::read_preflight(request).has_value());
  request.headers.emplace_back("Origin", "http://localhost:3000");
  CHECK_FALSE(http::cors::read_preflight(request).has_value());
  request.headers.emplace_back("Access-Control-Request-Method", "PUT");
  request.headers.emplace_back("Access-Control-Request-Headers", "content-type,authorization");
  auto p = http::cors::read_preflight(request);
  REQUIRE(p.has_value());
  CHECK(p->method == "PUT");
  CHECK(p->request_headers == std::vector<std::string>{"content-type", "authorization"});
}
