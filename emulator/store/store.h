// Store: buckets, objects, multipart uploads and per-bucket documents, persisted in SQLite
// (metadata) plus one file per body (see blob.h). The only way the S3 layer, the event
// workers and the CDN touch persisted state.
//
// Contracts
// - Thread-safe: any number of threads may call any method at once.
// - Strong read-after-write: once a mutating call returns, every later call from any
//   thread sees its effect.
// - Atomic visibility: an object (or part) becomes visible only in commit_*/copy_object/
//   complete_upload, after its body is durable; a failed or interrupted write leaves
//   nothing visible, and Store::open removes the leftovers.
// - Durability: an acknowledged write survives kill -9 of the process (see store.cpp for
//   the reasoning about synchronous=NORMAL).
// - Bodies stream through BlobWriter/BlobReader; the store never holds one in memory.
// - Errors are values: NoSuchBucket, NoSuchKey, NoSuchUpload, BucketNotEmpty,
//   BucketAlreadyOwnedByYou, InvalidPart, InvalidPartOrder, EntityTooSmall; InternalError
//   for I/O and database failures, with the errno/SQLite text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/blob.h"
#include "store/types.h"

namespace store {

class Store {
 public:
  // Minimum size of every part but the last in complete_upload (S3's rule).
  static constexpr std::int64_t kMinPartSize = 5 * 1024 * 1024;

  struct Options {
    std::filesystem::path data_dir;
    // A private dir under /dev/shm (RAM), removed when the Store is destroyed; data_dir
    // is ignored. Dirs left by killed processes (unlocked, over a minute old) are removed
    // at the next in-memory open.
    bool in_memory = false;
    // Injectable clock (ms since the epoch); default: the system clock.
    std::function<std::int64_t()> now_ms;
    // fsync each body and its directory before the commit that makes it visible (the
    // default), so after a power loss every surviving row still has its body (the last
    // few commits may be lost: synchronous=NORMAL). false: skips those fsyncs; still
    // safe against kill -9 of the process, not against a machine crash. See README.
    bool sync = true;
  };

