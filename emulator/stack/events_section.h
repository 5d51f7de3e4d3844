// The stack's event sections (issue 5): functions, topics, per-bucket notifications and
// delivery settings. Kept apart from stack.h so each section's schema lives in one place.
//
//   "functions": [{"name": "ThumbLambda",
//                  "arn": "arn:aws:lambda:us-east-1:000000000000:function:ThumbLambda",  (optional)
//                  "builtin": "image-processor"          // or
//                  "command": ["node", "handler.mjs"],   // event JSON on stdin
//                  "environment": {"DEST_BUCKET_NAME": "assets.cruddur.com", ...},
//                  "timeout_s": 30}],
//   "topics": [{"name": "cruddur-assets", "arn": "...(optional)",
//               "subscriptions": [{"protocol": "http", "endpoint": "http://127.0.0.1:9000/hook"}]}],
//   "notifications": [{"bucket": "cruddur-uploaded-avatars", "id": "...(optional)",
//                      "function": "ThumbLambda"  |  "topic": "cruddur-assets",
//                      "events": ["s3:ObjectCreated:Put"], "prefix": "", "suffix": ""}],
//   "event_delivery": {"workers": 0 (= cores), "retries": 2, "backoff_ms": 1000, "max_depth": 16}
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace stack {

struct Stack;

inline constexpr const char* kAccountId = "000000000000";

struct FunctionDecl {
  std::string name, arn;
  std::string builtin;               // "image-processor", or empty for a command
  std::vector<std::string> command;  // argv; empty for a builtin
  std::map<std::string, std::string> environment;
  int timeout_s = 30;
  bool operator==(const FunctionDecl&) const = default;
};

struct Subscription {
  std::string protocol = "http";  // http | https
  std::string endpoint;
};

struct TopicDecl {
  std::string name, arn;
  std::vector<Subscription> subscriptions;
};

struct NotificationDecl {
  std::string bucket, id;
  std::string function, topic;  // exactly one is set (names)
  std::vector<std::string> events;
  std::string prefix, suffix;
};

struct EventDelivery {
  int workers = 0;           // 0: one per core
  int retries = 2;           // after the first attempt, as Lambda's async invocation
  int backoff_ms = 1000;     // delay before retry n is backoff_ms * 2^(n-1)
  int max_depth = 16;        // function-written events deeper than this are stopped (loop)
};

// ARNs of declared resources, in the stack's region and the one account.
std::string function_arn(const std::string& region, const std::string& name);
std::string topic_arn(const std::string& region, const std::string& name);

// Reads "functions", "topics", "notifications" and "event_delivery" of a stack document
// into `stack` (whose region and buckets are already parsed). The error names the field.
std::expected<void, std::string> parse_events_sections(const nlohmann::json& doc, Stack& stack);

// The default stack's pipeline: uploads -> ObjectCreated:Put -> ThumbLambda (builtin,
// 512x512) -> assets at THUMBING_S3_FOLDER_OUTPUT (default avatars) -> topic -> webhook
// THUMBING_WEBHOOK_URL (when set). `stack.buckets` must hold uploads then assets.
using EnvLookupFn = std::function<std::optional<std::string>(std::string_view name)>;
void add_default_events(const EnvLookupFn& env, Stack& stack);

}  // namespace stack
