// The Store's multipart uploads (see store.h), and the ETag and part-list rules S3
// applies to them.
#include <openssl/evp.h>

#include "store/store_impl.h"

namespace store {
namespace {

constexpr std::size_t kCopyChunk = 1 << 20;  // multipart concatenation buffer

}  // namespace

core::Result<std::string> multipart_etag(const std::vector<std::string>& part_etags) {
  std::string binary;
  binary.reserve(part_etags.size() * 16);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (const std::string& quoted : part_etags) {
    std::string etag = unquote(quoted);
    if (etag.size() != 32) return std::unexpected(err(core::ErrorCode::InvalidPart));
    for (std::size_t i = 0; i < 32; i += 2) {
      int hi = nibble(etag[i]), lo = nibble(etag[i + 1]);
      if (hi < 0 || lo < 0) return std::unexpected(err(core::ErrorCode::InvalidPart));
      binary.push_back(static_cast<char>(hi * 16 + lo));
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(binary.data(), binary.size(), md, &md_len, EVP_md5(), nullptr) != 1)
    return std::unexpected(err(core::ErrorCode::InternalError, "md5 failed"));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < md_len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out + "-" + std::to_string(part_etags.size());
}

core::Result<std::vector<CompletedPart>> effective_parts(const std::vector<CompletedPart>& listed) {
  if (listed.empty())
    return std::unexpected(err(core::ErrorCode::MalformedXML,
                               "The XML you provided was not well-formed or did not validate "
                               "against our published schema"));
  std::vector<CompletedPart> out;
  for (const CompletedPart& part : listed) {
    if (!out.empty() && part.part_number < out.back().part_number)
      return std::unexpected(err(core::ErrorCode::InvalidPartOrder));
    if (!out.empty() && part.part_number == out.back().part_number) out.pop_back();
    out.push_back({part.part_number, unquote(part.etag)});
  }
  return out;
}


core::Result<UploadInfo> Store::create_upload(const std::string& bucket, const std::string& key,
                                            ObjectMeta meta_template,
                                            const std::string& checksum_algorithm) {
  UploadInfo u;
  u.upload_id = BlobFiles::new_id();
  u.bucket = bucket;
  u.key = key;
  u.initiated_ms = impl_->now();
  u.checksum_algorithm = checksum_algorithm;
  meta_template.bucket = bucket;
  meta_template.key = key;
  u.meta_template = std::move(meta_template);
  std::lock_guard lock(impl_->mu_);
  auto tx = Transaction::begin(*impl_->db_);
  if (!tx) return std::unexpected(tx.error());
  if (auto b = impl_->require_bucket(bucket); !b) return std::unexpected(b.error());
  auto st = impl_->use("INSERT INTO uploads (" UPLOAD_COLUMNS
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, u.upload_id).bind(2, bucket).bind(3, key).bind(4, u.initiated_ms);
  (*st)->bind(5, checksum_algorithm);
  bind_meta(**st, 6, u.meta_template);
  if (auto r = (*st)->run(); !r) return std::unexpected(r.error());
  if (auto c = tx->commit(); !c) return std::unexpected(c.error());
  return u;
}

core::Result<UploadInfo> Store::get_upload(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id) const {
  std::lock_guard lock(impl_->mu_);
  auto u = impl_->require_upload(upload_id);
  if (!u) return u;
  if (u->bucket != bucket || u->key != key) return std::unexpected(err(core::ErrorCode::NoSuchUpload));
  return u;
}

core::Result<PartInfo> Store::commit_part(const std::string& upload_id, int part_number,
                                        const std::string& etag,
                                        std::map<std::string, std::string> checksums,
                                        BlobWriter&& blob) {
  PartInfo p{part_number, blob.size(), unquote(etag), impl_->now(), std::move(checksums)};
  auto id = impl_->blobs_.install(std::move(blob));
  if (!id) return std::unexpected(id.error());
  std::unique_lock lock(impl_->mu_);
  auto old = [&]() -> core::Result<std::string> {
    auto tx = Transaction::begin(*impl_->db_);
    if (!tx) return std::unexpected(tx.error());
    if (auto u = impl_->require_upload(upload_id); !u) return std::unexpected(u.error());
    std::string previous;
    {
      auto st = impl_->use("SELECT blob_id FROM parts WHERE upload_id = ? AND part_number = ?");
      if (!st) return std::unexpected(st.error());
      (*st)->bind(1, upload_id).bind(2, std::int64_t{part_number});
      auto row = (*st)->step();
      if (!row) return std::unexpected(row.error());
      if (*row) previous = (*st)->column_text(0);
    }
    auto st = impl_->use("INSERT OR REPLACE INTO parts (upload_id, " PART_COLUMNS
                         ") VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, upload_id).bind(2, std::int64_t{part_number}).bind(3, p.size).bind(4, p.etag);
    (*st)->bind(5, p.last_modified_ms).bind_blob(6, encode_pairs(p.checksums)).bind(7, *id);
    if (auto r = (*st)->run(); !r) return std::unexpected(r.error());
    if (auto c = tx->commit(); !c) return std::unexpected(c.error());
    return previous;
  }();
  lock.unlock();
  if (!old) {
    impl_->blobs_.remove(*id);
    return std::unexpected(old.error());
  }
  if (!old->empty()) impl_->blobs_.remove(*old);
  return p;
}

core::Result<std::vector<PartInfo>> Store::list_parts(const std::string& upload_id) const {
  std::lock_guard lock(impl_->mu_);
  if (auto u = impl_->require_upload(upload_id); !u) return std::unexpected(u.error());
  auto parts = impl_->parts_of(upload_id);
  if (!parts) return std::unexpected(parts.error());
  std::vector<PartInfo> out;
  out.reserve(parts->size());
  for (auto& [part, blob] : *parts) out.push_back(std::move(part));
  return out;
}

core::Result<std::vector<UploadInfo>> Store::list_uploads(const std::string& bucket,
                                                        const std::string& prefix) const {
  std::lock_guard lock(impl_->mu_);
  if (auto b = impl_->require_bucket(bucket); !b) return std::unexpected(b.error());
  auto st = impl_->use("SELECT " UPLOAD_COLUMNS " FROM uploads WHERE bucket = ? AND key >= ? "
                       "ORDER BY key, initiated_ms, upload_id");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, bucket).bind(2, prefix);
  std::vector<UploadInfo> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    UploadInfo u = read_upload(**st);
    if (!u.key.starts_with(prefix)) break;  // sorted: past the prefix range
    out.push_back(std::move(u));
  }
  return out;
}

core::Result<ObjectMeta> Store::complete_upload(const std::string& upload_id,
                                              const std::vector<CompletedPart>& listed,
                                              ObjectMeta final_meta) {
  UploadInfo upload;
  std::unordered_map<int, std::pair<PartInfo, std::string>> stored;
  {
    std::lock_guard lock(impl_->mu_);
    auto u = impl_->require_upload(upload_id);
    if (!u) return std::unexpected(u.error());
    upload = std::move(*u);
    auto all = impl_->parts_of(upload_id);
    if (!all) return std::unexpected(all.error());
    for (auto& entry : *all) stored.emplace(entry.first.part_number, std::move(entry));
  }

  // Validate, in S3's order: the list's order first, then each part, then sizes.
  auto effective = effective_parts(listed);
  if (!effective) return std::unexpected(effective.error());
  const std::vector<CompletedPart>& parts = *effective;
  std::vector<std::string> etags, blob_ids;
  std::vector<std::int64_t> sizes;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto it = stored.find(parts[i].part_number);
    if (it == stored.end() || it->second.first.etag != parts[i].etag)
      return std::unexpected(err(core::ErrorCode::InvalidPart));
    const PartInfo& p = it->second.first;
    if (i + 1 < parts.size() && p.size < kMinPartSize)
      return std::unexpected(err(core::ErrorCode::EntityTooSmall));
    etags.push_back(p.etag);
    blob_ids.push_back(it->second.second);
    sizes.push_back(p.size);
    total += p.size;
  }
  auto etag = multipart_etag(etags);
  if (!etag) return std::unexpected(etag.error());

