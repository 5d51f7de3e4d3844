// The presign route on its own: the stack section, the key template, the handler with an
// injected clock (token checks, body checks, CORS, the minted URL authenticating for the
// host it names), and serve --trust-proxy's header rewrite.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "api/jwt.h"
#include "api/presign_route.h"
#include "auth/authenticate.h"
#include "http/forwarded.h"
#include "stack/stack.h"

using nlohmann::json;

namespace {

constexpr std::int64_t kNowS = 1'800'000'000;
const std::string kSecret = "route-secret";
const std::string kSub = "5b6e1b0e-0000-4000-8000-000000000001";

stack::PresignRouteDecl route_decl() {
  stack::PresignRouteDecl decl;
  decl.path = "/_api/avatars/key_upload";
  decl.bucket = "cruddur-uploaded-avatars";
  decl.cors_origins = {"http://localhost:3000", "https://*.gitpod.io"};
  decl.auth.hs256_secret = kSecret;
  return decl;
}

std::unique_ptr<api::PresignRoute> make_route(stack::PresignRouteDecl decl = route_decl(), std::string public_url = "") {
  api::PresignRouteOptions options;
  options.access_key = "test";
  options.secret_key = "test";
  options.public_url = std::move(public_url);
  options.now_ms = [] { return kNowS * 1000; };
  auto route = api::PresignRoute::create(std::move(decl), options);
  REQUIRE(route);
  return std::move(*route);
}

std::string token(std::int64_t exp = kNowS + 3600, std::string sub = kSub) {
  return api::jwt::sign_hs256({{"sub", sub}, {"token_use", "access"}, {"exp", exp}, {"iat", kNowS}, {"username", "andrew"}},
                              kSecret);
}

http::Request post(std::string bearer, std::string host = "localhost:4566") {
  http::Request request;
  request.method = "POST";
  request.path = request.raw_path = "/_api/avatars/key_upload";
  request.headers = {{"Host", std::move(host)}, {"Origin", "http://localhost:3000"}};
  if (!bearer.empty()) request.headers.emplace_back("Authorization", "Bearer " + bearer);
  return request;
}

http::Response call(const api::PresignRoute& route, http::Request request, std::string body = R"({"extension":"jpg"})") {
  http::RequestBody request_body(static_cast<std::int64_t>(body.size()),
                                 [body](const http::RequestBody::Sink& sink) { return sink(body); });
  return route.handle(request, request_body);
}

std::string message_of(const http::Response& response) { return json::parse(response.body).value("message", ""); }

// The request a client makes with a presigned URL, as auth::authenticate sees it.
auth::RequestView put_with(const std::string& url, std::string host, std::string content_type) {
  auth::RequestView view;
  view.method = "PUT";
  std::string_view rest = url;
  rest.remove_prefix(rest.find("://") + 3);
  rest.remove_prefix(rest.find('/'));
  view.raw_path = std::string(rest.substr(0, rest.find('?')));
  view.raw_query = std::string(rest.substr(rest.find('?') + 1));
  view.headers = {{"Host", std::move(host)}};
  if (!content_type.empty()) view.headers.emplace_back("Content-Type", std::move(content_type));
  return view;
}

bool authenticates(const auth::RequestView& view) {
  auto secrets = [](std::string_view key) -> std::optional<std::string> {
    if (key == "test") return std::string("test");
    return std::nullopt;
  };
  return authenticate(view, secrets, std::chrono::system_clock::time_point(std::chrono::seconds(kNowS + 10))).has_value();
}

}  // namespace

