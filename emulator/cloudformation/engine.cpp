// The Engine's requests: checking them, planning a deployment, change sets, and the
// queries. The operations themselves run on the worker (deploy.cpp).
#include "cloudformation/engine.h"

#include <algorithm>
#include <set>

#include "cloudformation/evaluator.h"
#include "cloudformation/names.h"
#include "cloudformation/plan.h"
#include "cloudformation/template.h"
#include "core/time.h"
#include "http/message.h"
#include "ssm/parameter_store.h"

namespace cloudformation {

namespace {

using nlohmann::json;

// Every Fn::GetAtt (both forms) and every "${Resource.Attribute}" of an Fn::Sub in `node`.
void for_each_get_att(const json& node, const std::function<void(const std::string&, const std::string&)>& visit) {
  if (node.is_array()) {
    for (const auto& v : node) for_each_get_att(v, visit);
    return;
  }
  if (!node.is_object()) return;
  if (node.size() == 1 && node.contains("Fn::GetAtt")) {
    const auto& a = node["Fn::GetAtt"];
    if (a.is_array() && a.size() == 2 && a[0].is_string() && a[1].is_string()) visit(a[0], a[1]);
    if (a.is_string()) {
      std::string s = a.get<std::string>();
      auto dot = s.find('.');
      if (dot != std::string::npos) visit(s.substr(0, dot), s.substr(dot + 1));
    }
  }
  if (node.size() == 1 && node.contains("Fn::Sub")) {
    const auto& sub = node["Fn::Sub"];
    std::string text = sub.is_string() ? sub.get<std::string>() : sub.is_array() && !sub.empty() && sub[0].is_string() ? sub[0].get<std::string>() : "";
    for (std::size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
      auto end = text.find('}', at);
      if (end == std::string::npos) break;
      std::string var = text.substr(at + 2, end - at - 2);
      if (var.starts_with('!')) continue;
      auto dot = var.find('.');
      if (dot != std::string::npos && !var.starts_with("AWS::")) visit(var.substr(0, dot), var.substr(dot + 1));
    }
  }
  for (const auto& [k, v] : node.items()) for_each_get_att(v, visit);
}

std::string joined(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
  return out;
}

// What the template's resources need beyond the basic capability set.
std::vector<std::string> required_capabilities(const json& tmpl) {
  bool iam = false, named = false;
  const json resources = tmpl.value("Resources", json::object());
  for (const auto& [id, r] : resources.items()) {
    const ResourceType* type = find_type(r.value("Type", std::string()));
    if (!type || !type->is_iam()) continue;
    iam = true;
    named = named || type->names_iam_resource(r.value("Properties", json::object()));
  }
  if (named) return {"CAPABILITY_NAMED_IAM"};
  if (iam) return {"CAPABILITY_IAM"};
  return {};
}

// The template's resource types are supported, its GetAtts name attributes they have, and
// the caller acknowledged the capabilities it needs.
core::Result<void> check_resources(const json& tmpl, const std::vector<std::string>& capabilities) {
  const json resources = tmpl.value("Resources", json::object());
  std::vector<std::string> unknown;
  for (const auto& [id, r] : resources.items()) {
    std::string type = r.value("Type", std::string());
    if (!find_type(type)) unknown.push_back(type + " (resource " + id + ")");
  }
  if (!unknown.empty())
    return std::unexpected(validation("Template format error: Unrecognized resource types: [" + joined(unknown) +
                                      "]. minicloud supports: " + joined(supported_types())));
  std::string bad;
  auto check = [&](const std::string& resource, const std::string& attribute) {
    if (!bad.empty() || !resources.contains(resource)) return;  // an undefined resource: the template check says so
    const ResourceType* type = find_type(resources[resource].value("Type", std::string()));
    auto names = type->attributes();
    if (std::find(names.begin(), names.end(), attribute) == names.end())
      bad = "Template error: resource " + resource + " does not support attribute type " + attribute + " in Fn::GetAtt";
  };
  for_each_get_att(resources, check);
  for_each_get_att(tmpl.value("Outputs", json::object()), check);
  if (!bad.empty()) return std::unexpected(validation(bad));
  auto needed = required_capabilities(tmpl);
  for (const auto& cap : needed) {
    bool given = std::find(capabilities.begin(), capabilities.end(), cap) != capabilities.end();
    if (cap == "CAPABILITY_IAM")
      given = given || std::find(capabilities.begin(), capabilities.end(), "CAPABILITY_NAMED_IAM") != capabilities.end();
    if (!given)
      return std::unexpected(core::make_error(core::ErrorCode::InsufficientCapabilities, "Requires capabilities : [" + cap + "]"));
  }
  return {};
}

}  // namespace

core::Result<std::unique_ptr<Engine>> Engine::open(EngineOptions options) {
  if (!options.now_ms) options.now_ms = core::system_now_ms;
  std::unique_ptr<Engine> engine(new Engine(std::move(options)));
  std::error_code ec;
  std::filesystem::create_directories(engine->options_.data_dir / "lambda-code", ec);
  auto db = StackStore::open(engine->options_.data_dir / "cloudformation.sqlite", engine->now());
  if (!db) return std::unexpected(db.error());
  engine->db_ = std::move(*db);
  auto stacks = engine->db_->stacks();
  if (!stacks) return std::unexpected(stacks.error());
  for (auto& s : *stacks) {
    engine->order_.push_back(s.stack_id);
    engine->stacks_[s.stack_id] = std::move(s);
  }
  auto change_sets = engine->db_->change_sets();
  if (!change_sets) return std::unexpected(change_sets.error());
  for (auto& cs : *change_sets) engine->change_sets_[cs.id] = std::move(cs);
  engine->worker_ = std::thread([e = engine.get()] { e->worker_loop(); });
  return engine;
}

Engine::~Engine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Engine::enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void Engine::worker_loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
    }
    job();
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
    }
    idle_.notify_all();
  }
}

