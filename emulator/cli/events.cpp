// `minicloud events`: the event log (events.sqlite in the data dir), readable while the
// server runs. `minicloud events replay ID` queues a finished delivery again; a running
// server picks it up within half a second (its workers poll the log), otherwise the next
// `serve` does.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "events/log.h"

namespace cli {
namespace {

struct EventsOptions {
  std::string data_dir = ".minicloud";
  std::string status, key, bucket;
  int limit = 100;
  bool json = false;
  std::int64_t replay_id = 0;
};

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "minicloud events: " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::unique_ptr<events::EventLog> open_log(const std::string& data_dir) {
  auto file = std::filesystem::path(data_dir) / "events.sqlite";
  if (!std::filesystem::exists(file)) fail("no event log at " + file.string() + " (wrong --data-dir?)", 2);
  auto log = events::EventLog::open(file, /*recover=*/false, now_ms());
  if (!log) fail("cannot open " + file.string() + ": " + log.error().effective_message());
  return std::move(*log);
}

void list(const EventsOptions& options) {
  static const std::set<std::string> kStatuses = {"", "queued", "running", "succeeded", "failed", "stopped"};
  if (!kStatuses.contains(options.status))
    fail("--status must be queued, running, succeeded, failed or stopped", 2);
  auto log = open_log(options.data_dir);
  auto rows = log->list({options.status, options.bucket, options.key, options.limit});
  if (!rows) fail(rows.error().effective_message());
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : *rows)
      out.push_back({{"id", d.id}, {"status", d.status}, {"attempts", d.attempts}, {"target", d.target},
                     {"target_kind", d.target_kind}, {"endpoint", d.endpoint}, {"bucket", d.bucket}, {"key", d.key},
                     {"event_name", d.event_name}, {"error", d.error}, {"result", d.result},
                     {"duration_ms", d.duration_ms}, {"depth", d.depth}, {"created_ms", d.created_ms}});
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("%-6s %-10s %-3s %-16s %-8s %s\n", "ID", "STATUS", "TRY", "TARGET", "MS", "OBJECT / ERROR");
  for (const auto& d : *rows) {
    std::printf("%-6lld %-10s %-3d %-16s %-8lld %s/%s%s%s\n", static_cast<long long>(d.id), d.status.c_str(), d.attempts,
                d.target.c_str(), static_cast<long long>(d.duration_ms), d.bucket.c_str(), d.key.c_str(),
                d.error.empty() ? "" : "\n       error: ", d.error.c_str());
  }
}

void replay(const EventsOptions& options) {
  auto log = open_log(options.data_dir);
  if (auto ok = log->replay(options.replay_id, now_ms()); !ok)
    fail(ok.error().effective_message(), ok.error().code == core::ErrorCode::NoSuchKey ? 2 : 1);
  std::printf("event %lld queued again\n", static_cast<long long>(options.replay_id));
}

}  // namespace

void add_events_command(CLI::App& app) {
  auto options = std::make_shared<EventsOptions>();
  auto* cmd = app.add_subcommand("events", "List event deliveries (status, attempts, errors); replay one");
  cmd->add_option("--data-dir", options->data_dir, "The server's data dir")->capture_default_str();
  cmd->add_option("--status", options->status, "Only this status: queued, running, succeeded, failed, stopped");
  cmd->add_option("--key", options->key, "Only events of this object key");
  cmd->add_option("--bucket", options->bucket, "Only events of this bucket");
  cmd->add_option("--limit", options->limit, "At most this many, newest first")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--json", options->json, "Print JSON");
  auto* replay_cmd = cmd->add_subcommand("replay", "Queue a finished delivery again (same event JSON)");
  replay_cmd->add_option("ID", options->replay_id, "Event id (from `minicloud events`)")->required();
  replay_cmd->add_option("--data-dir", options->data_dir, "The server's data dir")->capture_default_str();
  replay_cmd->callback([options] { replay(*options); });
  cmd->callback([options, replay_cmd] {
    if (!replay_cmd->parsed()) list(*options);
  });
}

}  // namespace cli