  // Concatenate outside the lock, streaming through one buffer.
  auto writer = impl_->blobs_.new_writer();
  if (!writer) return std::unexpected(writer.error());
  std::vector<char> buf(kCopyChunk);
  for (const std::string& blob_id : blob_ids) {
    auto reader = impl_->blobs_.open(blob_id);
    if (!reader) {  // replaced or aborted meanwhile
      if (reader.error().code == core::ErrorCode::NoSuchKey)
        return std::unexpected(err(core::ErrorCode::InvalidPart));
      return std::unexpected(reader.error());
    }
    for (std::int64_t offset = 0; offset < reader->size();) {
      auto n = reader->read(offset, buf.data(), buf.size());
      if (!n) return std::unexpected(n.error());
      if (*n == 0) break;
      if (auto w = writer->write({buf.data(), *n}); !w) return std::unexpected(w.error());
      offset += static_cast<std::int64_t>(*n);
    }
  }
  if (writer->size() != total)
    return std::unexpected(err(core::ErrorCode::InternalError, "part bodies changed size"));
  auto id = impl_->blobs_.install(std::move(*writer));
  if (!id) return std::unexpected(id.error());

  ObjectMeta m = std::move(final_meta);
  m.bucket = upload.bucket;
  m.key = upload.key;
  m.size = total;
  m.etag = std::move(*etag);
  m.parts_count = static_cast<int>(parts.size());
  m.part_sizes = std::move(sizes);
  m.blob_id = *id;
  m.last_modified_ms = impl_->now();

