// Test helpers: sign a request the way botocore does for services other than S3 (SigV4
// over the body's hash, no x-amz-content-sha256).
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "http/message.h"

namespace rpc_test {

inline const auto kNow = *auth::parse_amz_date("20260115T120000Z");

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(kNow.time_since_epoch()).count();
}

// Adds X-Amz-Date (and X-Amz-Security-Token when `token` is set) and an Authorization
// header signing every header present.
inline void sign(http::Request& r, const std::string& body, const std::string& access_key, const std::string& secret,
                 const std::string& service, const std::string& token = {},
                 std::chrono::system_clock::time_point at = kNow) {
  const std::string amz_date = auth::format_amz_date(at);
  r.headers.emplace_back("X-Amz-Date", amz_date);
  if (!token.empty()) r.headers.emplace_back("X-Amz-Security-Token", token);
  std::vector<std::string> names;
  for (const auto& [name, value] : r.headers) names.push_back(http::to_lower(name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string joined;
  for (const auto& n : names) joined += (joined.empty() ? "" : ";") + n;
  const std::string canonical = auth::canonical_request(
      r.method, *auth::canonical_uri(r.raw_path), *auth::canonical_query(r.raw_query),
      auth::canonical_headers(r.headers, names), joined, auth::sha256_hex(body));
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = auth::credential_scope(date, "us-east-1", service);
  const std::string signature =
      auth::sign(auth::derive_signing_key(secret, date, "us-east-1", service),
                 auth::string_to_sign(amz_date, scope, canonical));
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + access_key + "/" + scope +
                                              ", SignedHeaders=" + joined + ", Signature=" + signature);
}

inline http::Request post(const std::string& content_type, std::vector<std::pair<std::string, std::string>> extra = {}) {
  // Move-assigned strings: assigning literals trips GCC 12's false -Wrestrict (bug 105329).
  http::Request r;
  r.request_id = std::string("REQ1");
  r.method = std::string("POST");
  r.raw_path = std::string("/");
  r.path = std::string("/");
  r.headers = {{"Host", "localhost:4566"}, {"Content-Type", content_type}};
  for (auto& h : extra) r.headers.push_back(std::move(h));
  return r;
}

inline http::RequestBody body_of(const std::string& body) {
  return http::RequestBody(static_cast<std::int64_t>(body.size()),
                           [body](const http::RequestBody::Sink& sink) { return sink(body); });
}

}  // namespace rpc_test
