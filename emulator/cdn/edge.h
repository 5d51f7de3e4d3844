// Internal to cdn::Service (service.cpp, api.cpp): the per-distribution state and what a
// cache lookup resolves to. Not part of the CDN's interface.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "cdn/service.h"

namespace cdn {

enum class XCache { Hit, Miss, RefreshHit, Error };

struct Service::Edge {
  Edge(Distribution d, std::int64_t created) : config(std::move(d)), created_ms(created),
                                               cache(static_cast<std::size_t>(config.cache_bytes)) {}
  const Distribution config;
  const std::int64_t created_ms;  // the distribution's LastModifiedTime
  Cache cache;
  std::mutex mutex;  // guards invalidations
  std::vector<Invalidation> invalidations;  // oldest first
};

// A response source: a (cached or just fetched) object, or a large origin object streamed
// past the cache (object null, meta + reader set).
struct Service::Resolved {
  std::shared_ptr<const CachedObject> object;
  XCache x_cache = XCache::Miss;
  std::int64_t age_s = -1;  // seconds since stored, for Age; -1: none
  std::optional<store::ObjectMeta> meta;
  std::shared_ptr<store::BlobReader> reader;
};

// X-Cache, Via, X-Amz-Cf-Pop, X-Amz-Cf-Id, Age (hits only), Server.
void add_edge_headers(http::Response& response, const Distribution& dist, XCache x_cache, std::int64_t age_s,
                      const http::Request& request, const std::string& pop);

}  // namespace cdn
