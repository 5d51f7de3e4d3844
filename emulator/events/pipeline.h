// Pipeline: S3 object events -> matching notification rules -> durable deliveries ->
// workers that run functions and post to topic subscriptions.
//
//   S3 operation commits --on_object_event--> match the bucket's rules (its stored
//   NotificationConfiguration) --> one EventLog row per (rule target) --> a worker claims
//   it, runs the function / POSTs the SNS envelope, records the attempt; failures retry
//   after backoff_ms * 2^(n-1) up to `retries` times, then the delivery is failed.
//
// Contracts
// - on_object_event() only matches and inserts rows: the S3 response is not held up by
//   any delivery (asynchronous, as on AWS).
// - At most `workers` deliveries run at once; a delivery runs on one worker at a time.
// - Events written by a builtin function carry depth + 1; a delivery deeper than
//   max_depth is stopped (status "stopped", reason kept and logged): recursive loop
//   detection.
// - stop() (and the destructor) lets running deliveries finish and starts no new ones;
//   queued ones stay in the log for the next start.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/functions.h"
#include "events/log.h"
#include "events/record.h"
#include "events/rules.h"
#include "s3/service.h"
#include "stack/stack.h"
#include "store/store.h"

namespace events {

class Pipeline {
 public:
  struct Options {
    store::Store* store = nullptr;
    // The running stack, asked at each use: functions and topics may change while the
    // pipeline runs (CloudFormation deploys). Required.
    std::function<std::shared_ptr<const stack::Stack>()> stack;
    std::filesystem::path log_file;               // events.sqlite
    std::function<std::int64_t()> now_ms;         // default: system clock
    // Delay before retry `attempt` (1, 2, ...); default backoff_ms * 2^(attempt-1).
    std::function<std::int64_t(int attempt)> retry_delay_ms;
    bool log_deliveries = true;                   // one stderr line per finished delivery
  };

  // Opens the log (turning deliveries a crash left running back into queued).
  static core::Result<std::unique_ptr<Pipeline>> open(Options options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // The S3 service's hook. A client's write has depth 0; a command function's write
  // carries its depth in the session token minicloud gave it (depth_token()).
  void on_object_event(const s3::ObjectEvent& event);
  void notify(const s3::ObjectEvent& event, int depth);
  // Wakes a worker: something was queued directly in the log (replay).
  void notify_queued();

  // Creates the functions and starts the workers. `endpoint` is what command functions
  // get as AWS_ENDPOINT_URL.
  void start(const std::string& endpoint);
  // Where command functions' support files live (write_command_support, the Lambda
  // runners): beside the log.
  std::filesystem::path support_dir() const;
  void stop();
  // The endpoint command functions get, without starting workers (`minicloud invoke`).
  void set_endpoint(const std::string& endpoint);

  // Claims and runs one due delivery on the calling thread; false if none was due.
  // (The workers' step, public so tests can drive the queue without threads.)
  bool run_once();

  // Runs a declared function on an event synchronously, outside the queue
  // (`minicloud invoke`). The error says why it failed.
  InvokeResult invoke(const std::string& function_name, const std::string& event_json);

  EventLog& log() { return *log_; }
  std::int64_t clock_ms() const { return options_.now_ms(); }
  // Valid for stack functions/topics: does the ARN name a declared destination?
  bool destination_exists(TargetKind kind, const std::string& arn) const;

 private:
  explicit Pipeline(Options options) : options_(std::move(options)) {}
  std::int64_t now() const { return options_.now_ms(); }
  std::vector<Rule> rules_for(const std::string& bucket);
  // The function declared as `name` in the running stack, built on first use and rebuilt
  // when its declaration changes; null when none is declared. Shared, so a delivery in
  // flight keeps the old one alive after a redeploy.
  std::shared_ptr<Function> function_named(const std::string& name);
  InvokeResult deliver(const Delivery& delivery);
  void worker_loop();

  Options options_;
  std::unique_ptr<EventLog> log_;
  std::string endpoint_;

  std::mutex mutex_;  // guards everything below
  Sequencer sequencer_;
  std::map<std::string, std::pair<std::string, std::vector<Rule>>> rules_cache_;  // bucket -> (xml, rules)
  std::map<std::string, std::pair<stack::FunctionDecl, std::shared_ptr<Function>>> functions_;
  std::condition_variable wake_;
  std::uint64_t generation_ = 0;  // bumped per queued batch, so no wake-up is lost
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace events
