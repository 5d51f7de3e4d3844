// The CDN: cache (LRU, byte bound), TTL rules, path patterns, invalidation matching,
// compression negotiation, the stack section, and cdn::Service against an in-memory store
// with a hand-moved clock (no sleeps).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <atomic>
#include <memory>

#include "cdn/cache.h"
#include "cdn/compress.h"
#include "cdn/config.h"
#include "cdn/service.h"
#include "stack/stack.h"
#include "store/store.h"

namespace {

std::shared_ptr<const cdn::CachedObject> object(std::string path, std::size_t body_size) {
  auto o = std::make_shared<cdn::CachedObject>();
  o->path = std::move(path);
  o->body.assign(body_size, 'x');
  return o;
}

cdn::CacheEntry entry(std::string path, std::size_t body_size, std::int64_t ttl_ms = 1000) {
  return cdn::CacheEntry{object(std::move(path), body_size), 0, ttl_ms};
}

}  // namespace

TEST_CASE("cdn: cache is an LRU bounded by bytes", "[cdn]") {
  cdn::Cache cache(3 * (1000 + 300));
  REQUIRE(cache.insert("/a", entry("/a", 1000)));
  REQUIRE(cache.insert("/b", entry("/b", 1000)));
  REQUIRE(cache.insert("/c", entry("/c", 1000)));
  CHECK(cache.size() == 3);
  CHECK(cache.bytes() <= cache.capacity());
  REQUIRE(cache.lookup("/a"));  // /a becomes most recently used: /b is now the oldest
  REQUIRE(cache.insert("/d", entry("/d", 1000)));
  CHECK(cache.size() == 3);
  CHECK_FALSE(cache.lookup("/b"));
  CHECK(cache.lookup("/a"));
  CHECK(cache.lookup("/c"));
  CHECK(cache.lookup("/d"));
  CHECK(cache.bytes() <= cache.capacity());

  // One big entry evicts as many as it needs; one larger than everything is refused.
  REQUIRE(cache.insert("/big", entry("/big", 2200)));
  CHECK(cache.bytes() <= cache.capacity());
  CHECK(cache.lookup("/big"));
  CHECK_FALSE(cache.insert("/huge", entry("/huge", 10000)));
  CHECK_FALSE(cache.lookup("/huge"));

  // Replacing a key does not count it twice.
  auto before = cache.bytes();
  REQUIRE(cache.insert("/big", entry("/big", 2200)));
  CHECK(cache.bytes() == before);
  cache.clear();
  CHECK(cache.size() == 0);
  CHECK(cache.bytes() == 0);
}

TEST_CASE("cdn: freshness and refresh", "[cdn]") {
  cdn::Cache cache(1 << 20);
  cache.insert("/a", cdn::CacheEntry{object("/a", 10), 1000, 5000});
  auto e = cache.lookup("/a");
  REQUIRE(e);
  CHECK(e->fresh(5999));
  CHECK_FALSE(e->fresh(6000));
  cache.refresh("/a", 10000, 5000);
  CHECK(cache.lookup("/a")->fresh(14999));
  CHECK_FALSE(cache.lookup("/a")->fresh(15000));
}

