#include "cloudformation/stack_store.h"

#include "store/migrations.h"

namespace cloudformation {
namespace {

const std::vector<store::Migration>& migrations() {
  static const std::vector<store::Migration> steps = {
      {1, "stacks, events and change sets as JSON documents",
       "CREATE TABLE stacks (stack_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);"
       "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, stack_id TEXT NOT NULL, doc TEXT NOT NULL);"
       "CREATE INDEX events_stack ON events (stack_id, seq);"
       "CREATE TABLE change_sets (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);"},
  };
  return steps;
}

template <typename T>
core::Result<T> parse_doc(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::unexpected(core::make_error(core::ErrorCode::InternalError, "a stored CloudFormation document is not JSON"));
  try {
    return j.get<T>();
  } catch (const std::exception& e) {
    return std::unexpected(core::make_error(core::ErrorCode::InternalError, std::string("a stored CloudFormation document is unreadable: ") + e.what()));
  }
}

// Every row's first column, parsed as a T.
template <typename T>
core::Result<std::vector<T>> read_docs(core::Result<store::Statement> s) {
  if (!s) return std::unexpected(s.error());
  std::vector<T> out;
  for (;;) {
    auto row = s->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto doc = parse_doc<T>(s->column_text(0));
    if (!doc) return std::unexpected(doc.error());
    out.push_back(std::move(*doc));
  }
}

}  // namespace

core::Result<std::unique_ptr<StackStore>> StackStore::open(const std::filesystem::path& file, std::int64_t now_ms) {
  auto db = store::Database::open(file, /*exclusive=*/false);
  if (!db) return std::unexpected(db.error());
  store::Migrations m(migrations());
  if (auto applied = m.migrate(*db, m.latest(), now_ms); !applied) return std::unexpected(applied.error());
  return std::unique_ptr<StackStore>(new StackStore(std::move(*db)));
}

core::Result<void> StackStore::save(const StackRecord& stack) {
  // seq keeps the first insertion's position, so listings stay in creation order.
  auto s = db_.prepare(
      "INSERT INTO stacks (stack_id, seq, doc) VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM stacks), ?2) "
      "ON CONFLICT (stack_id) DO UPDATE SET doc = excluded.doc");
  if (!s) return std::unexpected(s.error());
  return s->bind(1, stack.stack_id).bind(2, nlohmann::json(stack).dump()).run();
}

core::Result<std::vector<StackRecord>> StackStore::stacks() {
  return read_docs<StackRecord>(db_.prepare("SELECT doc FROM stacks ORDER BY seq"));
}

core::Result<void> StackStore::add(const StackEvent& event) {
  auto s = db_.prepare("INSERT INTO events (stack_id, doc) VALUES (?, ?)");
  if (!s) return std::unexpected(s.error());
  return s->bind(1, event.stack_id).bind(2, nlohmann::json(event).dump()).run();
}

core::Result<std::vector<StackEvent>> StackStore::events(const std::string& stack_id) {
  auto s = db_.prepare("SELECT doc FROM events WHERE stack_id = ? ORDER BY seq DESC");
  if (s) s->bind(1, stack_id);
  return read_docs<StackEvent>(std::move(s));
}

core::Result<void> StackStore::save(const ChangeSet& change_set) {
  auto s = db_.prepare(
      "INSERT INTO change_sets (id, seq, doc) VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM change_sets), ?2) "
      "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc");
  if (!s) return std::unexpected(s.error());
  return s->bind(1, change_set.id).bind(2, nlohmann::json(change_set).dump()).run();
}

core::Result<void> StackStore::remove_change_set(const std::string& id) {
  auto s = db_.prepare("DELETE FROM change_sets WHERE id = ?");
  if (!s) return std::unexpected(s.error());
  return s->bind(1, id).run();
}

core::Result<std::vector<ChangeSet>> StackStore::change_sets() {
  return read_docs<ChangeSet>(db_.prepare("SELECT doc FROM change_sets ORDER BY seq"));
}

}  // namespace cloudformation