  // Creates the dirs, takes the data dir lock (one process per dir), opens SQLite (WAL),
  // runs pending migrations, removes orphan temp/blob files.
  static core::Result<std::unique_ptr<Store>> open(Options options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& data_dir() const;

  // ---- Buckets
  // BucketAlreadyOwnedByYou if it exists. Name validation is the S3 layer's job.
  core::Result<BucketInfo> create_bucket(const std::string& name, const std::string& acl,
                                       const std::string& region);
  core::Result<BucketInfo> get_bucket(const std::string& name) const;  // NoSuchBucket
  std::vector<BucketInfo> list_buckets() const;                       // sorted by name
  // BucketNotEmpty if it holds objects or in-progress uploads; removes its configs.
  core::Result<void> delete_bucket(const std::string& name);
  core::Result<void> set_bucket_acl(const std::string& name, const std::string& acl);

  // ---- Per-bucket documents (CORS XML, notification XML, ...): opaque strings by kind.
  core::Result<std::optional<std::string>> get_bucket_config(const std::string& bucket,
                                                           const std::string& kind) const;
  core::Result<void> put_bucket_config(const std::string& bucket, const std::string& kind,
                                     const std::string& value);
  // Deleting a missing config is success.
  core::Result<void> delete_bucket_config(const std::string& bucket, const std::string& kind);

  // ---- Objects: write the body to a BlobWriter, then commit. Only commit makes it visible.
  core::Result<BlobWriter> new_blob();
  // fsyncs and renames the body into place, then inserts/replaces the row in one
  // transaction and removes the replaced body. Sets size, last_modified_ms and blob_id
  // (other fields are stored as given). NoSuchBucket if the bucket is gone (the body is
  // discarded).
  core::Result<ObjectMeta> commit_object(ObjectMeta meta, BlobWriter&& blob);
  // `target_meta` names the destination and carries its metadata (the caller decides
  // COPY vs REPLACE); its size/etag/checksums are taken from `source` when empty. The body
  // is shared by hard link (bodies are immutable). NoSuchKey if the source changed since
  // it was read; same commit rules as commit_object.
  core::Result<ObjectMeta> copy_object(const ObjectMeta& source, ObjectMeta target_meta);
  core::Result<ObjectMeta> head_object(const std::string& bucket,
                                     const std::string& key) const;  // NoSuchBucket/NoSuchKey
  // Opens the body `meta` describes. If the object was overwritten or deleted since `meta`
  // was read, its body is gone: NoSuchKey (read again, or use get_object).
  core::Result<BlobReader> open_object(const ObjectMeta& meta) const;
  // head_object + open_object as one atomic step: the body always matches the metadata.
  core::Result<std::pair<ObjectMeta, BlobReader>> get_object(const std::string& bucket,
                                                           const std::string& key) const;
  // A missing key is success (nullopt), as in S3; otherwise returns the deleted metadata.
  core::Result<std::optional<ObjectMeta>> delete_object(const std::string& bucket,
                                                      const std::string& key);
  core::Result<void> set_object_acl(const std::string& bucket, const std::string& key,
                                  const std::string& acl);
  // Keys in UTF-8 binary (byte) order. With a delimiter, keys sharing prefix+...+delimiter
  // roll up into common_prefixes. max_keys counts objects + prefixes; max_keys 0 -> empty,
  // not truncated. A common prefix <= start_after is skipped entirely, so passing back
  // next_marker resumes after a rolled-up group.
  core::Result<ListResult> list_objects(const std::string& bucket, const ListQuery& query) const;

  // ---- Multipart
  core::Result<UploadInfo> create_upload(const std::string& bucket, const std::string& key,
                                       ObjectMeta meta_template,
                                       const std::string& checksum_algorithm);
  // NoSuchUpload unless the id exists for this bucket and key.
  core::Result<UploadInfo> get_upload(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id) const;
  // Replaces a part with the same number (its old body is removed). NoSuchUpload.
  core::Result<PartInfo> commit_part(const std::string& upload_id, int part_number,
                                   const std::string& etag,
                                   std::map<std::string, std::string> checksums,
                                   BlobWriter&& blob);
  core::Result<std::vector<PartInfo>> list_parts(const std::string& upload_id) const;  // by number
  // Sorted by key, then initiation time.
  core::Result<std::vector<UploadInfo>> list_uploads(const std::string& bucket,
                                                   const std::string& prefix) const;
  // Validates the list as effective_parts() does, then: every part exists with the given
  // etag (InvalidPart), every part but the last >= kMinPartSize (EntityTooSmall).
  // Concatenates the part bodies into one new body in 1 MiB chunks, sets
  // etag = hex(md5(binary part md5s...)) + "-N", parts_count = N, part_sizes, size, then
  // commits the object, removes the upload and its parts and records the completion (see
  // completed_upload) in one transaction. bucket/key come from the upload; the rest of
  // `final_meta` is stored as given.
  core::Result<ObjectMeta> complete_upload(const std::string& upload_id,
                                         const std::vector<CompletedPart>& parts,
                                         ObjectMeta final_meta);
  // How long a completed upload stays answerable (S3 keeps them "for a while").
  static constexpr std::int64_t kCompletedUploadRetentionMs = 24LL * 60 * 60 * 1000;
  // The object as complete_upload returned it, when `upload_id` completed for this bucket
  // and key within kCompletedUploadRetentionMs with the same effective part list; SDKs
  // resend a CompleteMultipartUpload whose answer they lost. NoSuchUpload otherwise.
  core::Result<ObjectMeta> completed_upload(const std::string& bucket, const std::string& key,
                                          const std::string& upload_id,
                                          const std::vector<CompletedPart>& parts) const;
  core::Result<void> abort_upload(const std::string& upload_id);  // NoSuchUpload

  Stats stats() const;

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The parts a CompleteMultipartUpload list names, as S3 reads it: part numbers must not
// decrease (InvalidPartOrder); a number listed more than once counts once, with the ETag
// listed last (a re-sent part that finished uploading last is listed last). ETags come
// back unquoted. MalformedXML for an empty list.
core::Result<std::vector<CompletedPart>> effective_parts(const std::vector<CompletedPart>& listed);

// The multipart ETag: hex(md5(concatenation of the binary md5 of each part)) + "-N".
// InvalidPart if a part etag is not 32 hex digits.
core::Result<std::string> multipart_etag(const std::vector<std::string>& part_etags);

}  // namespace store
