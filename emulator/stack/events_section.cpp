// Parsing and defaults of the stack's event sections (see events_section.h).
#include "stack/events_section.h"

#include <nlohmann/json.hpp>

#include <expected>

#include "stack/json_fields.h"
#include "stack/stack.h"

namespace stack {
namespace {

using nlohmann::json;
using Error = std::unexpected<std::string>;

}  // namespace

std::string function_arn(const std::string& region, const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + kAccountId + ":function:" + name;
}
std::string topic_arn(const std::string& region, const std::string& name) {
  return "arn:aws:sns:" + region + ":" + kAccountId + ":" + name;
}

std::expected<void, std::string> parse_events_sections(const json& doc, Stack& stack) {
  auto functions = array_field(doc, "functions", "stack");
  if (!functions) return Error(functions.error());
  if (*functions) {
    for (std::size_t i = 0; i < (*functions)->size(); ++i) {
      const json& f = (**functions)[i];
      std::string where = "stack.functions[" + std::to_string(i) + "]";
      if (auto ok = only_keys(f, {"name", "arn", "builtin", "command", "environment", "timeout_s"}, where); !ok) return ok;
      FunctionDecl decl;
      auto name = string_field(f, "name", where);
      if (!name) return Error(name.error());
      decl.name = *name;
      auto arn = string_field(f, "arn", where, function_arn(stack.region, decl.name));
      if (!arn) return Error(arn.error());
      decl.arn = *arn;
      auto builtin = string_field(f, "builtin", where, "");
      if (!builtin) return Error(builtin.error());
      decl.builtin = *builtin;
      auto command = string_list(f, "command", where);
      if (!command) return Error(command.error());
      decl.command = *command;
      if (decl.builtin.empty() == decl.command.empty())
        return Error(where + ": exactly one of \"builtin\" and \"command\" is required");
      if (!decl.builtin.empty() && decl.builtin != "image-processor")
        return Error(where + ": \"builtin\" must be \"image-processor\"");
      if (f.contains("environment")) {
        const json& env = f["environment"];
        if (!env.is_object()) return Error(where + ": \"environment\" must be an object of strings");
        for (const auto& [k, v] : env.items()) {
          if (!v.is_string()) return Error(where + ".environment." + k + ": must be a string");
          decl.environment[k] = v.get<std::string>();
        }
      }
      auto timeout = integer_field(f, "timeout_s", where, 30, 1, 900);
      if (!timeout) return Error(timeout.error());
      decl.timeout_s = *timeout;
      for (const auto& other : stack.functions)
        if (other.name == decl.name) return Error(where + ": duplicate function name " + decl.name);
      stack.functions.push_back(std::move(decl));
    }
  }

  auto topics = array_field(doc, "topics", "stack");
  if (!topics) return Error(topics.error());
  if (*topics) {
    for (std::size_t i = 0; i < (*topics)->size(); ++i) {
      const json& t = (**topics)[i];
      std::string where = "stack.topics[" + std::to_string(i) + "]";
      if (auto ok = only_keys(t, {"name", "arn", "subscriptions"}, where); !ok) return ok;
      TopicDecl decl;
      auto name = string_field(t, "name", where);
      if (!name) return Error(name.error());
      decl.name = *name;
      auto arn = string_field(t, "arn", where, topic_arn(stack.region, decl.name));
      if (!arn) return Error(arn.error());
      decl.arn = *arn;
      if (t.contains("subscriptions")) {
        if (!t["subscriptions"].is_array()) return Error(where + ": \"subscriptions\" must be an array");
        for (std::size_t j = 0; j < t["subscriptions"].size(); ++j) {
          const json& s = t["subscriptions"][j];
          std::string swhere = where + ".subscriptions[" + std::to_string(j) + "]";
          if (auto ok = only_keys(s, {"protocol", "endpoint"}, swhere); !ok) return ok;
          auto protocol = string_field(s, "protocol", swhere, "http");
          auto endpoint = string_field(s, "endpoint", swhere);
          if (!protocol) return Error(protocol.error());
          if (!endpoint) return Error(endpoint.error());
          if (*protocol != "http" && *protocol != "https") return Error(swhere + ": \"protocol\" must be http or https");
          if (!endpoint->starts_with(*protocol + "://"))
            return Error(swhere + ": \"endpoint\" must be an " + *protocol + ":// URL");
          decl.subscriptions.push_back({*protocol, *endpoint});
        }
      }
      stack.topics.push_back(std::move(decl));
    }
  }

  auto notifications = array_field(doc, "notifications", "stack");
  if (!notifications) return Error(notifications.error());
  if (*notifications) {
    for (std::size_t i = 0; i < (*notifications)->size(); ++i) {
      const json& n = (**notifications)[i];
      std::string where = "stack.notifications[" + std::to_string(i) + "]";
      if (auto ok = only_keys(n, {"bucket", "id", "function", "topic", "events", "prefix", "suffix"}, where); !ok) return ok;
      NotificationDecl decl;
      auto bucket = string_field(n, "bucket", where);
      auto id = string_field(n, "id", where, "");
      auto function = string_field(n, "function", where, "");
      auto topic = string_field(n, "topic", where, "");
      auto prefix = string_field(n, "prefix", where, "");
      auto suffix = string_field(n, "suffix", where, "");
      auto events = string_list(n, "events", where);
      for (const auto* r : {&bucket, &id, &function, &topic, &prefix, &suffix})
        if (!*r) return Error(r->error());
      if (!events) return Error(events.error());
      decl = {*bucket, *id, *function, *topic, *events, *prefix, *suffix};
      if (decl.function.empty() == decl.topic.empty()) return Error(where + ": exactly one of \"function\" and \"topic\" is required");
      if (decl.events.empty()) decl.events = {"s3:ObjectCreated:*"};
      bool known = false;
      for (const auto& f : stack.functions) known |= f.name == decl.function;
      for (const auto& t : stack.topics) known |= t.name == decl.topic;
      if (!known) return Error(where + ": no function or topic named " + decl.function + decl.topic + " in the stack");
      bool bucket_declared = false;
      for (const auto& b : stack.buckets) bucket_declared |= b.name == decl.bucket;
      if (!bucket_declared) return Error(where + ": bucket " + decl.bucket + " is not in \"buckets\"");
      if (decl.id.empty()) decl.id = (decl.function.empty() ? decl.topic : decl.function) + "-" + std::to_string(i + 1);
      stack.notifications.push_back(std::move(decl));
    }
  }

  if (doc.contains("event_delivery")) {
    const json& d = doc["event_delivery"];
    const std::string where = "stack.event_delivery";
    if (auto ok = only_keys(d, {"workers", "retries", "backoff_ms", "max_depth"}, where); !ok) return ok;
    auto workers = integer_field(d, "workers", where, 0, 0, 256);
    auto retries = integer_field(d, "retries", where, 2, 0, 10);
    auto backoff = integer_field(d, "backoff_ms", where, 1000, 0, 3600000);
    auto depth = integer_field(d, "max_depth", where, 16, 1, 1000);
    for (const auto* r : {&workers, &retries, &backoff, &depth})
      if (!*r) return Error(r->error());
    stack.event_delivery = {*workers, *retries, *backoff, *depth};
  }
  return {};
}

void add_default_events(const EnvLookupFn& env, Stack& stack) {
  auto get = [&](const char* name, const char* fallback) { return env(name).value_or(fallback); };
  const std::string uploads = stack.buckets.at(0).name;
  const std::string assets = stack.buckets.at(1).name;
  const std::string folder_output = get("THUMBING_S3_FOLDER_OUTPUT", "avatars");
  FunctionDecl thumb;
  thumb.name = "ThumbLambda";
  thumb.arn = function_arn(stack.region, thumb.name);
  thumb.builtin = "image-processor";
  thumb.environment = {{"DEST_BUCKET_NAME", assets},
                       {"FOLDER_INPUT", get("THUMBING_S3_FOLDER_INPUT", "")},
                       {"FOLDER_OUTPUT", folder_output},
                       {"PROCESS_WIDTH", "512"},
                       {"PROCESS_HEIGHT", "512"}};
  stack.functions.push_back(std::move(thumb));
  stack.notifications.push_back({uploads, "ThumbLambda-uploads", "ThumbLambda", "", {"s3:ObjectCreated:Put"}, "", ""});

  // The original's SNS topic: a processed avatar landing in the assets bucket notifies the
  // app's webhook (when THUMBING_WEBHOOK_URL is set).
  TopicDecl topic;
  topic.name = get("THUMBING_TOPIC_NAME", "cruddur-assets");
  topic.arn = topic_arn(stack.region, topic.name);
  if (auto url = env("THUMBING_WEBHOOK_URL"); url && !url->empty())
    topic.subscriptions.push_back({url->starts_with("https://") ? "https" : "http", *url});
  stack.notifications.push_back({assets, "assets-to-topic", "", topic.name, {"s3:ObjectCreated:Put"}, folder_output + "/", ""});
  stack.topics.push_back(std::move(topic));
}

}  // namespace stack
