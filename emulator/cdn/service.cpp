// Viewer requests: cache lookup, revalidation, origin fetch, error pages, response headers.
#include "cdn/service.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "auth/crypto.h"
#include "cdn/compress.h"
#include "cdn/edge.h"
#include "core/time.h"
#include "http/range.h"
#include "s3/header_values.h"
#include "s3/service.h"

namespace cdn {
namespace {

// Objects above this are streamed from the origin, never cached nor compressed: one
// large download must not flush every avatar out of the cache.
std::size_t max_cached_object(std::size_t capacity) { return std::min<std::size_t>(capacity / 8, 32 << 20); }

// What status a viewer gets for an origin failure. With full origin access a missing key
// is 404 (an OAC without s3:ListBucket would see 403; map both in custom_error_responses).
int origin_status(const core::Error& error) { return error.http_status(); }

bool compress_eligible(const CachedObject& object) {
  return object.content_encoding.empty() && compressible_type(object.content_type) &&
         compressible_size(object.body.size());
}

bool etag_matches(std::string_view list, std::string_view etag) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);  // weak comparison, as for GET
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') item = item.substr(1, item.size() - 2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

// A body served from memory: the provider keeps the cached object alive while it is sent.
http::BodyProvider body_of(std::shared_ptr<const CachedObject> object, std::int64_t first, std::int64_t length) {
  return http::BodyProvider{length, [object = std::move(object), first, length](std::int64_t offset, char* buf,
                                                                                std::size_t len) -> core::Result<std::size_t> {
                              if (offset >= length) return std::size_t{0};
                              auto n = std::min<std::size_t>(len, static_cast<std::size_t>(length - offset));
                              std::memcpy(buf, object->body.data() + first + offset, n);
                              return n;
                            }};
}

}  // namespace

Service::Service(store::Store& store, std::vector<Distribution> distributions, ServiceOptions options)
    : store_(store), options_(std::move(options)) {
  started_ms_ = options_.now_ms();
  set_distributions(std::move(distributions));
}

Service::~Service() = default;

void Service::set_distributions(std::vector<Distribution> distributions) {
  std::vector<std::shared_ptr<Edge>> next;
  std::unique_lock lock(edges_mutex_);
  for (auto& d : distributions) {
    auto same = std::find_if(edges_.begin(), edges_.end(), [&](const auto& e) { return e->config == d; });
    next.push_back(same != edges_.end() ? *same : std::make_shared<Edge>(std::move(d), options_.now_ms()));
  }
  edges_ = std::move(next);
}

std::shared_ptr<const Distribution> Service::by_host(std::string_view host) const {
  std::shared_lock lock(edges_mutex_);
  for (const auto& e : edges_) {
    if (e->config.domain == host) return std::shared_ptr<const Distribution>(e, &e->config);
    for (const auto& alias : e->config.aliases)
      if (alias == host) return std::shared_ptr<const Distribution>(e, &e->config);
  }
  return nullptr;
}

std::shared_ptr<const Distribution> Service::by_id(std::string_view id) const {
  std::shared_lock lock(edges_mutex_);
  for (const auto& e : edges_)
    if (e->config.id == id) return std::shared_ptr<const Distribution>(e, &e->config);
  return nullptr;
}

std::vector<std::shared_ptr<const Distribution>> Service::distributions() const {
  std::shared_lock lock(edges_mutex_);
  std::vector<std::shared_ptr<const Distribution>> out;
  for (const auto& e : edges_) out.emplace_back(e, &e->config);
  return out;
}

std::shared_ptr<Service::Edge> Service::find_edge(const Distribution& distribution) const {
  std::shared_lock lock(edges_mutex_);
  for (const auto& e : edges_)
    if (&e->config == &distribution) return e;
  for (const auto& e : edges_)
    if (e->config.id == distribution.id) return e;
  return nullptr;
}

Cache& Service::cache_of(const Distribution& distribution) {
  auto e = find_edge(distribution);
  if (!e) throw std::invalid_argument(std::string("cdn::Service: unknown distribution ") + distribution.id);
  return e->cache;  // edges live as long as the service unless replaced: tests only
}

