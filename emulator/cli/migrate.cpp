// `minicloud migrate --data-dir DIR [--to N] [--status]`: applies (or reports) the store's
// numbered schema migrations explicitly. `serve` applies all pending ones at start anyway;
// this command is for stepping through them, or checking where a data dir stands.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/migrations.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

struct MigrateOptions {
  std::string data_dir = ".minicloud";
  std::optional<int> to;
  bool status = false;
};

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "minicloud migrate: " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::string format_ms(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void print_status(store::Database& db, const store::Migrations& migrations) {
  auto applied = migrations.applied(db);
  if (!applied) fail(applied.error().effective_message());
  int version = applied->empty() ? 0 : applied->back().version;
  std::cout << "schema version " << version << " of " << migrations.latest() << "\n";
  for (const store::Migration& step : migrations.steps()) {
    auto it = std::find_if(applied->begin(), applied->end(),
                           [&](const auto& a) { return a.version == step.number; });
    if (it != applied->end())
      std::cout << "  applied  " << step.number << "  " << step.description << "  ("
                << format_ms(it->applied_at_ms) << ")\n";
    else
      std::cout << "  pending  " << step.number << "  " << step.description << "\n";
  }
  for (const auto& a : *applied)
    if (a.version > migrations.latest())
      std::cout << "  unknown  " << a.version << "  " << a.description
                << "  (from a newer minicloud)\n";
}

void run(const MigrateOptions& opts) {
  const fs::path dir = opts.data_dir;
  const fs::path db_file = dir / "metadata.db";
  store::Migrations migrations;
  if (opts.status) {
    if (!fs::exists(db_file)) {
      std::cout << "no database in " << dir.string() << " (schema version 0 of "
                << migrations.latest() << "; `minicloud migrate` or `serve` creates it)\n";
      return;
    }
    // A running server keeps the database locked (locking_mode=EXCLUSIVE): say so rather
    // than wait for SQLite's busy timeout.
    auto lock = store::DirLock::acquire(dir);
    if (!lock) fail(lock.error().effective_message() + " (stop it to read the status)");
    auto db = store::Database::open(db_file);
    if (!db) fail(db.error().effective_message());
    print_status(*db, migrations);
    return;
  }

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create " + dir.string() + ": " + ec.message());
  // One process per data dir: a running server would not expect its schema to move.
  auto lock = store::DirLock::acquire(dir);
  if (!lock) fail(lock.error().effective_message() + " (stop it first)");
  auto db = store::Database::open(db_file);
  if (!db) fail(db.error().effective_message());
  auto current = migrations.current_version(*db);
  if (!current) fail(current.error().effective_message());
  const int target = opts.to.value_or(migrations.latest());
  if (target < *current)
    fail("the schema is at version " + std::to_string(*current) + "; refusing to go back to " +
         std::to_string(target) + " (migrations only go forward)");
  if (target > migrations.latest())
    fail("there is no migration " + std::to_string(target) + "; the latest is " +
         std::to_string(migrations.latest()));
  auto done = migrations.migrate(*db, target, now_ms());
  if (!done) fail(done.error().effective_message());
  if (done->empty()) {
    std::cout << "schema already at version " << *current << ", nothing to do\n";
    return;
  }
  for (int n : *done)
    std::cout << "applied migration " << n << ": " << migrations.steps()[n - 1].description << "\n";
  std::cout << "schema version " << done->back() << " of " << migrations.latest() << "\n";
}

}  // namespace

void add_migrate_command(CLI::App& app) {
  auto opts = std::make_shared<MigrateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "migrate", "Apply the data dir's pending schema migrations (forward only), or show them");
  cmd->add_option("--data-dir", opts->data_dir, "Data directory")->capture_default_str();
  cmd->add_option("--to", opts->to, "Stop after this migration number (default: the latest)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--status", opts->status, "Show applied and pending migrations; change nothing")
      ->excludes("--to");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace cli
