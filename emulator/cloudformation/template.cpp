// Reading a template body (JSON, or YAML with the short-form tags) and the static checks
// CloudFormation makes before it creates anything.
#include "cloudformation/template.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <regex>
#include <set>

#include "cloudformation/sub_syntax.h"

namespace cloudformation {

using nlohmann::json;

namespace {

std::string not_well_formed(std::string_view format, std::size_t line, std::size_t column) {
  return "Template format error: " + std::string(format) + " not well-formed. (line " +
         std::to_string(line) + ", column " + std::to_string(column) + ")";
}

std::string join_names(const auto& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// ---- YAML -> JSON ----

// The long form a short-form tag stands for: "!Ref" -> "Ref", "!Sub" -> "Fn::Sub".
std::optional<std::string> long_form(const std::string& tag) {
  static constexpr std::array<std::string_view, 16> functions = {
      "GetAtt", "Sub",         "Join",   "Select", "Split",  "If",   "Equals", "Not",
      "And",    "Or",          "FindInMap", "ImportValue", "Base64", "GetAZs", "Cidr", "Transform"};
  if (tag == "!Ref") return "Ref";
  if (tag == "!Condition") return "Condition";
  for (auto function : functions) {
    if (tag.size() == function.size() + 1 && tag.compare(1, std::string::npos, function) == 0)
      return "Fn::" + std::string(function);
  }
  return std::nullopt;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A plain (unquoted, untagged) scalar typed as YAML 1.2's core schema types it, except that an
// integer with a leading zero stays text: "012345678901" is an account id, not 12345678901.
json plain_scalar(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  if (all_digits(digits)) {
    if (digits.size() > 1 && digits.front() == '0') return text;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data() + (text.front() == '+'), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
    return text;
  }
  static const std::regex decimal(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(text, decimal)) {
    try {
      return std::stod(text);
    } catch (const std::exception&) {
      return text;  // out of double's range: keep the text
    }
  }
  return text;
}

std::expected<json, std::string> yaml_to_json(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  auto fail = [&] { return std::unexpected(not_well_formed("YAML", node.Mark().line + 1, node.Mark().column + 1)); };
  auto untagged = [&]() -> std::expected<json, std::string> {
    switch (node.Type()) {
      case YAML::NodeType::Null:
        return tag.empty() || tag == "?" || tag == "!" ? json(nullptr) : json("");
      case YAML::NodeType::Scalar:
        return tag == "?" ? plain_scalar(node.Scalar()) : json(node.Scalar());
      case YAML::NodeType::Sequence: {
        json array = json::array();
        for (const auto& item : node) {
          auto value = yaml_to_json(item);
          if (!value) return value;
          array.push_back(std::move(*value));
        }
        return array;
      }
      case YAML::NodeType::Map: {
        json object = json::object();
        for (const auto& entry : node) {
          if (!entry.first.IsScalar()) return std::unexpected(not_well_formed("YAML", entry.first.Mark().line + 1, entry.first.Mark().column + 1));
          auto value = yaml_to_json(entry.second);
          if (!value) return value;
          object[entry.first.Scalar()] = std::move(*value);
        }
        return object;
      }
      case YAML::NodeType::Undefined:
        break;
    }
    return fail();
  };
  if (tag.empty() || tag == "?" || tag == "!" || tag.starts_with("tag:yaml.org,2002:")) return untagged();
  auto function = long_form(tag);
  if (!function) return fail();  // an unknown tag: CloudFormation refuses it too
  auto argument = untagged();
  if (!argument) return argument;
  if (*function == "Fn::GetAtt" && argument->is_string()) {
    const std::string text = *argument;
    auto dot = text.find('.');
    if (dot == std::string::npos) return fail();
    argument = json::array({text.substr(0, dot), text.substr(dot + 1)});
  }
  return json{{*function, std::move(*argument)}};
}

std::expected<json, std::string> parse_yaml(std::string_view body) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(body));
  } catch (const YAML::Exception& e) {
    return std::unexpected(not_well_formed("YAML", e.mark.line + 1, e.mark.column + 1));
  }
  return yaml_to_json(root);
}

std::expected<json, std::string> parse_json(std::string_view body) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    // e.byte counts the characters read, the offending one included.
    std::size_t offset = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, body.size());
    auto before = body.substr(0, offset);
    std::size_t line = 1 + std::count(before.begin(), before.end(), '\n');
    auto last_newline = before.rfind('\n');
    std::size_t column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
    return std::unexpected(not_well_formed("JSON", line, column));
  }
}