void Engine::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return stopping_ || (jobs_.empty() && !busy_); });
}

const StackRecord* Engine::find_locked(const std::string& name_or_id) const {
  if (is_arn(name_or_id)) {
    auto it = stacks_.find(name_or_id);
    return it == stacks_.end() ? nullptr : &it->second;
  }
  // The newest stack of that name that is not deleted.
  for (auto id = order_.rbegin(); id != order_.rend(); ++id) {
    const auto& s = stacks_.at(*id);
    if (s.name == name_or_id && s.status != "DELETE_COMPLETE") return &s;
  }
  return nullptr;
}

core::Result<StackRecord> Engine::stack(const std::string& name_or_id) const {
  std::lock_guard lock(mutex_);
  if (const auto* s = find_locked(name_or_id)) return *s;
  return std::unexpected(validation("Stack with id " + name_or_id + " does not exist"));
}

std::vector<StackRecord> Engine::stacks() const {
  std::lock_guard lock(mutex_);
  std::vector<StackRecord> out;
  for (const auto& id : order_) out.push_back(stacks_.at(id));
  return out;
}

core::Result<std::vector<StackEvent>> Engine::events(const std::string& name_or_id) const {
  std::lock_guard lock(mutex_);
  const auto* s = find_locked(name_or_id);
  if (!s) return std::unexpected(validation("Stack [" + name_or_id + "] does not exist"));
  return db_->events(s->stack_id);
}

std::vector<Engine::Export> Engine::exports() const {
  std::lock_guard lock(mutex_);
  std::vector<Export> out;
  for (const auto& id : order_) {
    const auto& s = stacks_.at(id);
    if (!is_live(s.status)) continue;
    for (const auto& o : s.outputs)
      if (!o.export_name.empty()) out.push_back({s.stack_id, o.export_name, o.value});
  }
  return out;
}

core::Result<void> Engine::set_termination_protection(const std::string& name_or_id, bool enabled) {
  std::lock_guard lock(mutex_);
  const auto* found = find_locked(name_or_id);
  if (!found) return std::unexpected(validation("Stack [" + name_or_id + "] does not exist"));
  StackRecord s = *found;
  s.termination_protection = enabled;
  stacks_[s.stack_id] = s;
  return db_->save(s);
}

Environment Engine::environment(const std::string& stack_name, const std::string& stack_id) const {
  Environment env;
  env.region = options_.region;
  env.stack_name = stack_name;
  env.stack_id = stack_id;
  env.ssm_parameter = [this](std::string_view name) -> std::optional<std::string> {
    if (options_.parameters)
      if (auto p = options_.parameters->get(name)) return p->value;
    if (auto it = options_.ssm_fallback.find(std::string(name)); it != options_.ssm_fallback.end()) return it->second;
    return std::nullopt;
  };
  env.import_value = [this, stack_id](std::string_view name) -> std::optional<std::string> {
    for (const auto& e : exports())
      if (e.name == name && e.stack_id != stack_id) return e.value;
    return std::nullopt;
  };
  return env;
}

