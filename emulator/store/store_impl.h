// Store::Impl, shared by the Store's implementation files (store.cpp: open and objects;
// store_buckets.cpp; store_uploads.cpp). Internal to store/.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "core/time.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/rows.h"
#include "store/store.h"

namespace store {
namespace fs = std::filesystem;

// One SQLite connection behind one mutex. Measured (see README "Storage"): metadata
// operations take microseconds, so the mutex is not the bottleneck next to HTTP parsing,
// while one connection makes read-after-write trivially strong and lets get_object open a
// body and read its row atomically. Slow work (writing and fsyncing bodies, concatenating
// parts) happens outside the lock.
class Store::Impl {
 public:
  Impl(Options options, fs::path dir, bool owns_dir, DirLock lock, Database db)
      : options_(std::move(options)),
        dir_(std::move(dir)),
        owns_dir_(owns_dir),
        lock_(std::move(lock)),
        blobs_(dir_, options_.sync),
        db_(std::move(db)) {}

  ~Impl() {
    statements_.clear();
    db_.reset();
    if (owns_dir_) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  std::int64_t now() const { return options_.now_ms ? options_.now_ms() : core::system_now_ms(); }

  // A cached prepared statement, reset (releasing its read snapshot) when the use ends.
  // Keyed by the SQL literal's address: every call site passes a string literal.
  class Use {
   public:
    explicit Use(Statement& st) : st_(&st) {}
    Use(Use&& other) noexcept : st_(std::exchange(other.st_, nullptr)) {}
    Use& operator=(Use&&) = delete;
    ~Use() {
      if (st_) st_->reset();
    }
    Statement* operator->() { return st_; }
    Statement& operator*() { return *st_; }

   private:
    Statement* st_;
  };
  core::Result<Use> use(const char* sql) const {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      auto st = db_->prepare(sql);
      if (!st) return std::unexpected(st.error());
      it = statements_.emplace(sql, std::move(*st)).first;
    }
    return Use(it->second);
  }

  // Helpers below expect mu_ held.
  core::Result<bool> bucket_exists(const std::string& name) const {
    auto st = use("SELECT 1 FROM buckets WHERE name = ?");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, name);
    return (*st)->step();
  }

  core::Result<void> require_bucket(const std::string& name) const {
    auto exists = bucket_exists(name);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return std::unexpected(err(core::ErrorCode::NoSuchBucket));
    return {};
  }

