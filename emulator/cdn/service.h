// cdn::Service: the edge. Serves viewer requests for the configured distributions from
// each one's Cache or, on a miss, from the origin bucket read through the store (the
// distribution has its own origin access, like CloudFront's OAC: a private bucket works),
// and answers CloudFront's API (GetDistribution, ListDistributions, CreateInvalidation,
// GetInvalidation, ListInvalidations; see api.cpp).
//
// What a viewer sees, as on CloudFront:
// - X-Cache: "Hit|Miss|RefreshHit|Error from cloudfront", Via, X-Amz-Cf-Pop, X-Amz-Cf-Id,
//   Age on hits, the origin's ETag/Last-Modified/Cache-Control/Content-*.
// - Fresh entries are served without touching the origin; a stale one is revalidated by
//   ETag (unchanged -> RefreshHit, changed -> Miss). So an overwritten object stays stale
//   until its TTL passes or an invalidation removes it.
// - Conditional GET (304), one byte range (206/416), HEAD, gzip/br per Accept-Encoding.
// - Origin 403/404/... go through the custom error responses and are cached for their
//   error-caching TTL (10 s without one).
// - GET and HEAD only (CloudFront's default allowed methods): others get 403.
//
// Time comes from `now_ms` only, so TTL behaviour is testable without sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticate.h"
#include "cdn/cache.h"
#include "cdn/config.h"
#include "http/message.h"
#include "store/store.h"

namespace cdn {

struct ServiceOptions {
  std::function<std::int64_t()> now_ms;  // required
  bool caching = true;                   // false: every request goes to the origin (--cdn-no-cache)
  auth::SecretLookup secrets;            // for the CloudFront API's SigV4
  std::string pop = "MCL1-C1";           // X-Amz-Cf-Pop
};

struct Invalidation {
  std::string id;  // "I" + 13 upper-case letters/digits
  std::string caller_reference;
  std::vector<std::string> paths;
  std::int64_t create_time_ms = 0;
};

class Service {
 public:
  Service(store::Store& store, std::vector<Distribution> distributions, ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Replaces the distributions served (CloudFormation creates and deletes them while the
  // server runs). One whose id and configuration are unchanged keeps its edge (cache,
  // invalidations, creation time); a new or changed one starts with an empty cache.
  // Thread-safe; requests in flight finish with the distribution they started with.
  void set_distributions(std::vector<Distribution> distributions);
  // The distribution whose domain or alias is `host` (lowercase, no port), or null. The
  // pointer keeps the distribution alive while it is held.
  std::shared_ptr<const Distribution> by_host(std::string_view host) const;
  std::shared_ptr<const Distribution> by_id(std::string_view id) const;
  std::vector<std::shared_ptr<const Distribution>> distributions() const;

  // `distribution` in serve/invalidate/cache_of is one of distributions() (or a copy of
  // one, found by id). serve() answers NoSuchDistribution for one that is gone; cache_of()
  // throws std::invalid_argument (a programming error).
  // A viewer request for `path` (percent-decoded, starting with '/') on `distribution`.
  http::Response serve(const Distribution& distribution, std::string_view path, const http::Request& request);

  // CloudFront's API: the Runtime sends it the requests signed for "cloudfront".
  http::Response api(http::Request& request, http::RequestBody& body);

  // Runs an invalidation now (status Completed). Paths were validated by the caller.
  Invalidation invalidate(const Distribution& distribution, std::string caller_reference,
                          std::vector<std::string> paths);

  Cache& cache_of(const Distribution& distribution);
  std::int64_t now_ms() const { return options_.now_ms(); }

 private:
  struct Edge;
  struct Resolved;
  // The edge serving `distribution` (by identity, else by id), or null when it is gone.
  std::shared_ptr<Edge> find_edge(const Distribution& distribution) const;
  Resolved resolve(Edge& edge, std::string_view path, const std::string& base_key, const std::string& encoding,
                   bool error_pages, const http::Request& request, std::int64_t now);
  Resolved origin_error(Edge& edge, std::string_view path, const std::string& cache_key, core::Error error,
                        bool error_pages, const http::Request& request, std::int64_t now);
  http::Response respond(const Edge& edge, std::string_view path, Resolved resolved, const http::Request& request,
                         std::int64_t now) const;

  http::Response api_error(core::Error error, const http::Request& request) const;
  http::Response get_distribution(const Distribution& d, bool config_only) const;
  http::Response list_distributions(const http::Request& request) const;
  http::Response create_invalidation(const Distribution& d, std::string_view body, const http::Request& request);
  http::Response get_invalidation(const Distribution& d, std::string_view id, const http::Request& request);
  http::Response list_invalidations(const Distribution& d, const http::Request& request);

  store::Store& store_;
  ServiceOptions options_;
  mutable std::shared_mutex edges_mutex_;     // guards edges_ (the list, not the edges)
  std::vector<std::shared_ptr<Edge>> edges_;  // one per distribution, in declaration order
  std::int64_t started_ms_ = 0;
  std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace cdn
