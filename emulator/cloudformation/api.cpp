#include "cloudformation/api.h"

#include <algorithm>

#include "core/time.h"

namespace cloudformation {
namespace {

using rpc::Answer;
using rpc::Call;

constexpr std::size_t kEventsPerPage = 100;
// CloudFormation's limit for a TemplateBody; larger templates go through S3 (TemplateURL,
// up to 1 MB), as CDK does. Kept so a template that AWS would refuse fails here too.
constexpr std::size_t kMaxTemplateBody = 51'200;

core::Result<std::string> template_body(const Call& call, std::string body) {
  if (body.size() > kMaxTemplateBody)
    return std::unexpected(call.violation("templateBody", body.substr(0, 64) + "...",
                                          "Member must have length less than or equal to 51200"));
  return body;
}

std::string timestamp(std::int64_t ms) { return core::iso8601_ms(ms); }

// Request pieces shared by CreateStack, UpdateStack and CreateChangeSet.
core::Result<StackRequest> stack_request(const Call& call, const Engine& engine) {
  StackRequest r;
  r.stack_name = call.params.get_or("StackName");
  if (r.stack_name.empty()) return std::unexpected(call.missing("StackName"));
  auto body = call.params.get("TemplateBody");
  auto url = call.params.get("TemplateURL");
  r.use_previous_template = call.params.get_or("UsePreviousTemplate") == "true";
  if (body && url) return std::unexpected(call.invalid("Specify exactly one of TemplateBody or TemplateUrl."));
  if (body) {
    auto checked = template_body(call, *body);
    if (!checked) return std::unexpected(checked.error());
    r.template_body = std::move(*checked);
  } else if (url) {
    auto fetched = engine.template_from_url(*url);
    if (!fetched) return std::unexpected(fetched.error());
    r.template_body = std::move(*fetched);
  }
  for (const auto& p : call.params.structs("Parameters"))
    r.parameters.push_back({p.get_or("ParameterKey"), p.get_or("ParameterValue"), p.get_or("UsePreviousValue") == "true"});
  r.capabilities = call.params.list("Capabilities");
  r.notification_arns = call.params.list("NotificationARNs");
  for (const auto& t : call.params.structs("Tags")) r.tags.push_back({t.get_or("Key"), t.get_or("Value")});
  r.role_arn = call.params.get_or("RoleARN");
  r.disable_rollback = call.params.get_or("DisableRollback") == "true";
  r.on_failure = call.params.get_or("OnFailure");
  r.termination_protection = call.params.get_or("EnableTerminationProtection") == "true";
  return r;
}

Answer tags_answer(const std::vector<Tag>& tags) {
  Answer out = Answer::array();
  for (const auto& t : tags) out.push_back({{"Key", t.key}, {"Value", t.value}});
  return out;
}

Answer strings(const std::vector<std::string>& items) {
  Answer out = Answer::array();
  for (const auto& s : items) out.push_back(s);
  return out;
}

Answer parameters_answer(const std::vector<StackParameter>& parameters) {
  Answer out = Answer::array();
  for (const auto& p : parameters) {
    Answer a{{"ParameterKey", p.key}, {"ParameterValue", p.no_echo ? "****" : p.value}};
    if (!p.resolved_value.empty()) a["ResolvedValue"] = p.resolved_value;
    out.push_back(a);
  }
  return out;
}

Answer stack_answer(const StackRecord& s) {
  Answer a{{"StackId", s.stack_id}, {"StackName", s.name}};
  if (!s.change_set_id.empty()) a["ChangeSetId"] = s.change_set_id;
  if (!s.description.empty()) a["Description"] = s.description;
  a["Parameters"] = parameters_answer(s.parameters);
  a["CreationTime"] = timestamp(s.created_ms);
  if (s.updated_ms > s.created_ms) a["LastUpdatedTime"] = timestamp(s.updated_ms);
  if (s.deleted_ms) a["DeletionTime"] = timestamp(s.deleted_ms);
  a["RollbackConfiguration"] = Answer::object();
  a["StackStatus"] = s.status;
  if (!s.status_reason.empty()) a["StackStatusReason"] = s.status_reason;
  a["DisableRollback"] = s.disable_rollback;
  a["NotificationARNs"] = strings(s.notification_arns);
  a["Capabilities"] = strings(s.capabilities);
  Answer outputs = Answer::array();
  for (const auto& o : s.outputs) {
    Answer out{{"OutputKey", o.key}, {"OutputValue", o.value}};
    if (!o.description.empty()) out["Description"] = o.description;
    if (!o.export_name.empty()) out["ExportName"] = o.export_name;
    outputs.push_back(out);
  }
  a["Outputs"] = outputs;
  if (!s.role_arn.empty()) a["RoleARN"] = s.role_arn;
  a["Tags"] = tags_answer(s.tags);
  a["EnableTerminationProtection"] = s.termination_protection;
  a["DriftInformation"] = {{"StackDriftStatus", "NOT_CHECKED"}};
  return a;
}

core::Result<StackRecord> live_stack(const Engine& engine, const Call& call) {
  std::string name = call.params.get_or("StackName");
  if (name.empty()) return std::unexpected(call.missing("StackName"));
  return engine.stack(name);
}

std::vector<ResourceRecord> by_order(const StackRecord& s) {
  std::vector<ResourceRecord> out;
  for (const auto& [id, r] : s.resources) out.push_back(r);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  return out;
}

Answer resource_answer(const StackRecord& s, const ResourceRecord& r, const char* time_field, bool with_stack) {
  Answer a = Answer::object();
  if (with_stack) a["StackName"] = s.name, a["StackId"] = s.stack_id;
  a["LogicalResourceId"] = r.logical_id;
  if (!r.physical_id.empty()) a["PhysicalResourceId"] = r.physical_id;
  a["ResourceType"] = r.type;
  a[time_field] = timestamp(r.updated_ms ? r.updated_ms : s.updated_ms);
  a["ResourceStatus"] = r.status;
  if (!r.status_reason.empty()) a["ResourceStatusReason"] = r.status_reason;
  a["DriftInformation"] = {{"StackResourceDriftStatus", "NOT_CHECKED"}};
  return a;
}

Answer change_set_answer(const ChangeSet& cs, bool detail) {
  Answer a{{"ChangeSetName", cs.name}, {"ChangeSetId", cs.id}, {"StackId", cs.stack_id}, {"StackName", cs.stack_name}};
  if (!cs.description.empty()) a["Description"] = cs.description;
  if (detail) {
    Answer parameters = Answer::array();
    for (const auto& [k, v] : cs.parameters) parameters.push_back({{"ParameterKey", k}, {"ParameterValue", v}});
    a["Parameters"] = parameters;
  }
  a["CreationTime"] = timestamp(cs.created_ms);
  a["ExecutionStatus"] = cs.execution_status;
  a["Status"] = cs.status;
  if (!cs.status_reason.empty()) a["StatusReason"] = cs.status_reason;
  if (!detail) return a;
  a["NotificationARNs"] = strings(cs.notification_arns);
  a["RollbackConfiguration"] = Answer::object();
  a["Capabilities"] = strings(cs.capabilities);
  a["Tags"] = tags_answer(cs.tags);
  Answer changes = Answer::array();
  for (const auto& c : cs.changes) {
    Answer rc{{"Action", c.action}, {"LogicalResourceId", c.logical_id}};
    if (!c.physical_id.empty()) rc["PhysicalResourceId"] = c.physical_id;
    rc["ResourceType"] = c.resource_type;
    if (!c.replacement.empty()) rc["Replacement"] = c.replacement;
    rc["Scope"] = strings(c.scope);
    rc["Details"] = Answer::array();
    changes.push_back({{"Type", "Resource"}, {"ResourceChange", rc}});
  }
  a["Changes"] = changes;
  a["IncludeNestedStacks"] = false;
  return a;
}

Answer summary_parameters(const TemplateSummary& summary, bool validate_form) {
  Answer out = Answer::array();
  for (const auto& p : summary.parameters) {
    Answer a = Answer::object();
    a["ParameterKey"] = p.value("ParameterKey", "");
    if (p.contains("DefaultValue")) a["DefaultValue"] = p["DefaultValue"];
    if (!validate_form) a["ParameterType"] = p.value("ParameterType", "");
    a["NoEcho"] = p.value("NoEcho", false);
    if (!p.value("Description", std::string()).empty()) a["Description"] = p["Description"];
    if (!validate_form) {
      Answer constraints = Answer::object();
      if (p.contains("ParameterConstraints"))
        constraints["AllowedValues"] = Answer(p["ParameterConstraints"].value("AllowedValues", nlohmann::json::array()));
      a["ParameterConstraints"] = constraints;
    }
    out.push_back(a);
  }
  return out;
}

core::Result<std::string> template_argument(const Call& call, const Engine& engine) {
  auto body = call.params.get("TemplateBody");
  auto url = call.params.get("TemplateURL");
  if (body && url) return std::unexpected(call.invalid("Specify exactly one of TemplateBody or TemplateUrl."));
  if (body) return template_body(call, *body);
  if (url) return engine.template_from_url(*url);
  return std::unexpected(call.invalid("Either Template URL or Template Body must be specified."));
}

void add_stack_actions(rpc::Service& api, Engine& engine) {
  api.add("CreateStack", [&engine](Call& call) -> core::Result<Answer> {
    auto request = stack_request(call, engine);
    if (!request) return std::unexpected(request.error());
    auto id = engine.create_stack(*request);
    if (!id) return std::unexpected(id.error());
    return Answer{{"StackId", *id}};
  });
  api.add("UpdateStack", [&engine](Call& call) -> core::Result<Answer> {
    auto request = stack_request(call, engine);
    if (!request) return std::unexpected(request.error());
    auto id = engine.update_stack(*request);
    if (!id) return std::unexpected(id.error());
    return Answer{{"StackId", *id}};
  });
  api.add("DeleteStack", [&engine](Call& call) -> core::Result<Answer> {
    std::string name = call.params.get_or("StackName");
    if (name.empty()) return std::unexpected(call.missing("StackName"));
    if (auto ok = engine.delete_stack(name, call.params.list("RetainResources")); !ok) return std::unexpected(ok.error());
    return Answer();
  });
  api.add("DescribeStacks", [&engine](Call& call) -> core::Result<Answer> {
    Answer stacks = Answer::array();
    if (auto name = call.params.get("StackName"); name && !name->empty()) {
      auto s = engine.stack(*name);
      if (!s) return std::unexpected(s.error());
      stacks.push_back(stack_answer(*s));
    } else {
      auto all = engine.stacks();
      for (auto it = all.rbegin(); it != all.rend(); ++it)  // newest first, as AWS lists them
        if (it->status != "DELETE_COMPLETE") stacks.push_back(stack_answer(*it));
    }
    return Answer{{"Stacks", stacks}};
  });
  api.add("ListStacks", [&engine](Call& call) -> core::Result<Answer> {
    auto filter = call.params.list("StackStatusFilter");
    Answer summaries = Answer::array();
    auto all = engine.stacks();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      const auto& s = *it;
      if (!filter.empty() && std::find(filter.begin(), filter.end(), s.status) == filter.end()) continue;
      Answer a{{"StackId", s.stack_id}, {"StackName", s.name}};
      if (!s.description.empty()) a["TemplateDescription"] = s.description;
      a["CreationTime"] = timestamp(s.created_ms);
      if (s.updated_ms > s.created_ms) a["LastUpdatedTime"] = timestamp(s.updated_ms);
      if (s.deleted_ms) a["DeletionTime"] = timestamp(s.deleted_ms);
      a["StackStatus"] = s.status;
      if (!s.status_reason.empty()) a["StackStatusReason"] = s.status_reason;
      a["DriftInformation"] = {{"StackDriftStatus", "NOT_CHECKED"}};
      summaries.push_back(a);
    }
    return Answer{{"StackSummaries", summaries}};
  });
  api.add("DescribeStackEvents", [&engine](Call& call) -> core::Result<Answer> {
    std::string name = call.params.get_or("StackName");
    if (name.empty()) return std::unexpected(call.missing("StackName"));
    auto events = engine.events(name);
    if (!events) return std::unexpected(events.error());
    std::size_t start = 0;
    if (auto token = call.params.get("NextToken"); token && !token->empty()) {
      try {
        start = std::stoul(*token);
      } catch (...) {
        return std::unexpected(call.invalid("Invalid NextToken"));
      }
    }
    Answer list = Answer::array();
    std::size_t end = std::min(events->size(), start + kEventsPerPage);
    for (std::size_t i = start; i < end; ++i) {
      const auto& e = (*events)[i];
      Answer a{{"StackId", e.stack_id}, {"EventId", e.event_id}, {"StackName", e.stack_name},
               {"LogicalResourceId", e.logical_id}};
      if (!e.physical_id.empty()) a["PhysicalResourceId"] = e.physical_id;
      a["ResourceType"] = e.resource_type;
      a["Timestamp"] = timestamp(e.timestamp_ms);
      a["ResourceStatus"] = e.status;
      if (!e.status_reason.empty()) a["ResourceStatusReason"] = e.status_reason;
      if (!e.properties.empty()) a["ResourceProperties"] = e.properties;
      list.push_back(a);
    }
    Answer out{{"StackEvents", list}};
    if (end < events->size()) out["NextToken"] = std::to_string(end);
    return out;
  });
  api.add("DescribeStackResource", [&engine](Call& call) -> core::Result<Answer> {
    auto s = live_stack(engine, call);
    if (!s) return std::unexpected(s.error());
    std::string logical = call.params.get_or("LogicalResourceId");
    if (logical.empty()) return std::unexpected(call.missing("LogicalResourceId"));
    auto it = s->resources.find(logical);
    if (it == s->resources.end())
      return std::unexpected(call.invalid("Resource " + logical + " does not exist for stack " + s->name));
    Answer detail = resource_answer(*s, it->second, "LastUpdatedTimestamp", true);
    detail["Metadata"] = "{}";
    return Answer{{"StackResourceDetail", detail}};
  });
  api.add("DescribeStackResources", [&engine](Call& call) -> core::Result<Answer> {
    std::string name = call.params.get_or("StackName"), physical = call.params.get_or("PhysicalResourceId");
    std::string logical = call.params.get_or("LogicalResourceId");
    std::optional<StackRecord> found;
    if (!name.empty()) {
      auto s = engine.stack(name);
      if (!s) return std::unexpected(s.error());
      found = *s;
    } else if (!physical.empty()) {
      for (const auto& s : engine.stacks())
        for (const auto& [id, r] : s.resources)
          if (s.status != "DELETE_COMPLETE" && r.physical_id == physical) found = s;
      if (!found) return std::unexpected(call.invalid("Stack for " + physical + " does not exist"));
    } else {
      return std::unexpected(call.invalid("Either StackName or PhysicalResourceId must be specified."));
    }
    Answer list = Answer::array();
    for (const auto& r : by_order(*found))
      if ((logical.empty() || r.logical_id == logical) && (physical.empty() || !name.empty() || r.physical_id == physical))
        list.push_back(resource_answer(*found, r, "Timestamp", true));
    return Answer{{"StackResources", list}};
  });
  api.add("ListStackResources", [&engine](Call& call) -> core::Result<Answer> {
    auto s = live_stack(engine, call);
    if (!s) return std::unexpected(s.error());
    Answer list = Answer::array();
    for (const auto& r : by_order(*s)) list.push_back(resource_answer(*s, r, "LastUpdatedTimestamp", false));
    return Answer{{"StackResourceSummaries", list}};
  });
  api.add("UpdateTerminationProtection", [&engine](Call& call) -> core::Result<Answer> {
    auto s = live_stack(engine, call);
    if (!s) return std::unexpected(s.error());
    auto enabled = call.boolean("EnableTerminationProtection");
    if (!enabled) return std::unexpected(enabled.error());
    if (!*enabled) return std::unexpected(call.missing("EnableTerminationProtection"));
    if (auto ok = engine.set_termination_protection(s->stack_id, **enabled); !ok) return std::unexpected(ok.error());
    return Answer{{"StackId", s->stack_id}};
  });
}

void add_template_actions(rpc::Service& api, Engine& engine) {
  api.add("GetTemplate", [&engine](Call& call) -> core::Result<Answer> {
    std::string body;
    if (auto change_set = call.params.get("ChangeSetName"); change_set && !change_set->empty()) {
      auto cs = engine.change_set(*change_set, call.params.get_or("StackName"));
      if (!cs) return std::unexpected(cs.error());
      body = cs->template_body;
    } else {
      auto s = live_stack(engine, call);
      if (!s) return std::unexpected(s.error());
      body = s->template_body;
    }
    return Answer{{"TemplateBody", body}, {"StagesAvailable", Answer::array({"Original", "Processed"})}};
  });
  api.add("GetTemplateSummary", [&engine](Call& call) -> core::Result<Answer> {
    core::Result<std::string> body;
    if (auto name = call.params.get("StackName"); name && !name->empty()) {
      auto s = engine.stack(*name);
      if (!s) return std::unexpected(s.error());
      body = s->template_body;
    } else {
      body = template_argument(call, engine);
    }
    if (!body) return std::unexpected(body.error());
    auto summary = engine.summarize(*body);
    if (!summary) return std::unexpected(summary.error());
    Answer a{{"Parameters", summary_parameters(*summary, false)}};
    if (!summary->description.empty()) a["Description"] = summary->description;
    if (!summary->capabilities.empty()) {
      a["Capabilities"] = strings(summary->capabilities);
      a["CapabilitiesReason"] = summary->capabilities_reason;
    }
    a["ResourceTypes"] = strings(summary->resource_types);
    a["Version"] = "2010-09-09";
    a["DeclaredTransforms"] = strings(summary->declared_transforms);
    Answer identifiers = Answer::array();
    a["ResourceIdentifierSummaries"] = identifiers;
    return a;
  });
  api.add("ValidateTemplate", [&engine](Call& call) -> core::Result<Answer> {
    auto body = template_argument(call, engine);
    if (!body) return std::unexpected(body.error());
    auto summary = engine.summarize(*body);
    if (!summary) return std::unexpected(summary.error());
    Answer a{{"Parameters", summary_parameters(*summary, true)}};
    if (!summary->description.empty()) a["Description"] = summary->description;
    if (!summary->capabilities.empty()) {
      a["Capabilities"] = strings(summary->capabilities);
      a["CapabilitiesReason"] = summary->capabilities_reason;
    }
    a["DeclaredTransforms"] = strings(summary->declared_transforms);
    return a;
  });
  api.add("ListExports", [&engine](Call&) -> core::Result<Answer> {
    Answer list = Answer::array();
    for (const auto& e : engine.exports())
      list.push_back({{"ExportingStackId", e.stack_id}, {"Name", e.name}, {"Value", e.value}});
    return Answer{{"Exports", list}};
  });
  api.add("ListImports", [&engine](Call& call) -> core::Result<Answer> {
    std::string name = call.params.get_or("ExportName");
    if (name.empty()) return std::unexpected(call.missing("ExportName"));
    bool exported = false;
    for (const auto& e : engine.exports()) exported = exported || e.name == name;
    if (!exported) return std::unexpected(call.invalid("Export '" + name + "' does not exist."));
    Answer list = Answer::array();
    for (const auto& s : engine.stacks())
      if (is_live(s.status) && std::find(s.imports.begin(), s.imports.end(), name) != s.imports.end()) list.push_back(s.name);
    if (list.empty()) return std::unexpected(call.invalid("Export '" + name + "' is not imported by any stack."));
    return Answer{{"Imports", list}};
  });
}

void add_change_set_actions(rpc::Service& api, Engine& engine) {
  api.add("CreateChangeSet", [&engine](Call& call) -> core::Result<Answer> {
    auto request = stack_request(call, engine);
    if (!request) return std::unexpected(request.error());
    ChangeSetRequest cs{*request, call.params.get_or("ChangeSetName"), call.params.get_or("ChangeSetType", "UPDATE"),
                        call.params.get_or("Description")};
    if (cs.name.empty()) return std::unexpected(call.missing("ChangeSetName"));
    if (call.params.has("ResourcesToImport"))
      return std::unexpected(call.invalid("minicloud does not import existing resources (ChangeSetType IMPORT)"));
    auto created = engine.create_change_set(cs);
    if (!created) return std::unexpected(created.error());
    return Answer{{"Id", created->id}, {"StackId", created->stack_id}};
  });
  api.add("DescribeChangeSet", [&engine](Call& call) -> core::Result<Answer> {
    std::string name = call.params.get_or("ChangeSetName");
    if (name.empty()) return std::unexpected(call.missing("ChangeSetName"));
    auto cs = engine.change_set(name, call.params.get_or("StackName"));
    if (!cs) return std::unexpected(cs.error());
    return change_set_answer(*cs, true);
  });
  api.add("ExecuteChangeSet", [&engine](Call& call) -> core::Result<Answer> {
    std::string name = call.params.get_or("ChangeSetName");
    if (name.empty()) return std::unexpected(call.missing("ChangeSetName"));
    if (auto ok = engine.execute_change_set(name, call.params.get_or("StackName"), call.params.get_or("DisableRollback") == "true"); !ok)
      return std::unexpected(ok.error());
    return Answer::object();
  });
  api.add("DeleteChangeSet", [&engine](Call& call) -> core::Result<Answer> {
    std::string name = call.params.get_or("ChangeSetName");
    if (name.empty()) return std::unexpected(call.missing("ChangeSetName"));
    if (auto ok = engine.delete_change_set(name, call.params.get_or("StackName")); !ok) return std::unexpected(ok.error());
    return Answer::object();
  });
  api.add("ListChangeSets", [&engine](Call& call) -> core::Result<Answer> {
    std::string name = call.params.get_or("StackName");
    if (name.empty()) return std::unexpected(call.missing("StackName"));
    Answer list = Answer::array();
    for (const auto& cs : engine.change_sets(name)) list.push_back(change_set_answer(cs, false));
    return Answer{{"Summaries", list}};
  });
}

}  // namespace

rpc::Service make_api(Engine& engine) {
  rpc::Service api({.signing_name = "cloudformation",
                    .xml_namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/",
                    .version = "2010-05-15"});
  add_stack_actions(api, engine);
  add_template_actions(api, engine);
  add_change_set_actions(api, engine);
  return api;
}

}  // namespace cloudformation
