// Presigned URLs (SigV4 query authentication), for `minicloud presign` and the presign
// API route. The result verifies with authenticate() given the same secret and a `now`
// inside the validity window.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace auth {

struct PresignRequest {
  std::string method;    // "GET", "PUT", ...
  std::string endpoint;  // "http://127.0.0.1:4566" (scheme + authority, no path)
  std::string bucket;    // empty: `endpoint` is the bucket's virtual-hosted address
  std::string key;       // raw key; encoded here with uri_encode (slashes kept)
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::int64_t expires_s = 3600;  // 1..604800
  std::chrono::system_clock::time_point now;
  // Extra headers the URL binds, e.g. {"content-type", "image/png"}; the user of the URL
  // must send them with exactly these values. "host" is always signed.
  std::vector<std::pair<std::string, std::string>> signed_headers;
  std::string session_token;  // optional X-Amz-Security-Token
  std::string service = "s3";
};

// Path-style URL: endpoint + "/" + bucket + "/" + encoded key + "?X-Amz-Algorithm=…"
// (query parameters in canonical order, X-Amz-Signature last).
// The caller validates inputs (expires range, names); this only formats.
std::string presign_url(const PresignRequest& request);

}  // namespace auth
