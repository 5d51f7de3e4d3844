// Server-side encryption as S3 reports it. minicloud stores plaintext: a bucket's default
// encryption (?encryption) and an object's requested encryption are kept and echoed so
// that clients which ask (the CDK's asset publisher does) see what S3 would answer. The
// operations (Put/Get/DeleteBucketEncryption) are in s3/encryption.cpp, declared in
// s3/context.h.
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"
#include "s3/error.h"
#include "store/store.h"

namespace s3 {

// One rule of <ServerSideEncryptionConfiguration>. The default-constructed value is what
// S3 applies to every bucket without a configuration since January 2023 (SSE-S3).
struct BucketEncryption {
  std::string algorithm = "AES256";  // AES256 | aws:kms | aws:kms:dsse
  std::string kms_key_id;            // KMSMasterKeyID, only with aws:kms*
  bool bucket_key_enabled = false;
};

// MalformedXML for a document S3's schema refuses (no rule, two rules, an unknown
// algorithm, a BucketKeyEnabled that is not a boolean); InvalidArgument for a key with
// AES256, in S3's words.
Result<BucketEncryption> parse_encryption_xml(std::string_view document);
std::string encryption_xml(const BucketEncryption& encryption);

// The bucket's configuration, or the default when it has none.
Result<BucketEncryption> bucket_encryption(store::Store& store, const std::string& bucket);

// x-amz-server-side-encryption and x-amz-server-side-encryption-aws-kms-key-id into
// meta.sse_algorithm / sse_kms_key_id (left empty when the request names none).
// InvalidArgument for an algorithm S3 does not know, or a key without aws:kms*.
Result<void> read_encryption_headers(const http::Request& request, store::ObjectMeta& meta);

// Completes the object's encryption at write time as S3 does: no choice in the request ->
// the bucket's default; aws:kms* without a key -> the account's aws/s3 key in the
// bucket's region.
Result<void> apply_default_encryption(store::Store& store, const store::BucketInfo& bucket, store::ObjectMeta& meta);

// x-amz-server-side-encryption (AES256 when the object has no recorded choice: S3
// encrypts everything) and, for aws:kms*, x-amz-server-side-encryption-aws-kms-key-id.
void add_encryption_headers(http::Response& response, const store::ObjectMeta& meta);

}  // namespace s3
