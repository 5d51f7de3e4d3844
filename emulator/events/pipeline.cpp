#include "events/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/time.h"
#include "events/topic.h"

namespace events {

core::Result<std::unique_ptr<Pipeline>> Pipeline::open(Options options) {
  if (!options.now_ms) options.now_ms = core::system_now_ms;
  if (!options.retry_delay_ms) {
    std::int64_t base = options.stack()->event_delivery.backoff_ms;
    options.retry_delay_ms = [base](int attempt) { return base << std::clamp(attempt - 1, 0, 20); };
  }
  std::unique_ptr<Pipeline> pipeline(new Pipeline(std::move(options)));
  auto log = EventLog::open(pipeline->options_.log_file, /*recover=*/true, pipeline->now());
  if (!log) return std::unexpected(log.error());
  pipeline->log_ = std::move(*log);
  return pipeline;
}

Pipeline::~Pipeline() { stop(); }

bool Pipeline::destination_exists(TargetKind kind, const std::string& arn) const {
  auto stack = options_.stack();
  if (kind == TargetKind::Function) {
    for (const auto& f : stack->functions)
      if (f.arn == arn) return true;
  } else if (kind == TargetKind::Topic) {
    for (const auto& t : stack->topics)
      if (t.arn == arn) return true;
  }
  return false;  // no queues offline
}

std::vector<Rule> Pipeline::rules_for(const std::string& bucket) {
  auto xml = options_.store->get_bucket_config(bucket, "notification");
  if (!xml || !*xml) return {};
  std::lock_guard lock(mutex_);
  auto it = rules_cache_.find(bucket);
  if (it != rules_cache_.end() && it->second.first == **xml) return it->second.second;
  auto rules = parse_notification_xml(**xml);
  if (!rules) {
    std::fprintf(stderr, "events: the notification configuration of %s is invalid: %s\n", bucket.c_str(),
                 rules.error().effective_message().c_str());
    return {};
  }
  rules_cache_[bucket] = {**xml, *rules};
  return *rules;
}

void Pipeline::on_object_event(const s3::ObjectEvent& event) { notify(event, depth_from_token(event.session_token)); }

void Pipeline::notify(const s3::ObjectEvent& event, int depth) {
  auto rules = rules_for(event.object.bucket);
  if (rules.empty()) return;
  auto stack = options_.stack();
  bool queued = false;
  for (const auto& rule : rules) {
    if (!rule_matches(rule, event.event_name, event.object.key)) continue;
    std::string sequencer;
    {
      std::lock_guard lock(mutex_);
      sequencer = sequencer_.next(event.time_ms);
    }
    std::string payload = make_message(make_record(event, stack->region, rule.id, sequencer)).dump();
    Delivery d;
    d.created_ms = now();
    d.next_attempt_ms = d.created_ms;
    d.bucket = event.object.bucket;
    d.key = event.object.key;
    d.event_name = event.event_name;
    d.configuration_id = rule.id;
    d.payload = payload;
    d.depth = depth;
    std::vector<Delivery> out;
    if (rule.kind == TargetKind::Function) {
      for (const auto& f : stack->functions)
        if (f.arn == rule.target_arn) {
          d.target_kind = "function";
          d.target = f.name;
          out.push_back(d);
        }
    } else if (rule.kind == TargetKind::Topic) {
      for (const auto& t : stack->topics)
        if (t.arn == rule.target_arn)
          for (const auto& s : t.subscriptions) {
            d.target_kind = "topic";
            d.target = t.name;
            d.endpoint = s.endpoint;
            out.push_back(d);
          }
    }
    if (out.empty() && rule.kind != TargetKind::Topic)
      std::fprintf(stderr, "events: %s/%s: destination %s is not declared in the stack; not delivered\n",
                   event.object.bucket.c_str(), event.object.key.c_str(), rule.target_arn.c_str());
    for (auto& delivery : out) {
      if (auto id = log_->enqueue(std::move(delivery)); !id)
        std::fprintf(stderr, "events: cannot queue an event for %s/%s: %s\n", event.object.bucket.c_str(),
                     event.object.key.c_str(), id.error().effective_message().c_str());
      else
        queued = true;
    }
  }
  if (queued) notify_queued();
}

void Pipeline::notify_queued() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  wake_.notify_one();
}

void Pipeline::set_endpoint(const std::string& endpoint) {
  if (auto ok = write_command_support(support_dir(), options_.stack()->region); !ok)
    std::fprintf(stderr, "events: %s (command functions may not reach bucket host names)\n", ok.error().c_str());
  std::lock_guard lock(mutex_);
  endpoint_ = endpoint;
}

std::filesystem::path Pipeline::support_dir() const { return options_.log_file.parent_path() / "functions"; }

