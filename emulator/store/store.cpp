#include "store/store.h"

#include <stdlib.h>

#include <chrono>
#include <cstring>
#include <unordered_set>

#include "store/migrations.h"
#include "store/store_impl.h"

namespace store {
namespace {

// In-memory stores of processes killed before their destructor ran (kill -9 of a test
// server) would hold RAM until reboot. A dir is abandoned when nobody holds its LOCK; the
// age check keeps us off a dir another process has just created and not yet locked.
void remove_abandoned_memory_dirs(const fs::path& base) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::minutes(1);
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code ec2;
    if (!name.starts_with("minicloud-") || name.size() != 16 || !it->is_directory(ec2)) continue;
    if (fs::last_write_time(it->path(), ec2) > cutoff || ec2) continue;
    if (auto lock = DirLock::acquire(it->path()); lock) fs::remove_all(it->path(), ec2);
  }
}

}  // namespace

// ---- Open / close

core::Result<std::unique_ptr<Store>> Store::open(Options options) {
  fs::path dir;
  bool owns_dir = false;
  std::error_code ec;
  if (options.in_memory) {
    fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path(ec);
    remove_abandoned_memory_dirs(base);
    std::string tmpl = (base / "minicloud-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      return std::unexpected(err(core::ErrorCode::InternalError,
                                 "mkdtemp " + tmpl + ": " + std::strerror(errno)));
    dir = tmpl;
    owns_dir = true;
  } else {
    if (options.data_dir.empty())
      return std::unexpected(err(core::ErrorCode::InternalError, "no data dir given"));
    dir = options.data_dir;
    fs::create_directories(dir, ec);
    if (ec)
      return std::unexpected(err(core::ErrorCode::InternalError,
                                 "create " + dir.string() + ": " + ec.message()));
  }
  auto cleanup = [&](core::Error e) -> core::Result<std::unique_ptr<Store>> {
    if (owns_dir) fs::remove_all(dir, ec);
    return std::unexpected(std::move(e));
  };

  auto lock = DirLock::acquire(dir);
  if (!lock) return cleanup(lock.error());
  BlobFiles blobs(dir);
  if (auto r = blobs.create_dirs(); !r) return cleanup(r.error());
  auto db = Database::open(dir / "metadata.db", /*exclusive=*/true);
  if (!db) return cleanup(db.error());
  const std::int64_t now = options.now_ms ? options.now_ms() : core::system_now_ms();
  Migrations migrations;
  if (auto r = migrations.migrate(*db, migrations.latest(), now); !r) return cleanup(r.error());

  // Orphans: temp files of interrupted writes, bodies installed but never committed (crash
  // between rename and commit) or replaced but not yet removed (crash after commit).
  std::unordered_set<std::string> referenced;
  {
    auto st = db->prepare("SELECT blob_id FROM objects UNION ALL SELECT blob_id FROM parts");
    if (!st) return cleanup(st.error());
    for (;;) {
      auto row = st->step();
      if (!row) return cleanup(row.error());
      if (!*row) break;
      referenced.insert(st->column_text(0));
    }
  }
  blobs.remove_orphans([&](const std::string& id) { return referenced.contains(id); });

  const bool in_memory = owns_dir;
  owns_dir = false;  // the Impl owns it from here
  auto impl = std::make_unique<Impl>(std::move(options), dir, in_memory, std::move(*lock),
                                     std::move(*db));
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const fs::path& Store::data_dir() const { return impl_->dir_; }

// ---- Objects

core::Result<BlobWriter> Store::new_blob() { return impl_->blobs_.new_writer(); }

core::Result<ObjectMeta> Store::commit_object(ObjectMeta meta, BlobWriter&& blob) {
  meta.size = blob.size();
  auto id = impl_->blobs_.install(std::move(blob));
  if (!id) return std::unexpected(id.error());
  meta.blob_id = std::move(*id);
  meta.last_modified_ms = impl_->now();
  return impl_->commit_installed(std::move(meta));
}

core::Result<ObjectMeta> Store::copy_object(const ObjectMeta& source, ObjectMeta target_meta) {
  auto id = impl_->blobs_.duplicate(source.blob_id);
  if (!id) return std::unexpected(id.error());
  target_meta.size = source.size;
  if (target_meta.etag.empty()) target_meta.etag = source.etag;
  if (target_meta.checksums.empty()) target_meta.checksums = source.checksums;
  target_meta.blob_id = std::move(*id);
  target_meta.last_modified_ms = impl_->now();
  return impl_->commit_installed(std::move(target_meta));
}

core::Result<ObjectMeta> Store::head_object(const std::string& bucket, const std::string& key) const {
  std::lock_guard lock(impl_->mu_);
  return impl_->require_object(bucket, key);
}

core::Result<BlobReader> Store::open_object(const ObjectMeta& meta) const {
  return impl_->blobs_.open(meta.blob_id);
}

