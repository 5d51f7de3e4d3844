// The Engine's operations, on its worker thread: deploy (create or update by difference,
// with rollback) and delete. Every state change is committed and reported as an event
// before the next step, so DescribeStacks / DescribeStackEvents show progress as it goes.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "cloudformation/engine.h"
#include "cloudformation/names.h"
#include "cloudformation/plan.h"
#include "core/time.h"

namespace cloudformation {
namespace {

using nlohmann::json;

constexpr const char* kStackType = "AWS::CloudFormation::Stack";

std::string output_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : ",") + output_text(v);
    return out;
  }
  return value.dump();
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string policy(const json& definition, const char* name) {
  const auto it = definition.find(name);
  return it != definition.end() && it->is_string() ? it->get<std::string>() : "Delete";
}

// Records by creation order, last first: the order deletion runs in.
std::vector<std::string> newest_first(const std::map<std::string, ResourceRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& [id, r] : records) ids.push_back(id);
  std::sort(ids.begin(), ids.end(), [&](const auto& a, const auto& b) { return records.at(a).order > records.at(b).order; });
  return ids;
}

// One change a deployment made, for putting it back if a later step fails.
struct Step {
  enum Kind { Created, Updated, Replaced } kind;
  std::string logical_id;
  std::optional<ResourceRecord> before;  // Updated, Replaced; Created over a type change
  ResourceRecord after;
};

}  // namespace

ResourceContext Engine::context_for(const StackRecord& s, const std::string& logical_id) const {
  ResourceContext c;
  c.store = options_.store;
  c.parameters = options_.parameters;
  c.code = &options_.code;
  c.overlay = &options_.overlay;
  c.region = options_.region;
  c.stack_name = s.name;
  c.stack_id = s.stack_id;
  c.logical_id = logical_id;
  c.functions_dir = options_.data_dir / "lambda-code";
  c.support_dir = options_.support_dir;
  c.running = options_.running;
  c.records = &s.resources;
  return c;
}

void Engine::commit(const StackRecord& s) {
  std::lock_guard lock(mutex_);
  if (!stacks_.contains(s.stack_id)) order_.push_back(s.stack_id);
  stacks_[s.stack_id] = s;
  if (auto ok = db_->save(s); !ok)
    std::fprintf(stderr, "cloudformation: cannot save stack %s: %s\n", s.name.c_str(), ok.error().effective_message().c_str());
}

void Engine::emit(const StackRecord& s, const std::string& logical_id, const std::string& physical_id, const std::string& type,
                  const std::string& status, const std::string& reason, const json& properties) {
  StackEvent e;
  e.timestamp_ms = now();
  e.event_id = type == kStackType ? random_uuid() : logical_id + "-" + status + "-" + core::iso8601_ms(e.timestamp_ms);
  e.stack_id = s.stack_id;
  e.stack_name = s.name;
  e.logical_id = logical_id;
  e.physical_id = physical_id;
  e.resource_type = type;
  e.status = status;
  e.status_reason = reason;
  if (!properties.is_null()) e.properties = properties.dump();
  std::lock_guard lock(mutex_);
  if (auto ok = db_->add(e); !ok)
    std::fprintf(stderr, "cloudformation: cannot record an event of %s: %s\n", s.name.c_str(), ok.error().effective_message().c_str());
}

void Engine::set_status(StackRecord& s, const std::string& status, const std::string& reason) {
  s.status = status;
  s.status_reason = reason;
  s.updated_ms = now();
  commit(s);
  emit(s, s.name, s.stack_id, kStackType, status, reason);
  std::fprintf(stderr, "cloudformation: stack %s %s%s%s\n", s.name.c_str(), status.c_str(), reason.empty() ? "" : ": ",
               reason.c_str());
}

void Engine::publish(const StackRecord& s) {
  stack::Stack contribution;
  std::vector<const ResourceRecord*> records;
  for (const auto& [id, r] : s.resources)
    if (!r.physical_id.empty()) records.push_back(&r);
  std::sort(records.begin(), records.end(), [](const auto* a, const auto* b) { return a->order < b->order; });
  for (const auto* r : records)
    if (const auto* type = find_type(r->type)) type->contribute(*r, options_.region, contribution);
  if (auto ok = options_.contribute(s.stack_id, std::move(contribution)); !ok)
    std::fprintf(stderr, "cloudformation: stack %s: %s\n", s.name.c_str(), ok.error().c_str());
}

