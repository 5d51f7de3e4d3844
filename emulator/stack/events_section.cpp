// Parsing and defaults of the stack's event sections (see events_section.h).
#include "stack/events_section.h"

#include <nlohmann/json.hpp>

#include <expected>
#include <set>

#include "stack/stack.h"

namespace stack {
namespace {

using nlohmann::json;
using Error = std::unexpected<std::string>;

std::expected<void, std::string> only_keys(const json& object, const std::set<std::string>& allowed, const std::string& where) {
  if (!object.is_object()) return Error(where + ": must be an object");
  for (const auto& [key, value] : object.items())
    if (!allowed.contains(key)) return Error(where + ": unknown field \"" + key + "\"");
  return {};
}

std::expected<std::string, std::string> text(const json& object, const char* name, const std::string& where,
                                             bool required, std::string fallback = {}) {
  auto it = object.find(name);
  if (it == object.end()) {
    if (required) return Error(where + ": \"" + name + "\" is required");
    return fallback;
  }
  if (!it->is_string()) return Error(where + ": \"" + name + "\" must be a string");
  return it->get<std::string>();
}

std::expected<std::vector<std::string>, std::string> strings(const json& object, const char* name, const std::string& where) {
  std::vector<std::string> out;
  auto it = object.find(name);
  if (it == object.end()) return out;
  if (!it->is_array()) return Error(where + ": \"" + name + "\" must be an array of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) return Error(where + ": \"" + name + "\" must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::expected<const json*, std::string> array(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end()) return nullptr;
  if (!it->is_array()) return Error(std::string("stack: \"") + name + "\" must be an array");
  return &*it;
}

std::expected<int, std::string> integer(const json& object, const char* name, const std::string& where, int fallback,
                                        int min, int max) {
  auto it = object.find(name);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer() || it->get<long long>() < min || it->get<long long>() > max)
    return Error(where + ": \"" + name + "\" must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
  return static_cast<int>(it->get<long long>());
}

}  // namespace

std::string function_arn(const std::string& region, const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + kAccountId + ":function:" + name;
}
std::string topic_arn(const std::string& region, const std::string& name) {
  return "arn:aws:sns:" + region + ":" + kAccountId + ":" + name;
}

std::expected<void, std::string> parse_events_sections(const json& doc, Stack& stack) {
  auto functions = array(doc, "functions");
  if (!functions) return Error(functions.error());
  if (*functions) {
    for (std::size_t i = 0; i < (*functions)->size(); ++i) {
      const json& f = (**functions)[i];
      std::string where = "stack.functions[" + std::to_string(i) + "]";
      if (auto ok = only_keys(f, {"name", "arn", "builtin", "command", "environment", "timeout_s"}, where); !ok) return ok;
      FunctionDecl decl;
      auto name = text(f, "name", where, true);
      if (!name) return Error(name.error());
      decl.name = *name;
      auto arn = text(f, "arn", where, false, function_arn(stack.region, decl.name));
      if (!arn) return Error(arn.error());
      decl.arn = *arn;
      auto builtin = text(f, "builtin", where, false);
      if (!builtin) return Error(builtin.error());
      decl.builtin = *builtin;
      auto command = strings(f, "command", where);
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
      auto timeout = integer(f, "timeout_s", where, 30, 1, 900);
      if (!timeout) return Error(timeout.error());
      decl.timeout_s = *timeout;
      for (const auto& other : stack.functions)
        if (other.name == decl.name) return Error(where + ": duplicate function name " + decl.name);
      stack.functions.push_back(std::move(decl));
    }
  }

  auto topics = array(doc, "topics");
  if (!topics) return Error(topics.error());
  if (*topics) {
    for (std::size_t i = 0; i < (*topics)->size(); ++i) {
      const json& t = (**topics)[i];
      std::string where = "stack.topics[" + std::to_string(i) + "]";
      if (auto ok = only_keys(t, {"name", "arn", "subscriptions"}, where); !ok) return ok;
      TopicDecl decl;
      auto name = text(t, "name", where, true);
      if (!name) return Error(name.error());
      decl.name = *name;
      auto arn = text(t, "arn", where, false, topic_arn(stack.region, decl.name));
      if (!arn) return Error(arn.error());
      decl.arn = *arn;
      if (t.contains("subscriptions")) {
        if (!t["subscriptions"].is_array()) return Error(where + ": \"subscriptions\" must be an array");
        for (std::size_t j = 0; j < t["subscriptions"].size(); ++j) {
          const json& s = t["subscriptions"][j];
          std::string swhere = where + ".subscriptions[" + std::to_string(j) + "]";
          if (auto ok = only_keys(s, {"protocol", "endpoint"}, swhere); !ok) return ok;
          auto protocol = text(s, "protocol", swhere, false, "http");
          auto endpoint = text(s, "endpoint", swhere, true);
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

  auto notifications = array(doc, "notifications");
  if (!notifications) return Error(notifications.error());
  if (*notifications) {
    for (std::size_t i = 0; i < (*notifications)->size(); ++i) {
      const json& n = (**notifications)[i];
      std::string where = "stack.notifications[" + std::to_string(i) + "]";
      if (auto ok = only_keys(n, {"bucket", "id", "function", "topic", "events", "prefix", "suffix"}, where); !ok) return ok;
      NotificationDecl decl;
      auto bucket = text(n, "bucket", where, true);
      auto id = text(n, "id", where, false);
      auto function = text(n, "function", where, false);
      auto topic = text(n, "topic", where, false);
      auto prefix = text(n, "prefix", where, false);
      auto suffix = text(n, "suffix", where, false);
      auto events = strings(n, "events", where);
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
    auto workers = integer(d, "workers", where, 0, 0, 256);
    auto retries = integer(d, "retries", where, 2, 0, 10);
    auto backoff = integer(d, "backoff_ms", where, 1000, 0, 3600000);
    auto depth = integer(d, "max_depth", where, 16, 1, 1000);
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
