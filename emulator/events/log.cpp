#include "events/log.h"

namespace events {
namespace {

constexpr const char* kColumns =
    "id, created_ms, bucket, key, event_name, target_kind, target, endpoint, configuration_id, payload, status, "
    "attempts, next_attempt_ms, updated_ms, duration_ms, error, depth, result";

Delivery read_row(const store::Statement& s) {
  Delivery d;
  d.id = s.column_int(0);
  d.created_ms = s.column_int(1);
  d.bucket = s.column_text(2);
  d.key = s.column_text(3);
  d.event_name = s.column_text(4);
  d.target_kind = s.column_text(5);
  d.target = s.column_text(6);
  d.endpoint = s.column_text(7);
  d.configuration_id = s.column_text(8);
  d.payload = s.column_text(9);
  d.status = s.column_text(10);
  d.attempts = static_cast<int>(s.column_int(11));
  d.next_attempt_ms = s.column_int(12);
  d.updated_ms = s.column_int(13);
  d.duration_ms = s.column_int(14);
  d.error = s.column_text(15);
  d.depth = static_cast<int>(s.column_int(16));
  d.result = s.column_text(17);
  return d;
}

}  // namespace

const std::vector<store::Migration>& event_log_migrations() {
  static const std::vector<store::Migration> steps = {
      {1, "deliveries and attempts",
       "CREATE TABLE deliveries ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  created_ms INTEGER NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL, event_name TEXT NOT NULL,"
       "  target_kind TEXT NOT NULL, target TEXT NOT NULL, endpoint TEXT NOT NULL DEFAULT '',"
       "  configuration_id TEXT NOT NULL DEFAULT '', payload TEXT NOT NULL,"
       "  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL,"
       "  updated_ms INTEGER NOT NULL, duration_ms INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',"
       "  depth INTEGER NOT NULL DEFAULT 0, result TEXT NOT NULL DEFAULT '');"
       "CREATE INDEX deliveries_due ON deliveries (status, next_attempt_ms);"
       "CREATE INDEX deliveries_key ON deliveries (bucket, key);"
       "CREATE TABLE attempts ("
       "  delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE, number INTEGER NOT NULL,"
       "  started_ms INTEGER NOT NULL, duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL,"
       "  error TEXT NOT NULL DEFAULT '', PRIMARY KEY (delivery_id, number));"},
  };
  return steps;
}

core::Result<std::unique_ptr<EventLog>> EventLog::open(const std::filesystem::path& file, bool recover,
                                                     std::int64_t now_ms) {
  auto db = store::Database::open(file, /*exclusive=*/false);
  if (!db) return std::unexpected(db.error());
  store::Migrations migrations(event_log_migrations());
  if (auto applied = migrations.migrate(*db, migrations.latest(), now_ms); !applied)
    return std::unexpected(applied.error());
  std::unique_ptr<EventLog> log(new EventLog(std::move(*db)));
  if (recover) {
    // A delivery left running was cut off by a crash: it runs again (the attempt that was
    // in flight does not count, it never finished).
    auto s = log->db_.prepare(
        "UPDATE deliveries SET status = 'queued', attempts = MAX(attempts - 1, 0), next_attempt_ms = ?, "
        "updated_ms = ? WHERE status = 'running'");
    if (!s) return std::unexpected(s.error());
    if (auto ok = s->bind(1, now_ms).bind(2, now_ms).run(); !ok) return std::unexpected(ok.error());
  }
  return log;
}

core::Result<std::int64_t> EventLog::enqueue(Delivery d) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "INSERT INTO deliveries (created_ms, bucket, key, event_name, target_kind, target, endpoint, configuration_id,"
      " payload, status, attempts, next_attempt_ms, updated_ms, depth) VALUES (?,?,?,?,?,?,?,?,?,'queued',0,?,?,?) RETURNING id");
  if (!s) return std::unexpected(s.error());
  s->bind(1, d.created_ms).bind(2, d.bucket).bind(3, d.key).bind(4, d.event_name).bind(5, d.target_kind);
  s->bind(6, d.target).bind(7, d.endpoint).bind(8, d.configuration_id).bind(9, d.payload);
  s->bind(10, d.next_attempt_ms).bind(11, d.created_ms).bind(12, static_cast<std::int64_t>(d.depth));
  auto row = s->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(core::make_error(core::ErrorCode::InternalError, "enqueue: no id returned"));
  std::int64_t id = s->column_int(0);
  s->reset();
  return id;
}

core::Result<std::optional<Delivery>> EventLog::claim(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto tx = store::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto s = db_.prepare(std::string("SELECT ") + kColumns +
                       " FROM deliveries WHERE status = 'queued' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT 1");
  if (!s) return std::unexpected(s.error());
  s->bind(1, now_ms);
  auto row = s->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Delivery>();
  Delivery d = read_row(*s);
  s->reset();
  auto u = db_.prepare("UPDATE deliveries SET status = 'running', attempts = attempts + 1, updated_ms = ? WHERE id = ?");
  if (!u) return std::unexpected(u.error());
  if (auto ok = u->bind(1, now_ms).bind(2, d.id).run(); !ok) return std::unexpected(ok.error());
  if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
  d.status = "running";
  d.attempts += 1;
  d.updated_ms = now_ms;
  return std::optional<Delivery>(std::move(d));
}

