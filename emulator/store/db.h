// A thin RAII layer over SQLite: a Database owns one connection, a Statement one prepared
// statement. Neither is thread-safe; the Store serialises access with its own mutex.
// Errors become core::ErrorCode::InternalError carrying SQLite's message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace store {

class Statement {
 public:
  Statement() = default;
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Binds by 1-based index. Text is bound with its length, so any bytes round-trip.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // Advances: true if a row is available, false when done; InternalError on failure.
  core::Result<bool> step();
  // Steps to completion, for statements that return no rows.
  core::Result<void> run();
  // Resets and clears bindings, ready for reuse. Called automatically by bind() after a
  // previous execution, so cached statements need no manual reset.
  void reset();

  std::string column_text(int index) const;  // 0-based; NULL -> ""
  std::int64_t column_int(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  struct Finalizer { void operator()(sqlite3_stmt* s) const; };
  explicit Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  core::Error error(int rc) const;

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_ = nullptr;
  bool dirty_ = false;  // executed since the last reset
};

class Database {
 public:
  // Opens (creating if needed) the database file and configures it: WAL, synchronous=
  // NORMAL, foreign keys, busy_timeout. `exclusive`: locking_mode=EXCLUSIVE, i.e. no other
  // process may use the file while this connection is open (the Store's choice).
  static core::Result<Database> open(const std::filesystem::path& file, bool exclusive = false);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  // Runs one or more statements with no results.
  core::Result<void> exec(std::string_view sql);
  core::Result<Statement> prepare(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  std::int64_t changes() const;
  // SQLite's message for the last error on this connection.
  std::string last_error() const;
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer { void operator()(sqlite3* db) const; };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
};

// Runs BEGIN IMMEDIATE on construction and ROLLBACK on destruction unless commit()
// succeeded. IMMEDIATE takes the write lock up front so a transaction never fails half-way
// with SQLITE_BUSY on upgrade.
class Transaction {
 public:
  static core::Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  core::Result<void> commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace store
