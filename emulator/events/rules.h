// Notification rules: which object events go where. One bucket's rules come from its
// notification configuration (S3's NotificationConfiguration XML, set by
// PutBucketNotificationConfiguration or by the stack at start).
//
// Matching follows S3: a rule's event patterns are "s3:ObjectCreated:*" (any created
// event), "s3:ObjectCreated:Put", ... ; the key must start with the prefix filter and end
// with the suffix filter (both optional, case-sensitive).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace events {

enum class TargetKind { Function, Topic, Queue };
std::string_view to_string(TargetKind kind);  // "function", "topic", "queue"

struct Rule {
  std::string id;                   // configurationId in the event record
  TargetKind kind = TargetKind::Function;
  std::string target_arn;           // Lambda / SNS / SQS ARN
  std::vector<std::string> events;  // "s3:ObjectCreated:*", ...
  std::string prefix, suffix;
};

// The event names S3 accepts in a configuration.
bool is_supported_event(std::string_view pattern);
// `pattern` as configured ("s3:ObjectCreated:*"), `event_name` as emitted
// ("ObjectCreated:Put", with or without the "s3:" prefix).
bool event_matches(std::string_view pattern, std::string_view event_name);
bool rule_matches(const Rule& rule, std::string_view event_name, std::string_view key);

// Parses S3's NotificationConfiguration document. MalformedXML for bad XML, InvalidArgument
// for an unsupported event or filter rule name. Ids are generated when absent.
core::Result<std::vector<Rule>> parse_notification_xml(std::string_view xml);
// The document GetBucketNotificationConfiguration answers (and the stored form).
std::string notification_xml(const std::vector<Rule>& rules);

// S3's checks before a configuration is accepted: every destination exists
// (`destination_exists`), and no two rules of the same bucket share an event type with
// overlapping prefix and suffix filters. InvalidArgument with S3's messages.
core::Result<void> validate_rules(const std::vector<Rule>& rules,
                                const std::function<bool(TargetKind, const std::string& arn)>& destination_exists);

}  // namespace events