void Engine::run_deploy(Plan p) {
  StackRecord before;
  {
    std::lock_guard lock(mutex_);
    if (const auto* s = find_locked(p.stack_id)) before = *s;
  }
  const bool creating = p.creating;
  StackRecord work = before;
  if (creating) {
    work.resources.clear();
    work.outputs.clear();
    work.stack_id = p.stack_id;
    work.name = p.stack_name;
    work.created_ms = before.status == "REVIEW_IN_PROGRESS" ? before.created_ms : now();
    work.termination_protection = p.request.termination_protection;
  }
  work.template_body = p.body;
  work.description = p.tmpl.value("Description", std::string());
  work.parameters = p.stack_parameters;
  work.capabilities = p.request.capabilities;
  work.notification_arns = p.request.notification_arns;
  work.tags = p.request.tags;
  work.role_arn = p.request.role_arn;
  work.disable_rollback = p.request.disable_rollback;
  if (!p.change_set_id.empty()) work.change_set_id = p.change_set_id;
  set_status(work, creating ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS", "User Initiated");

  std::vector<std::string> imports;
  Environment env = environment(work.name, work.stack_id);
  env.import_value = [&imports, base = env.import_value](std::string_view name) {
    imports.emplace_back(name);
    return base(name);
  };
  Evaluator ev(p.tmpl, env, p.parameters);
  ResourceValues values;
  values.ref = [&work](const std::string& id) -> std::optional<json> {
    auto it = work.resources.find(id);
    if (it == work.resources.end() || it->second.physical_id.empty()) return std::nullopt;
    return json(it->second.physical_id);
  };
  values.get_att = [&work](const std::string& id, const std::string& attribute) -> std::expected<json, std::string> {
    auto it = work.resources.find(id);
    if (it == work.resources.end() || !it->second.attributes.contains(attribute))
      return std::unexpected("Template error: resource " + id + " does not support attribute type " + attribute + " in Fn::GetAtt");
    return it->second.attributes[attribute];
  };

  std::vector<Step> steps;
  std::vector<ResourceRecord> retired;  // replaced ones, deleted at cleanup
  std::string failed_id, failure, failed_verb = "create";
  std::vector<std::string> order;
  if (auto ok = ev.evaluate_conditions(); !ok) failure = ok.error();
  if (failure.empty()) {
    auto sorted = ev.creation_order();
    if (sorted) order = *sorted;
    else failure = sorted.error();
  }
  const json resources = p.tmpl.value("Resources", json::object());
  for (std::size_t i = 0; i < order.size() && failure.empty(); ++i) {
    const std::string& id = order[i];
    const json& definition = resources[id];
    ResourceRecord record;
    record.logical_id = id;
    record.type = definition.value("Type", std::string());
    record.deletion_policy = policy(definition, "DeletionPolicy");
    record.update_replace_policy = policy(definition, "UpdateReplacePolicy");
    record.order = static_cast<int>(i);
    const ResourceType* type = find_type(record.type);
    auto old = creating ? before.resources.end() : before.resources.find(id);
    bool existed = old != before.resources.end() && !old->second.physical_id.empty();
    auto props = ev.evaluate(definition.value("Properties", json::object()), values);
    if (!props) {
      failure = props.error();
      failed_id = id;
      failed_verb = existed ? "update" : "create";
      emit(work, id, existed ? old->second.physical_id : "", record.type, existed ? "UPDATE_FAILED" : "CREATE_FAILED", failure);
      break;
    }
    record.properties = *props;
    if (existed && old->second.type == record.type && old->second.properties == *props) {
      auto& kept = work.resources[id];  // unchanged: no event, as on AWS
      kept.order = record.order;
      kept.deletion_policy = record.deletion_policy;
      kept.update_replace_policy = record.update_replace_policy;
      continue;
    }
    ResourceContext context = context_for(work, id);
    Outcome outcome;
    Step step{Step::Created, id, std::nullopt, {}};
    if (existed && old->second.type == record.type) {
      bool replace = type->needs_replacement(old->second.properties, *props);
      emit(work, id, old->second.physical_id, record.type, "UPDATE_IN_PROGRESS",
           replace ? "Requested update requires the creation of a new physical resource; hence creating one." : "", *props);
      outcome = replace ? type->create(context, *props) : type->update(context, old->second, *props);
      step = {replace ? Step::Replaced : Step::Updated, id, old->second, {}};
      failed_verb = "update";
    } else {
      if (existed) step.before = old->second;  // a type change replaces the resource
      emit(work, id, "", record.type, "CREATE_IN_PROGRESS", "", *props);
      emit(work, id, "", record.type, "CREATE_IN_PROGRESS", "Resource creation Initiated", *props);
      outcome = type->create(context, *props);
      failed_verb = "create";
    }
    std::string notes = joined(context.notes);
    for (const auto& note : context.notes)
      if (options_.say) options_.say("stack " + work.name + ": " + note);
    if (!outcome) {
      failure = outcome.error();
      failed_id = id;
      std::string status = step.kind == Step::Created ? "CREATE_FAILED" : "UPDATE_FAILED";
      emit(work, id, step.kind == Step::Updated ? old->second.physical_id : "", record.type, status, failure, *props);
      break;
    }
    record.physical_id = outcome->physical_id;
    record.attributes = outcome->attributes;
    record.state = outcome->state;
    record.status = step.kind == Step::Created ? "CREATE_COMPLETE" : "UPDATE_COMPLETE";
    record.status_reason = notes;
    record.updated_ms = now();
    step.after = record;
    if (step.before && step.kind != Step::Updated) retired.push_back(*step.before);
    steps.push_back(step);
    work.resources[id] = record;
    commit(work);
    emit(work, id, record.physical_id, record.type, record.status, notes, *props);
    publish(work);
  }

  if (failure.empty()) {
    auto outputs = ev.outputs(values);
    if (!outputs) {
      failure = outputs.error();
    } else {
      work.outputs.clear();
      for (const auto& o : *outputs) work.outputs.push_back({o.key, output_text(o.value), o.description, o.export_name});
      for (const auto& o : work.outputs) {
        if (o.export_name.empty()) continue;
        for (const auto& e : exports())
          if (e.name == o.export_name && e.stack_id != work.stack_id)
            failure = "Export with name " + o.export_name + " is already exported by stack " + name_from_arn(e.stack_id);
      }
    }
  }
  work.imports = imports;

  auto remove = [&](const ResourceRecord& r, const std::string& how) {
    if (r.physical_id.empty()) return true;
    if ((how == "replaced" ? r.update_replace_policy : r.deletion_policy) == "Retain") {
      emit(work, r.logical_id, r.physical_id, r.type, "DELETE_SKIPPED", "");
      return true;
    }
    emit(work, r.logical_id, r.physical_id, r.type, "DELETE_IN_PROGRESS", "");
    ResourceContext context = context_for(work, r.logical_id);
    auto ok = find_type(r.type)->remove(context, r);
    emit(work, r.logical_id, r.physical_id, r.type, ok ? "DELETE_COMPLETE" : "DELETE_FAILED", ok ? "" : ok.error());
    return static_cast<bool>(ok);
  };
  // A change set that ran to completion takes the stack's others with it, as on AWS (so
  // `aws cloudformation deploy` may reuse a name within the same second); a failed one stays
  // to be described.
  auto finish_change_set = [&](const std::string& status) {
    if (p.change_set_id.empty()) return;
    std::lock_guard lock(mutex_);
    for (auto it = change_sets_.begin(); it != change_sets_.end();) {
      if (status == "EXECUTE_COMPLETE" && it->second.stack_id == work.stack_id) {
        (void)db_->remove_change_set(it->first);
        it = change_sets_.erase(it);
        continue;
      }
      if (it->first == p.change_set_id) {
        it->second.execution_status = status;
        (void)db_->save(it->second);
      }
      ++it;
    }
  };

  if (failure.empty()) {
    if (creating) {
      set_status(work, "CREATE_COMPLETE", "");
    } else {
      set_status(work, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "");
      std::map<std::string, ResourceRecord> gone;  // removed from the template, or replaced
      for (const auto& [id, r] : before.resources)
        if (std::find(order.begin(), order.end(), id) == order.end()) gone[id] = r;
      for (const auto& id : newest_first(gone)) {
        if (!remove(gone[id], "removed")) continue;  // DELETE_FAILED: the resource is left, the stack still updates
        work.resources.erase(id);
        commit(work);
        publish(work);
      }
      for (auto it = retired.rbegin(); it != retired.rend(); ++it) remove(*it, "replaced");
      set_status(work, "UPDATE_COMPLETE", "");
    }
    finish_change_set("EXECUTE_COMPLETE");
    publish(work);
    return;
  }

  // A failure: put back what was there.
  std::string reason = failed_id.empty() ? failure
                                         : "The following resource(s) failed to " + failed_verb + ": [" + failed_id + "]. ";
  finish_change_set("EXECUTE_FAILED");
  if (creating) {
    if (p.request.disable_rollback || p.request.on_failure == "DO_NOTHING") {
      set_status(work, "CREATE_FAILED", reason);
      publish(work);
      return;
    }
    set_status(work, "ROLLBACK_IN_PROGRESS", reason + (failed_id.empty() ? "" : "Rollback requested by user."));
    bool all_removed = true;
    for (const auto& id : newest_first(work.resources)) {
      if (!remove(work.resources[id], "rollback")) {
        all_removed = false;
        continue;
      }
      work.resources.erase(id);
      commit(work);
      publish(work);
    }
    work.outputs.clear();
    set_status(work, all_removed ? "ROLLBACK_COMPLETE" : "ROLLBACK_FAILED", "");
    if (all_removed && p.request.on_failure == "DELETE") {
      set_status(work, "DELETE_IN_PROGRESS", "");
      work.deleted_ms = now();
      set_status(work, "DELETE_COMPLETE", "");
    }
    publish(work);
    return;
  }

  set_status(work, "UPDATE_ROLLBACK_IN_PROGRESS", reason);
  std::vector<ResourceRecord> made;  // new physical resources to delete once the old ones are back
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    const Step& s = *it;
    if (s.kind == Step::Updated) {
      emit(work, s.logical_id, s.after.physical_id, s.after.type, "UPDATE_IN_PROGRESS", "");
      ResourceContext context = context_for(work, s.logical_id);
      auto back = find_type(s.after.type)->update(context, s.after, s.before->properties);
      emit(work, s.logical_id, s.after.physical_id, s.after.type, back ? "UPDATE_COMPLETE" : "UPDATE_FAILED", back ? "" : back.error());
      work.resources[s.logical_id] = *s.before;
    } else {
      made.push_back(s.after);
      if (s.before) work.resources[s.logical_id] = *s.before;
      else work.resources.erase(s.logical_id);
    }
    commit(work);
    publish(work);
  }
  set_status(work, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "");
  for (const auto& r : made) remove(r, "rollback");
  work.template_body = before.template_body;
  work.description = before.description;
  work.parameters = before.parameters;
  work.outputs = before.outputs;
  work.tags = before.tags;
  work.imports = before.imports;
  set_status(work, "UPDATE_ROLLBACK_COMPLETE", "");
  publish(work);
}

