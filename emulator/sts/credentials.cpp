#include "sts/credentials.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/time.h"

namespace sts {
namespace {

constexpr std::int64_t kKeepExpiredMs = 24 * 3600 * 1000;

// `length` characters drawn uniformly from `alphabet`, whose size must be a power of two
// (so masking a random byte draws without bias).
std::string random_text(std::size_t length, std::string_view alphabet) {
  std::string bytes(length, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(length)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  std::string out(length, '\0');
  for (std::size_t i = 0; i < length; ++i)
    out[i] = alphabet[static_cast<unsigned char>(bytes[i]) & (alphabet.size() - 1)];
  return out;
}

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

CredentialStore::CredentialStore(std::function<std::int64_t()> now_ms)
    : now_ms_(now_ms ? std::move(now_ms) : std::function<std::int64_t()>(core::system_now_ms)) {}

TemporaryCredentials CredentialStore::issue(std::string arn, std::string user_id, std::int64_t duration_s) {
  TemporaryCredentials c;
  c.access_key_id = "ASIA" + random_text(16, kBase32);
  c.secret_access_key = random_text(40, kBase64);
  c.session_token = random_text(128, kBase64);
  const std::int64_t now = now_ms_();
  c.expiration_ms = now + duration_s * 1000;
  c.arn = std::move(arn);
  c.user_id = std::move(user_id);
  std::lock_guard lock(mutex_);
  prune(now);
  by_key_[c.access_key_id] = c;
  return c;
}

void CredentialStore::prune(std::int64_t now) {
  std::erase_if(by_key_, [&](const auto& item) { return item.second.expiration_ms + kKeepExpiredMs < now; });
  while (by_key_.size() >= kMaxKept) {
    auto soonest = std::min_element(by_key_.begin(), by_key_.end(), [](const auto& a, const auto& b) {
      return a.second.expiration_ms < b.second.expiration_ms;
    });
    by_key_.erase(soonest);
  }
}

std::optional<TemporaryCredentials> CredentialStore::find(std::string_view access_key) const {
  std::lock_guard lock(mutex_);
  auto it = by_key_.find(std::string(access_key));
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

std::optional<auth::Secret> CredentialStore::secret_for(std::string_view access_key) const {
  auto c = find(access_key);
  if (!c) return std::nullopt;
  const auto expires = std::chrono::system_clock::time_point(std::chrono::milliseconds(c->expiration_ms));
  return auth::Secret(std::move(c->secret_access_key), std::move(c->session_token), expires);
}

std::size_t CredentialStore::size() const {
  std::lock_guard lock(mutex_);
  return by_key_.size();
}

}  // namespace sts
