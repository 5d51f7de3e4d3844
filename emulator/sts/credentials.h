// sts::CredentialStore: the temporary credentials STS has issued (AssumeRole,
// GetSessionToken), so every service can authenticate them: secret_for() is the part of
// the server's auth::SecretLookup that knows them, with the session token each request
// must carry and the expiry.
//
// In memory only: temporary credentials do not survive a restart (clients ask again, as
// they do when credentials expire). Expired credentials are kept for a day so that their
// use is answered with ExpiredToken rather than as an unknown key; at most kMaxKept are
// kept (the soonest to expire go first).
//
// Thread-safe. Time comes from the injected clock only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/authenticate.h"

namespace sts {

// The one account minicloud has.
inline constexpr std::string_view kAccount = "000000000000";

struct TemporaryCredentials {
  std::string access_key_id;      // "ASIA" + 16 characters of A-Z and 2-7 (base32, as AWS's)
  std::string secret_access_key;  // 40 random characters
  std::string session_token;      // 128 random characters
  std::int64_t expiration_ms = 0;
  // Whom they act for, as GetCallerIdentity reports it: the assumed role
  // (arn:aws:sts::000000000000:assumed-role/<role>/<session>, AROA...:<session>), or for
  // GetSessionToken the caller that asked for them.
  std::string arn;
  std::string user_id;
};

class CredentialStore {
 public:
  static constexpr std::size_t kMaxKept = 100000;

  // `now_ms`: epoch milliseconds; empty: the system clock.
  explicit CredentialStore(std::function<std::int64_t()> now_ms = {});
  CredentialStore(const CredentialStore&) = delete;
  CredentialStore& operator=(const CredentialStore&) = delete;

  // New credentials for `arn` / `user_id`, valid for `duration_s` seconds from now.
  TemporaryCredentials issue(std::string arn, std::string user_id, std::int64_t duration_s);
  // The credentials of `access_key`, expired ones included; nullopt if unknown.
  std::optional<TemporaryCredentials> find(std::string_view access_key) const;
  // For auth::SecretLookup: the secret with its session token and expiry.
  std::optional<auth::Secret> secret_for(std::string_view access_key) const;

  std::int64_t now_ms() const { return now_ms_(); }
  std::size_t size() const;

 private:
  void prune(std::int64_t now);  // with mutex_ held

  std::function<std::int64_t()> now_ms_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, TemporaryCredentials> by_key_;
};

}  // namespace sts
