// EventLog: the durable queue and history of event deliveries, in its own SQLite file
// (`events.sqlite` in the data dir; WAL; numbered migrations like the store's).
//
// One row per delivery: one object event to one target (a function, or one topic
// subscription). Its life: queued -> running -> succeeded | failed | stopped, with
// running -> queued again for a retry after a backoff. Every attempt is kept.
//
// Contracts
// - Thread-safe (one mutex around the connection).
// - claim() hands a queued, due delivery to exactly one caller and marks it running, so
//   a delivery never runs twice at once within the process; the store's data dir lock
//   keeps a second server off the same dir.
// - open(recover=true) turns deliveries left `running` by a crash back into `queued`:
//   nothing is lost (a function may see an event again after a crash: at-least-once,
//   as AWS's async invocation).
// - Other processes (the `events` CLI) may open the same file with recover=false to read
//   it or to requeue (replay) a delivery; the server's workers poll for due rows.
// - Time comes from the caller (`now_ms` arguments), so tests drive retries with a fake
//   clock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/db.h"
#include "store/migrations.h"

namespace events {

struct Delivery {
  std::int64_t id = 0;
  std::int64_t created_ms = 0;
  std::string bucket, key, event_name;
  std::string target_kind;   // "function" | "topic"
  std::string target;        // function name, or topic name
  std::string endpoint;      // topic subscription endpoint ("" for functions)
  std::string configuration_id;
  std::string payload;       // the event JSON handed to the target
  std::string status;        // queued | running | succeeded | failed | stopped
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t duration_ms = 0;  // of the last attempt
  std::string error;             // of the last failed attempt / the stop reason
  int depth = 0;                 // 0: a client's write; n: written by a function at depth n-1
  std::string result;            // what the last successful attempt reported
};

struct Attempt {
  int number = 0;
  std::int64_t started_ms = 0, duration_ms = 0;
  bool ok = false;
  std::string error;
};

struct DeliveryFilter {
  std::string status, bucket, key;
  int limit = 1000;
};

class EventLog {
 public:
  static core::Result<std::unique_ptr<EventLog>> open(const std::filesystem::path& file, bool recover,
                                                    std::int64_t now_ms);

  // Inserts a queued delivery due at `d.next_attempt_ms`; returns its id.
  core::Result<std::int64_t> enqueue(Delivery d);
  // The earliest due queued delivery, now marked running with attempts + 1.
  core::Result<std::optional<Delivery>> claim(std::int64_t now_ms);
  // When the next queued delivery is due (nullopt: none queued).
  core::Result<std::optional<std::int64_t>> next_due_ms();

  // Records the attempt that claim() started. Failure: back to queued, due at
  // now + retry_delay_ms, while attempts <= max_retries; otherwise failed.
  core::Result<void> finish(std::int64_t id, bool ok, const std::string& error_or_result, std::int64_t started_ms,
                          std::int64_t now_ms, int max_retries, std::int64_t retry_delay_ms);
  // Ends a delivery without running it (recursion stopped); the reason is kept.
  core::Result<void> stop(std::int64_t id, const std::string& reason, std::int64_t now_ms);
  // Queues a finished delivery again (attempt count restarts). InvalidRequest while it is
  // queued or running; NoSuchKey for an unknown id.
  core::Result<void> replay(std::int64_t id, std::int64_t now_ms);

  core::Result<std::optional<Delivery>> get(std::int64_t id);
  core::Result<std::vector<Delivery>> list(const DeliveryFilter& filter);  // newest first
  core::Result<std::vector<Attempt>> attempts(std::int64_t id);

 private:
  explicit EventLog(store::Database db) : db_(std::move(db)) {}
  std::mutex mutex_;
  store::Database db_;
};

// The log's schema history (append only).
const std::vector<store::Migration>& event_log_migrations();

}  // namespace events
