// What CloudFormation keeps about stacks: plain data, persisted by StackStore and
// reported by the API. Statuses and field names are CloudFormation's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cloudformation {

inline constexpr const char* kAccountId = "000000000000";

// One resource as applied: its properties with every intrinsic resolved, and what
// Ref / Fn::GetAtt return for it.
struct ResourceRecord {
  std::string logical_id, type, physical_id;
  nlohmann::json properties = nlohmann::json::object();
  nlohmann::json attributes = nlohmann::json::object();  // {"Arn": "...", ...}
  // What minicloud keeps to run it after a restart (a function's code directory).
  nlohmann::json state = nlohmann::json::object();
  std::string status;         // CREATE_COMPLETE, UPDATE_COMPLETE, DELETE_FAILED, ...
  std::string status_reason;
  std::string deletion_policy;        // "Delete" (default), "Retain", "Snapshot", "RetainExceptOnCreate"
  std::string update_replace_policy;  // "Delete" (default), "Retain", "Snapshot"
  int order = 0;                      // position in creation order: deletion runs backwards
  std::int64_t updated_ms = 0;
};

struct Output {
  std::string key, value, description, export_name;
};

struct Tag {
  std::string key, value;
};

// A parameter as the stack was given it (for DescribeStacks).
struct StackParameter {
  std::string key, value;
  std::string resolved_value;  // SSM parameter types: the value read from the parameter store
  bool no_echo = false;
};

struct StackRecord {
  std::string stack_id;  // arn:aws:cloudformation:<region>:000000000000:stack/<name>/<uuid>
  std::string name;
  std::string status, status_reason, description;
  std::string template_body;  // exactly as sent: GetTemplate answers it (CDK diffs against it)
  std::vector<StackParameter> parameters;
  std::vector<std::string> capabilities, notification_arns;
  std::vector<Tag> tags;
  std::vector<Output> outputs;
  std::map<std::string, ResourceRecord> resources;  // by logical id
  std::string role_arn;
  bool termination_protection = false;
  bool disable_rollback = false;
  std::int64_t created_ms = 0, updated_ms = 0, deleted_ms = 0;
  // The change set that last changed the stack (DescribeStacks' ChangeSetId).
  std::string change_set_id;
  std::vector<std::string> imports;  // export names its template imports (Fn::ImportValue)
};

struct StackEvent {
  std::string event_id, stack_id, stack_name;
  std::string logical_id, physical_id, resource_type;
  std::int64_t timestamp_ms = 0;
  std::string status, status_reason;
  std::string properties;  // the resource's properties as JSON text, "" for stack events
};

struct ResourceChange {
  std::string action;       // Add | Modify | Remove
  std::string logical_id, physical_id, resource_type;
  std::string replacement;  // True | False | Conditional ("" for Add/Remove)
  std::vector<std::string> scope;  // Properties, Metadata, ...
};

struct ChangeSet {
  std::string id;  // arn:aws:cloudformation:<region>:000000000000:changeSet/<name>/<uuid>
  std::string name, stack_id, stack_name, type;  // type: CREATE | UPDATE
  std::string status;            // CREATE_PENDING | CREATE_IN_PROGRESS | CREATE_COMPLETE | FAILED | DELETE_COMPLETE
  std::string execution_status;  // UNAVAILABLE | AVAILABLE | EXECUTE_IN_PROGRESS | EXECUTE_COMPLETE | EXECUTE_FAILED | OBSOLETE
  std::string status_reason, description;
  std::string template_body;
  std::vector<std::pair<std::string, std::string>> parameters;  // as given (UsePreviousValue applied)
  std::vector<std::string> capabilities, notification_arns;
  std::vector<Tag> tags;
  std::string role_arn;
  std::vector<ResourceChange> changes;
  std::int64_t created_ms = 0;
};

// JSON forms, for persistence: `nlohmann::json j = record; j.get<StackRecord>()`. Fields
// missing from a stored document take their defaults, so adding a field needs no migration.
#define MINICLOUD_CFN_JSON(Type, ...) NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Type, __VA_ARGS__)
MINICLOUD_CFN_JSON(ResourceRecord, logical_id, type, physical_id, properties, attributes, state, status, status_reason,
                   deletion_policy, update_replace_policy, order, updated_ms)
MINICLOUD_CFN_JSON(Output, key, value, description, export_name)
MINICLOUD_CFN_JSON(Tag, key, value)
MINICLOUD_CFN_JSON(StackParameter, key, value, resolved_value, no_echo)
MINICLOUD_CFN_JSON(StackRecord, stack_id, name, status, status_reason, description, template_body, parameters,
                   capabilities, notification_arns, tags, outputs, resources, role_arn, termination_protection,
                   disable_rollback, created_ms, updated_ms, deleted_ms, change_set_id, imports)
MINICLOUD_CFN_JSON(StackEvent, event_id, stack_id, stack_name, logical_id, physical_id, resource_type, timestamp_ms,
                   status, status_reason, properties)
MINICLOUD_CFN_JSON(ResourceChange, action, logical_id, physical_id, resource_type, replacement, scope)
MINICLOUD_CFN_JSON(ChangeSet, id, name, stack_id, stack_name, type, status, execution_status, status_reason,
                   description, template_body, parameters, capabilities, notification_arns, tags, role_arn, changes,
                   created_ms)
#undef MINICLOUD_CFN_JSON

// Statuses a stack ends in (no operation running).
bool is_settled(const std::string& stack_status);
// Statuses of a stack that exists (not DELETE_COMPLETE, not REVIEW_IN_PROGRESS).
bool is_live(const std::string& stack_status);

}  // namespace cloudformation
