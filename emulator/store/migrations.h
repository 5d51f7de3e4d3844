// The schema, as numbered migrations. The applied ones are recorded in the table
// `schema_information (version, applied_at, description)`; the schema version is the
// highest recorded number. Migrations run in order, each in its own transaction together
// with its record, so a crash leaves the schema at a step boundary; a step is never
// skipped (numbers must be 1..N without gaps) and never re-run (the check of the current
// version and the apply share the transaction).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/db.h"

namespace store {

struct Migration {
  int number = 0;
  std::string description;
  std::string sql;  // may hold several statements
};

struct AppliedMigration {
  int version = 0;
  std::int64_t applied_at_ms = 0;
  std::string description;
};

class Migrations {
 public:
  // The store's own schema history. Append only: never edit or renumber a shipped step.
  static const std::vector<Migration>& builtin();

  // `steps` must be numbered 1..N in order (checked by migrate()).
  explicit Migrations(std::vector<Migration> steps = builtin()) : steps_(std::move(steps)) {}

  int latest() const { return steps_.empty() ? 0 : steps_.back().number; }
  const std::vector<Migration>& steps() const { return steps_; }

  // The recorded history, oldest first; creates schema_information if missing.
  core::Result<std::vector<AppliedMigration>> applied(Database& db) const;
  // 0 for a fresh database.
  core::Result<int> current_version(Database& db) const;

  // Applies the pending steps up to and including `target` (forward only) and returns the
  // numbers applied (empty if already there). InvalidArgument if `target` is below the
  // current version or above latest(); InternalError if the database is newer than this
  // program knows or a step fails (that step is rolled back, earlier ones stay).
  core::Result<std::vector<int>> migrate(Database& db, int target, std::int64_t now_ms) const;

 private:
  std::vector<Migration> steps_;
};

}  // namespace store