core::Result<Engine::Plan> Engine::plan(const StackRequest& request, const StackRecord* existing) const {
  Plan p;
  p.request = request;
  p.creating = !existing || !is_live(existing->status);
  p.stack_name = existing ? existing->name : request.stack_name;
  p.stack_id = existing ? existing->stack_id : stack_arn(options_.region, request.stack_name);
  if (request.use_previous_template) {
    if (!existing || !is_live(existing->status)) return std::unexpected(validation("UsePreviousTemplate needs an existing stack"));
    p.body = existing->template_body;
  } else {
    p.body = request.template_body;
  }
  if (p.body.empty()) return std::unexpected(validation("Either Template URL or Template Body must be specified."));
  auto tmpl = parse_template(p.body);
  if (!tmpl) return std::unexpected(validation(tmpl.error()));
  p.tmpl = std::move(*tmpl);
  if (auto ok = validate_template(p.tmpl); !ok) return std::unexpected(validation(ok.error()));
  if (auto ok = check_resources(p.tmpl, request.capabilities); !ok) return std::unexpected(ok.error());

  std::map<std::string, std::string> given;
  for (const auto& in : request.parameters) {
    if (!in.use_previous) {
      given[in.key] = in.value;
      continue;
    }
    bool found = false;
    if (existing)
      for (const auto& old : existing->parameters)
        if (old.key == in.key) given[in.key] = old.value, found = true;
    if (!found) return std::unexpected(validation("Invalid input for parameter key " + in.key + ". Cannot specify usePreviousValue as true for a parameter key not in the previous template"));
  }
  auto env = environment(p.stack_name, p.stack_id);
  auto resolved = resolve_parameters(p.tmpl, given, env);
  if (!resolved) return std::unexpected(validation(resolved.error()));
  p.parameters = *resolved;
  for (const auto& decl : parameter_decls(p.tmpl)) {
    auto it = p.parameters.find(decl.name);
    if (it == p.parameters.end()) continue;
    p.stack_parameters.push_back({decl.name, it->second.value, it->second.resolved_value.value_or(""), decl.no_echo});
  }
  Evaluator ev(p.tmpl, env, p.parameters);
  if (auto ok = ev.evaluate_conditions(); !ok) return std::unexpected(validation(ok.error()));
  if (auto ok = ev.check_rules(); !ok) return std::unexpected(validation(ok.error()));
  if (auto order = ev.creation_order(); !order) return std::unexpected(validation(order.error()));
  return p;
}

core::Result<std::string> Engine::create_stack(const StackRequest& request) {
  StackRecord record;
  {
    std::lock_guard lock(mutex_);
    if (const auto* existing = find_locked(request.stack_name); existing && existing->status != "REVIEW_IN_PROGRESS")
      return std::unexpected(core::make_error(core::ErrorCode::AlreadyExistsException, "Stack [" + request.stack_name + "] already exists"));
  }
  auto p = plan(request, nullptr);
  if (!p) return std::unexpected(p.error());
  std::string id = p->stack_id;
  enqueue([this, plan = std::move(*p)]() mutable { run_deploy(std::move(plan)); });
  return id;
}

core::Result<std::string> Engine::update_stack(const StackRequest& request) {
  StackRecord existing;
  {
    std::lock_guard lock(mutex_);
    const auto* found = find_locked(request.stack_name);
    if (!found) return std::unexpected(validation("Stack [" + request.stack_name + "] does not exist"));
    existing = *found;
  }
  if (!is_settled(existing.status) || existing.status == "ROLLBACK_COMPLETE" || existing.status == "ROLLBACK_FAILED" ||
      existing.status == "CREATE_FAILED" || existing.status == "REVIEW_IN_PROGRESS" || existing.status == "DELETE_FAILED")
    return std::unexpected(validation("Stack:" + existing.stack_id + " is in " + existing.status + " state and can not be updated."));
  auto p = plan(request, &existing);
  if (!p) return std::unexpected(p.error());
  std::vector<StackParameter> before = existing.parameters;
  auto same_parameters = [&] {
    if (before.size() != p->stack_parameters.size()) return false;
    for (std::size_t i = 0; i < before.size(); ++i)
      if (before[i].key != p->stack_parameters[i].key || before[i].value != p->stack_parameters[i].value) return false;
    return true;
  };
  auto old_tmpl = parse_template(existing.template_body);
  if (old_tmpl && *old_tmpl == p->tmpl && same_parameters())
    return std::unexpected(validation("No updates are to be performed."));
  std::string id = p->stack_id;
  enqueue([this, plan = std::move(*p)]() mutable { run_deploy(std::move(plan)); });
  return id;
}

core::Result<std::string> Engine::deploy(const StackRequest& request) {
  bool exists = false;
  {
    std::lock_guard lock(mutex_);
    const auto* found = find_locked(request.stack_name);
    exists = found && is_live(found->status);
  }
  if (!exists) return create_stack(request);
  auto updated = update_stack(request);
  if (!updated && updated.error().effective_message() == "No updates are to be performed.") return stack(request.stack_name)->stack_id;
  return updated;
}

