// The Store's buckets and their per-bucket documents (see store.h).
#include "store/store_impl.h"

namespace store {

// ---- Buckets

core::Result<BucketInfo> Store::create_bucket(const std::string& name, const std::string& acl,
                                            const std::string& region) {
  BucketInfo info{name, impl_->now(), acl.empty() ? "private" : acl, region};
  std::lock_guard lock(impl_->mu_);
  auto st = impl_->use(
      "INSERT INTO buckets (name, created_ms, acl, region) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (name) DO NOTHING");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, info.name).bind(2, info.created_ms).bind(3, info.acl).bind(4, info.region);
  if (auto r = (*st)->run(); !r) return std::unexpected(r.error());
  if (impl_->db_->changes() == 0) return std::unexpected(err(core::ErrorCode::BucketAlreadyOwnedByYou));
  return info;
}

core::Result<BucketInfo> Store::get_bucket(const std::string& name) const {
  std::lock_guard lock(impl_->mu_);
  auto st = impl_->use("SELECT name, created_ms, acl, region FROM buckets WHERE name = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, name);
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(err(core::ErrorCode::NoSuchBucket));
  return BucketInfo{(*st)->column_text(0), (*st)->column_int(1), (*st)->column_text(2),
                    (*st)->column_text(3)};
}

std::vector<BucketInfo> Store::list_buckets() const {
  std::lock_guard lock(impl_->mu_);
  std::vector<BucketInfo> out;
  auto st = impl_->use("SELECT name, created_ms, acl, region FROM buckets ORDER BY name");
  if (!st) return out;
  while (true) {
    auto row = (*st)->step();
    if (!row || !*row) break;
    out.push_back({(*st)->column_text(0), (*st)->column_int(1), (*st)->column_text(2),
                   (*st)->column_text(3)});
  }
  return out;
}

core::Result<void> Store::delete_bucket(const std::string& name) {
  std::lock_guard lock(impl_->mu_);
  auto tx = Transaction::begin(*impl_->db_);
  if (!tx) return std::unexpected(tx.error());
  if (auto b = impl_->require_bucket(name); !b) return b;
  for (const char* sql : {"SELECT 1 FROM objects WHERE bucket = ? LIMIT 1",
                          "SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1"}) {
    auto st = impl_->use(sql);
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, name);
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (*row) return std::unexpected(err(core::ErrorCode::BucketNotEmpty));
  }
  for (const char* sql : {"DELETE FROM completed_uploads WHERE bucket = ?",
                          "DELETE FROM buckets WHERE name = ?"}) {  // configs cascade
    auto st = impl_->use(sql);
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, name);
    if (auto r = (*st)->run(); !r) return r;
  }
  return tx->commit();
}

core::Result<void> Store::set_bucket_acl(const std::string& name, const std::string& acl) {
  std::lock_guard lock(impl_->mu_);
  auto st = impl_->use("UPDATE buckets SET acl = ? WHERE name = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, acl).bind(2, name);
  if (auto r = (*st)->run(); !r) return r;
  if (impl_->db_->changes() == 0) return std::unexpected(err(core::ErrorCode::NoSuchBucket));
  return {};
}

// ---- Bucket documents

core::Result<std::optional<std::string>> Store::get_bucket_config(const std::string& bucket,
                                                                const std::string& kind) const {
  std::lock_guard lock(impl_->mu_);
  if (auto b = impl_->require_bucket(bucket); !b) return std::unexpected(b.error());
  auto st = impl_->use("SELECT value FROM bucket_configs WHERE bucket = ? AND kind = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, bucket).bind(2, kind);
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>{(*st)->column_text(0)};
}

core::Result<void> Store::put_bucket_config(const std::string& bucket, const std::string& kind,
                                          const std::string& value) {
  std::lock_guard lock(impl_->mu_);
  auto tx = Transaction::begin(*impl_->db_);
  if (!tx) return std::unexpected(tx.error());
  if (auto b = impl_->require_bucket(bucket); !b) return b;
  auto st = impl_->use("INSERT OR REPLACE INTO bucket_configs (bucket, kind, value) VALUES (?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, bucket).bind(2, kind).bind(3, value);
  if (auto r = (*st)->run(); !r) return r;
  return tx->commit();
}

core::Result<void> Store::delete_bucket_config(const std::string& bucket, const std::string& kind) {
  std::lock_guard lock(impl_->mu_);
  if (auto b = impl_->require_bucket(bucket); !b) return b;
  auto st = impl_->use("DELETE FROM bucket_configs WHERE bucket = ? AND kind = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, bucket).bind(2, kind);
  return (*st)->run();
}

}  // namespace store
