// SigningKeyCache: memoises derive_signing_key. Deriving a SigV4 key costs four
// HMAC-SHA256 calls (~25 µs with OpenSSL 3 here), for a value that changes once a day per
// access key, region and service; a server verifying thousands of requests a second keeps
// one cache and passes it to authenticate(). Thread-safe. Bounded: when `capacity` keys
// are held the cache starts over (keys roll over daily, so old ones are dead anyway).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace auth {

class SigningKeyCache {
 public:
  explicit SigningKeyCache(std::size_t capacity = 1024) : capacity_(capacity) {}
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  // Same result as derive_signing_key(secret, date, region, service).
  std::string get(std::string_view secret, std::string_view date, std::string_view region,
                  std::string_view service);

  std::size_t size() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> keys_;  // secret\0date\0region\0service -> key
};

}  // namespace auth
