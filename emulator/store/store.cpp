#include "store/store.h"

#include <openssl/evp.h>
#include <stdlib.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "core/time.h"
#include "store/db.h"
#include "store/migrations.h"

namespace store {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kCopyChunk = 1 << 20;  // multipart concatenation buffer

core::Error err(core::ErrorCode code, std::string message = {}) {
  return core::make_error(code, std::move(message));
}

// ---- Pair lists as bytes: (u32 little-endian length, bytes) twice per pair. Binary-safe,
// unlike JSON, which rejects invalid UTF-8 and so could not keep values byte-exact.

void put_u32(std::string& out, std::size_t n) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

template <typename Pairs>
std::string encode_pairs(const Pairs& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    put_u32(out, name.size());
    out += name;
    put_u32(out, value.size());
    out += value;
  }
  return out;
}

// Stops at the first malformed entry (cannot happen for data we wrote).
std::vector<std::pair<std::string, std::string>> decode_pairs(std::string_view in) {
  std::vector<std::pair<std::string, std::string>> out;
  auto take = [&in](std::string& s) {
    if (in.size() < 4) return false;
    std::size_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<std::size_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(4);
    if (in.size() < n) return false;
    s.assign(in.substr(0, n));
    in.remove_prefix(n);
    return true;
  };
  while (!in.empty()) {
    std::string name, value;
    if (!take(name) || !take(value)) break;
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

std::map<std::string, std::string> decode_map(std::string_view in) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : decode_pairs(in)) out[std::move(k)] = std::move(v);
  return out;
}

// ---- The metadata columns shared by `objects` and `uploads`, in this order.
#define META_COLUMNS                                                                      \
  "content_type, content_encoding, content_disposition, content_language, cache_control, " \
  "expires, user_metadata, checksums, checksum_type, acl, sse_algorithm, sse_kms_key_id"

void bind_meta(Statement& st, int first, const ObjectMeta& m) {
  st.bind(first + 0, m.content_type)
      .bind(first + 1, m.content_encoding)
      .bind(first + 2, m.content_disposition)
      .bind(first + 3, m.content_language)
      .bind(first + 4, m.cache_control)
      .bind(first + 5, m.expires)
      .bind_blob(first + 6, encode_pairs(m.user_metadata))
      .bind_blob(first + 7, encode_pairs(m.checksums))
      .bind(first + 8, m.checksum_type)
      .bind(first + 9, m.acl)
      .bind(first + 10, m.sse_algorithm)
      .bind(first + 11, m.sse_kms_key_id);
}

void read_meta(const Statement& st, int first, ObjectMeta& m) {
  m.content_type = st.column_text(first + 0);
  m.content_encoding = st.column_text(first + 1);
  m.content_disposition = st.column_text(first + 2);
  m.content_language = st.column_text(first + 3);
  m.cache_control = st.column_text(first + 4);
  m.expires = st.column_text(first + 5);
  m.user_metadata = decode_pairs(st.column_text(first + 6));
  m.checksums = decode_map(st.column_text(first + 7));
  m.checksum_type = st.column_text(first + 8);
  m.acl = st.column_text(first + 9);
  m.sse_algorithm = st.column_text(first + 10);
  m.sse_kms_key_id = st.column_text(first + 11);
}

// part_sizes as stored: decimal sizes joined by ','.
std::string encode_sizes(const std::vector<std::int64_t>& sizes) {
  std::string out;
  for (std::int64_t size : sizes) {
    if (!out.empty()) out += ',';
    out += std::to_string(size);
  }
  return out;
}

std::vector<std::int64_t> decode_sizes(std::string_view in) {
  std::vector<std::int64_t> out;
  while (!in.empty()) {
    auto comma = in.find(',');
    auto item = in.substr(0, comma);
    std::int64_t size = 0;
    std::from_chars(item.data(), item.data() + item.size(), size);
    out.push_back(size);
    in = comma == std::string_view::npos ? std::string_view{} : in.substr(comma + 1);
  }
  return out;
}

// Object rows: SELECT kObjectColumns ... and read_object().
#define OBJECT_COLUMNS "key, size, etag, last_modified_ms, parts_count, blob_id, part_sizes, " META_COLUMNS

ObjectMeta read_object(const Statement& st, const std::string& bucket) {
  ObjectMeta m;
  m.bucket = bucket;
  m.key = st.column_text(0);
  m.size = st.column_int(1);
  m.etag = st.column_text(2);
  m.last_modified_ms = st.column_int(3);
  m.parts_count = static_cast<int>(st.column_int(4));
  m.blob_id = st.column_text(5);
  m.part_sizes = decode_sizes(st.column_text(6));
  read_meta(st, 7, m);
  return m;
}

#define UPLOAD_COLUMNS "upload_id, bucket, key, initiated_ms, checksum_algorithm, " META_COLUMNS

UploadInfo read_upload(const Statement& st) {
  UploadInfo u;
  u.upload_id = st.column_text(0);
  u.bucket = st.column_text(1);
  u.key = st.column_text(2);
  u.initiated_ms = st.column_int(3);
  u.checksum_algorithm = st.column_text(4);
  read_meta(st, 5, u.meta_template);
  u.meta_template.bucket = u.bucket;
  u.meta_template.key = u.key;
  return u;
}

#define PART_COLUMNS "part_number, size, etag, last_modified_ms, checksums, blob_id"

PartInfo read_part(const Statement& st) {
  PartInfo p;
  p.part_number = static_cast<int>(st.column_int(0));
  p.size = st.column_int(1);
  p.etag = st.column_text(2);
  p.last_modified_ms = st.column_int(3);
  p.checksums = decode_map(st.column_text(4));
  return p;
}

// The smallest string greater than every string starting with `prefix`; "" if none
// (prefix empty or all 0xff).
std::string prefix_successor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

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
