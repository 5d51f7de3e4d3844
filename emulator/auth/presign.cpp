#include "auth/presign.h"

#include <algorithm>
#include <cctype>

#include "auth/sigv4.h"
#include "http/message.h"

namespace auth {

namespace {

// "http://127.0.0.1:4566/" -> "127.0.0.1:4566": the Host header the URL's user will send.
std::string authority_of(std::string_view endpoint) {
  if (const auto scheme = endpoint.find("://"); scheme != std::string_view::npos) endpoint.remove_prefix(scheme + 3);
  return std::string(endpoint.substr(0, endpoint.find('/')));
}

}  // namespace

std::string presign_url(const PresignRequest& request) {
  std::string endpoint = request.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  // Path-style "/bucket/key"; with an empty bucket the endpoint is taken to be the bucket's
  // own (virtual-hosted) address and the path is just "/key".
  // (Appending piecewise also sidesteps a GCC 12 -Wrestrict false positive on "/" + str.)
  std::string path;
  if (!request.bucket.empty()) path.append("/").append(uri_encode(request.bucket, true));
  path.append("/").append(uri_encode(request.key, false));

  const std::string amz_date = format_amz_date(request.now);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = credential_scope(date, request.region, request.service);

  // Signed headers: host plus the requested ones, lowercased and sorted.
  HeaderList headers{{"host", authority_of(endpoint)}};
  for (const auto& [name, value] : request.signed_headers) headers.emplace_back(http::to_lower(name), value);
  std::vector<std::string> names;
  for (const auto& [name, value] : headers) names.push_back(name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_joined;
  for (const auto& name : names) signed_joined += (signed_joined.empty() ? "" : ";") + name;

  std::string query = "X-Amz-Algorithm=" + std::string(kAlgorithm) +
                      "&X-Amz-Credential=" + uri_encode(request.access_key + "/" + scope, true) +
                      "&X-Amz-Date=" + amz_date + "&X-Amz-Expires=" + std::to_string(request.expires_s);
  if (!request.session_token.empty()) query += "&X-Amz-Security-Token=" + uri_encode(request.session_token, true);
  query += "&X-Amz-SignedHeaders=" + uri_encode(signed_joined, true);

  // The query above is already in canonical form (encoded, sorted by name).
  const std::string canonical = canonical_request(request.method, path, *canonical_query(query),
                                                  canonical_headers(headers, names), signed_joined,
                                                  kUnsignedPayload);
  const std::string key = derive_signing_key(request.secret_key, date, request.region, request.service);
  const std::string signature = sign(key, string_to_sign(amz_date, scope, canonical));
  return endpoint + path + "?" + query + "&X-Amz-Signature=" + signature;
}

}  // namespace auth
