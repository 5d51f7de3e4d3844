#include "auth/sigv2.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "http/message.h"

namespace auth::sigv2 {

namespace {

// The developer guide lists the classic ones; botocore's HmacV1
// signer adds the newer ones it signs (accelerate, analytics, ...). A name missing here
// that a client signs fails verification; one here that a client leaves out fails too, so
// the union of what the two name is the safest list.
constexpr std::string_view kSubResources[] = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

}  // namespace

bool is_sub_resource(std::string_view name) {
  return std::ranges::find(kSubResources, name) != std::end(kSubResources);
}

std::string canonical_amz_headers(const HeaderList& headers) {
  std::map<std::string, std::string> amz;  // sorted by lowercase name
  for (const auto& [name, value] : headers) {
    std::string lower = http::to_lower(name);
    if (!lower.starts_with("x-amz-")) continue;
    auto [it, inserted] = amz.try_emplace(std::move(lower));
    if (!inserted) it->second.push_back(',');
    it->second += http::trim(value);
  }
  std::string out;
  for (const auto& [name, value] : amz) out += name + ":" + value + "\n";
  return out;
}

std::optional<std::string> canonical_resource(std::string_view bucket, std::string_view raw_path,
                                              std::string_view raw_query) {
  std::string resource;
  if (!bucket.empty()) resource.append("/").append(bucket);  // not "/" + string: GCC 12 -O3 -Wrestrict
  resource += raw_path.empty() ? std::string_view("/") : raw_path;
  // A path-style bucket request ("/bucket") signs "/bucket/", as S3 and botocore name the
  // bucket's resource whichever way the URL was written.
  if (bucket.empty() && resource.size() > 1 && resource.find('/', 1) == std::string::npos) resource += '/';

  std::vector<std::pair<std::string, std::optional<std::string>>> subs;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    const std::size_t amp = std::min(raw_query.find('&', start), raw_query.size());
    const std::string_view item = raw_query.substr(start, amp - start);
    start = amp + 1;
    const std::size_t eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    if (!is_sub_resource(name)) continue;
    if (eq == std::string_view::npos) {
      subs.emplace_back(std::string(name), std::nullopt);
      continue;
    }
    auto value = percent_decode(item.substr(eq + 1));
    if (!value) return std::nullopt;
    subs.emplace_back(std::string(name), std::move(*value));
  }
  std::stable_sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < subs.size(); ++i) {
    resource += i == 0 ? '?' : '&';
    resource += subs[i].first;
    if (subs[i].second) resource += "=" + *subs[i].second;
  }
  return resource;
}

std::string string_to_sign(std::string_view method, std::string_view content_md5, std::string_view content_type,
                           std::string_view date, std::string_view amz_headers, std::string_view resource) {
  std::string sts;
  sts.reserve(method.size() + content_md5.size() + content_type.size() + date.size() + amz_headers.size() +
              resource.size() + 4);
  sts += method;
  sts += '\n';
  sts += content_md5;
  sts += '\n';
  sts += content_type;
  sts += '\n';
  sts += date;
  sts += '\n';
  sts += amz_headers;
  sts += resource;
  return sts;
}

std::string sign(std::string_view secret, std::string_view string_to_sign) {
  return base64_encode(hmac_sha1(secret, string_to_sign));
}

}  // namespace auth::sigv2
