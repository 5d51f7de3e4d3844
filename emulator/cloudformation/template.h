// CloudFormation templates as data: reading a template body (JSON or YAML with the short-form
// tags), the static checks CloudFormation makes before creating anything, and the Parameters
// block (declarations, and the caller's values checked against them). Evaluating intrinsic
// functions lives in evaluator.h.
//
// Templates are nlohmann::json, whose objects keep their keys sorted: wherever the contract
// says "template order" it is that order (alphabetical by logical id / parameter name), which
// is deterministic but not the order of the text.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cloudformation {

// JSON if the first non-blank character is '{', else YAML (with CloudFormation's short-form tags
// !Ref !GetAtt !Sub !Join !Select !Split !If !Equals !Not !And !Or !FindInMap !ImportValue !Base64
// !GetAZs !Condition !Cidr !Transform converted to the long form {"Ref": ...} / {"Fn::X": ...};
// !GetAtt "A.B" becomes ["A","B"] (split at the first dot); YAML plain scalars true/false -> bool,
// integers and decimals -> number, null/~ -> null, everything else (quoted or not, e.g. 2010-09-09)
// a string).
// Errors as AWS words them: "Template format error: JSON not well-formed. (line L, column C)",
// "Template format error: YAML not well-formed. (line L, column C)"; a top level that is not an
// object: "Template format error: unsupported structure."
std::expected<nlohmann::json, std::string> parse_template(std::string_view body);

// Static checks CloudFormation makes before anything is created, with AWS's messages:
//  unknown top-level key -> "Template format error: Invalid template property or properties [K]"
//  no/empty Resources -> "Template format error: At least one Resources member must be defined."
//  resource without Type ->
//    "Template format error: [/Resources/X] Every Resources object must contain a Type member."
//  Ref/Sub/DependsOn to a name that is neither a resource, a parameter nor a pseudo parameter ->
//    "Template format error: Unresolved resource dependencies [X] in the Resources block of the
//    template" (Outputs block: "... in the Outputs block of the template")
//  Fn::GetAtt to an undeclared resource ->
//    "Template error: instance of Fn::GetAtt references undefined resource X"
//  Condition name used but not declared -> "Template format error: Unresolved condition
//    dependencies [X] in the Resources block of the template"
//  Transform (any) -> "Transform <name> is not supported by minicloud" (macros are not run)
std::expected<void, std::string> validate_template(const nlohmann::json& tmpl);

struct ParameterDecl {
  std::string name, type, description;
  // As text: numbers and booleans written out, lists joined by ",".
  std::optional<std::string> default_value;
  bool no_echo = false;
  std::vector<std::string> allowed_values;
  std::optional<std::string> allowed_pattern, constraint_description;
  std::optional<double> min_value, max_value;
  std::optional<std::size_t> min_length, max_length;
};
std::vector<ParameterDecl> parameter_decls(const nlohmann::json& tmpl);  // in template order

// What the template is evaluated against.
struct Environment {
  std::string account_id = "000000000000", region = "us-east-1", partition = "aws",
              url_suffix = "amazonaws.com", stack_name, stack_id;
  // Null function or nullopt: the parameter / export does not exist.
  std::function<std::optional<std::string>(std::string_view name)> ssm_parameter;
  std::function<std::optional<std::string>(std::string_view export_name)> import_value;
};

struct ResolvedParameter {
  std::string value;                          // as given or defaulted (SSM types: the parameter NAME)
  std::optional<std::string> resolved_value;  // SSM parameter types only: the value read from SSM
  nlohmann::json ref_value;  // what Ref yields: string, or array for List<...>/CommaDelimitedList
};

// `given`: the caller's parameter values. Errors as AWS's:
//  "Parameters: [A, B] must have values" (missing and no default; all of them, template order)
//  "Parameters: [X] do not exist in the template"
//  "Parameter 'X' must be a number." / "Parameter 'X' must be one of AllowedValues" /
//  "Parameter 'X' must match pattern P" / "Parameter 'X' must contain at least N characters" /
//  "... at most N characters" / "Parameter 'X' must be a number not less than N" /
//  "... not greater than N"; with a ConstraintDescription:
//  "Parameter 'X' failed to satisfy constraint: <ConstraintDescription>".
//  SSM types (AWS::SSM::Parameter::Value<...>) are read through env.ssm_parameter; missing ->
//  "Unable to fetch parameters [NAME] from parameter store for this account."
std::expected<std::map<std::string, ResolvedParameter>, std::string> resolve_parameters(
    const nlohmann::json& tmpl, const std::map<std::string, std::string>& given,
    const Environment& env);

// Shared by the evaluator and the checks above.
bool is_pseudo_parameter(std::string_view name);  // AWS::Region, AWS::NoValue, ...
// A scalar as CloudFormation writes it into a string: strings as they are, numbers in their
// shortest form, booleans as true/false; nullopt for null, arrays and objects.
std::optional<std::string> scalar_text(const nlohmann::json& value);

}  // namespace cloudformation
