// The Parameters block: declarations, and the caller's values checked against them the way
// CloudFormation checks them at CreateStack / CreateChangeSet.
#include <algorithm>
#include <cmath>
#include <regex>

#include "cloudformation/template.h"

namespace cloudformation {

using nlohmann::json;

namespace {

std::optional<std::string> text_of(const json& value) {
  if (value.is_array()) {
    std::string joined;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i) joined += ',';
      joined += scalar_text(value[i]).value_or(value[i].dump());
    }
    return joined;
  }
  return scalar_text(value);
}

std::optional<double> number_of(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    try {
      std::size_t used = 0;
      double number = std::stod(value.get<std::string>(), &used);
      if (used == value.get<std::string>().size()) return number;
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

std::optional<std::size_t> length_of(const json& value) {
  auto number = number_of(value);
  if (!number || *number < 0) return std::nullopt;
  return static_cast<std::size_t>(*number);
}

std::string number_text(double number) {
  if (std::floor(number) == number && std::abs(number) < 1e15) return std::to_string(static_cast<long long>(number));
  return json(number).dump();
}

bool is_number(const std::string& text) {
  static const std::regex number(R"(\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*)");
  return std::regex_match(text, number);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    // CloudFormation trims the blanks around each member of a comma-delimited list.
    auto first = item.find_first_not_of(" \t");
    auto last = item.find_last_not_of(" \t");
    items.push_back(first == std::string::npos ? std::string() : item.substr(first, last - first + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

// The type inside AWS::SSM::Parameter::Value<...>, or nullopt for any other type.
std::optional<std::string> ssm_value_type(const std::string& type) {
  static constexpr std::string_view prefix = "AWS::SSM::Parameter::Value<";
  if (!type.starts_with(prefix) || !type.ends_with('>')) return std::nullopt;
  return type.substr(prefix.size(), type.size() - prefix.size() - 1);
}

bool is_list_type(const std::string& type) {
  return type == "CommaDelimitedList" || type.starts_with("List<");
}

// Checks one value (a list's member for list types) against the declaration's constraints.
std::expected<void, std::string> check_constraints(const ParameterDecl& decl, const std::string& value, bool numeric) {
  auto failed = [&](std::string message) {
    if (decl.constraint_description)
      return std::unexpected("Parameter '" + decl.name + "' failed to satisfy constraint: " + *decl.constraint_description);
    return std::unexpected("Parameter '" + decl.name + "' " + message);
  };
  if (numeric && !is_number(value)) return std::unexpected("Parameter '" + decl.name + "' must be a number.");
  if (!decl.allowed_values.empty() &&
      std::find(decl.allowed_values.begin(), decl.allowed_values.end(), value) == decl.allowed_values.end())
    return failed("must be one of AllowedValues");
  if (decl.allowed_pattern) {
    bool matches = false;
    try {
      matches = std::regex_match(value, std::regex(*decl.allowed_pattern));
    } catch (const std::regex_error&) {
      return std::unexpected("Parameter '" + decl.name + "' has an invalid AllowedPattern " + *decl.allowed_pattern);
    }
    if (!matches) return failed("must match pattern " + *decl.allowed_pattern);
  }
  if (decl.min_length && value.size() < *decl.min_length)
    return failed("must contain at least " + std::to_string(*decl.min_length) + " characters");
  if (decl.max_length && value.size() > *decl.max_length)
    return failed("must contain at most " + std::to_string(*decl.max_length) + " characters");
  if (numeric) {
    double number = std::stod(value);
    if (decl.min_value && number < *decl.min_value)
      return failed("must be a number not less than " + number_text(*decl.min_value));
    if (decl.max_value && number > *decl.max_value)
      return failed("must be a number not greater than " + number_text(*decl.max_value));
  }
  return {};
}

}  // namespace

std::vector<ParameterDecl> parameter_decls(const json& tmpl) {
  std::vector<ParameterDecl> decls;
  auto block = tmpl.find("Parameters");
  if (block == tmpl.end() || !block->is_object()) return decls;
  for (const auto& [name, body] : block->items()) {
    ParameterDecl decl;
    decl.name = name;
    if (!body.is_object()) {
      decls.push_back(std::move(decl));
      continue;
    }
    decl.type = body.value("Type", std::string());
    decl.description = body.value("Description", std::string());
    if (auto it = body.find("Default"); it != body.end()) decl.default_value = text_of(*it);
    if (auto it = body.find("NoEcho"); it != body.end()) decl.no_echo = it->is_boolean() ? it->get<bool>() : text_of(*it) == "true";
    if (auto it = body.find("AllowedValues"); it != body.end() && it->is_array())
      for (const auto& value : *it) decl.allowed_values.push_back(text_of(value).value_or(value.dump()));
    if (auto it = body.find("AllowedPattern"); it != body.end()) decl.allowed_pattern = text_of(*it);
    if (auto it = body.find("ConstraintDescription"); it != body.end()) decl.constraint_description = text_of(*it);
    if (auto it = body.find("MinValue"); it != body.end()) decl.min_value = number_of(*it);
    if (auto it = body.find("MaxValue"); it != body.end()) decl.max_value = number_of(*it);
    if (auto it = body.find("MinLength"); it != body.end()) decl.min_length = length_of(*it);
    if (auto it = body.find("MaxLength"); it != body.end()) decl.max_length = length_of(*it);
    decls.push_back(std::move(decl));
  }
  return decls;
}

std::expected<std::map<std::string, ResolvedParameter>, std::string> resolve_parameters(
    const json& tmpl, const std::map<std::string, std::string>& given, const Environment& env) {
  auto decls = parameter_decls(tmpl);
  std::vector<std::string> unknown, missing, unfetched;
  for (const auto& [name, value] : given)
    if (std::none_of(decls.begin(), decls.end(), [&](const ParameterDecl& d) { return d.name == name; }))
      unknown.push_back(name);
  auto list_names = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
  };
  if (!unknown.empty()) return std::unexpected("Parameters: [" + list_names(unknown) + "] do not exist in the template");
  for (const auto& decl : decls)
    if (!given.contains(decl.name) && !decl.default_value) missing.push_back(decl.name);
  if (!missing.empty()) return std::unexpected("Parameters: [" + list_names(missing) + "] must have values");

  std::map<std::string, ResolvedParameter> resolved;
  for (const auto& decl : decls) {
    ResolvedParameter parameter;
    auto it = given.find(decl.name);
    parameter.value = it != given.end() ? it->second : *decl.default_value;

    std::string value_type = decl.type;
    std::string effective = parameter.value;
    if (auto inner = ssm_value_type(decl.type)) {
      value_type = *inner;
      std::optional<std::string> fetched;
      if (env.ssm_parameter) fetched = env.ssm_parameter(parameter.value);
      if (!fetched) {
        unfetched.push_back(parameter.value);
        continue;
      }
      parameter.resolved_value = effective = *fetched;
    }

    bool list = is_list_type(value_type);
    bool numeric = value_type == "Number" || value_type == "List<Number>";
    if (list) {
      parameter.ref_value = json::array();
      for (auto& item : split_list(effective)) {
        if (auto ok = check_constraints(decl, item, numeric); !ok) return std::unexpected(ok.error());
        parameter.ref_value.push_back(std::move(item));
      }
    } else {
      if (auto ok = check_constraints(decl, effective, numeric); !ok) return std::unexpected(ok.error());
      parameter.ref_value = effective;
    }
    resolved.emplace(decl.name, std::move(parameter));
  }
  if (!unfetched.empty())
    return std::unexpected("Unable to fetch parameters [" + list_names(unfetched) +
                           "] from parameter store for this account.");
  return resolved;
}

}  // namespace cloudformation
