// The S3 router: one request -> one Endpoint, decided in one place (after Garage's
// router.rs). Addressing: virtual-hosted (`bucket.<base domain>`) or path style.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "s3/error.h"

namespace s3 {

enum class Endpoint {
  ListBuckets,
  CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, GetBucketVersioning,
  GetBucketAcl, PutBucketAcl,
  GetBucketCors, PutBucketCors, DeleteBucketCors, PreflightCors,  // PreflightCors: OPTIONS object
  GetBucketNotification, PutBucketNotification,
  GetBucketEncryption, PutBucketEncryption, DeleteBucketEncryption,
  ListObjects, ListObjectsV2, ListMultipartUploads,
  DeleteObjects, PostObject,
  GetObject, HeadObject, PutObject, CopyObject, DeleteObject,
  GetObjectAcl, PutObjectAcl,
  CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
  AbortMultipartUpload, ListParts,
};

std::string_view to_string(Endpoint);

// The one AWS account minicloud plays: what x-amz-expected-bucket-owner must name.
inline constexpr std::string_view kAccountId = "000000000000";

struct Route {
  Endpoint endpoint;
  std::string bucket;  // empty for ListBuckets
  std::string key;     // empty for bucket operations
};

// Where bucket names may appear in the Host header: "<bucket>.<base>" for each base.
struct Addressing {
  std::vector<std::string> base_domains{"localhost", "s3.localhost", "localhost.localstack.cloud",
                                        "s3.amazonaws.com", "s3.us-east-1.amazonaws.com"};
};

// Bucket named by the Host header, if any (virtual-hosted style).
std::string bucket_from_host(std::string_view host, const Addressing& addressing);

// Decides the endpoint. Unknown or unsupported sub-resources -> NotImplemented (never a
// wrong success); unsupported methods -> MethodNotAllowed; an x-amz-expected-bucket-owner
// (or x-amz-source-expected-bucket-owner) other than minicloud's one account ->
// AccessDenied, as S3 answers a wrong expected owner.
Result<Route> route(const http::Request& request, const Addressing& addressing);

}  // namespace s3
