#include "store/migrations.h"

namespace store {
namespace {

constexpr std::string_view kCreateHistory =
    "CREATE TABLE IF NOT EXISTS schema_information ("
    " version INTEGER PRIMARY KEY,"
    " applied_at INTEGER NOT NULL,"  // ms since the epoch
    " description TEXT NOT NULL)";

core::Result<int> read_version(Database& db) {
  auto st = db.prepare("SELECT coalesce(max(version), 0) FROM schema_information");
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return static_cast<int>(st->column_int(0));
}

core::Error invalid(std::string message) {
  return core::make_error(core::ErrorCode::InvalidArgument, std::move(message));
}

}  // namespace

const std::vector<Migration>& Migrations::builtin() {
  // Columns shared by objects and uploads (the upload keeps the future object's metadata).
  // user_metadata and checksums are encoded by store.cpp (length-prefixed pairs), so any
  // bytes round-trip. Keys are TEXT compared with BINARY collation, i.e. memcmp: UTF-8
  // byte order, which is S3's listing order.
  static const std::vector<Migration> steps = {
      {1, "buckets and per-bucket documents",
       "CREATE TABLE buckets ("
       " name TEXT PRIMARY KEY,"
       " created_ms INTEGER NOT NULL,"
       " acl TEXT NOT NULL,"
       " region TEXT NOT NULL"
       ") WITHOUT ROWID;"
       "CREATE TABLE bucket_configs ("
       " bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,"
       " kind TEXT NOT NULL,"
       " value TEXT NOT NULL,"
       " PRIMARY KEY (bucket, kind)"
       ") WITHOUT ROWID;"},
      {2, "objects",
       "CREATE TABLE objects ("
       " bucket TEXT NOT NULL REFERENCES buckets(name),"
       " key TEXT NOT NULL,"
       " size INTEGER NOT NULL,"
       " etag TEXT NOT NULL,"
       " last_modified_ms INTEGER NOT NULL,"
       " content_type TEXT NOT NULL,"
       " content_encoding TEXT NOT NULL,"
       " content_disposition TEXT NOT NULL,"
       " content_language TEXT NOT NULL,"
       " cache_control TEXT NOT NULL,"
       " expires TEXT NOT NULL,"
       " user_metadata BLOB NOT NULL,"
       " checksums BLOB NOT NULL,"
       " checksum_type TEXT NOT NULL,"
       " acl TEXT NOT NULL,"
       " parts_count INTEGER NOT NULL,"
       " blob_id TEXT NOT NULL,"
       " PRIMARY KEY (bucket, key)"
       ") WITHOUT ROWID;"},
      {3, "multipart uploads and parts",
       "CREATE TABLE uploads ("
       " upload_id TEXT PRIMARY KEY,"
       " bucket TEXT NOT NULL REFERENCES buckets(name),"
       " key TEXT NOT NULL,"
       " initiated_ms INTEGER NOT NULL,"
       " content_type TEXT NOT NULL,"
       " content_encoding TEXT NOT NULL,"
       " content_disposition TEXT NOT NULL,"
       " content_language TEXT NOT NULL,"
       " cache_control TEXT NOT NULL,"
       " expires TEXT NOT NULL,"
       " user_metadata BLOB NOT NULL,"
       " checksums BLOB NOT NULL,"
       " checksum_type TEXT NOT NULL,"
       " acl TEXT NOT NULL,"
       " checksum_algorithm TEXT NOT NULL"
       ") WITHOUT ROWID;"
       "CREATE INDEX uploads_by_key ON uploads (bucket, key, initiated_ms);"
       "CREATE TABLE parts ("
       " upload_id TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,"
       " part_number INTEGER NOT NULL,"
       " size INTEGER NOT NULL,"
       " etag TEXT NOT NULL,"
       " last_modified_ms INTEGER NOT NULL,"
       " checksums BLOB NOT NULL,"
       " blob_id TEXT NOT NULL,"
       " PRIMARY KEY (upload_id, part_number)"
       ") WITHOUT ROWID;"},
      // ADD COLUMN with a constant default rewrites nothing: old rows read the default.
      {4, "server-side encryption of objects and uploads",
       "ALTER TABLE objects ADD COLUMN sse_algorithm TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE objects ADD COLUMN sse_kms_key_id TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE uploads ADD COLUMN sse_algorithm TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE uploads ADD COLUMN sse_kms_key_id TEXT NOT NULL DEFAULT '';"},
      // part_sizes: decimal sizes joined by ',' ('' for single-part objects and for
      // multipart objects completed before this step, whose boundaries are unknown).
      // completed_uploads: what a retried CompleteMultipartUpload answers (store.cpp).
      {5, "part boundaries of multipart objects and completed uploads",
       "ALTER TABLE objects ADD COLUMN part_sizes TEXT NOT NULL DEFAULT '';"
       "CREATE TABLE completed_uploads ("
       " upload_id TEXT PRIMARY KEY,"
       " bucket TEXT NOT NULL,"
       " key TEXT NOT NULL,"
       " completed_ms INTEGER NOT NULL,"
       " parts BLOB NOT NULL,"
       " etag TEXT NOT NULL,"
       " size INTEGER NOT NULL,"
       " part_sizes TEXT NOT NULL,"
       " content_type TEXT NOT NULL,"
       " content_encoding TEXT NOT NULL,"
       " content_disposition TEXT NOT NULL,"
       " content_language TEXT NOT NULL,"
       " cache_control TEXT NOT NULL,"
       " expires TEXT NOT NULL,"
       " user_metadata BLOB NOT NULL,"
       " checksums BLOB NOT NULL,"
       " checksum_type TEXT NOT NULL,"
       " acl TEXT NOT NULL,"
       " sse_algorithm TEXT NOT NULL,"
       " sse_kms_key_id TEXT NOT NULL"
       ") WITHOUT ROWID;"
       "CREATE INDEX completed_uploads_by_time ON completed_uploads (completed_ms);"},
  };
  return steps;
}

core::Result<std::vector<AppliedMigration>> Migrations::applied(Database& db) const {
  if (auto r = db.exec(kCreateHistory); !r) return std::unexpected(r.error());
  auto st = db.prepare(
      "SELECT version, applied_at, description FROM schema_information ORDER BY version");
  if (!st) return std::unexpected(st.error());
  std::vector<AppliedMigration> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({static_cast<int>(st->column_int(0)), st->column_int(1), st->column_text(2)});
  }
  return out;
}

