#include "cdn/cache.h"

#include <algorithm>
#include <charconv>

#include "core/time.h"

namespace cdn {

std::size_t Cache::cost(const std::string& key, const CachedObject& object) {
  // Headers and bookkeeping as a flat 256 bytes: close enough, and never zero, so a cache
  // of empty bodies is bounded too.
  return key.size() + object.path.size() + object.body.size() + object.content_type.size() +
         object.cache_control.size() + 256;
}

std::optional<CacheEntry> Cache::lookup(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->entry;
}

bool Cache::insert(const std::string& key, CacheEntry entry) {
  std::size_t c = cost(key, *entry.object);
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) remove_locked(it->second);
  if (c > capacity_) return false;
  while (bytes_ + c > capacity_ && !lru_.empty()) remove_locked(std::prev(lru_.end()));
  lru_.push_front(Node{key, std::move(entry), c});
  index_[key] = lru_.begin();
  bytes_ += c;
  return true;
}

void Cache::refresh(const std::string& key, std::int64_t now_ms, std::int64_t ttl_ms) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return;
  it->second->entry.stored_ms = now_ms;
  it->second->entry.ttl_ms = ttl_ms;
}

void Cache::erase(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) remove_locked(it->second);
}

std::size_t Cache::invalidate(std::string_view invalidation_path) {
  std::lock_guard lock(mutex_);
  std::size_t removed = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (invalidation_matches(invalidation_path, it->entry.object->path)) {
      remove_locked(it);
      ++removed;
    }
    it = next;
  }
  return removed;
}

void Cache::clear() {
  std::lock_guard lock(mutex_);
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

std::size_t Cache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t Cache::size() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

void Cache::remove_locked(std::list<Node>::iterator it) {
  bytes_ -= it->cost;
  index_.erase(it->key);
  lru_.erase(it);
}

namespace {

// The value of `name` in a Cache-Control list ("public, max-age=60"), "" when the
// directive has no value, nullopt when absent. Directive names are case-insensitive.
std::optional<std::string_view> directive(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    auto eq = item.find('=');
    auto key = item.substr(0, eq);
    if (key.size() != name.size() ||
        !std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) { return std::tolower(a) == b; }))
      continue;
    if (eq == std::string_view::npos) return std::string_view{};
    auto value = item.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::optional<std::int64_t> seconds(std::optional<std::string_view> value) {
  if (!value || value->empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), v);
  if (ec != std::errc() || ptr != value->data() + value->size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::int64_t ttl_ms(const CachePolicy& policy, std::string_view cache_control, std::string_view expires,
                    std::int64_t now_ms) {
  auto clamp = [&](std::int64_t s) { return std::clamp(s, policy.min_ttl, policy.max_ttl) * 1000; };
  if (directive(cache_control, "no-store") || directive(cache_control, "no-cache") ||
      directive(cache_control, "private"))
    return policy.min_ttl * 1000;
  if (auto s = seconds(directive(cache_control, "s-maxage"))) return clamp(*s);
  if (auto s = seconds(directive(cache_control, "max-age"))) return clamp(*s);
  if (!expires.empty()) {
    if (auto at = core::parse_http_date(expires)) return clamp(std::max<std::int64_t>(0, (*at - now_ms) / 1000));
  }
  return policy.default_ttl * 1000;
}

bool invalidation_matches(std::string_view invalidation_path, std::string_view path) {
  if (invalidation_path.ends_with('*')) {
    invalidation_path.remove_suffix(1);
    return path.starts_with(invalidation_path);
  }
  return path == invalidation_path;
}

bool valid_invalidation_path(std::string_view p) {
  if (!p.starts_with('/')) return false;
  auto star = p.find('*');
  return star == std::string_view::npos || star == p.size() - 1;
}

}  // namespace cdn