core::Result<void> Engine::delete_stack(const std::string& name_or_id, const std::vector<std::string>& retain) {
  std::string id;
  {
    std::lock_guard lock(mutex_);
    const auto* s = find_locked(name_or_id);
    if (!s || s->status == "DELETE_COMPLETE") return {};  // deleting a missing stack succeeds, as on AWS
    if (s->termination_protection)
      return std::unexpected(validation("Stack [" + s->name + "] cannot be deleted while TerminationProtection is enabled"));
    for (const auto& o : s->outputs) {
      if (o.export_name.empty()) continue;
      for (const auto& [other_id, other] : stacks_)
        if (other_id != s->stack_id && is_live(other.status) &&
            std::find(other.imports.begin(), other.imports.end(), o.export_name) != other.imports.end())
          return std::unexpected(validation("Export " + o.export_name + " cannot be deleted as it is in use by " + other.name));
    }
    id = s->stack_id;
  }
  enqueue([this, id, retain] { run_delete(id, retain); });
  return {};
}

core::Result<TemplateSummary> Engine::summarize(const std::string& body) const {
  auto tmpl = parse_template(body);
  if (!tmpl) return std::unexpected(validation(tmpl.error()));
  if (auto ok = validate_template(*tmpl); !ok) return std::unexpected(validation(ok.error()));
  TemplateSummary summary;
  summary.description = tmpl->value("Description", std::string());
  for (const auto& d : parameter_decls(*tmpl)) {
    json p = {{"ParameterKey", d.name}, {"ParameterType", d.type}, {"NoEcho", d.no_echo}, {"Description", d.description}};
    if (d.default_value) p["DefaultValue"] = *d.default_value;
    if (!d.allowed_values.empty()) p["ParameterConstraints"] = {{"AllowedValues", d.allowed_values}};
    summary.parameters.push_back(p);
  }
  summary.capabilities = required_capabilities(*tmpl);
  if (!summary.capabilities.empty())
    summary.capabilities_reason = "The following resource(s) require capabilities: [AWS::IAM::*]";
  std::set<std::string> types;
  const json resources = tmpl->value("Resources", json::object());
  for (const auto& [id, r] : resources.items()) {
    types.insert(r.value("Type", std::string()));
    summary.resource_ids.push_back(id);
  }
  summary.resource_types.assign(types.begin(), types.end());
  if (tmpl->contains("Transform")) {
    const auto& t = (*tmpl)["Transform"];
    if (t.is_string()) summary.declared_transforms.push_back(t);
    if (t.is_array())
      for (const auto& x : t)
        if (x.is_string()) summary.declared_transforms.push_back(x);
  }
  return summary;
}

core::Result<std::string> Engine::template_from_url(const std::string& url) const {
  auto invalid = [&] { return std::unexpected(validation("TemplateURL must be a supported URL.")); };
  std::string_view rest = url;
  if (rest.starts_with("s3://")) rest.remove_prefix(5);
  else if (rest.starts_with("https://")) rest.remove_prefix(8);
  else if (rest.starts_with("http://")) rest.remove_prefix(7);
  else return invalid();
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return invalid();
  std::string host(rest.substr(0, slash));
  std::string path = http::percent_decode(rest.substr(slash + 1));
  std::string bucket, key;
  bool virtual_hosted = !url.starts_with("s3://") && (host.find(".s3.") != std::string::npos || host.find(".s3-") != std::string::npos);
  if (url.starts_with("s3://")) {
    bucket = host;
    key = path;
  } else if (virtual_hosted) {
    bucket = host.substr(0, std::min(host.find(".s3."), host.find(".s3-")));
    key = path;
  } else {
    auto cut = path.find('/');
    if (cut == std::string::npos) return invalid();
    bucket = path.substr(0, cut);
    key = path.substr(cut + 1);
  }
  auto object = options_.store->get_object(bucket, key);
  if (!object) return std::unexpected(validation("S3 error: " + object.error().effective_message() + " (s3://" + bucket + "/" + key + ")"));
  auto& [meta, reader] = *object;
  if (meta.size > 1024 * 1024) return std::unexpected(validation("Template may not exceed 1000000 bytes in size."));
  std::string body(static_cast<std::size_t>(meta.size), '\0');
  std::int64_t offset = 0;
  while (offset < meta.size) {
    auto n = reader.read(offset, body.data() + offset, static_cast<std::size_t>(meta.size - offset));
    if (!n || *n == 0) return std::unexpected(validation("S3 error: cannot read s3://" + bucket + "/" + key));
    offset += static_cast<std::int64_t>(*n);
  }
  return body;
}

}  // namespace cloudformation