Service::Resolved Service::resolve(Edge& edge, std::string_view path, const std::string& base_key,
                                   const std::string& encoding, bool error_pages, const http::Request& request,
                                   std::int64_t now) {
  const Distribution& dist = edge.config;
  const CachePolicy& policy = dist.behavior_for(path).cache_policy;
  std::string identity_key = base_key + "\n";
  std::string key = identity_key + encoding;

  if (options_.caching) {
    auto found = edge.cache.lookup(key);
    if (!found && !encoding.empty()) {
      // Bodies that are never compressed (JPEG...) are stored once, under the identity key.
      found = edge.cache.lookup(identity_key);
      if (found && compress_eligible(*found->object)) found.reset();
      else if (found) key = identity_key;
    }
    if (found) {
      const auto& object = found->object;
      if (found->fresh(now)) {
        return {object, object->status == 200 ? XCache::Hit : XCache::Error, (now - found->stored_ms) / 1000};
      }
      if (object->status == 200) {
        // Stale: ask the origin whether the object changed (a conditional GET by ETag).
        auto head = store_.head_object(dist.origin_bucket, dist.origin_key(path));
        if (head && head->etag == object->etag) {
          std::int64_t ttl = ttl_ms(policy, head->cache_control, head->expires, now);
          if (ttl > 0) {
            edge.cache.refresh(key, now, ttl);
            return {object, XCache::RefreshHit, 0};
          }
        }
      }
      edge.cache.erase(key);
    }
  }

  auto got = store_.get_object(dist.origin_bucket, dist.origin_key(path));
  if (!got) return origin_error(edge, path, key, got.error(), error_pages, request, now);
  auto& [meta, reader] = *got;
  if (static_cast<std::size_t>(meta.size) > max_cached_object(edge.cache.capacity())) {
    Resolved streamed{nullptr, XCache::Miss, -1};
    streamed.meta = meta;
    streamed.reader = std::make_shared<store::BlobReader>(std::move(reader));
    return streamed;
  }
  auto object = std::make_shared<CachedObject>();
  object->path = std::string(path);
  object->etag = meta.etag;
  object->last_modified_ms = meta.last_modified_ms;
  object->content_type = meta.content_type.empty() ? "binary/octet-stream" : meta.content_type;
  object->content_encoding = meta.content_encoding;
  object->cache_control = meta.cache_control;
  object->content_disposition = meta.content_disposition;
  object->content_language = meta.content_language;
  object->expires = meta.expires;
  object->user_metadata = meta.user_metadata;
  object->body.resize(static_cast<std::size_t>(meta.size));
  std::size_t done = 0;
  while (done < object->body.size()) {
    auto n = reader.read(static_cast<std::int64_t>(done), object->body.data() + done, object->body.size() - done);
    if (!n) return origin_error(edge, path, key, n.error(), false, request, now);
    if (*n == 0) break;
    done += *n;
  }
  object->body.resize(done);

  if (!encoding.empty()) {
    if (compress_eligible(*object)) {
      if (auto packed = compress(encoding, object->body)) {
        object->body = std::move(*packed);
        object->content_encoding = encoding;
        object->weak_etag = true;  // CloudFront weakens the ETag of what it compressed
      }
    } else {
      key = identity_key;
    }
  }
  std::int64_t ttl = ttl_ms(policy, object->cache_control, object->expires, now);
  if (options_.caching && ttl > 0) edge.cache.insert(key, CacheEntry{object, now, ttl});
  return {object, XCache::Miss, -1};
}