  core::Result<std::optional<ObjectMeta>> find_object(const std::string& bucket,
                                                    const std::string& key) const {
    auto st = use("SELECT " OBJECT_COLUMNS " FROM objects WHERE bucket = ? AND key = ?");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, bucket).bind(2, key);
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<ObjectMeta>{};
    return std::optional<ObjectMeta>{read_object(**st, bucket)};
  }

  // The object, or NoSuchBucket / NoSuchKey.
  core::Result<ObjectMeta> require_object(const std::string& bucket, const std::string& key) const {
    auto found = find_object(bucket, key);
    if (!found) return std::unexpected(found.error());
    if (*found) return std::move(**found);
    if (auto b = require_bucket(bucket); !b) return std::unexpected(b.error());
    return std::unexpected(err(core::ErrorCode::NoSuchKey));
  }

  core::Result<std::optional<UploadInfo>> find_upload(const std::string& upload_id) const {
    auto st = use("SELECT " UPLOAD_COLUMNS " FROM uploads WHERE upload_id = ?");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, upload_id);
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<UploadInfo>{};
    return std::optional<UploadInfo>{read_upload(**st)};
  }

  core::Result<UploadInfo> require_upload(const std::string& upload_id) const {
    auto found = find_upload(upload_id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::unexpected(err(core::ErrorCode::NoSuchUpload));
    return std::move(**found);
  }

  // Parts with their blob ids, by number.
  core::Result<std::vector<std::pair<PartInfo, std::string>>> parts_of(const std::string& upload_id) const {
    auto st = use("SELECT " PART_COLUMNS " FROM parts WHERE upload_id = ? ORDER BY part_number");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, upload_id);
    std::vector<std::pair<PartInfo, std::string>> out;
    for (;;) {
      auto row = (*st)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      out.emplace_back(read_part(**st), (*st)->column_text(5));
    }
    return out;
  }

  // Inserts or replaces the object row inside an open transaction; returns the replaced
  // body's id ("" if none).
  core::Result<std::string> put_object_row(const ObjectMeta& m) const {
    auto old = find_object(m.bucket, m.key);
    if (!old) return std::unexpected(old.error());
    auto st = use("INSERT OR REPLACE INTO objects (bucket, " OBJECT_COLUMNS
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, m.bucket).bind(2, m.key).bind(3, m.size).bind(4, m.etag);
    (*st)->bind(5, m.last_modified_ms).bind(6, std::int64_t{m.parts_count}).bind(7, m.blob_id);
    (*st)->bind(8, encode_sizes(m.part_sizes));
    bind_meta(**st, 9, m);
    if (auto r = (*st)->run(); !r) return std::unexpected(r.error());
    return *old ? (*old)->blob_id : std::string();
  }

  // Inside an open transaction: remembers a completed upload for completed_upload() and
  // forgets those past the retention.
  core::Result<void> record_completion(const std::string& upload_id,
                                       const std::vector<CompletedPart>& parts,
                                       const ObjectMeta& m) const {
    auto prune = use("DELETE FROM completed_uploads WHERE completed_ms < ?");
    if (!prune) return std::unexpected(prune.error());
    (*prune)->bind(1, m.last_modified_ms - kCompletedUploadRetentionMs);
    if (auto r = (*prune)->run(); !r) return r;
    std::vector<std::pair<std::string, std::string>> listed;
    for (const CompletedPart& part : parts) listed.emplace_back(std::to_string(part.part_number), part.etag);
    auto st = use("INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, completed_ms, "
                  "parts, etag, size, part_sizes, " META_COLUMNS
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, upload_id).bind(2, m.bucket).bind(3, m.key).bind(4, m.last_modified_ms);
    (*st)->bind_blob(5, encode_pairs(listed)).bind(6, m.etag).bind(7, m.size);
    (*st)->bind(8, encode_sizes(m.part_sizes));
    bind_meta(**st, 9, m);
    return (*st)->run();
  }

  // Commits a row for an installed body `m.blob_id`: checks the bucket and replaces any
  // previous version, then removes the replaced body. On failure the new body is removed.
  // Removing after the commit (outside mu_; unlink can take milliseconds) is safe:
  // get_object reads a row and opens its body under mu_, so a reader either opened the
  // old body before the commit (and keeps it open) or sees the new row.
  core::Result<ObjectMeta> commit_installed(ObjectMeta m) {
    std::unique_lock lock(mu_);
    auto result = [&]() -> core::Result<std::string> {
      auto tx = Transaction::begin(*db_);
      if (!tx) return std::unexpected(tx.error());
      if (auto b = require_bucket(m.bucket); !b) return std::unexpected(b.error());
      auto old = put_object_row(m);
      if (!old) return std::unexpected(old.error());
      if (auto c = tx->commit(); !c) return std::unexpected(c.error());
      return *old;
    }();
    lock.unlock();
    if (!result) {
      blobs_.remove(m.blob_id);
      return std::unexpected(result.error());
    }
    if (!result->empty() && *result != m.blob_id) blobs_.remove(*result);
    return m;
  }

  Options options_;
  fs::path dir_;
  bool owns_dir_;
  DirLock lock_;
  BlobFiles blobs_;
  mutable std::mutex mu_;  // guards db_ and statements_
  mutable std::optional<Database> db_;
  mutable std::unordered_map<const char*, Statement> statements_;
};

}  // namespace store
