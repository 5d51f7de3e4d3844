#include "ssm/parameter_store.h"

#include <algorithm>
#include <cctype>

#include "core/time.h"
#include "store/migrations.h"

namespace ssm {
namespace {

using core::ErrorCode;

const std::vector<store::Migration>& migrations() {
  static const std::vector<store::Migration> steps = {
      {1, "parameter versions",
       "CREATE TABLE versions ("
       "  name TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL,"
       "  description TEXT NOT NULL DEFAULT '', data_type TEXT NOT NULL DEFAULT 'text',"
       "  tier TEXT NOT NULL DEFAULT 'Standard', modified_ms INTEGER NOT NULL,"
       "  modified_user TEXT NOT NULL DEFAULT '', PRIMARY KEY (name, version));"},
  };
  return steps;
}

constexpr const char* kColumns =
    "v.name, v.version, v.type, v.value, v.description, v.data_type, v.tier, v.modified_ms, v.modified_user";
// Restricts `versions v` to each name's newest version.
constexpr const char* kNewest = "v.version = (SELECT MAX(version) FROM versions WHERE name = v.name)";

Parameter read_row(const store::Statement& s) {
  Parameter p;
  p.name = s.column_text(0);
  p.version = s.column_int(1);
  p.type = s.column_text(2);
  p.value = s.column_text(3);
  p.description = s.column_text(4);
  p.data_type = s.column_text(5);
  p.tier = s.column_text(6);
  p.last_modified_ms = s.column_int(7);
  p.last_modified_user = s.column_text(8);
  return p;
}

core::Error invalid_name() {
  return core::make_error(ErrorCode::ValidationException,
                          "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as "
                          "a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as "
                          "a mix of letters, numbers and the following 3 symbols .-_");
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

}  // namespace

core::Result<std::unique_ptr<ParameterStore>> ParameterStore::open(const std::filesystem::path& file,
                                                                   std::string region,
                                                                   std::function<std::int64_t()> now_ms) {
  if (!now_ms) now_ms = core::system_now_ms;
  auto db = store::Database::open(file, /*exclusive=*/false);
  if (!db) return std::unexpected(db.error());
  store::Migrations steps(migrations());
  if (auto applied = steps.migrate(*db, steps.latest(), now_ms()); !applied) return std::unexpected(applied.error());
  return std::unique_ptr<ParameterStore>(new ParameterStore(std::move(*db), std::move(region), std::move(now_ms)));
}

core::Result<void> ParameterStore::validate_name(std::string_view name) {
  if (name.empty() || name.size() > 2048)
    return std::unexpected(core::make_error(ErrorCode::ValidationException,
                                            "Parameter name must be between 1 and 2048 characters long."));
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-' && c != '/')
      return std::unexpected(invalid_name());
  const std::string_view first = name.front() == '/' ? name.substr(1) : name;
  if (istarts_with(first, "aws") || istarts_with(first, "ssm")) return std::unexpected(invalid_name());
  if (name.find('/') == std::string_view::npos) return {};
  if (name.front() != '/')
    return std::unexpected(
        core::make_error(ErrorCode::ValidationException, "Parameter name must be a fully qualified name."));
  if (name.back() == '/' || name.find("//") != std::string_view::npos) return std::unexpected(invalid_name());
  if (std::count(name.begin(), name.end(), '/') > 15)
    return std::unexpected(core::make_error(ErrorCode::HierarchyLevelLimitExceeded));
  return {};
}

std::string ParameterStore::arn(std::string_view name) const {
  if (name.starts_with('/')) name.remove_prefix(1);
  return "arn:aws:ssm:" + region_ + ":000000000000:parameter/" + std::string(name);
}

core::Result<Parameter> ParameterStore::get(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(std::string("SELECT ") + kColumns +
                       " FROM versions v WHERE v.name = ? ORDER BY v.version DESC LIMIT 1");
  if (!s) return std::unexpected(s.error());
  s->bind(1, name);
  auto row = s->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(core::make_error(ErrorCode::ParameterNotFound));
  return read_row(*s);
}

core::Result<Parameter> ParameterStore::get(std::string_view name, std::int64_t version) const {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(std::string("SELECT ") + kColumns + " FROM versions v WHERE v.name = ? AND v.version = ?");
  if (!s) return std::unexpected(s.error());
  s->bind(1, name).bind(2, version);
  auto row = s->step();
  if (!row) return std::unexpected(row.error());
  if (*row) return read_row(*s);
  auto any = db_.prepare("SELECT 1 FROM versions WHERE name = ? LIMIT 1");
  if (!any) return std::unexpected(any.error());
  any->bind(1, name);
  auto exists = any->step();
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) return std::unexpected(core::make_error(ErrorCode::ParameterNotFound));
  return std::unexpected(core::make_error(ErrorCode::ParameterVersionNotFound,
                                          "Systems Manager could not find version " + std::to_string(version) + " of " +
                                              std::string(name) + ". Verify the version and try again."));
}

core::Result<std::int64_t> ParameterStore::put(Parameter p, bool overwrite) {
  std::lock_guard lock(mutex_);
  auto tx = store::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto newest = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM versions WHERE name = ?");
  if (!newest) return std::unexpected(newest.error());
  newest->bind(1, p.name);
  if (auto row = newest->step(); !row) return std::unexpected(row.error());
  const std::int64_t current = newest->column_int(0);
  if (current > 0 && !overwrite) return std::unexpected(core::make_error(ErrorCode::ParameterAlreadyExists));
  p.version = current + 1;
  p.last_modified_ms = now_ms_();
  auto insert = db_.prepare(
      "INSERT INTO versions (name, version, type, value, description, data_type, tier, modified_ms, modified_user) "
      "VALUES (?,?,?,?,?,?,?,?,?)");
  if (!insert) return std::unexpected(insert.error());
  insert->bind(1, p.name).bind(2, p.version).bind(3, p.type).bind(4, p.value).bind(5, p.description);
  insert->bind(6, p.data_type).bind(7, p.tier).bind(8, p.last_modified_ms).bind(9, p.last_modified_user);
  if (auto ok = insert->run(); !ok) return std::unexpected(ok.error());
  auto trim = db_.prepare("DELETE FROM versions WHERE name = ? AND version <= ?");
  if (!trim) return std::unexpected(trim.error());
  if (auto ok = trim->bind(1, p.name).bind(2, p.version - kMaxVersions).run(); !ok) return std::unexpected(ok.error());
  if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
  return p.version;
}

core::Result<void> ParameterStore::remove(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("DELETE FROM versions WHERE name = ?");
  if (!s) return std::unexpected(s.error());
  if (auto ok = s->bind(1, name).run(); !ok) return std::unexpected(ok.error());
  if (db_.changes() == 0) return std::unexpected(core::make_error(ErrorCode::ParameterNotFound));
  return {};
}

core::Result<std::vector<Parameter>> ParameterStore::query(std::string_view where, std::string_view after,
                                                           std::size_t limit, std::string_view path_prefix) const {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(std::string("SELECT ") + kColumns + " FROM versions v WHERE " + kNewest +
                       " AND v.name > ?1 AND " + std::string(where) + " ORDER BY v.name LIMIT ?2");
  if (!s) return std::unexpected(s.error());
  s->bind(1, after).bind(2, static_cast<std::int64_t>(limit));
  if (!path_prefix.empty()) s->bind(3, path_prefix);
  std::vector<Parameter> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_row(*s));
  }
  return out;
}

core::Result<std::vector<Parameter>> ParameterStore::list_by_path(std::string_view path, bool recursive,
                                                                  std::string_view after, std::size_t limit) const {
  std::string prefix(path);
  if (!prefix.ends_with('/')) prefix.push_back('/');
  // substr rather than LIKE: names may hold '_', LIKE's wildcard.
  std::string where = "substr(v.name, 1, length(?3)) = ?3";
  if (!recursive) where += " AND instr(substr(v.name, length(?3) + 1), '/') = 0";
  return query(where, after, limit, prefix);
}

core::Result<std::vector<Parameter>> ParameterStore::list(std::string_view after, std::size_t limit) const {
  return query("1", after, limit, {});
}

core::Result<std::vector<Parameter>> ParameterStore::history(std::string_view name) const {
  std::vector<Parameter> out;
  {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(std::string("SELECT ") + kColumns + " FROM versions v WHERE v.name = ? ORDER BY v.version");
    if (!s) return std::unexpected(s.error());
    s->bind(1, name);
    while (true) {
      auto row = s->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      out.push_back(read_row(*s));
    }
  }
  if (out.empty()) return std::unexpected(core::make_error(ErrorCode::ParameterNotFound));
  return out;
}

}  // namespace ssm