Service::Resolved Service::origin_error(Edge& edge, std::string_view path, const std::string& cache_key,
                                        core::Error error, bool error_pages, const http::Request& request,
                                        std::int64_t now) {
  const Distribution& dist = edge.config;
  int status = origin_status(error);
  const CustomErrorResponse* custom = dist.error_response_for(status);
  auto object = std::make_shared<CachedObject>();
  object->path = std::string(path);
  object->status = status;
  bool page_served = false;
  if (custom && !custom->response_page_path.empty() && error_pages) {
    // The error page is an object like any other (fetched and cached under its own path);
    // error_pages=false stops a missing error page from recursing.
    const std::string& page_path = custom->response_page_path;
    auto page = resolve(edge, page_path, page_path, "", false, request, now);
    if (page.object && page.object->status == 200) {
      object->content_type = page.object->content_type;
      object->content_encoding = page.object->content_encoding;
      object->cache_control = page.object->cache_control;
      object->etag = page.object->etag;
      object->last_modified_ms = page.object->last_modified_ms;
      object->body = page.object->body;
      page_served = true;
    }
  }
  if (custom && custom->response_code != 0 && (page_served || custom->response_page_path.empty()))
    object->status = custom->response_code;
  if (!page_served) {
    // The origin's own error document (S3 XML), as CloudFront passes it through.
    http::Request as_get = request;
    as_get.method = "GET";
    as_get.raw_path = std::string("/") + dist.origin_key(path);
    auto body = s3::Service::error_response(error, as_get);
    object->body = std::move(body.body);
    object->content_type = body.content_type;
  }
  std::int64_t ttl = (custom ? custom->error_caching_min_ttl : 10) * 1000;
  if (options_.caching && ttl > 0) edge.cache.insert(cache_key, CacheEntry{object, now, ttl});
  return {object, XCache::Error, -1};
}

http::Response Service::serve(const Distribution& distribution, std::string_view path, const http::Request& request) {
  auto edge_ptr = find_edge(distribution);
  if (!edge_ptr) return s3::Service::error_response(core::make_error(core::ErrorCode::NoSuchDistribution), request);
  Edge& e = *edge_ptr;
  std::int64_t now = options_.now_ms();
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response response;
    response.status = 403;
    response.body = "This distribution is not configured to allow the HTTP request method that was used for this "
                    "request. The distribution supports only cachable requests.\n";
    response.content_type = "text/plain";
    add_edge_headers(response, distribution, XCache::Error, -1, request, options_.pop);
    return response;
  }
  std::string viewer_path = path.empty() ? "/" : std::string(path);
  if (viewer_path == "/" && !distribution.default_root_object.empty())
    viewer_path = std::string("/") + distribution.default_root_object;
  const Behavior& behavior = distribution.behavior_for(viewer_path);

  // Cache key: path (+ query string when the policy says so) + the normalized encoding.
  std::string base_key = viewer_path;
  if (behavior.cache_policy.query_strings && !request.raw_query.empty()) base_key += std::string("?") + request.raw_query;
  std::string encoding;
  // Range requests are answered from the identity body (byte offsets of the original).
  if (behavior.compress && !request.header("Range"))
    encoding = negotiate_encoding(request.header_or("Accept-Encoding"));

  Resolved resolved = resolve(e, viewer_path, base_key, encoding, true, request, now);
  return respond(e, viewer_path, std::move(resolved), request, now);
}