core::Result<std::pair<ObjectMeta, BlobReader>> Store::get_object(const std::string& bucket,
                                                                const std::string& key) const {
  // Under the lock, so no commit can remove the body between reading the row and opening
  // the file (commit_installed removes replaced bodies while holding the same lock).
  std::lock_guard lock(impl_->mu_);
  auto meta = impl_->require_object(bucket, key);
  if (!meta) return std::unexpected(meta.error());
  auto reader = impl_->blobs_.open(meta->blob_id);
  if (!reader) {
    if (reader.error().code == core::ErrorCode::NoSuchKey)  // a row without its body
      return std::unexpected(err(core::ErrorCode::InternalError,
                                 "body of " + bucket + "/" + key + " is missing"));
    return std::unexpected(reader.error());
  }
  return std::pair<ObjectMeta, BlobReader>{std::move(*meta), std::move(*reader)};
}

core::Result<std::optional<ObjectMeta>> Store::delete_object(const std::string& bucket,
                                                           const std::string& key) {
  std::unique_lock lock(impl_->mu_);
  auto deleted = [&]() -> core::Result<std::optional<ObjectMeta>> {
    auto tx = Transaction::begin(*impl_->db_);
    if (!tx) return std::unexpected(tx.error());
    auto found = impl_->find_object(bucket, key);
    if (!found) return std::unexpected(found.error());
    if (!*found) {
      if (auto b = impl_->require_bucket(bucket); !b) return std::unexpected(b.error());
      return std::optional<ObjectMeta>{};
    }
    auto st = impl_->use("DELETE FROM objects WHERE bucket = ? AND key = ?");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, bucket).bind(2, key);
    if (auto r = (*st)->run(); !r) return std::unexpected(r.error());
    if (auto c = tx->commit(); !c) return std::unexpected(c.error());
    return found;
  }();
  lock.unlock();  // unlink after the commit, outside the lock (see commit_installed)
  if (deleted && *deleted) impl_->blobs_.remove((*deleted)->blob_id);
  return deleted;
}

core::Result<void> Store::set_object_acl(const std::string& bucket, const std::string& key,
                                       const std::string& acl) {
  std::lock_guard lock(impl_->mu_);
  auto st = impl_->use("UPDATE objects SET acl = ? WHERE bucket = ? AND key = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, acl).bind(2, bucket).bind(3, key);
  if (auto r = (*st)->run(); !r) return r;
  if (impl_->db_->changes() == 0) {
    auto o = impl_->require_object(bucket, key);
    if (!o) return std::unexpected(o.error());
  }
  return {};
}

core::Result<ListResult> Store::list_objects(const std::string& bucket, const ListQuery& q) const {
  std::lock_guard lock(impl_->mu_);
  if (auto b = impl_->require_bucket(bucket); !b) return std::unexpected(b.error());
  ListResult out;
  if (q.max_keys <= 0) return out;

  // Every key is >= `lower` (inclusive). "after s" is ">= s + NUL": the smallest string
  // greater than s.
  std::string lower = q.prefix;
  if (!q.start_after.empty() && q.start_after >= q.prefix) lower = q.start_after + '\0';
  const std::string upper = prefix_successor(q.prefix);  // exclusive; "" -> none
  int count = 0;
  for (;;) {
    auto st = upper.empty()
                  ? impl_->use("SELECT " OBJECT_COLUMNS " FROM objects WHERE bucket = ? AND key >= ? "
                               "ORDER BY key")
                  : impl_->use("SELECT " OBJECT_COLUMNS " FROM objects WHERE bucket = ? AND key >= ? "
                               "AND key < ? ORDER BY key");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, bucket).bind(2, lower);
    if (!upper.empty()) (*st)->bind(3, upper);
    bool jumped = false;
    for (;;) {
      auto row = (*st)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      if (count == q.max_keys) {
        out.is_truncated = true;
        return out;
      }
      std::string key = (*st)->column_text(0);
      if (!q.delimiter.empty()) {
        auto pos = key.find(q.delimiter, q.prefix.size());
        if (pos != std::string::npos) {
          std::string common = key.substr(0, pos + q.delimiter.size());
          // Skip the whole group in one seek; a group at or before start_after was
          // returned by an earlier page.
          lower = prefix_successor(common);
          jumped = true;
          if (q.start_after.empty() || common > q.start_after) {
            out.next_marker = common;
            out.common_prefixes.push_back(std::move(common));
            ++count;
          }
          break;
        }
      }
      out.next_marker = key;
      out.objects.push_back(read_object(**st, bucket));
      ++count;
    }
    if (!jumped || lower.empty()) break;
  }
  return out;
}

// ---- Multipart
Stats Store::stats() const {
  std::lock_guard lock(impl_->mu_);
  Stats s;
  if (auto st = impl_->use("SELECT count(*) FROM buckets"); st && (*st)->step().value_or(false))
    s.buckets = (*st)->column_int(0);
  if (auto st = impl_->use("SELECT count(*), coalesce(sum(size), 0) FROM objects");
      st && (*st)->step().value_or(false)) {
    s.objects = (*st)->column_int(0);
    s.bytes = (*st)->column_int(1);
  }
  return s;
}

}  // namespace store
