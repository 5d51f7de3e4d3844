#include "s3/endpoint.h"

#include <algorithm>
#include <array>

namespace s3 {
namespace {

// Sub-resources S3 has that minicloud does not implement: answered NotImplemented.
constexpr std::array kUnsupportedSubresources = {
    "accelerate", "analytics", "intelligent-tiering", "inventory", "legal-hold",
    "lifecycle", "logging", "metrics", "object-lock", "ownershipControls", "policy",
    "policyStatus", "publicAccessBlock", "replication", "requestPayment", "restore", "retention",
    "select", "tagging", "torrent", "versions", "website", "attributes", "renameObject"};

bool has_unsupported_subresource(const http::Request& request, std::string* name) {
  for (const auto* sub : kUnsupportedSubresources) {
    if (request.has_query(sub)) {
      *name = sub;
      return true;
    }
  }
  return false;
}

// Clients (the CDK's asset publisher among them) name the account they expect to own the
// bucket; S3 refuses the request when another account does.
Result<void> check_expected_owner(const http::Request& request) {
  for (const char* header : {"x-amz-expected-bucket-owner", "x-amz-source-expected-bucket-owner"}) {
    auto expected = request.header(header);
    if (expected && *expected != kAccountId) return std::unexpected(make_error(ErrorCode::AccessDenied));
  }
  return {};
}

Result<Route> not_allowed() { return std::unexpected(make_error(ErrorCode::MethodNotAllowed)); }

Endpoint bucket_endpoint(const http::Request& r, bool* ok) {
  *ok = true;
  const auto& m = r.method;
  if (m == "GET") {
    if (r.has_query("location")) return Endpoint::GetBucketLocation;
    if (r.has_query("versioning")) return Endpoint::GetBucketVersioning;
    if (r.has_query("acl")) return Endpoint::GetBucketAcl;
    if (r.has_query("cors")) return Endpoint::GetBucketCors;
    if (r.has_query("notification")) return Endpoint::GetBucketNotification;
    if (r.has_query("encryption")) return Endpoint::GetBucketEncryption;
    if (r.has_query("uploads")) return Endpoint::ListMultipartUploads;
    if (r.query_value("list-type") == "2") return Endpoint::ListObjectsV2;
    return Endpoint::ListObjects;
  }
  if (m == "HEAD") return Endpoint::HeadBucket;
  if (m == "PUT") {
    if (r.has_query("acl")) return Endpoint::PutBucketAcl;
    if (r.has_query("cors")) return Endpoint::PutBucketCors;
    if (r.has_query("notification")) return Endpoint::PutBucketNotification;
    if (r.has_query("encryption")) return Endpoint::PutBucketEncryption;
    return Endpoint::CreateBucket;
  }
  if (m == "DELETE") {
    if (r.has_query("cors")) return Endpoint::DeleteBucketCors;
    if (r.has_query("encryption")) return Endpoint::DeleteBucketEncryption;
    return Endpoint::DeleteBucket;
  }
  if (m == "POST") {
    if (r.has_query("delete")) return Endpoint::DeleteObjects;
    return Endpoint::PostObject;
  }
  *ok = false;
  return Endpoint::ListBuckets;
}

Endpoint object_endpoint(const http::Request& r, bool* ok) {
  *ok = true;
  const auto& m = r.method;
  bool upload = r.has_query("uploadId");
  if (m == "GET") {
    if (r.has_query("acl")) return Endpoint::GetObjectAcl;
    if (upload) return Endpoint::ListParts;
    return Endpoint::GetObject;
  }
  if (m == "HEAD") return Endpoint::HeadObject;
  if (m == "PUT") {
    bool copy = r.header("x-amz-copy-source").has_value();
    if (upload || r.has_query("partNumber")) return copy ? Endpoint::UploadPartCopy : Endpoint::UploadPart;
    if (r.has_query("acl")) return Endpoint::PutObjectAcl;
    return copy ? Endpoint::CopyObject : Endpoint::PutObject;
  }
  if (m == "POST") {
    if (r.has_query("uploads")) return Endpoint::CreateMultipartUpload;
    if (upload) return Endpoint::CompleteMultipartUpload;
    *ok = false;
    return Endpoint::GetObject;
  }
  if (m == "DELETE") return upload ? Endpoint::AbortMultipartUpload : Endpoint::DeleteObject;
  *ok = false;
  return Endpoint::GetObject;
}

}  // namespace

std::string bucket_from_host(std::string_view host, const Addressing& addressing) {
  // The longest matching base wins, so "b.s3.localhost" is bucket "b", not "b.s3".
  std::string best;
  std::size_t best_len = 0;
  for (const auto& base : addressing.base_domains) {
    if (host.size() > base.size() + 1 && host.ends_with(base) && host[host.size() - base.size() - 1] == '.' &&
        base.size() > best_len) {
      best = std::string(host.substr(0, host.size() - base.size() - 1));
      best_len = base.size();
    }
  }
  return best;
}

Result<Route> route(const http::Request& request, const Addressing& addressing) {
  Route route{Endpoint::ListBuckets, bucket_from_host(request.host(), addressing), {}};
  std::string_view path = request.path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (route.bucket.empty()) {
    auto slash = path.find('/');
    route.bucket = std::string(path.substr(0, slash));
    if (slash != std::string_view::npos) route.key = std::string(path.substr(slash + 1));
  } else {
    route.key = std::string(path);
  }

  // A browser's CORS preflight (OPTIONS object) may carry the actual request's query.
  if (request.method == "OPTIONS") {
    if (route.bucket.empty()) return not_allowed();
    route.endpoint = Endpoint::PreflightCors;
    return route;
  }
  std::string unsupported;
  if (has_unsupported_subresource(request, &unsupported)) {
    return std::unexpected(make_error(ErrorCode::NotImplemented,
                                      "minicloud does not implement the '" + unsupported + "' sub-resource"));
  }
  if (auto owner = check_expected_owner(request); !owner) return std::unexpected(owner.error());
  bool ok = true;
  if (route.bucket.empty()) {
    if (request.method != "GET" && request.method != "HEAD") return not_allowed();
    route.endpoint = Endpoint::ListBuckets;
    return route;
  }
  route.endpoint = route.key.empty() ? bucket_endpoint(request, &ok) : object_endpoint(request, &ok);
  if (!ok) return not_allowed();
  return route;
}

std::string_view to_string(Endpoint e) {
  switch (e) {
#define MC_ENDPOINT(name) case Endpoint::name: return #name;
    MC_ENDPOINT(ListBuckets) MC_ENDPOINT(CreateBucket) MC_ENDPOINT(HeadBucket) MC_ENDPOINT(DeleteBucket)
    MC_ENDPOINT(GetBucketLocation) MC_ENDPOINT(GetBucketVersioning) MC_ENDPOINT(GetBucketAcl)
    MC_ENDPOINT(PutBucketAcl) MC_ENDPOINT(GetBucketCors) MC_ENDPOINT(PutBucketCors) MC_ENDPOINT(DeleteBucketCors)
    MC_ENDPOINT(PreflightCors)
    MC_ENDPOINT(GetBucketNotification) MC_ENDPOINT(PutBucketNotification) MC_ENDPOINT(GetBucketEncryption)
    MC_ENDPOINT(PutBucketEncryption) MC_ENDPOINT(DeleteBucketEncryption) MC_ENDPOINT(ListObjects)
    MC_ENDPOINT(ListObjectsV2) MC_ENDPOINT(ListMultipartUploads) MC_ENDPOINT(DeleteObjects) MC_ENDPOINT(PostObject)
    MC_ENDPOINT(GetObject) MC_ENDPOINT(HeadObject) MC_ENDPOINT(PutObject) MC_ENDPOINT(CopyObject)
    MC_ENDPOINT(DeleteObject) MC_ENDPOINT(GetObjectAcl) MC_ENDPOINT(PutObjectAcl) MC_ENDPOINT(CreateMultipartUpload)
    MC_ENDPOINT(UploadPart) MC_ENDPOINT(UploadPartCopy) MC_ENDPOINT(CompleteMultipartUpload)
    MC_ENDPOINT(AbortMultipartUpload) MC_ENDPOINT(ListParts)
#undef MC_ENDPOINT
  }
  return "Unknown";
}

}  // namespace s3
