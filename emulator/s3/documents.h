// The request documents of CreateBucket, Put*Acl, DeleteObjects and
// CompleteMultipartUpload, read apart from their handlers so that they can be tested and
// fuzzed alone (tests/fuzz/s3_xml.cpp). Each is defined in its operation family's file;
// the CORS, encryption and notification documents have their own headers (s3/cors.h,
// s3/encryption.h, events/rules.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "s3/error.h"
#include "store/types.h"

namespace s3 {

// <CreateBucketConfiguration><LocationConstraint>: the region asked for, empty when the
// document names none. MalformedXML for a document that is not one.
Result<std::string> parse_create_bucket_xml(std::string_view document);

// <AccessControlPolicy>: the canned ACL its grants amount to ("private", "public-read",
// "public-read-write", "authenticated-read"); NotImplemented for any other grant list.
Result<std::string> parse_acl_xml(std::string_view document);

// <Delete>: 1 to 1000 <Object><Key>, and <Quiet>true</Quiet>. MalformedXML otherwise.
struct DeleteRequest {
  bool quiet = false;
  std::vector<std::string> keys;
};
Result<DeleteRequest> parse_delete_xml(std::string_view document);

// <CompleteMultipartUpload>: one or more <Part> with PartNumber 1..10000 and ETag (quotes
// removed), in document order. MalformedXML otherwise.
Result<std::vector<store::CompletedPart>> parse_complete_multipart_xml(std::string_view document);

}  // namespace s3