void Engine::run_delete(const std::string& stack_id, std::vector<std::string> retain) {
  StackRecord work;
  {
    std::lock_guard lock(mutex_);
    auto it = stacks_.find(stack_id);
    if (it == stacks_.end() || it->second.status == "DELETE_COMPLETE") return;
    work = it->second;
  }
  if (work.status == "REVIEW_IN_PROGRESS") {  // only a change set made it: nothing to delete
    work.deleted_ms = now();
    set_status(work, "DELETE_COMPLETE", "");
  } else {
    set_status(work, "DELETE_IN_PROGRESS", "User Initiated");
    std::vector<std::string> failed;
    for (const auto& id : newest_first(work.resources)) {
      const ResourceRecord r = work.resources[id];
      bool keep = std::find(retain.begin(), retain.end(), id) != retain.end() || r.deletion_policy == "Retain";
      if (r.physical_id.empty()) {
        // never created
      } else if (keep) {
        emit(work, id, r.physical_id, r.type, "DELETE_SKIPPED", "");
      } else {
        emit(work, id, r.physical_id, r.type, "DELETE_IN_PROGRESS", "");
        ResourceContext context = context_for(work, id);
        auto ok = find_type(r.type)->remove(context, r);
        if (!ok) {
          emit(work, id, r.physical_id, r.type, "DELETE_FAILED", ok.error());
          work.resources[id].status = "DELETE_FAILED";
          work.resources[id].status_reason = ok.error();
          failed.push_back(id);
          continue;
        }
        emit(work, id, r.physical_id, r.type, "DELETE_COMPLETE", "");
      }
      work.resources.erase(id);
      commit(work);
      publish(work);
    }
    if (!failed.empty()) {
      set_status(work, "DELETE_FAILED", "The following resource(s) failed to delete: [" + joined(failed) + "]. ");
      publish(work);
      return;
    }
    work.deleted_ms = now();
    work.outputs.clear();
    set_status(work, "DELETE_COMPLETE", "");
  }
  publish(work);
  std::lock_guard lock(mutex_);
  for (auto it = change_sets_.begin(); it != change_sets_.end();) {
    if (it->second.stack_id != stack_id) {
      ++it;
      continue;
    }
    (void)db_->remove_change_set(it->first);
    it = change_sets_.erase(it);
  }
}

core::Result<void> Engine::restore() {
  for (auto s : stacks()) {
    if (!is_settled(s.status)) {
      // Cut off by a stop or a crash: report it as failed, as nothing will finish it.
      std::string failed = s.status.starts_with("DELETE") ? "DELETE_FAILED"
                           : s.status.starts_with("CREATE") || s.status.starts_with("ROLLBACK") ? "ROLLBACK_FAILED"
                                                                                                 : "UPDATE_ROLLBACK_FAILED";
      set_status(s, failed, "minicloud stopped while the stack was " + s.status);
    }
    if (is_live(s.status)) publish(s);
  }
  return {};
}

}  // namespace cloudformation
