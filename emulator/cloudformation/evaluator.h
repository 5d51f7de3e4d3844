// Evaluating a parsed, validated template: its Conditions, Rules and Outputs, the order its
// resources must be created in, and every intrinsic function in a fragment of it, against the
// resolved parameters, the environment (account, region, SSM, exports) and the resources the
// deploy engine has created so far.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloudformation/template.h"

namespace cloudformation {

// How to read a deployed resource; supplied by the deploy engine.
struct ResourceValues {
  // nullopt: not created yet.
  std::function<std::optional<nlohmann::json>(const std::string& logical_id)> ref;
  std::function<std::expected<nlohmann::json, std::string>(const std::string& logical_id,
                                                           const std::string& attribute)>
      get_att;
};

struct EvaluatedOutput {
  std::string key, description, export_name;
  nlohmann::json value;
};

class Evaluator {
 public:
  Evaluator(nlohmann::json tmpl, Environment env, std::map<std::string, ResolvedParameter> params);

  // Must be called first: evaluates the Conditions block (Fn::Equals/Not/And/Or, Condition,
  // Ref to parameters and pseudo parameters, Fn::FindInMap, ...).
  std::expected<void, std::string> evaluate_conditions();
  bool condition(const std::string& name) const;              // false for an undeclared name
  bool resource_enabled(const std::string& logical_id) const;  // its Condition (if any) holds

  // Enabled resources in an order that respects DependsOn and every Ref/GetAtt/Sub reference
  // (a reference inside a false Fn::If branch does not count, as on AWS); ties broken by
  // template order. A cycle: "Circular dependency between resources: [A, B, C]" (the resources
  // in the cycle, sorted). A reference to a resource whose Condition is false:
  // "Template format error: Unresolved resource dependencies [X] in the Resources block of the
  // template".
  std::expected<std::vector<std::string>, std::string> creation_order() const;
  // Direct dependencies among enabled resources.
  std::set<std::string> dependencies(const std::string& logical_id) const;

  // Resolves every intrinsic function in `fragment` (a resource's Properties, an Output's
  // Value...). AWS::NoValue removes the key or array element it stands in; a fragment that is
  // AWS::NoValue altogether evaluates to null. A Ref/GetAtt to a resource not created yet is
  // an error naming it.
  std::expected<nlohmann::json, std::string> evaluate(const nlohmann::json& fragment,
                                                      const ResourceValues& values) const;

  // The Rules block (Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::Equals/Not/And/Or,
  // Ref to parameters): a failing assertion -> its AssertDescription, or
  // "Template error: rule R failed" without one.
  std::expected<void, std::string> check_rules() const;

  // Outputs whose Condition holds, values evaluated, Export.Name evaluated.
  std::expected<std::vector<EvaluatedOutput>, std::string> outputs(const ResourceValues& values) const;

 private:
  // nullopt stands for AWS::NoValue until the enclosing object or array drops it.
  using Value = std::optional<nlohmann::json>;
  // `values` is null where resources cannot be referenced (Conditions, Rules).
  std::expected<Value, std::string> eval(const nlohmann::json& node, const ResourceValues* values) const;
  std::expected<Value, std::string> eval_function(const std::string& name, const nlohmann::json& argument,
                                                  const ResourceValues* values) const;
  std::expected<nlohmann::json, std::string> eval_value(const nlohmann::json& node,
                                                        const ResourceValues* values) const;
  std::expected<bool, std::string> truth(const nlohmann::json& node, const ResourceValues* values) const;
  std::expected<Value, std::string> ref(const std::string& name, const ResourceValues* values) const;
  std::expected<nlohmann::json, std::string> get_att(const std::string& logical_id, const std::string& attribute,
                                                     const ResourceValues* values) const;
  std::expected<nlohmann::json, std::string> sub(const nlohmann::json& argument, const ResourceValues* values) const;
  std::expected<bool, std::string> condition_value(const std::string& name) const;

  // Every resource `node` refers to (enabled or not), skipping Fn::If's untaken branches.
  void collect_references(const nlohmann::json& node, std::set<std::string>& out) const;
  std::set<std::string> references(const std::string& logical_id) const;
  const nlohmann::json& resources() const;

  nlohmann::json tmpl_;
  Environment env_;
  std::map<std::string, ResolvedParameter> params_;
  std::map<std::string, bool> conditions_;
};

}  // namespace cloudformation