core::Result<int> Migrations::current_version(Database& db) const {
  if (auto r = db.exec(kCreateHistory); !r) return std::unexpected(r.error());
  return read_version(db);
}

core::Result<std::vector<int>> Migrations::migrate(Database& db, int target,
                                                 std::int64_t now_ms) const {
  for (std::size_t i = 0; i < steps_.size(); ++i)
    if (steps_[i].number != static_cast<int>(i) + 1)
      return std::unexpected(core::make_error(
          core::ErrorCode::InternalError,
          "migration list is not numbered 1..N: step " + std::to_string(i + 1) + " is numbered " +
              std::to_string(steps_[i].number)));
  auto current = current_version(db);
  if (!current) return std::unexpected(current.error());
  if (*current > latest())
    return std::unexpected(core::make_error(
        core::ErrorCode::InternalError,
        "database schema version " + std::to_string(*current) +
            " is newer than this minicloud knows (" + std::to_string(latest()) +
            "); use a newer minicloud"));
  if (target > latest())
    return std::unexpected(invalid("no migration " + std::to_string(target) + "; the latest is " +
                                   std::to_string(latest())));
  if (target < *current)
    return std::unexpected(invalid("the database is at version " + std::to_string(*current) +
                                   "; migrations only go forward, cannot go back to " +
                                   std::to_string(target)));
  std::vector<int> done;
  for (const Migration& step : steps_) {
    if (step.number > target) break;
    auto tx = Transaction::begin(db);
    if (!tx) return std::unexpected(tx.error());
    // Re-read inside the write transaction: another process may have migrated meanwhile,
    // and a step must run exactly once, right after its predecessor.
    auto now_at = read_version(db);
    if (!now_at) return std::unexpected(now_at.error());
    if (*now_at >= step.number) continue;  // already applied (the transaction rolls back)
    if (*now_at != step.number - 1)
      return std::unexpected(core::make_error(
          core::ErrorCode::InternalError, "schema at version " + std::to_string(*now_at) +
                                            ", refusing to skip to migration " +
                                            std::to_string(step.number)));
    if (auto r = db.exec(step.sql); !r)
      return std::unexpected(core::make_error(
          core::ErrorCode::InternalError,
          "migration " + std::to_string(step.number) + " failed: " + r.error().message));
    auto ins = db.prepare(
        "INSERT INTO schema_information (version, applied_at, description) VALUES (?, ?, ?)");
    if (!ins) return std::unexpected(ins.error());
    ins->bind(1, std::int64_t{step.number}).bind(2, now_ms).bind(3, step.description);
    if (auto r = ins->run(); !r) return std::unexpected(r.error());
    if (auto r = tx->commit(); !r) return std::unexpected(r.error());
    done.push_back(step.number);
  }
  return done;
}

}  // namespace store