// ---- static checks ----

struct Declared {
  std::set<std::string> resources, parameters, conditions;
  bool names_a_value(const std::string& name) const {
    return resources.contains(name) || parameters.contains(name) || is_pseudo_parameter(name);
  }
};

struct Unresolved {
  std::set<std::string> references, getatt_resources, conditions, transforms;
};

const json* object_member(const json& node, const char* key) {
  if (!node.is_object()) return nullptr;
  auto it = node.find(key);
  return it == node.end() ? nullptr : &*it;
}

void check_references(const json& node, const Declared& declared, Unresolved& found) {
  if (node.is_array()) {
    for (const auto& item : node) check_references(item, declared, found);
    return;
  }
  if (!node.is_object()) return;
  if (node.size() == 1) {
    // Not a structured binding over items(): its proxy would not outlive the statement.
    const std::string& key = node.begin().key();
    const json& argument = *node.begin();
    if (key == "Ref" && argument.is_string() && !declared.names_a_value(argument)) {
      found.references.insert(argument.get<std::string>());
    } else if (key == "Fn::GetAtt") {
      std::string resource;
      if (argument.is_array() && !argument.empty() && argument[0].is_string()) resource = argument[0];
      if (argument.is_string()) resource = argument.get<std::string>().substr(0, argument.get<std::string>().find('.'));
      if (!resource.empty() && !declared.resources.contains(resource)) found.getatt_resources.insert(resource);
    } else if (key == "Fn::Sub") {
      const json* format = argument.is_array() && !argument.empty() ? &argument[0] : &argument;
      const json* variables = argument.is_array() && argument.size() > 1 ? &argument[1] : nullptr;
      if (format->is_string()) {
        for (const auto& part : split_sub(format->get<std::string>())) {
          if (!part.is_variable || (variables && variables->is_object() && variables->contains(part.text))) continue;
          auto dot = part.text.find('.');
          if (dot != std::string::npos) {
            if (!declared.resources.contains(part.text.substr(0, dot))) found.getatt_resources.insert(part.text.substr(0, dot));
          } else if (!declared.names_a_value(part.text)) {
            found.references.insert(part.text);
          }
        }
      }
    } else if (key == "Fn::If" && argument.is_array() && !argument.empty() && argument[0].is_string()) {
      if (!declared.conditions.contains(argument[0])) found.conditions.insert(argument[0].get<std::string>());
    } else if (key == "Condition" && argument.is_string()) {
      if (!declared.conditions.contains(argument)) found.conditions.insert(argument.get<std::string>());
    } else if (key == "Fn::Transform") {
      const json* name = object_member(argument, "Name");
      found.transforms.insert(name && name->is_string() ? name->get<std::string>() : std::string("Fn::Transform"));
    }
  }
  for (const auto& [key, child] : node.items()) check_references(child, declared, found);
}

std::expected<void, std::string> report(const Unresolved& found, std::string_view block) {
  if (!found.transforms.empty())
    return std::unexpected("Transform " + *found.transforms.begin() + " is not supported by minicloud");
  if (!found.references.empty())
    return std::unexpected("Template format error: Unresolved resource dependencies [" + join_names(found.references) +
                           "] in the " + std::string(block) + " block of the template");
  if (!found.getatt_resources.empty())
    return std::unexpected("Template error: instance of Fn::GetAtt references undefined resource " +
                           *found.getatt_resources.begin());
  if (!found.conditions.empty())
    return std::unexpected("Template format error: Unresolved condition dependencies [" + join_names(found.conditions) +
                           "] in the " + std::string(block) + " block of the template");
  return {};
}