TEST_CASE("presign_routes: parsed strictly, bucket declared, path under /_api/", "[presign-route]") {
  auto parsed = stack::parse_stack(R"({"buckets": [{"name": "uploads"}], "presign_routes": [{
      "method": "POST", "path": "/_api/avatars/key_upload", "bucket": "uploads", "key": "{sub}.{extension}",
      "expires_s": 300, "cors_origins": ["http://localhost:3000"],
      "auth": {"hs256_secret": "s", "issuer": "https://cognito-idp.us-east-1.amazonaws.com/p", "audience": "c",
               "token_use": "access"}}]})");
  REQUIRE(parsed);
  REQUIRE(parsed->presign_routes.size() == 1);
  const auto& route = parsed->presign_routes[0];
  CHECK(route.path == "/_api/avatars/key_upload");
  CHECK(route.expires_s == 300);
  CHECK(route.auth.audience == "c");

  auto error_of = [](const std::string& routes) {
    auto stack = stack::parse_stack(R"({"buckets": [{"name": "uploads"}], "presign_routes": )" + routes + "}");
    REQUIRE_FALSE(stack);
    return stack.error();
  };
  const std::string auth = R"("auth": {"hs256_secret": "s"})";
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads", "color": "red", )" + auth + "}]").find("unknown field \"color\"") != std::string::npos);
  CHECK(error_of(R"([{"path": "/api/x", "bucket": "uploads", )" + auth + "}]").find("under /_api/") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/events", "bucket": "uploads", )" + auth + "}]").find("event API") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "elsewhere", )" + auth + "}]").find("bucket elsewhere is not in") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads"}])").find("\"auth\" is required") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads", "auth": {"issuer": "i"}}])").find("hs256_secret\" or \"jwks_file") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads", "auth": {"hs256_secret": "s", "token_use": "refresh"}}])").find("token_use") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads", "auth": {"hs256_secret": "s", "secret": "t"}}])").find("unknown field \"secret\"") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads", "method": "GET", )" + auth + "}]").find("POST or PUT") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads", "expires_s": 0, )" + auth + "}]").find("expires_s") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads", "key": "{sub.jpg", )" + auth + "}]").find("unclosed {") != std::string::npos);
  CHECK(error_of(R"([{"path": "/_api/x", "bucket": "uploads", )" + auth + R"(}, {"path": "/_api/x", "bucket": "uploads", )" + auth + "}]")
            .find("duplicate path") != std::string::npos);
}

TEST_CASE("the default stack declares the original route with the dev secret", "[presign-route]") {
  auto no_env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  auto stack = stack::default_stack(no_env);
  REQUIRE(stack.presign_routes.size() == 1);
  const auto& route = stack.presign_routes[0];
  CHECK(route.method == "POST");
  CHECK(route.path == "/_api/avatars/key_upload");
  CHECK(route.bucket == "cruddur-uploaded-avatars");
  CHECK(route.key == "{sub}.{extension}");
  CHECK(route.expires_s == 300);
  CHECK(route.cors_origins == std::vector<std::string>{"http://localhost:3000", "http://127.0.0.1:3000", "https://*.gitpod.io"});
  CHECK(route.auth.hs256_secret == "minicloud-dev-secret");
  auto env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "MINICLOUD_JWT_SECRET") return std::string("from-env");
    if (name == "UPLOADS_BUCKET_NAME") return std::string("my-uploads");
    return std::nullopt;
  };
  auto custom = stack::default_stack(env);
  CHECK(custom.presign_routes[0].auth.hs256_secret == "from-env");
  CHECK(custom.presign_routes[0].bucket == "my-uploads");
}

TEST_CASE("key templates: {extension} from the body, other names from string claims", "[presign-route]") {
  const json claims = {{"sub", kSub}, {"username", "andrew"}, {"exp", 1}, {"evil", "../x/y"}, {"empty", ""}};
  CHECK(api::render_key("{sub}.{extension}", "jpg", claims) == kSub + ".jpg");
  CHECK(api::render_key("avatars/{username}/{sub}.{extension}", "PNG", claims) == "avatars/andrew/" + kSub + ".PNG");
  CHECK(api::render_key("fixed.jpg", "jpg", claims) == "fixed.jpg");
  CHECK_FALSE(api::render_key("{email}.{extension}", "jpg", claims));  // absent
  CHECK_FALSE(api::render_key("{exp}.{extension}", "jpg", claims));    // not a string
  CHECK_FALSE(api::render_key("{evil}", "jpg", claims));               // a '/' could leave the prefix
  CHECK_FALSE(api::render_key("{empty}.jpg", "jpg", claims));
  CHECK(stack::key_template_names("a/{sub}-{cognito:username}.{extension}") ==
        std::vector<std::string>{"sub", "cognito:username", "extension"});
  CHECK_FALSE(stack::key_template_names("{}"));
  CHECK_FALSE(stack::key_template_names("{a b}"));
  CHECK_FALSE(stack::key_template_names("a}"));
}

TEST_CASE("content types follow the extension, case-insensitively", "[presign-route]") {
  CHECK(api::content_type_for_extension("jpg") == "image/jpeg");
  CHECK(api::content_type_for_extension("JPEG") == "image/jpeg");
  CHECK(api::content_type_for_extension("png") == "image/png");
  CHECK(api::content_type_for_extension("gif") == "image/gif");
  CHECK(api::content_type_for_extension("webp") == "image/webp");
  CHECK(api::content_type_for_extension("avif") == "image/avif");
  CHECK(api::content_type_for_extension("HEIC") == "image/heic");
  CHECK_FALSE(api::content_type_for_extension("tiff"));
}