std::shared_ptr<Function> Pipeline::function_named(const std::string& name) {
  auto stack = options_.stack();
  const stack::FunctionDecl* decl = nullptr;
  for (const auto& f : stack->functions)
    if (f.name == name) decl = &f;
  std::lock_guard lock(mutex_);
  if (!decl) {
    functions_.erase(name);
    return nullptr;
  }
  if (auto it = functions_.find(name); it != functions_.end() && it->second.first == *decl) return it->second.second;
  std::shared_ptr<Function> function;
  if (decl->builtin == "image-processor") {
    function = std::make_shared<ImageProcessorFunction>(
        *options_.store, decl->environment, [this, name](const store::ObjectMeta& written, const InvokeContext& context) {
          s3::ObjectEvent event{"ObjectCreated:Put", written, random_uuid(), "127.0.0.1", name, now()};
          notify(event, context.depth + 1);
        });
  } else {
    std::string key = stack->credentials.empty() ? "" : stack->credentials.front().access_key;
    std::string secret = stack->credentials.empty() ? "" : stack->credentials.front().secret_key;
    CommandOptions command{decl->command,
                           command_environment(decl->environment, endpoint_, key, secret, stack->region, decl->name,
                                               support_dir()),
                           decl->timeout_s * 1000};
    function = std::make_shared<CommandFunction>(std::move(command));
  }
  functions_[name] = {*decl, function};
  return function;
}

InvokeResult Pipeline::invoke(const std::string& function_name, const std::string& event_json) {
  auto function = function_named(function_name);
  if (!function) return std::unexpected("no function named " + function_name + " in the stack");
  return function->invoke(event_json, InvokeContext{});
}

InvokeResult Pipeline::deliver(const Delivery& d) {
  if (d.target_kind == "topic") {
    std::string arn;
    for (const auto& t : options_.stack()->topics)
      if (t.name == d.target) arn = t.arn;
    if (arn.empty()) return std::unexpected("no topic named " + d.target + " in the stack");
    return post_to_subscription(d.endpoint, sns_envelope(arn, random_uuid(), d.payload, now()), 10000);
  }
  auto function = function_named(d.target);
  if (!function) return std::unexpected("no function named " + d.target + " in the stack");
  return function->invoke(d.payload, InvokeContext{d.id, d.depth});
}

bool Pipeline::run_once() {
  auto claimed = log_->claim(now());
  if (!claimed) {
    std::fprintf(stderr, "events: cannot read the queue: %s\n", claimed.error().effective_message().c_str());
    return false;
  }
  if (!*claimed) return false;
  const Delivery& d = **claimed;
  const auto delivery = options_.stack()->event_delivery;
  const int max_depth = delivery.max_depth;
  if (d.depth > max_depth) {
    std::string reason = "recursive invocation loop detected: " + d.bucket + "/" + d.key + " was written by a function " +
                         std::to_string(d.depth) + " invocations deep (limit " + std::to_string(max_depth) +
                         "); " + d.target + " was not invoked";
    if (auto ok = log_->stop(d.id, reason, now()); !ok)
      std::fprintf(stderr, "events: cannot record event %lld: %s\n", static_cast<long long>(d.id),
                   ok.error().effective_message().c_str());
    std::fprintf(stderr, "events: event %lld stopped: %s\n", static_cast<long long>(d.id), reason.c_str());
    return true;
  }
  std::int64_t started = now();
  auto result = deliver(d);
  std::int64_t finished = now();
  const std::string& text = result ? *result : result.error();
  if (auto ok = log_->finish(d.id, result.has_value(), text, started, finished, delivery.retries,
                             options_.retry_delay_ms(d.attempts));
      !ok)
    std::fprintf(stderr, "events: cannot record event %lld: %s\n", static_cast<long long>(d.id),
                 ok.error().effective_message().c_str());
  if (options_.log_deliveries) {
    std::string outcome = result ? "succeeded"
                          : d.attempts <= delivery.retries ? "failed (will retry)"
                                                                                  : "failed";
    std::fprintf(stderr, "events: event %lld %s %s/%s -> %s %s in %lld ms (attempt %d)%s%s\n",
                 static_cast<long long>(d.id), d.event_name.c_str(), d.bucket.c_str(), d.key.c_str(), d.target.c_str(),
                 outcome.c_str(), static_cast<long long>(finished - started), d.attempts, result ? "" : ": ",
                 result ? "" : result.error().c_str());
  }
  return true;
}

void Pipeline::worker_loop() {
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = generation_;  // an event queued after this makes the wait below return at once
    }
    if (run_once()) continue;
    // Sleep until the next retry is due, a new event arrives, or at most 500 ms (another
    // process, e.g. `minicloud events replay`, may have queued one).
    std::int64_t wait_ms = 500;
    if (auto due = log_->next_due_ms(); due && *due) wait_ms = std::clamp<std::int64_t>(**due - now(), 1, 500);
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    wake_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return stopping_ || generation_ != seen; });
  }
}

void Pipeline::start(const std::string& endpoint) {
  set_endpoint(endpoint);
  int workers = options_.stack()->event_delivery.workers;
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::lock_guard lock(mutex_);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void Pipeline::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

}  // namespace events
