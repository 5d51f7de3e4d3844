// Change sets: what a deployment would change, computed against what is deployed, kept
// until executed (ExecuteChangeSet runs the deployment they describe) or deleted.
#include <algorithm>

#include "cloudformation/engine.h"
#include "cloudformation/evaluator.h"
#include "cloudformation/names.h"
#include "cloudformation/plan.h"
#include "cloudformation/template.h"

namespace cloudformation {
namespace {

using nlohmann::json;

core::Error not_found(const std::string& name) {
  return core::make_error(core::ErrorCode::ChangeSetNotFound, "ChangeSet [" + name + "] does not exist");
}

bool matches(const ChangeSet& cs, const std::string& name_or_id, const std::string& stack) {
  if (is_arn(name_or_id)) return cs.id == name_or_id;
  return cs.name == name_or_id && (cs.stack_name == stack || cs.stack_id == stack);
}

}  // namespace

std::vector<ResourceChange> Engine::changes(const Plan& p, const StackRecord* existing) const {
  std::vector<ResourceChange> out;
  Evaluator ev(p.tmpl, environment(p.stack_name, p.stack_id), p.parameters);
  (void)ev.evaluate_conditions();  // checked when the plan was made
  std::map<std::string, ResourceRecord> before;
  if (existing && is_live(existing->status)) before = existing->resources;
  // Values of what is deployed: a property that only refers to those resolves now; one
  // that needs a resource not yet made is "Conditional", as CloudFormation says.
  ResourceValues values;
  values.ref = [&](const std::string& id) -> std::optional<json> {
    auto it = before.find(id);
    if (it == before.end()) return std::nullopt;
    return json(it->second.physical_id);
  };
  values.get_att = [&](const std::string& id, const std::string& attribute) -> std::expected<json, std::string> {
    auto it = before.find(id);
    if (it == before.end() || !it->second.attributes.contains(attribute)) return std::unexpected("not deployed yet");
    return it->second.attributes[attribute];
  };
  const json resources = p.tmpl.value("Resources", json::object());
  for (const auto& [id, r] : resources.items()) {
    if (!ev.resource_enabled(id)) continue;
    std::string type = r.value("Type", std::string());
    auto old = before.find(id);
    if (old == before.end()) {
      out.push_back({"Add", id, "", type, "", {}});
      continue;
    }
    if (old->second.type != type) {
      out.push_back({"Modify", id, old->second.physical_id, type, "True", {"Properties"}});
      continue;
    }
    auto props = ev.evaluate(r.value("Properties", json::object()), values);
    if (props && *props == old->second.properties) continue;
    std::string replacement = "Conditional";
    if (props) replacement = find_type(type)->needs_replacement(old->second.properties, *props) ? "True" : "False";
    out.push_back({"Modify", id, old->second.physical_id, type, replacement, {"Properties"}});
  }
  for (const auto& [id, record] : before)
    if (!resources.contains(id) || !ev.resource_enabled(id))
      out.push_back({"Remove", id, record.physical_id, record.type, "", {}});
  return out;
}

core::Result<ChangeSet> Engine::create_change_set(const ChangeSetRequest& request) {
  if (request.type != "CREATE" && request.type != "UPDATE")
    return std::unexpected(validation("ChangeSetType " + request.type + " is not supported (CREATE or UPDATE)"));
  StackRecord existing;
  bool exists = false;
  {
    std::lock_guard lock(mutex_);
    if (const auto* s = find_locked(request.stack.stack_name)) existing = *s, exists = true;
    for (const auto& [id, cs] : change_sets_)
      if (cs.name == request.name && exists && cs.stack_id == existing.stack_id)
        return std::unexpected(core::make_error(core::ErrorCode::AlreadyExistsException,
                                                "ChangeSet " + request.name + " cannot be created due to a mismatch with existing attribute Template"));
  }
  bool live = exists && is_live(existing.status);
  if (request.type == "CREATE" && live)
    return std::unexpected(validation("Stack [" + existing.name + "] already exists and cannot be created again with the changeSet [" + request.name + "]."));
  if (request.type == "UPDATE" && !live)
    return std::unexpected(validation("Stack [" + request.stack.stack_name + "] does not exist"));
  auto p = plan(request.stack, live ? &existing : nullptr);
  if (!p) return std::unexpected(p.error());

  ChangeSet cs;
  cs.id = change_set_arn(options_.region, request.name);
  cs.name = request.name;
  cs.stack_name = p->stack_name;
  cs.stack_id = p->stack_id;
  cs.type = request.type;
  cs.description = request.description;
  cs.template_body = p->body;
  for (const auto& sp : p->stack_parameters) cs.parameters.emplace_back(sp.key, sp.value);
  cs.capabilities = request.stack.capabilities;
  cs.notification_arns = request.stack.notification_arns;
  cs.tags = request.stack.tags;
  cs.role_arn = request.stack.role_arn;
  cs.created_ms = now();
  cs.changes = changes(*p, live ? &existing : nullptr);
  cs.status = "CREATE_COMPLETE";
  cs.execution_status = "AVAILABLE";
  if (live) {
    auto old_tmpl = parse_template(existing.template_body);
    bool same_parameters = existing.parameters.size() == cs.parameters.size() &&
                           std::equal(existing.parameters.begin(), existing.parameters.end(), cs.parameters.begin(),
                                      [](const StackParameter& a, const auto& b) { return a.key == b.first && a.value == b.second; });
    bool same_tags = existing.tags.size() == cs.tags.size() &&
                     std::equal(existing.tags.begin(), existing.tags.end(), cs.tags.begin(),
                                [](const Tag& a, const Tag& b) { return a.key == b.key && a.value == b.value; });
    if (old_tmpl && *old_tmpl == p->tmpl && same_parameters && same_tags) {
      cs.status = "FAILED";
      cs.execution_status = "UNAVAILABLE";
      cs.status_reason = "The submitted information didn't contain changes. Submit different information to create a change set.";
    }
  }
  std::lock_guard lock(mutex_);
  if (!exists || !is_live(existing.status)) {
    // A CREATE change set makes the stack exist, waiting for its execution.
    if (!exists || existing.status != "REVIEW_IN_PROGRESS") {
      StackRecord s;
      s.stack_id = cs.stack_id;
      s.name = cs.stack_name;
      s.status = "REVIEW_IN_PROGRESS";
      s.status_reason = "User Initiated";
      s.created_ms = s.updated_ms = now();
      stacks_[s.stack_id] = s;
      order_.push_back(s.stack_id);
      if (auto ok = db_->save(s); !ok) return std::unexpected(ok.error());
      StackEvent e{random_uuid(), s.stack_id, s.name, s.name, s.stack_id, "AWS::CloudFormation::Stack", now(),
                   "REVIEW_IN_PROGRESS", "User Initiated", ""};
      if (auto ok = db_->add(e); !ok) return std::unexpected(ok.error());
    }
  }
  change_sets_[cs.id] = cs;
  if (auto ok = db_->save(cs); !ok) return std::unexpected(ok.error());
  return cs;
}

core::Result<ChangeSet> Engine::change_set(const std::string& name_or_id, const std::string& stack_name) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, cs] : change_sets_)
    if (matches(cs, name_or_id, stack_name)) return cs;
  return std::unexpected(not_found(name_or_id));
}

