// The Evaluator's blocks: Conditions, Rules and Outputs. The intrinsic functions are in
// intrinsics.cpp, the dependency graph in dependencies.cpp.
#include "cloudformation/evaluator.h"

#include <algorithm>

namespace cloudformation {

using nlohmann::json;

namespace {

const json& block(const json& tmpl, const char* name) {
  static const json empty = json::object();
  auto it = tmpl.find(name);
  return it != tmpl.end() && it->is_object() ? *it : empty;
}

// The conditions a condition's definition names with {"Condition": X}.
void named_conditions(const json& node, std::set<std::string>& out) {
  if (node.is_object() && node.size() == 1 && node.begin().key() == "Condition" && node.begin()->is_string())
    out.insert(node.begin()->get<std::string>());
  if (node.is_structured())
    for (const auto& child : node) named_conditions(child, out);
}

}  // namespace

Evaluator::Evaluator(json tmpl, Environment env, std::map<std::string, ResolvedParameter> params)
    : tmpl_(std::move(tmpl)), env_(std::move(env)), params_(std::move(params)) {}

std::expected<void, std::string> Evaluator::evaluate_conditions() {
  conditions_.clear();
  const json& definitions = block(tmpl_, "Conditions");
  std::map<std::string, std::set<std::string>> needs;
  for (const auto& [name, body] : definitions.items()) {
    named_conditions(body, needs[name]);
    for (const auto& needed : needs[name])
      if (!definitions.contains(needed))
        return std::unexpected("Template format error: Unresolved condition dependencies [" + needed +
                               "] in the Conditions block of the template");
  }
  // Evaluate whatever has its prerequisites, until nothing is left or nothing can move.
  while (conditions_.size() < needs.size()) {
    bool progressed = false;
    for (const auto& [name, needed] : needs) {
      if (conditions_.contains(name)) continue;
      if (!std::all_of(needed.begin(), needed.end(), [&](const std::string& n) { return conditions_.contains(n); }))
        continue;
      auto value = truth(definitions.at(name), nullptr);
      if (!value) return std::unexpected(value.error());
      conditions_[name] = *value;
      progressed = true;
    }
    if (!progressed) {
      std::string stuck;
      for (const auto& [name, needed] : needs)
        if (!conditions_.contains(name)) stuck += (stuck.empty() ? "" : ", ") + name;
      return std::unexpected("Template error: Circular dependency between conditions: [" + stuck + "]");
    }
  }
  return {};
}

bool Evaluator::condition(const std::string& name) const {
  auto it = conditions_.find(name);
  return it != conditions_.end() && it->second;
}

bool Evaluator::resource_enabled(const std::string& logical_id) const {
  auto it = resources().find(logical_id);
  if (it == resources().end()) return false;
  auto condition_name = it->find("Condition");
  if (!it->is_object() || condition_name == it->end()) return true;
  return condition_name->is_string() && condition(*condition_name);
}

std::expected<bool, std::string> Evaluator::condition_value(const std::string& name) const {
  auto it = conditions_.find(name);
  if (it == conditions_.end())
    return std::unexpected("Template format error: Unresolved condition dependencies [" + name +
                           "] in the Resources block of the template");
  return it->second;
}

std::expected<json, std::string> Evaluator::evaluate(const json& fragment, const ResourceValues& values) const {
  return eval_value(fragment, &values);
}

std::expected<void, std::string> Evaluator::check_rules() const {
  for (const auto& [name, rule] : block(tmpl_, "Rules").items()) {
    if (auto it = rule.find("RuleCondition"); it != rule.end()) {
      auto applies = truth(*it, nullptr);
      if (!applies) return std::unexpected(applies.error());
      if (!*applies) continue;
    }
    auto assertions = rule.find("Assertions");
    if (assertions == rule.end() || !assertions->is_array()) continue;
    for (const auto& assertion : *assertions) {
      auto assert_it = assertion.find("Assert");
      if (assert_it == assertion.end()) continue;
      auto holds = truth(*assert_it, nullptr);
      if (!holds) return std::unexpected(holds.error());
      if (*holds) continue;
      auto description = assertion.find("AssertDescription");
      if (description != assertion.end() && description->is_string()) return std::unexpected(description->get<std::string>());
      return std::unexpected("Template error: rule " + name + " failed");
    }
  }
  return {};
}

std::expected<std::vector<EvaluatedOutput>, std::string> Evaluator::outputs(const ResourceValues& values) const {
  std::vector<EvaluatedOutput> evaluated;
  for (const auto& [key, output] : block(tmpl_, "Outputs").items()) {
    if (!output.is_object()) continue;
    if (auto it = output.find("Condition"); it != output.end() && !(it->is_string() && condition(*it))) continue;
    EvaluatedOutput result;
    result.key = key;
    auto value = eval_value(output.value("Value", json()), &values);
    if (!value) return std::unexpected(value.error());
    result.value = std::move(*value);
    if (auto it = output.find("Description"); it != output.end()) {
      auto description = eval_value(*it, &values);
      if (!description) return std::unexpected(description.error());
      result.description = scalar_text(*description).value_or("");
    }
    if (auto it = output.find("Export"); it != output.end() && it->is_object() && it->contains("Name")) {
      auto name = eval_value(it->at("Name"), &values);
      if (!name) return std::unexpected(name.error());
      auto text = scalar_text(*name);
      if (!text) return std::unexpected("Template error: the Export Name of output " + key + " must be a string");
      result.export_name = *text;
    }
    evaluated.push_back(std::move(result));
  }
  return evaluated;
}

const json& Evaluator::resources() const { return block(tmpl_, "Resources"); }

}  // namespace cloudformation
