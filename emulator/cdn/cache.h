// The edge cache of one distribution: a bytes-bounded LRU of complete responses, plus the
// TTL and invalidation rules CloudFront applies to it.
//
// Contracts
// - Thread-safe: one mutex; entries are immutable and shared (shared_ptr), so a response
//   being written keeps its body alive after an eviction or invalidation.
// - Bounded: the sum of entry costs (body + headers + key) never exceeds the capacity;
//   inserting evicts least-recently-used entries first; an entry larger than the whole
//   capacity is not stored.
// - No clock inside: callers pass `now_ms`, so expiry is testable without sleeping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cdn/config.h"

namespace cdn {

// One response as the origin gave it (possibly compressed by the edge). Immutable.
struct CachedObject {
  int status = 200;        // 200, or the error status sent to viewers
  std::string path;        // viewer path it was stored for (invalidations match on it)
  std::string etag;        // unquoted origin ETag
  bool weak_etag = false;  // the edge compressed the body: ETag becomes W/"..."
  std::int64_t last_modified_ms = 0;
  std::string content_type, content_encoding, cache_control, content_disposition, content_language, expires;
  std::vector<std::pair<std::string, std::string>> user_metadata;  // x-amz-meta-* names without prefix
  std::string body;
};

struct CacheEntry {
  std::shared_ptr<const CachedObject> object;
  std::int64_t stored_ms = 0;  // when fetched or last revalidated
  std::int64_t ttl_ms = 0;
  bool fresh(std::int64_t now_ms) const { return now_ms < stored_ms + ttl_ms; }
};

class Cache {
 public:
  explicit Cache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The entry and marks it most recently used; nullopt if absent. Stale entries are
  // returned too: the caller revalidates them.
  std::optional<CacheEntry> lookup(const std::string& key);
  // Stores (or replaces) the entry. Returns false when it is larger than the capacity.
  bool insert(const std::string& key, CacheEntry entry);
  // Restarts the entry's lifetime after a successful revalidation (same object).
  void refresh(const std::string& key, std::int64_t now_ms, std::int64_t ttl_ms);
  void erase(const std::string& key);
  // Removes every entry whose viewer path matches an invalidation path (see
  // invalidation_matches). Returns how many entries went.
  std::size_t invalidate(std::string_view invalidation_path);
  void clear();

  std::size_t bytes() const;
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

  // What an entry counts against the capacity.
  static std::size_t cost(const std::string& key, const CachedObject& object);

 private:
  struct Node {
    std::string key;
    CacheEntry entry;
    std::size_t cost = 0;
  };
  void remove_locked(std::list<Node>::iterator it);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Node> lru_;  // front = most recently used
  std::unordered_map<std::string, std::list<Node>::iterator> index_;
  std::size_t bytes_ = 0;
};

// CloudFront's TTL rules for a 2xx/3xx origin response, in ms (0 = do not cache):
// s-maxage, else max-age, clamped to [min_ttl, max_ttl]; no-store/no-cache/private ->
// min_ttl (so not cached when min_ttl is 0); else Expires (clamped); else default_ttl.
std::int64_t ttl_ms(const CachePolicy& policy, std::string_view cache_control, std::string_view expires,
                    std::int64_t now_ms);

// Invalidation paths: "/a/b.jpg" matches that path only; a trailing '*' matches every path
// starting with what precedes it ("/avatars/*", "/*"). Case-sensitive.
bool invalidation_matches(std::string_view invalidation_path, std::string_view path);
// CreateInvalidation's rule: starts with '/', '*' only as the last character.
bool valid_invalidation_path(std::string_view invalidation_path);

}  // namespace cdn
