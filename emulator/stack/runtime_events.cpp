// The Runtime's event parts: the pipeline, the stack's notification configurations and
// the /_api/events routes.
#include <nlohmann/json.hpp>

#include <map>

#include "events/rules.h"
#include "stack/runtime.h"

namespace stack {
namespace {

nlohmann::json delivery_json(const events::Delivery& d) {
  nlohmann::json payload = nlohmann::json::parse(d.payload, nullptr, false);
  nlohmann::json result = nlohmann::json::parse(d.result, nullptr, false);
  return {{"id", d.id},
          {"created_ms", d.created_ms},
          {"bucket", d.bucket},
          {"key", d.key},
          {"event_name", d.event_name},
          {"target_kind", d.target_kind},
          {"target", d.target},
          {"endpoint", d.endpoint},
          {"configuration_id", d.configuration_id},
          {"status", d.status},
          {"attempts", d.attempts},
          {"next_attempt_ms", d.next_attempt_ms},
          {"updated_ms", d.updated_ms},
          {"duration_ms", d.duration_ms},
          {"error", d.error},
          {"depth", d.depth},
          {"result", result.is_discarded() ? nlohmann::json(d.result) : result},
          {"event", payload.is_discarded() ? nlohmann::json(d.payload) : payload}};
}

http::Response json_response(int status, const nlohmann::json& body) {
  http::Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump();
  return response;
}

}  // namespace

std::expected<void, std::string> Runtime::open_events() {
  events::Pipeline::Options options;
  options.store = store_.get();
  options.stack = [this] { return current(); };
  options.log_file = store_->data_dir() / "events.sqlite";
  options.now_ms = options_.now_ms;
  auto pipeline = events::Pipeline::open(options);
  if (!pipeline) return std::unexpected("cannot open the event log: " + pipeline.error().effective_message());
  pipeline_ = std::move(*pipeline);

  // The stack's notifications become each bucket's NotificationConfiguration, as if set
  // by PutBucketNotificationConfiguration (buckets the stack declares none for keep theirs).
  std::map<std::string, std::vector<events::Rule>> by_bucket;
  for (const auto& n : stack_.notifications) {
    events::Rule rule;
    rule.id = n.id;
    rule.events = n.events;
    rule.prefix = n.prefix;
    rule.suffix = n.suffix;
    if (!n.function.empty()) {
      rule.kind = events::TargetKind::Function;
      for (const auto& f : stack_.functions)
        if (f.name == n.function) rule.target_arn = f.arn;
    } else {
      rule.kind = events::TargetKind::Topic;
      for (const auto& t : stack_.topics)
        if (t.name == n.topic) rule.target_arn = t.arn;
    }
    for (const auto& e : rule.events)
      if (!events::is_supported_event(e)) return std::unexpected("notification " + n.id + ": unsupported event " + e);
    by_bucket[n.bucket].push_back(std::move(rule));
  }
  for (const auto& [bucket, rules] : by_bucket) {
    auto exists = [this](events::TargetKind kind, const std::string& arn) { return pipeline_->destination_exists(kind, arn); };
    if (auto ok = events::validate_rules(rules, exists); !ok)
      return std::unexpected("notifications of bucket " + bucket + ": " + ok.error().effective_message());
    if (auto ok = store_->put_bucket_config(bucket, "notification", events::notification_xml(rules)); !ok)
      return std::unexpected("cannot store the notifications of " + bucket + ": " + ok.error().effective_message());
  }
  return {};
}

http::Response Runtime::events_api(http::Request& request) {
  std::string_view rest = std::string_view(request.path).substr(std::string_view("/_api/events").size());
  if (rest.starts_with('/')) rest.remove_prefix(1);
  if (rest.empty()) {
    if (request.method != "GET") return json_response(405, {{"error", "use GET"}});
    events::DeliveryFilter filter;
    filter.status = request.query_value("status").value_or("");
    filter.bucket = request.query_value("bucket").value_or("");
    filter.key = request.query_value("key").value_or("");
    try {
      filter.limit = std::stoi(request.query_value("limit").value_or("1000"));
    } catch (...) {
      return json_response(400, {{"error", "limit must be a number"}});
    }
    auto list = pipeline_->log().list(filter);
    if (!list) return json_response(500, {{"error", list.error().effective_message()}});
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : *list) out.push_back(delivery_json(d));
    return json_response(200, {{"events", out}});
  }
  std::int64_t id = 0;
  std::string_view action;
  auto slash = rest.find('/');
  std::string id_text(rest.substr(0, slash));
  if (slash != std::string_view::npos) action = rest.substr(slash + 1);
  try {
    std::size_t used = 0;
    id = std::stoll(id_text, &used);
    if (used != id_text.size()) throw std::invalid_argument("id");
  } catch (...) {
    return json_response(404, {{"error", "no such event: " + id_text}});
  }
  if (action == "replay") {
    if (request.method != "POST") return json_response(405, {{"error", "use POST"}});
    auto ok = pipeline_->log().replay(id, pipeline_->clock_ms());
    if (!ok) return json_response(ok.error().code == core::ErrorCode::NoSuchKey ? 404 : 409, {{"error", ok.error().effective_message()}});
    pipeline_->notify_queued();
    return json_response(202, {{"id", id}, {"status", "queued"}});
  }
  if (!action.empty() || request.method != "GET") return json_response(404, {{"error", "unknown route"}});
  auto d = pipeline_->log().get(id);
  if (!d) return json_response(500, {{"error", d.error().effective_message()}});
  if (!*d) return json_response(404, {{"error", "no such event: " + id_text}});
  nlohmann::json out = delivery_json(**d);
  auto attempts = pipeline_->log().attempts(id);
  out["attempt_log"] = nlohmann::json::array();
  if (attempts)
    for (const auto& a : *attempts)
      out["attempt_log"].push_back({{"number", a.number}, {"started_ms", a.started_ms}, {"duration_ms", a.duration_ms},
                                    {"ok", a.ok}, {"error", a.error}});
  return json_response(200, out);
}

}  // namespace stack