std::set<std::string> keys_of(const json& tmpl, const char* section) {
  std::set<std::string> keys;
  if (const json* block = object_member(tmpl, section); block && block->is_object())
    for (const auto& [key, value] : block->items()) keys.insert(key);
  return keys;
}

}  // namespace

bool is_pseudo_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 8> names = {
      "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue",  "AWS::Partition",
      "AWS::Region",    "AWS::StackId",          "AWS::StackName", "AWS::URLSuffix"};
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<std::string> scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  return std::nullopt;
}

std::expected<json, std::string> parse_template(std::string_view body) {
  auto first = body.find_first_not_of(" \t\r\n");
  bool is_json = first != std::string_view::npos && body[first] == '{';
  auto parsed = is_json ? parse_json(body) : parse_yaml(body);
  if (!parsed) return parsed;
  if (!parsed->is_object()) return std::unexpected("Template format error: unsupported structure.");
  return parsed;
}

std::expected<void, std::string> validate_template(const json& tmpl) {
  static constexpr std::array<std::string_view, 11> sections = {
      "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
      "Conditions", "Transform", "Resources", "Outputs", "Hooks"};
  if (!tmpl.is_object()) return std::unexpected("Template format error: unsupported structure.");
  std::vector<std::string> unknown;
  for (const auto& [key, value] : tmpl.items())
    if (std::find(sections.begin(), sections.end(), key) == sections.end()) unknown.push_back(key);
  if (!unknown.empty())
    return std::unexpected("Template format error: Invalid template property or properties [" + join_names(unknown) + "]");

  if (const json* transform = object_member(tmpl, "Transform")) {
    const json* first = transform->is_array() && !transform->empty() ? &(*transform)[0] : transform;
    if (const json* name = object_member(*first, "Name")) first = name;
    return std::unexpected("Transform " + (first->is_string() ? first->get<std::string>() : first->dump()) +
                           " is not supported by minicloud");
  }

  const json* resources = object_member(tmpl, "Resources");
  if (!resources || !resources->is_object() || resources->empty())
    return std::unexpected("Template format error: At least one Resources member must be defined.");
  for (const auto& [id, resource] : resources->items()) {
    const json* type = object_member(resource, "Type");
    if (!type || !type->is_string())
      return std::unexpected("Template format error: [/Resources/" + id + "] Every Resources object must contain a Type member.");
  }

  Declared declared{keys_of(tmpl, "Resources"), keys_of(tmpl, "Parameters"), keys_of(tmpl, "Conditions")};
  Unresolved in_resources;
  for (const auto& [id, resource] : resources->items()) {
    check_references(resource, declared, in_resources);
    if (const json* depends_on = object_member(resource, "DependsOn")) {
      json names = depends_on->is_array() ? *depends_on : json::array({*depends_on});
      for (const auto& name : names)
        if (!name.is_string() || !declared.resources.contains(name))
          in_resources.references.insert(name.is_string() ? name.get<std::string>() : name.dump());
    }
    if (const json* condition = object_member(resource, "Condition"); condition && condition->is_string())
      if (!declared.conditions.contains(*condition)) in_resources.conditions.insert(condition->get<std::string>());
  }
  if (const json* conditions = object_member(tmpl, "Conditions")) check_references(*conditions, declared, in_resources);
  if (auto ok = report(in_resources, "Resources"); !ok) return ok;

  Unresolved in_outputs;
  if (const json* outputs = object_member(tmpl, "Outputs"); outputs && outputs->is_object()) {
    for (const auto& [key, output] : outputs->items()) {
      check_references(output, declared, in_outputs);
      if (const json* condition = object_member(output, "Condition"); condition && condition->is_string())
        if (!declared.conditions.contains(*condition)) in_outputs.conditions.insert(condition->get<std::string>());
    }
  }
  return report(in_outputs, "Outputs");
}

}  // namespace cloudformation