TEST_CASE("a valid token gets a URL that authenticates for that host and content type only", "[presign-route]") {
  auto route = make_route();
  auto response = call(*route, post(token()));
  REQUIRE(response.status == 200);
  CHECK(response.content_type == "application/json");
  CHECK(response.header("Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(response.header("Access-Control-Allow-Credentials") == "true");
  const std::string url = json::parse(response.body)["url"];
  CHECK(url.starts_with("http://localhost:4566/cruddur-uploaded-avatars/" + kSub + ".jpg?"));
  CHECK(url.find("X-Amz-Expires=300") != std::string::npos);
  CHECK(url.find("X-Amz-Date=20270115T080000Z") != std::string::npos);  // the injected clock
  CHECK(url.find("X-Amz-SignedHeaders=content-type%3Bhost") != std::string::npos);

  CHECK(authenticates(put_with(url, "localhost:4566", "image/jpeg")));
  CHECK_FALSE(authenticates(put_with(url, "localhost:4566", "image/png")));
  CHECK_FALSE(authenticates(put_with(url, "127.0.0.1:4566", "image/jpeg")));

  // content_type in the body wins; an unknown extension without one signs the host only.
  auto given = call(*route, post(token()), R"({"extension":"bin","content_type":"application/octet-stream"})");
  REQUIRE(given.status == 200);
  const std::string given_url = json::parse(given.body)["url"];
  CHECK(authenticates(put_with(given_url, "localhost:4566", "application/octet-stream")));
  auto unknown = call(*route, post(token()), R"({"extension":"tiff"})");
  REQUIRE(unknown.status == 200);
  const std::string unknown_url = json::parse(unknown.body)["url"];
  CHECK(unknown_url.find("X-Amz-SignedHeaders=host&") != std::string::npos);
  CHECK(authenticates(put_with(unknown_url, "localhost:4566", "image/tiff")));
}

TEST_CASE("the URL's origin: the caller's scheme and Host, or the public URL", "[presign-route]") {
  auto request = post(token(), "4566-abc.gitpod.io");
  request.scheme = "https";
  auto response = call(*make_route(), request);
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["url"].get<std::string>().starts_with("https://4566-abc.gitpod.io/cruddur-uploaded-avatars/"));

  auto fixed = call(*make_route(route_decl(), "https://minicloud.example:8443"), post(token()));
  REQUIRE(fixed.status == 200);
  CHECK(json::parse(fixed.body)["url"].get<std::string>().starts_with("https://minicloud.example:8443/cruddur-uploaded-avatars/"));

  auto no_host = post(token(), "");
  CHECK(call(*make_route(), no_host).status == 400);
}

TEST_CASE("bad tokens get 401 with the reason, and CORS headers so the page can read it", "[presign-route]") {
  auto route = make_route();
  auto expired = call(*route, post(token(kNowS - 60)));
  CHECK(expired.status == 401);
  CHECK(message_of(expired) == "token expired");
  CHECK(expired.header("Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(expired.header("WWW-Authenticate").has_value());

  auto missing = call(*route, post(""));
  CHECK(missing.status == 401);
  CHECK(message_of(missing) == "missing Authorization header (Bearer token)");
  auto basic = post("");
  basic.headers.emplace_back("Authorization", "Basic dGVzdDp0ZXN0");
  CHECK(call(*route, basic).status == 401);
  CHECK(message_of(call(*route, post("garbage"))).starts_with("malformed token"));
  CHECK(message_of(call(*route, post(api::jwt::sign_hs256({{"sub", kSub}, {"exp", kNowS + 60}}, "other")))) == "invalid signature");
  // A token without the claim the key needs is a bad request, not a bad token.
  auto no_sub = call(*route, post(api::jwt::sign_hs256({{"exp", kNowS + 60}}, kSecret)));
  CHECK(no_sub.status == 400);
  CHECK(message_of(no_sub) == "the token has no string claim \"sub\" for the key");
}

TEST_CASE("bad bodies get 400 with a JSON message", "[presign-route]") {
  auto route = make_route();
  for (const char* body : {"", "not json", "[]", "{}", R"({"extension": 3})", R"({"extension": ""})",
                           R"({"extension": "toolongextension"})", R"({"extension": "jp/g"})", R"({"extension": ".jpg"})",
                           R"({"extension": "jpg", "content_type": "jpeg"})", R"({"extension": "jpg", "content_type": 5})",
                           "{\"extension\": \"jpg\", \"content_type\": \"image/jpeg\\r\\nx-amz-acl: public-read\"}"}) {
    INFO(body);
    auto response = call(*route, post(token()), body);
    CHECK(response.status == 400);
    CHECK(response.content_type == "application/json");
    CHECK_FALSE(message_of(response).empty());
  }
  CHECK(call(*route, post(token()), std::string(100 * 1024, ' ')).status == 413);
}

TEST_CASE("preflight: allowed origins reflected with the requested headers, others 403", "[presign-route]") {
  auto route = make_route();
  auto preflight = [&](std::string origin, std::string method, std::string headers) {
    http::Request request;
    request.method = "OPTIONS";
    request.path = "/_api/avatars/key_upload";
    request.headers = {{"Host", "localhost:4566"}, {"Origin", origin}, {"Access-Control-Request-Method", method}};
    if (!headers.empty()) request.headers.emplace_back("Access-Control-Request-Headers", headers);
    return call(*route, request, "");
  };
  auto allowed = preflight("https://3000-omenking-awsbootcampcru-2n1d6e0bd1f.ws-us94.gitpod.io", "POST", "Authorization, Content-Type");
  CHECK(allowed.status == 204);
  CHECK(allowed.header("Access-Control-Allow-Origin") == "https://3000-omenking-awsbootcampcru-2n1d6e0bd1f.ws-us94.gitpod.io");
  CHECK(allowed.header("Access-Control-Allow-Credentials") == "true");
  CHECK(allowed.header("Access-Control-Allow-Methods") == "OPTIONS, POST");
  CHECK(allowed.header("Access-Control-Allow-Headers") == "authorization, content-type");
  CHECK(allowed.header("Access-Control-Max-Age") == "600");
  CHECK(preflight("http://localhost:3000", "POST", "").header("Access-Control-Allow-Headers") == "authorization, content-type");

  auto denied = preflight("http://localhost:3001", "POST", "authorization");
  CHECK(denied.status == 403);
  CHECK_FALSE(denied.header("Access-Control-Allow-Origin"));
  CHECK(preflight("http://localhost:3000", "DELETE", "").status == 403);
  // Without Origin it is no preflight.
  http::Request bare;
  bare.method = "OPTIONS";
  bare.path = "/_api/avatars/key_upload";
  CHECK(call(*route, bare, "").status == 400);
}

TEST_CASE("other methods 405, other paths 404", "[presign-route]") {
  auto route = make_route();
  auto get = post(token());
  get.method = "GET";
  auto response = call(*route, get);
  CHECK(response.status == 405);
  CHECK(response.header("Allow") == "OPTIONS, POST");
  auto deeper = post(token());
  deeper.path = "/_api/avatars/key_upload/more";
  CHECK(call(*route, deeper).status == 404);
}

TEST_CASE("trust-proxy: X-Forwarded-Host replaces Host, X-Forwarded-Proto sets the scheme", "[presign-route]") {
  http::Request request;
  request.headers = {{"host", "127.0.0.1:4566"}, {"X-Forwarded-Host", " 4566-abc.gitpod.io , proxy.internal"},
                     {"X-Forwarded-Proto", "HTTPS,http"}};
  http::apply_forwarded_headers(request);
  CHECK(request.header("Host") == "4566-abc.gitpod.io");
  CHECK(request.host() == "4566-abc.gitpod.io");
  CHECK(request.scheme == "https");
  std::size_t hosts = 0;
  for (const auto& [name, value] : request.headers) hosts += http::iequals(name, "Host");
  CHECK(hosts == 1);

  http::Request odd;
  odd.headers = {{"Host", "localhost:4566"}, {"X-Forwarded-Host", "evil.com/path?x"}, {"X-Forwarded-Proto", "gopher"}};
  http::apply_forwarded_headers(odd);
  CHECK(odd.header("Host") == "localhost:4566");
  CHECK(odd.scheme == "http");

  http::Request none;
  none.headers = {{"Host", "localhost:4566"}};
  http::apply_forwarded_headers(none);
  CHECK(none.header("Host") == "localhost:4566");
  CHECK(none.scheme == "http");
}