  std::unique_lock lock(impl_->mu_);
  std::vector<std::string> garbage;  // bodies to remove once committed
  auto committed = [&]() -> core::Result<void> {
    auto tx = Transaction::begin(*impl_->db_);
    if (!tx) return std::unexpected(tx.error());
    if (auto u = impl_->require_upload(upload_id); !u) return std::unexpected(u.error());
    if (auto b = impl_->require_bucket(m.bucket); !b) return b;
    auto all = impl_->parts_of(upload_id);
    if (!all) return std::unexpected(all.error());
    for (auto& entry : *all) garbage.push_back(entry.second);
    auto old = impl_->put_object_row(m);
    if (!old) return std::unexpected(old.error());
    if (!old->empty()) garbage.push_back(*old);
    // Parts go with their upload (ON DELETE CASCADE).
    auto st = impl_->use("DELETE FROM uploads WHERE upload_id = ?");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, upload_id);
    if (auto r = (*st)->run(); !r) return r;
    if (auto r = impl_->record_completion(upload_id, parts, m); !r) return r;
    return tx->commit();
  }();
  lock.unlock();
  if (!committed) {
    impl_->blobs_.remove(*id);
    return std::unexpected(committed.error());
  }
  for (const std::string& g : garbage) impl_->blobs_.remove(g);
  return m;
}

core::Result<ObjectMeta> Store::completed_upload(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id,
                                               const std::vector<CompletedPart>& listed) const {
  auto no_such_upload = [] { return std::unexpected(err(core::ErrorCode::NoSuchUpload)); };
  auto parts = effective_parts(listed);
  if (!parts) return no_such_upload();
  std::lock_guard lock(impl_->mu_);
  auto st = impl_->use("SELECT parts, etag, size, part_sizes, completed_ms, " META_COLUMNS
                       " FROM completed_uploads WHERE upload_id = ? AND bucket = ? AND key = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, upload_id).bind(2, bucket).bind(3, key);
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || (*st)->column_int(4) < impl_->now() - kCompletedUploadRetentionMs) return no_such_upload();
  auto recorded = decode_pairs((*st)->column_text(0));
  if (recorded.size() != parts->size()) return no_such_upload();
  for (std::size_t i = 0; i < parts->size(); ++i)
    if (recorded[i].first != std::to_string((*parts)[i].part_number) || recorded[i].second != (*parts)[i].etag)
      return no_such_upload();
  ObjectMeta m;
  m.bucket = bucket;
  m.key = key;
  m.etag = (*st)->column_text(1);
  m.size = (*st)->column_int(2);
  m.part_sizes = decode_sizes((*st)->column_text(3));
  m.parts_count = static_cast<int>(m.part_sizes.size());
  m.last_modified_ms = (*st)->column_int(4);
  read_meta(**st, 5, m);
  return m;
}

core::Result<void> Store::abort_upload(const std::string& upload_id) {
  std::unique_lock lock(impl_->mu_);
  std::vector<std::string> garbage;
  auto committed = [&]() -> core::Result<void> {
    auto tx = Transaction::begin(*impl_->db_);
    if (!tx) return std::unexpected(tx.error());
    if (auto u = impl_->require_upload(upload_id); !u) return std::unexpected(u.error());
    auto all = impl_->parts_of(upload_id);
    if (!all) return std::unexpected(all.error());
    for (auto& entry : *all) garbage.push_back(entry.second);
    auto st = impl_->use("DELETE FROM uploads WHERE upload_id = ?");
    if (!st) return std::unexpected(st.error());
    (*st)->bind(1, upload_id);
    if (auto r = (*st)->run(); !r) return r;
    return tx->commit();
  }();
  lock.unlock();
  if (!committed) return committed;
  for (const std::string& g : garbage) impl_->blobs_.remove(g);
  return {};
}

}  // namespace store
