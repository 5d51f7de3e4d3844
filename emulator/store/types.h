// The value types the store hands out and takes in. Plain data, no behaviour: the S3 layer
// fills and reads them, the store persists them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace store {

struct BucketInfo {
  std::string name;
  std::int64_t created_ms = 0;
  std::string acl = "private";  // canned: private|public-read|public-read-write|authenticated-read
  std::string region;
};

struct ObjectMeta {
  std::string bucket, key;
  std::int64_t size = 0;
  std::string etag;  // unquoted: md5 hex, or "<md5-of-md5s>-N" for multipart
  std::int64_t last_modified_ms = 0;
  std::string content_type, content_encoding, content_disposition, content_language,
      cache_control, expires;
  // x-amz-meta-* names lowercased without the prefix; values byte-exact (UTF-8), order kept.
  std::vector<std::pair<std::string, std::string>> user_metadata;
  // "CRC32"|"CRC32C"|"SHA1"|"SHA256"|"CRC64NVME" -> base64 value
  std::map<std::string, std::string> checksums;
  std::string checksum_type;  // "" | "FULL_OBJECT" | "COMPOSITE"
  std::string acl = "private";
  // Server-side encryption as requested or defaulted by the bucket (minicloud stores
  // plaintext; this is only what S3 would report): "AES256" | "aws:kms" | "aws:kms:dsse",
  // "" for objects stored before schema 4 (S3 reports those as AES256). The KMS key id as
  // given, "" unless aws:kms*.
  std::string sse_algorithm, sse_kms_key_id;
  int parts_count = 0;   // 0 for single-part
  // Multipart: each part's size, in the object's order (GetObject ?partNumber=N). Empty
  // for single-part objects and for multipart ones completed before schema 5.
  std::vector<std::int64_t> part_sizes;
  std::string blob_id;   // internal: names the body file; set by the store
};

// A listing request. `start_after` is exclusive and serves as marker, continuation token
// or start-after alike.
struct ListQuery {
  std::string prefix, delimiter, start_after;
  int max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectMeta> objects;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_marker;  // the last key or common prefix returned (when truncated)
};

struct UploadInfo {
  std::string upload_id, bucket, key;
  std::int64_t initiated_ms = 0;
  // Content-type, metadata, acl, ... as given at CreateMultipartUpload. Size, etag and
  // blob_id are meaningless here.
  ObjectMeta meta_template;
  std::string checksum_algorithm;  // "" or "CRC32", "SHA256", ...
};

struct PartInfo {
  int part_number = 0;
  std::int64_t size = 0;
  std::string etag;  // unquoted md5 hex
  std::int64_t last_modified_ms = 0;
  std::map<std::string, std::string> checksums;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // unquoted
};

struct Stats {
  std::int64_t buckets = 0, objects = 0, bytes = 0;
};

}  // namespace store