http::Response Service::respond(const Edge& edge, std::string_view path, Resolved resolved,
                                const http::Request& request, std::int64_t) const {
  const Distribution& dist = edge.config;
  const Behavior& behavior = dist.behavior_for(path);
  http::Response response;

  if (resolved.reader) {  // large object streamed from the origin
    const auto& meta = *resolved.meta;
    response.content_type = meta.content_type.empty() ? "binary/octet-stream" : meta.content_type;
    response.set_header("ETag", std::string("\"") + meta.etag + "\"");
    response.set_header("Last-Modified", core::http_date(meta.last_modified_ms));
    if (!meta.cache_control.empty()) response.set_header("Cache-Control", meta.cache_control);
    if (!meta.content_encoding.empty()) response.set_header("Content-Encoding", meta.content_encoding);
    auto reader = resolved.reader;
    response.stream = http::BodyProvider{meta.size, [reader](std::int64_t offset, char* buf, std::size_t len) {
                                           return reader->read(offset, buf, len);
                                         }};
    add_edge_headers(response, dist, XCache::Miss, -1, request, options_.pop);
    if (behavior.response_headers_policy == "SimpleCORS") response.set_header("Access-Control-Allow-Origin", "*");
    return response;
  }

  const auto& object = resolved.object;
  std::string etag = (object->weak_etag ? "W/\"" : "\"") + object->etag + "\"";
  response.status = object->status;
  if (!object->etag.empty()) response.set_header("ETag", etag);
  if (object->last_modified_ms) response.set_header("Last-Modified", core::http_date(object->last_modified_ms));
  if (!object->cache_control.empty()) response.set_header("Cache-Control", object->cache_control);
  add_edge_headers(response, dist, resolved.x_cache, resolved.age_s, request, options_.pop);
  if (behavior.response_headers_policy == "SimpleCORS") response.set_header("Access-Control-Allow-Origin", "*");

  std::int64_t first = 0, length = static_cast<std::int64_t>(object->body.size());
  if (object->status == 200) {
    auto if_none_match = request.header("If-None-Match");
    auto if_modified = request.header("If-Modified-Since");
    bool not_modified = if_none_match ? etag_matches(*if_none_match, object->etag) : false;
    if (!if_none_match && if_modified) {
      auto t = core::parse_http_date(*if_modified);
      not_modified = t && object->last_modified_ms / 1000 <= *t / 1000;
    }
    if (not_modified) {
      response.status = 304;
      return response;
    }
    response.set_header("Accept-Ranges", "bytes");
    if (auto range = request.header("Range"); range && object->content_encoding.empty()) {
      auto r = http::parse_byte_range(*range, length);
      if (r.kind == http::RangeRequest::Kind::Unsatisfiable) {
        response.status = 416;
        response.set_header("Content-Range", std::string("bytes */") + std::to_string(length));
        return response;
      }
      if (r.kind == http::RangeRequest::Kind::Partial) {
        response.status = 206;
        response.set_header("Content-Range", r.range.content_range(length));
        first = r.range.first;
        length = r.range.length();
      }
    }
  }
  if (!object->content_encoding.empty()) response.set_header("Content-Encoding", object->content_encoding);
  if (behavior.compress && compressible_type(object->content_type)) response.set_header("Vary", "Accept-Encoding");
  if (!object->content_disposition.empty()) response.set_header("Content-Disposition", object->content_disposition);
  if (!object->content_language.empty()) response.set_header("Content-Language", object->content_language);
  if (!object->expires.empty()) response.set_header("Expires", object->expires);
  // CloudFront passes the origin's headers through: S3's RFC 2047 form for non-ASCII values.
  for (const auto& [name, value] : object->user_metadata)
    response.set_header(std::string("x-amz-meta-") + name, s3::metadata_value_for_header(value));
  response.content_type = object->content_type;
  if (length > 0) response.stream = body_of(object, first, length);
  return response;
}

void add_edge_headers(http::Response& response, const Distribution& dist, XCache x_cache, std::int64_t age_s,
                      const http::Request& request, const std::string& pop) {
  static constexpr const char* kXCache[] = {"Hit from cloudfront", "Miss from cloudfront",
                                            "RefreshHit from cloudfront", "Error from cloudfront"};
  response.set_header("X-Cache", kXCache[static_cast<int>(x_cache)]);
  response.set_header("Via", std::string("1.1 ") + http::to_lower(dist.id) + ".cloudfront.net (CloudFront)");
  response.set_header("X-Amz-Cf-Pop", pop);
  // CloudFront's request id: 56 characters of URL-safe base64, unique per request.
  std::string digest = auth::sha256(request.request_id + dist.id);
  digest += auth::sha256(digest).substr(0, 8);
  std::string id = auth::base64_encode(digest);
  for (auto& c : id) c = c == '+' ? '-' : c == '/' ? '_' : c;
  response.set_header("X-Amz-Cf-Id", id);
  if (age_s >= 0 && (x_cache == XCache::Hit || x_cache == XCache::RefreshHit))
    response.set_header("Age", std::to_string(age_s));
  response.set_header("Server", "AmazonS3");
}

}  // namespace cdn
