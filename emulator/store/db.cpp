#include "store/db.h"

#include <sqlite3.h>

namespace store {
namespace {

core::Error sql_error(sqlite3* db, std::string_view what) {
  return core::make_error(core::ErrorCode::InternalError,
                        "sqlite " + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

// ---- Statement

void Statement::Finalizer::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  dirty_ = false;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (dirty_) reset();
  // SQLITE_TRANSIENT: SQLite copies the bytes, so callers may pass temporaries.
  sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (dirty_) reset();
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  if (dirty_) reset();
  sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (dirty_) reset();
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

core::Error Statement::error(int rc) const {
  return core::make_error(core::ErrorCode::InternalError,
                        std::string("sqlite: ") + sqlite3_errstr(rc) + ": " + sqlite3_errmsg(db_) +
                            " in: " + sqlite3_sql(stmt_.get()));
}

core::Result<bool> Statement::step() {
  dirty_ = true;
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  auto err = error(rc);
  sqlite3_reset(stmt_.get());
  return std::unexpected(std::move(err));
}

core::Result<void> Statement::run() {
  for (;;) {
    auto r = step();
    if (!r) return std::unexpected(r.error());
    if (!*r) break;
  }
  // Reset now, so a finished statement holds no read snapshot or lock.
  reset();
  return {};
}

std::string Statement::column_text(int index) const {
  // Works for TEXT and BLOB columns alike.
  const void* p = sqlite3_column_blob(stmt_.get(), index);
  int n = sqlite3_column_bytes(stmt_.get(), index);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_.get(), index); }

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL;
}

// ---- Database

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

core::Result<Database> Database::open(const std::filesystem::path& file, bool exclusive) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw);  // owns it even on failure
  if (rc != SQLITE_OK) return std::unexpected(sql_error(raw, "open " + file.string()));
  sqlite3_extended_result_codes(raw, 1);
  // WAL: readers never block the writer and a commit is one sequential append.
  // synchronous=NORMAL: in WAL mode a commit is complete once its frames are written to
  // the WAL file (the OS page cache); only checkpoints fsync. A kill -9 of the process
  // loses nothing that was acknowledged, since the kernel still holds and later writes
  // those pages; only a power loss or kernel crash can drop the last few transactions,
  // and even then the database stays consistent. FULL would add an fsync per commit.
  // locking_mode=EXCLUSIVE (optional): the file lock is taken once and kept, instead of
  // fcntl lock/unlock around every statement (1M fcntl calls in the store benchmark; ~25%
  // of the CPU of a head_object), and the WAL index lives in heap memory, not a shared
  // mmap. Other processes cannot read the file meanwhile, which the data dir lock forbids
  // anyway. Set before journal_mode so no shared-memory index is ever created.
  // busy_timeout: a second connection waits for a lock instead of failing at once.
  if (exclusive) {
    if (auto r = db.exec("PRAGMA locking_mode=EXCLUSIVE;"); !r) return std::unexpected(r.error());
  }
  auto r = db.exec(
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "PRAGMA foreign_keys=ON;"
      "PRAGMA busy_timeout=5000;");
  if (!r) return std::unexpected(r.error());
  return db;
}

core::Result<void> Database::exec(std::string_view sql) {
  std::string copy(sql);  // sqlite3_exec needs a NUL-terminated string
  char* msg = nullptr;
  int rc = sqlite3_exec(db_.get(), copy.c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string text = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return std::unexpected(core::make_error(core::ErrorCode::InternalError, "sqlite: " + text));
  }
  return {};
}

core::Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sql_error(db_.get(), "prepare"));
  return Statement(stmt, db_.get());
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_.get()); }

std::string Database::last_error() const { return sqlite3_errmsg(db_.get()); }

// ---- Transaction

core::Result<Transaction> Transaction::begin(Database& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

core::Result<void> Transaction::commit() {
  if (!db_) return std::unexpected(core::make_error(core::ErrorCode::InternalError, "commit twice"));
  auto r = db_->exec("COMMIT");
  if (r) db_ = nullptr;  // on failure the destructor rolls back
  return r;
}

}  // namespace store