core::Result<std::optional<std::int64_t>> EventLog::next_due_ms() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT MIN(next_attempt_ms) FROM deliveries WHERE status = 'queued'");
  if (!s) return std::unexpected(s.error());
  auto row = s->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || s->column_is_null(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(s->column_int(0));
}

core::Result<void> EventLog::finish(std::int64_t id, bool ok, const std::string& error_or_result, std::int64_t started_ms,
                                  std::int64_t now_ms, int max_retries, std::int64_t retry_delay_ms) {
  std::lock_guard lock(mutex_);
  auto tx = store::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto q = db_.prepare("SELECT attempts FROM deliveries WHERE id = ?");
  if (!q) return std::unexpected(q.error());
  q->bind(1, id);
  auto row = q->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(core::make_error(core::ErrorCode::NoSuchKey, "no event " + std::to_string(id)));
  int attempts = static_cast<int>(q->column_int(0));
  q->reset();
  std::int64_t duration = now_ms - started_ms;
  auto a = db_.prepare("INSERT OR REPLACE INTO attempts (delivery_id, number, started_ms, duration_ms, ok, error) VALUES (?,?,?,?,?,?)");
  if (!a) return std::unexpected(a.error());
  a->bind(1, id).bind(2, static_cast<std::int64_t>(attempts)).bind(3, started_ms).bind(4, duration);
  a->bind(5, static_cast<std::int64_t>(ok ? 1 : 0)).bind(6, ok ? std::string() : error_or_result);
  if (auto r = a->run(); !r) return std::unexpected(r.error());
  std::string status = ok ? "succeeded" : attempts <= max_retries ? "queued" : "failed";
  auto u = db_.prepare(
      "UPDATE deliveries SET status = ?, updated_ms = ?, duration_ms = ?, next_attempt_ms = ?, "
      "error = CASE WHEN ? THEN error ELSE ? END, result = CASE WHEN ? THEN ? ELSE result END WHERE id = ?");
  if (!u) return std::unexpected(u.error());
  u->bind(1, status).bind(2, now_ms).bind(3, duration).bind(4, ok ? now_ms : now_ms + retry_delay_ms);
  u->bind(5, static_cast<std::int64_t>(ok)).bind(6, error_or_result);
  u->bind(7, static_cast<std::int64_t>(ok)).bind(8, error_or_result).bind(9, id);
  if (auto r = u->run(); !r) return std::unexpected(r.error());
  return tx->commit();
}

core::Result<void> EventLog::stop(std::int64_t id, const std::string& reason, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto u = db_.prepare("UPDATE deliveries SET status = 'stopped', error = ?, updated_ms = ? WHERE id = ?");
  if (!u) return std::unexpected(u.error());
  return u->bind(1, reason).bind(2, now_ms).bind(3, id).run();
}

core::Result<void> EventLog::replay(std::int64_t id, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto u = db_.prepare(
      "UPDATE deliveries SET status = 'queued', attempts = 0, next_attempt_ms = ?, updated_ms = ?, depth = 0 "
      "WHERE id = ? AND status NOT IN ('queued', 'running')");
  if (!u) return std::unexpected(u.error());
  if (auto r = u->bind(1, now_ms).bind(2, now_ms).bind(3, id).run(); !r) return std::unexpected(r.error());
  if (db_.changes() == 1) return {};
  auto q = db_.prepare("SELECT status FROM deliveries WHERE id = ?");
  if (!q) return std::unexpected(q.error());
  q->bind(1, id);
  auto row = q->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(core::make_error(core::ErrorCode::NoSuchKey, "no event " + std::to_string(id)));
  return std::unexpected(core::make_error(core::ErrorCode::InvalidRequest,
                                        "event " + std::to_string(id) + " is " + q->column_text(0) + ", not finished"));
}

core::Result<std::optional<Delivery>> EventLog::get(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(std::string("SELECT ") + kColumns + " FROM deliveries WHERE id = ?");
  if (!s) return std::unexpected(s.error());
  s->bind(1, id);
  auto row = s->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Delivery>();
  return std::optional<Delivery>(read_row(*s));
}

core::Result<std::vector<Delivery>> EventLog::list(const DeliveryFilter& filter) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(std::string("SELECT ") + kColumns +
                       " FROM deliveries WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR bucket = ?2)"
                       " AND (?3 = '' OR key = ?3) ORDER BY id DESC LIMIT ?4");
  if (!s) return std::unexpected(s.error());
  s->bind(1, filter.status).bind(2, filter.bucket).bind(3, filter.key).bind(4, static_cast<std::int64_t>(filter.limit));
  std::vector<Delivery> out;
  for (;;) {
    auto row = s->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_row(*s));
  }
  return out;
}

core::Result<std::vector<Attempt>> EventLog::attempts(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT number, started_ms, duration_ms, ok, error FROM attempts WHERE delivery_id = ? ORDER BY number");
  if (!s) return std::unexpected(s.error());
  s->bind(1, id);
  std::vector<Attempt> out;
  for (;;) {
    auto row = s->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({static_cast<int>(s->column_int(0)), s->column_int(1), s->column_int(2), s->column_int(3) != 0,
                   s->column_text(4)});
  }
  return out;
}

}  // namespace events