std::vector<ChangeSet> Engine::change_sets(const std::string& stack_name) const {
  std::lock_guard lock(mutex_);
  std::vector<ChangeSet> out;
  for (const auto& [id, cs] : change_sets_)
    if (cs.stack_name == stack_name || cs.stack_id == stack_name) out.push_back(cs);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created_ms < b.created_ms; });
  return out;
}

core::Result<void> Engine::delete_change_set(const std::string& name_or_id, const std::string& stack_name) {
  std::lock_guard lock(mutex_);
  for (auto it = change_sets_.begin(); it != change_sets_.end(); ++it) {
    if (!matches(it->second, name_or_id, stack_name)) continue;
    if (it->second.execution_status == "EXECUTE_IN_PROGRESS")
      return std::unexpected(core::make_error(core::ErrorCode::InvalidChangeSetStatus,
                                              "Cannot delete ChangeSet in status EXECUTE_IN_PROGRESS"));
    std::string id = it->first;
    change_sets_.erase(it);
    return db_->remove_change_set(id);
  }
  // By name, AWS answers success as long as the stack exists (CDK relies on it to clear a
  // change set that may not be there).
  if (!is_arn(name_or_id)) {
    const auto* s = find_locked(stack_name);
    if (!s) return std::unexpected(validation("Stack [" + stack_name + "] does not exist"));
    return {};
  }
  return std::unexpected(not_found(name_or_id));
}

core::Result<void> Engine::execute_change_set(const std::string& name_or_id, const std::string& stack_name,
                                              bool disable_rollback) {
  ChangeSet cs;
  StackRecord existing;
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(change_sets_.begin(), change_sets_.end(),
                           [&](const auto& kv) { return matches(kv.second, name_or_id, stack_name); });
    if (it == change_sets_.end()) return std::unexpected(not_found(name_or_id));
    cs = it->second;
    if (cs.execution_status != "AVAILABLE")
      return std::unexpected(core::make_error(core::ErrorCode::InvalidChangeSetStatus,
                                              "ChangeSet [" + cs.id + "] cannot be executed in its current status of [" + cs.status + "]"));
    const auto* s = find_locked(cs.stack_id);
    if (!s) return std::unexpected(validation("Stack [" + cs.stack_name + "] does not exist"));
    existing = *s;
  }
  StackRequest request;
  request.stack_name = cs.stack_id;
  request.template_body = cs.template_body;
  for (const auto& [k, v] : cs.parameters) request.parameters.push_back({k, v, false});
  request.capabilities = cs.capabilities;
  request.notification_arns = cs.notification_arns;
  request.tags = cs.tags;
  request.role_arn = cs.role_arn;
  request.disable_rollback = disable_rollback;
  auto p = plan(request, is_live(existing.status) ? &existing : nullptr);
  if (!p) return std::unexpected(p.error());
  p->stack_id = cs.stack_id;
  p->stack_name = cs.stack_name;
  p->change_set_id = cs.id;
  {
    std::lock_guard lock(mutex_);
    // Executing one change set makes the stack's others obsolete, as on AWS.
    for (auto& [id, other] : change_sets_) {
      if (other.stack_id != cs.stack_id) continue;
      other.execution_status = id == cs.id ? "EXECUTE_IN_PROGRESS" : "OBSOLETE";
      (void)db_->save(other);
    }
  }
  enqueue([this, plan = std::move(*p)]() mutable { run_deploy(std::move(plan)); });
  return {};
}

}  // namespace cloudformation