TEST_CASE("cdn: TTL from Cache-Control clamped to the policy", "[cdn]") {
  cdn::CachePolicy policy;  // CachingOptimized: 1 / 86400 / 31536000
  CHECK(cdn::ttl_ms(policy, "", "", 0) == 86400'000);
  CHECK(cdn::ttl_ms(policy, "max-age=60", "", 0) == 60'000);
  CHECK(cdn::ttl_ms(policy, "public, max-age=0", "", 0) == 1'000);  // raised to min
  CHECK(cdn::ttl_ms(policy, "max-age=999999999", "", 0) == 31536000'000LL);  // lowered to max
  CHECK(cdn::ttl_ms(policy, "max-age=60, s-maxage=120", "", 0) == 120'000);  // s-maxage wins
  CHECK(cdn::ttl_ms(policy, "Max-Age=30", "", 0) == 30'000);
  CHECK(cdn::ttl_ms(policy, "no-store", "", 0) == 1'000);  // min TTL > 0: cached that long
  CHECK(cdn::ttl_ms(policy, "private, max-age=600", "", 0) == 1'000);
  CHECK(cdn::ttl_ms(policy, "max-age=abc", "", 0) == 86400'000);  // malformed: default
  // Expires without max-age: seconds until then, clamped.
  CHECK(cdn::ttl_ms(policy, "", "Thu, 01 Jan 1970 00:10:00 GMT", 0) == 600'000);

  cdn::CachePolicy no_min{0, 10, 100, false};
  CHECK(cdn::ttl_ms(no_min, "no-cache", "", 0) == 0);  // not cached at all
  CHECK(cdn::ttl_ms(no_min, "max-age=500", "", 0) == 100'000);
  CHECK(cdn::ttl_ms(no_min, "", "", 0) == 10'000);
}

TEST_CASE("cdn: path patterns", "[cdn]") {
  CHECK(cdn::path_matches("*", "/anything/at/all.jpg"));
  CHECK(cdn::path_matches("/avatars/*", "/avatars/x.jpg"));
  CHECK(cdn::path_matches("avatars/*", "/avatars/x.jpg"));  // leading '/' optional
  CHECK_FALSE(cdn::path_matches("/avatars/*", "/banners/x.jpg"));
  CHECK(cdn::path_matches("/images/*.jpg", "/images/a/b/c.jpg"));
  CHECK_FALSE(cdn::path_matches("/images/*.jpg", "/images/c.png"));
  CHECK(cdn::path_matches("/a?c.txt", "/abc.txt"));
  CHECK_FALSE(cdn::path_matches("/a?c.txt", "/ac.txt"));
  CHECK_FALSE(cdn::path_matches("/Avatars/*", "/avatars/x.jpg"));  // case-sensitive
  CHECK(cdn::path_matches("/*.css", "/site.css"));
  CHECK_FALSE(cdn::path_matches("/index.html", "/index.html.bak"));

  auto parsed = cdn::parse_distributions(nlohmann::json::parse(R"([{
    "id": "E1", "origin": {"bucket": "b"},
    "behaviors": [{"path_pattern": "/avatars/*", "cache_policy": {"min_ttl": 0, "default_ttl": 5, "max_ttl": 10}},
                  {"path_pattern": "*.css", "compress": false}]}])"));
  REQUIRE(parsed);
  const auto& d = parsed->front();
  CHECK(d.behavior_for("/avatars/a.jpg").cache_policy.default_ttl == 5);
  CHECK_FALSE(d.behavior_for("/x/site.css").compress);
  CHECK(d.behavior_for("/other").cache_policy.default_ttl == 86400);  // default behaviour
}

TEST_CASE("cdn: invalidation paths", "[cdn]") {
  CHECK(cdn::invalidation_matches("/avatars/*", "/avatars/x.jpg"));
  CHECK(cdn::invalidation_matches("/avatars/*", "/avatars/"));
  CHECK_FALSE(cdn::invalidation_matches("/avatars/*", "/avatarsx"));
  CHECK(cdn::invalidation_matches("/*", "/anything"));
  CHECK(cdn::invalidation_matches("/a.jpg", "/a.jpg"));
  CHECK_FALSE(cdn::invalidation_matches("/a.jpg", "/a.jpg2"));
  CHECK(cdn::invalidation_matches("/a*", "/abc"));
  CHECK(cdn::valid_invalidation_path("/avatars/*"));
  CHECK_FALSE(cdn::valid_invalidation_path("avatars/*"));
  CHECK_FALSE(cdn::valid_invalidation_path("/a/*/b"));

  cdn::Cache cache(1 << 20);
  cache.insert("/avatars/a.jpg\n", entry("/avatars/a.jpg", 10));
  cache.insert("/avatars/a.jpg\ngzip", entry("/avatars/a.jpg", 10));
  cache.insert("/avatars/b.jpg\n", entry("/avatars/b.jpg", 10));
  cache.insert("/banners/a.jpg\n", entry("/banners/a.jpg", 10));
  CHECK(cache.invalidate("/avatars/a.jpg") == 2);  // every encoding variant
  CHECK(cache.invalidate("/avatars/*") == 1);
  CHECK(cache.size() == 1);
  CHECK(cache.lookup("/banners/a.jpg\n"));
}

TEST_CASE("cdn: encoding negotiation and compressible types", "[cdn]") {
  CHECK(cdn::negotiate_encoding("gzip, deflate, br") == "br");
  CHECK(cdn::negotiate_encoding("gzip") == "gzip");
  CHECK(cdn::negotiate_encoding("GZIP;q=0.8") == "gzip");
  CHECK(cdn::negotiate_encoding("br;q=0, gzip") == "gzip");
  CHECK(cdn::negotiate_encoding("identity") == "");
  CHECK(cdn::negotiate_encoding("") == "");
  CHECK(cdn::compressible_type("text/css"));
  CHECK(cdn::compressible_type("application/json; charset=utf-8"));
  CHECK_FALSE(cdn::compressible_type("image/jpeg"));
  CHECK_FALSE(cdn::compressible_type("image/png"));
  CHECK_FALSE(cdn::compressible_size(999));
  CHECK(cdn::compressible_size(1000));

  std::string text(5000, 'a');
  auto gz = cdn::gzip(text);
  REQUIRE(gz);
  CHECK(gz->size() < 200);
  CHECK(static_cast<unsigned char>((*gz)[0]) == 0x1f);  // gzip magic
  std::string back(text.size(), '\0');
  uLongf back_len = back.size();
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(gz->data());
  z.avail_in = static_cast<uInt>(gz->size());
  z.next_out = reinterpret_cast<Bytef*>(back.data());
  z.avail_out = static_cast<uInt>(back_len);
  CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
  inflateEnd(&z);
  CHECK(back == text);
  auto br = cdn::brotli(text);
  REQUIRE(br);
  CHECK(br->size() < 100);
}

TEST_CASE("cdn: the stack's distributions section", "[cdn]") {
  auto stack = stack::parse_stack(R"({"buckets": [{"name": "site"}], "distributions": [{
      "id": "E2SITE", "aliases": ["www.localhost"], "origin": {"bucket": "site", "path": "/prod/"},
      "default_root_object": "index.html",
      "custom_error_responses": [{"error_code": 404, "response_page_path": "/404.html", "response_code": 200,
                                  "error_caching_min_ttl": 5}],
      "port": 0}]})");
  REQUIRE(stack);
  REQUIRE(stack->distributions.size() == 1);
  const auto& d = stack->distributions[0];
  CHECK(d.domain == "e2site.cloudfront.localhost");
  CHECK(d.origin_path == "/prod");
  CHECK(d.origin_key("/a/b.jpg") == "prod/a/b.jpg");
  CHECK(d.port == 0);
  REQUIRE(d.error_response_for(404));
  CHECK(d.error_response_for(404)->response_code == 200);
  CHECK_FALSE(d.error_response_for(403));

  auto bad = [](const char* json) {
    auto s = stack::parse_stack(json);
    REQUIRE_FALSE(s);
    return s.error();
  };
  CHECK_THAT(bad(R"({"distributions": [{"id": "E1", "origin": {"bucket": "b"}, "ttl": 1}]})"),
             Catch::Contains("unknown field \"ttl\""));
  CHECK_THAT(bad(R"({"distributions": [{"id": "e1", "origin": {"bucket": "b"}}]})"), Catch::Contains("\"id\""));
  CHECK_THAT(bad(R"({"distributions": [{"id": "E1"}]})"), Catch::Contains("\"origin\" is required"));
  CHECK_THAT(bad(R"({"distributions": [{"id": "E1", "origin": {"bucket": "b"},
                     "default_behavior": {"cache_policy": {"min_ttl": 10, "default_ttl": 5}}}]})"),
             Catch::Contains("min_ttl <= default_ttl"));

  auto def = stack::default_stack([](std::string_view) { return std::nullopt; });
  REQUIRE(def.distributions.size() == 1);
  CHECK(def.distributions[0].id == "E1MINICLOUD");
  CHECK(def.distributions[0].origin_bucket == "assets.cruddur.com");
  CHECK(def.distributions[0].aliases == std::vector<std::string>{"assets.localhost"});
}

namespace {

// A CDN over an in-memory store, with a clock the test moves.
struct Edge {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(1'700'000'000'000);
  std::unique_ptr<store::Store> store;
  std::unique_ptr<cdn::Service> service;

  explicit Edge(cdn::Distribution d, bool caching = true) {
    auto s = store::Store::open({.data_dir = {}, .in_memory = true, .now_ms = {}});
    REQUIRE(s);
    store = std::move(*s);
    REQUIRE(store->create_bucket(d.origin_bucket, "private", "us-east-1"));
    cdn::ServiceOptions options;
    auto n = now;
    options.now_ms = [n] { return n->load(); };
    options.caching = caching;
    service = std::make_unique<cdn::Service>(*store, std::vector<cdn::Distribution>{std::move(d)}, options);
  }
  void put(const std::string& key, const std::string& body, const std::string& type = "text/plain",
           const std::string& cache_control = "") {
    auto blob = store->new_blob();
    REQUIRE(blob);
    REQUIRE(blob->write(body));
    store::ObjectMeta meta;
    meta.bucket = service->distributions()[0]->origin_bucket;
    meta.key = key;
    meta.etag = std::to_string(std::hash<std::string>{}(body));
    meta.content_type = type;
    meta.cache_control = cache_control;
    REQUIRE(store->commit_object(meta, std::move(*blob)));
  }
  http::Response get(const std::string& path, http::Headers headers = {}) {
    http::Request request;
    request.method = "GET";
    request.path = path;
    request.request_id = "0000000000000001";
    request.headers = std::move(headers);
    return service->serve(*service->distributions()[0], path, request);
  }
  void advance(std::int64_t seconds) { *now += seconds * 1000; }
};

std::string x_cache(const http::Response& r) { return r.header("X-Cache").value_or("(none)"); }

std::string body(const http::Response& r) {
  if (!r.stream) return r.body;
  std::string out(static_cast<std::size_t>(r.stream->length), '\0');
  auto n = r.stream->read(0, out.data(), out.size());
  REQUIRE(n);
  out.resize(*n);
  return out;
}

}  // namespace

TEST_CASE("cdn: miss, hit, expiry, refresh hit, overwrite stays stale until invalidated", "[cdn]") {
  Edge edge(cdn::default_distribution("assets"));
  edge.put("avatars/a.txt", "one", "text/plain", "max-age=60");
  auto r = edge.get("/avatars/a.txt");
  CHECK(r.status == 200);
  CHECK(x_cache(r) == "Miss from cloudfront");
  CHECK(body(r) == "one");
  CHECK_FALSE(r.header("Age"));

  edge.advance(30);
  r = edge.get("/avatars/a.txt");
  CHECK(x_cache(r) == "Hit from cloudfront");
  CHECK(r.header("Age") == "30");

  edge.advance(31);  // 61 s > max-age=60: stale, unchanged at the origin
  r = edge.get("/avatars/a.txt");
  CHECK(x_cache(r) == "RefreshHit from cloudfront");
  r = edge.get("/avatars/a.txt");
  CHECK(x_cache(r) == "Hit from cloudfront");

  edge.put("avatars/a.txt", "two", "text/plain", "max-age=60");
  r = edge.get("/avatars/a.txt");
  CHECK(x_cache(r) == "Hit from cloudfront");
  CHECK(body(r) == "one");  // stale content until TTL or invalidation, as on AWS

  auto inv = edge.service->invalidate(*edge.service->distributions()[0], "ref", {"/avatars/*"});
  CHECK(inv.id.size() == 14);
  r = edge.get("/avatars/a.txt");
  CHECK(x_cache(r) == "Miss from cloudfront");
  CHECK(body(r) == "two");

  edge.put("avatars/a.txt", "three", "text/plain", "max-age=60");
  edge.advance(61);  // stale and changed: a miss with the new body
  r = edge.get("/avatars/a.txt");
  CHECK(x_cache(r) == "Miss from cloudfront");
  CHECK(body(r) == "three");
}

TEST_CASE("cdn: no-cache mode always goes to the origin", "[cdn]") {
  Edge edge(cdn::default_distribution("assets"), false);
  edge.put("a.txt", "one");
  CHECK(x_cache(edge.get("/a.txt")) == "Miss from cloudfront");
  edge.put("a.txt", "two");
  auto r = edge.get("/a.txt");
  CHECK(x_cache(r) == "Miss from cloudfront");
  CHECK(body(r) == "two");
  CHECK(edge.service->cache_of(*edge.service->distributions()[0]).size() == 0);
}

TEST_CASE("cdn: conditional GET, range, compression, error pages", "[cdn]") {
  auto d = cdn::default_distribution("assets");
  d.default_root_object = "index.html";
  d.custom_error_responses.push_back({404, "/404.html", 404, 10});
  Edge edge(d);
  std::string css(4000, 'c');
  edge.put("site.css", css, "text/css");
  edge.put("index.html", "<h1>home</h1>", "text/html");
  edge.put("404.html", "<h1>not here</h1>", "text/html");

  auto r = edge.get("/site.css");
  auto etag = r.header("ETag");
  REQUIRE(etag);
  CHECK(edge.get("/site.css", {{"If-None-Match", *etag}}).status == 304);
  CHECK(edge.get("/site.css", {{"If-None-Match", "\"other\""}}).status == 200);

  r = edge.get("/site.css", {{"Range", "bytes=10-19"}});
  CHECK(r.status == 206);
  CHECK(r.header("Content-Range") == "bytes 10-19/4000");
  CHECK(body(r) == std::string(10, 'c'));
  CHECK(edge.get("/site.css", {{"Range", "bytes=5000-"}}).status == 416);

  r = edge.get("/site.css", {{"Accept-Encoding", "gzip"}});
  CHECK(r.header("Content-Encoding") == "gzip");
  CHECK(r.header("ETag")->starts_with("W/"));
  CHECK(body(r).size() < css.size());
  r = edge.get("/site.css", {{"Accept-Encoding", "gzip, br"}});
  CHECK(r.header("Content-Encoding") == "br");

  r = edge.get("/");
  CHECK(r.status == 200);
  CHECK(body(r) == "<h1>home</h1>");

  r = edge.get("/missing.png");
  CHECK(r.status == 404);
  CHECK(x_cache(r) == "Error from cloudfront");
  CHECK(body(r) == "<h1>not here</h1>");
  edge.put("missing.png", "now here", "image/png");
  CHECK(edge.get("/missing.png").status == 404);  // the error is cached for 10 s
  edge.advance(11);
  CHECK(edge.get("/missing.png").status == 200);
}

TEST_CASE("cdn: objects too large for the cache stream past it", "[cdn]") {
  auto d = cdn::default_distribution("assets");
  d.cache_bytes = 8000;  // objects above 1000 bytes are not cached
  Edge edge(d);
  std::string big(3000, 'b');
  edge.put("big.bin", big, "application/octet-stream");
  for (int i = 0; i < 2; ++i) {
    auto r = edge.get("/big.bin", {{"Accept-Encoding", "gzip"}});
    CHECK(r.status == 200);
    CHECK(x_cache(r) == "Miss from cloudfront");
    CHECK(body(r) == big);
    CHECK_FALSE(r.header("Content-Encoding"));
  }
  CHECK(edge.service->cache_of(*edge.service->distributions()[0]).size() == 0);
}

TEST_CASE("cdn: methods other than GET and HEAD are refused", "[cdn]") {
  Edge edge(cdn::default_distribution("assets"));
  http::Request request;
  request.method = "DELETE";
  request.path = "/a.txt";
  auto r = edge.service->serve(*edge.service->distributions()[0], "/a.txt", request);
  CHECK(r.status == 403);
  CHECK(x_cache(r) == "Error from cloudfront");
}

TEST_CASE("cdn: set_distributions keeps an unchanged edge's cache, starts a changed one empty, drops removed ones", "[cdn]") {
  Edge edge(cdn::default_distribution("assets"));
  edge.put("a.txt", "one");
  CHECK(x_cache(edge.get("/a.txt")) == "Miss from cloudfront");
  CHECK(x_cache(edge.get("/a.txt")) == "Hit from cloudfront");

  auto unchanged = *edge.service->distributions()[0];
  auto second = cdn::default_distribution("assets");
  second.id = "E2SECOND";
  second.domain = "e2second.cloudfront.localhost";
  second.aliases.clear();
  edge.service->set_distributions({unchanged, second});
  REQUIRE(edge.service->distributions().size() == 2);
  CHECK(x_cache(edge.get("/a.txt")) == "Hit from cloudfront");
  REQUIRE(edge.service->by_host("e2second.cloudfront.localhost"));
  CHECK(edge.service->by_id("E2SECOND")->domain == "e2second.cloudfront.localhost");

  auto changed = unchanged;
  changed.default_behavior.compress = !changed.default_behavior.compress;
  auto held = edge.service->by_id(unchanged.id);  // a request in flight keeps its distribution
  edge.service->set_distributions({changed});
  CHECK(held->default_behavior.compress == unchanged.default_behavior.compress);
  CHECK(x_cache(edge.get("/a.txt")) == "Miss from cloudfront");
  CHECK_FALSE(edge.service->by_id("E2SECOND"));
  CHECK_FALSE(edge.service->by_host("e2second.cloudfront.localhost"));

  http::Request request;
  request.method = "GET";
  request.path = "/a.txt";
  edge.service->set_distributions({});
  CHECK(edge.service->serve(*held, "/a.txt", request).status == 404);  // NoSuchDistribution
}
