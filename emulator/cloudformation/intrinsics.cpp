// The intrinsic functions: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If,
// the condition functions, Fn::FindInMap, Fn::ImportValue, Fn::Base64, Fn::GetAZs, Fn::Cidr, and
// the rule functions (Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn).
#include <algorithm>
#include <charconv>
#include <cstdint>

#include "auth/crypto.h"
#include "cloudformation/evaluator.h"
#include "cloudformation/sub_syntax.h"

namespace cloudformation {

using nlohmann::json;

namespace {

std::string template_error(std::string message) { return "Template error: " + std::move(message); }

std::string unresolved_resource(const std::string& name) {
  return "Template format error: Unresolved resource dependencies [" + name + "] in the Resources block of the template";
}

const std::string kJoinUsage =
    "every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or "
    "a function that returns a list of strings (such as Fn::GetAZs) to be joined.";
const std::string kSplitUsage =
    "every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a "
    "function that returns a string to be split.";
const std::string kSelectUsage = "Fn::Select requires a list argument with two elements: an integer index and a list";

bool is_function_key(const std::string& key) { return key == "Ref" || key.starts_with("Fn::"); }

// Equality as Fn::Equals sees it: scalars compare as the strings CloudFormation makes of them.
bool same_value(const json& a, const json& b) {
  auto text_a = scalar_text(a), text_b = scalar_text(b);
  if (text_a && text_b) return *text_a == *text_b;
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same_value(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

std::optional<std::int64_t> index_of(const json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (!value.is_string()) return std::nullopt;
  const std::string text = value;
  std::int64_t index = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return index;
}

std::optional<std::uint32_t> parse_ipv4(const std::string& text) {
  std::uint32_t address = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int octet = 0; octet < 4; ++octet) {
    unsigned value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || value > 255) return std::nullopt;
    address = address << 8 | value;
    p = next;
    if (octet < 3) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
  }
  if (p != end) return std::nullopt;
  return address;
}

std::string format_ipv4(std::uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string(address >> 16 & 255) + "." +
         std::to_string(address >> 8 & 255) + "." + std::to_string(address & 255);
}

// Fn::Cidr for IPv4: `count` consecutive blocks of 2^cidr_bits addresses from the block's start.
std::expected<json, std::string> cidr(const json& block, const json& count_value, const json& bits_value) {
  const std::string usage = template_error("Fn::Cidr requires an IPv4 CIDR block, a count and a number of subnet bits");
  auto block_text = scalar_text(block);
  auto count = index_of(count_value.is_string() || count_value.is_number_integer() ? count_value : json());
  auto bits = index_of(bits_value.is_string() || bits_value.is_number_integer() ? bits_value : json());
  if (!block_text || !count || !bits) return std::unexpected(usage);
  auto slash = block_text->find('/');
  if (slash == std::string::npos) return std::unexpected(usage);
  auto base = parse_ipv4(block_text->substr(0, slash));
  auto prefix = index_of(json(block_text->substr(slash + 1)));
  if (!base || !prefix || *prefix < 0 || *prefix > 32 || *bits < 0 || *bits > 32 - *prefix || *count < 1 ||
      *count > 256)
    return std::unexpected(usage);
  std::uint64_t block_size = std::uint64_t{1} << (32 - *prefix);
  std::uint64_t subnet_size = std::uint64_t{1} << *bits;
  if (static_cast<std::uint64_t>(*count) * subnet_size > block_size) return std::unexpected(usage);
  std::uint64_t start = *base & ~(block_size - 1);
  json subnets = json::array();
  for (std::int64_t i = 0; i < *count; ++i)
    subnets.push_back(format_ipv4(static_cast<std::uint32_t>(start + i * subnet_size)) + "/" +
                      std::to_string(32 - *bits));
  return subnets;
}

}  // namespace

std::expected<Evaluator::Value, std::string> Evaluator::eval(const json& node, const ResourceValues* values) const {
  if (node.is_array()) {
    json array = json::array();
    for (const auto& item : node) {
      auto value = eval(item, values);
      if (!value) return value;
      if (*value) array.push_back(std::move(**value));
    }
    return array;
  }
  if (!node.is_object()) return node;
  if (node.size() == 1 && is_function_key(node.begin().key())) return eval_function(node.begin().key(), *node.begin(), values);
  json object = json::object();
  for (const auto& [key, child] : node.items()) {
    auto value = eval(child, values);
    if (!value) return value;
    if (*value) object[key] = std::move(**value);
  }
  return object;
}

std::expected<json, std::string> Evaluator::eval_value(const json& node, const ResourceValues* values) const {
  auto value = eval(node, values);
  if (!value) return std::unexpected(value.error());
  return value->value_or(json());
}

std::expected<bool, std::string> Evaluator::truth(const json& node, const ResourceValues* values) const {
  if (node.is_object() && node.size() == 1 && node.begin().key() == "Condition" && node.begin()->is_string())
    return condition_value(*node.begin());
  auto value = eval_value(node, values);
  if (!value) return std::unexpected(value.error());
  if (value->is_boolean()) return value->get<bool>();
  if (*value == "true") return true;
  if (*value == "false") return false;
  return std::unexpected(template_error("a condition must evaluate to true or false, not " + value->dump()));
}

std::expected<Evaluator::Value, std::string> Evaluator::ref(const std::string& name, const ResourceValues* values) const {
  if (name == "AWS::NoValue") return Value{};
  if (name == "AWS::AccountId") return json(env_.account_id);
  if (name == "AWS::Region") return json(env_.region);
  if (name == "AWS::Partition") return json(env_.partition);
  if (name == "AWS::URLSuffix") return json(env_.url_suffix);
  if (name == "AWS::StackName") return json(env_.stack_name);
  if (name == "AWS::StackId") return json(env_.stack_id);
  if (name == "AWS::NotificationARNs") return json::array();
  if (auto it = params_.find(name); it != params_.end()) return it->second.ref_value;
  if (!resources().contains(name) || !resource_enabled(name)) return std::unexpected(unresolved_resource(name));
  if (!values) return std::unexpected(template_error("resource " + name + " cannot be referenced here, only parameters"));
  std::optional<json> physical = values->ref ? values->ref(name) : std::nullopt;
  if (!physical) return std::unexpected(template_error("resource " + name + " is referenced before it is created"));
  return *physical;
}

std::expected<json, std::string> Evaluator::get_att(const std::string& logical_id, const std::string& attribute,
                                                    const ResourceValues* values) const {
  if (!resources().contains(logical_id))
    return std::unexpected(template_error("instance of Fn::GetAtt references undefined resource " + logical_id));
  if (!resource_enabled(logical_id)) return std::unexpected(unresolved_resource(logical_id));
  if (!values) return std::unexpected(template_error("resource " + logical_id + " cannot be referenced here, only parameters"));
  if (!values->get_att) return std::unexpected(template_error("resource " + logical_id + " is referenced before it is created"));
  return values->get_att(logical_id, attribute);
}

std::expected<json, std::string> Evaluator::sub(const json& argument, const ResourceValues* values) const {
  const std::string usage = template_error("One or more Fn::Sub intrinsic functions don't specify expected arguments. "
                                           "Specify a string as first argument, and an optional second argument to "
                                           "specify a mapping of values to replace in the string");
  const json* format = &argument;
  json variables = json::object();
  if (argument.is_array()) {
    if (argument.empty() || argument.size() > 2) return std::unexpected(usage);
    format = &argument[0];
    if (argument.size() == 2) {
      auto evaluated = eval_value(argument[1], values);
      if (!evaluated) return evaluated;
      if (!evaluated->is_object()) return std::unexpected(usage);
      variables = std::move(*evaluated);
    }
  }
  if (!format->is_string()) return std::unexpected(usage);
  std::string result;
  for (const auto& part : split_sub(format->get<std::string>())) {
    if (!part.is_variable) {
      result += part.text;
      continue;
    }
    json value;
    if (auto it = variables.find(part.text); it != variables.end()) {
      value = *it;
    } else if (auto dot = part.text.find('.'); dot != std::string::npos) {
      auto attribute = get_att(part.text.substr(0, dot), part.text.substr(dot + 1), values);
      if (!attribute) return attribute;
      value = std::move(*attribute);
    } else {
      auto referenced = ref(part.text, values);
      if (!referenced) return std::unexpected(referenced.error());
      value = referenced->value_or(json(""));
    }
    auto text = scalar_text(value);
    if (!text) return std::unexpected(template_error("variable " + part.text + " in Fn::Sub expression does not resolve to a string"));
    result += *text;
  }
  return result;
}

std::expected<Evaluator::Value, std::string> Evaluator::eval_function(const std::string& name, const json& argument,
                                                                      const ResourceValues* values) const {
  // Functions whose arguments are not evaluated up front.
  if (name == "Ref") {
    if (!argument.is_string()) return std::unexpected(template_error("Ref requires a string argument"));
    return ref(argument, values);
  }
  if (name == "Fn::GetAtt") {
    std::string logical_id, attribute;
    if (argument.is_string()) {
      const std::string text = argument;
      auto dot = text.find('.');
      if (dot == std::string::npos) return std::unexpected(template_error("Fn::GetAtt requires a resource name and an attribute: " + text));
      logical_id = text.substr(0, dot);
      attribute = text.substr(dot + 1);
    } else if (argument.is_array() && argument.size() == 2 && argument[0].is_string()) {
      logical_id = argument[0];
      auto evaluated = eval_value(argument[1], values);  // the attribute may itself be a Ref
      if (!evaluated) return std::unexpected(evaluated.error());
      auto text = scalar_text(*evaluated);
      if (!text) return std::unexpected(template_error("Fn::GetAtt's attribute name must be a string"));
      attribute = *text;
    } else {
      return std::unexpected(template_error("every Fn::GetAtt object requires two non-empty parameters"));
    }
    return get_att(logical_id, attribute, values);
  }
  if (name == "Fn::If") {
    if (!argument.is_array() || argument.size() != 3 || !argument[0].is_string())
      return std::unexpected(template_error("Fn::If requires a list argument with three elements"));
    auto chosen = condition_value(argument[0]);
    if (!chosen) return std::unexpected(chosen.error());
    return eval(argument[*chosen ? 1 : 2], values);
  }
  if (name == "Fn::Sub") return sub(argument, values);
  if (name == "Fn::Not" || name == "Fn::And" || name == "Fn::Or") {
    std::size_t min = name == "Fn::Not" ? 1 : 2, max = name == "Fn::Not" ? 1 : 10;
    if (!argument.is_array() || argument.size() < min || argument.size() > max)
      return std::unexpected(template_error(name + " requires a list of " +
                                            (name == "Fn::Not" ? std::string("one condition") : "2 to 10 conditions")));
    bool result = name == "Fn::And";
    for (const auto& operand : argument) {
      auto holds = truth(operand, values);
      if (!holds) return std::unexpected(holds.error());
      if (name == "Fn::Not") return json(!*holds);
      if (name == "Fn::And") result = result && *holds;
      if (name == "Fn::Or") result = result || *holds;
    }
    return json(result);
  }
  if (name == "Fn::Transform") {
    auto transform = argument.is_object() ? argument.value("Name", json()) : json();
    return std::unexpected("Transform " + scalar_text(transform).value_or("Fn::Transform") + " is not supported by minicloud");
  }

  auto evaluated = eval_value(argument, values);
  if (!evaluated) return std::unexpected(evaluated.error());
  const json& args = *evaluated;

  if (name == "Fn::Join") {
    if (!args.is_array() || args.size() != 2 || !args[0].is_string() || !args[1].is_array())
      return std::unexpected(template_error(kJoinUsage));
    std::string joined;
    for (std::size_t i = 0; i < args[1].size(); ++i) {
      auto text = scalar_text(args[1][i]);
      if (!text) return std::unexpected(template_error(kJoinUsage));
      if (i) joined += args[0].get<std::string>();
      joined += *text;
    }
    return json(joined);
  }
  if (name == "Fn::Select") {
    if (!args.is_array() || args.size() != 2 || !args[1].is_array()) return std::unexpected(template_error(kSelectUsage));
    auto index = index_of(args[0]);
    if (!index) return std::unexpected(template_error(kSelectUsage));
    if (*index < 0 || static_cast<std::uint64_t>(*index) >= args[1].size())
      return std::unexpected(template_error("Fn::Select cannot select nonexistent value at index " + std::to_string(*index)));
    return args[1][*index];
  }
  if (name == "Fn::Split") {
    if (!args.is_array() || args.size() != 2 || !args[0].is_string() || !args[1].is_string() ||
        args[0].get<std::string>().empty())
      return std::unexpected(template_error(kSplitUsage));
    const std::string delimiter = args[0], text = args[1];
    json pieces = json::array();
    std::size_t start = 0;
    for (auto at = text.find(delimiter); at != std::string::npos; at = text.find(delimiter, start)) {
      pieces.push_back(text.substr(start, at - start));
      start = at + delimiter.size();
    }
    pieces.push_back(text.substr(start));
    return pieces;
  }
  if (name == "Fn::Equals") {
    if (!args.is_array() || args.size() != 2) return std::unexpected(template_error("Fn::Equals requires a list of two values"));
    return json(same_value(args[0], args[1]));
  }
  if (name == "Fn::FindInMap") {
    if (!args.is_array() || args.size() < 3) return std::unexpected(template_error("Fn::FindInMap requires a list of three keys"));
    auto map = scalar_text(args[0]), top = scalar_text(args[1]), second = scalar_text(args[2]);
    if (!map || !top || !second) return std::unexpected(template_error("Fn::FindInMap's keys must be strings"));
    const json* found = nullptr;
    if (auto mappings = tmpl_.find("Mappings"); mappings != tmpl_.end() && mappings->is_object()) {
      auto m = mappings->find(*map);
      if (m != mappings->end() && m->is_object()) {
        auto t = m->find(*top);
        if (t != m->end() && t->is_object() && t->contains(*second)) found = &t->at(*second);
      }
    }
    if (found) return *found;
    // The optional fourth argument {"DefaultValue": v} (AWS::LanguageExtensions).
    if (args.size() == 4 && args[3].is_object() && args[3].contains("DefaultValue")) return args[3].at("DefaultValue");
    return std::unexpected(template_error("Unable to get mapping for " + *map + "::" + *top + "::" + *second));
  }
  if (name == "Fn::ImportValue") {
    auto export_name = scalar_text(args);
    if (!export_name) return std::unexpected(template_error("Fn::ImportValue requires a string argument"));
    std::optional<std::string> exported = env_.import_value ? env_.import_value(*export_name) : std::nullopt;
    if (!exported) return std::unexpected("No export named " + *export_name + " found");
    return json(*exported);
  }
  if (name == "Fn::Base64") {
    auto text = scalar_text(args);
    if (!text) return std::unexpected(template_error("Fn::Base64 requires a string argument"));
    return json(auth::base64_encode(*text));
  }
  if (name == "Fn::GetAZs") {
    auto region = scalar_text(args.is_null() ? json("") : args);
    if (!region) return std::unexpected(template_error("Fn::GetAZs requires a region name"));
    if (region->empty()) region = env_.region;
    return json::array({*region + "a", *region + "b", *region + "c"});
  }
  if (name == "Fn::Cidr") {
    if (!args.is_array() || args.size() != 3) return std::unexpected(template_error("Fn::Cidr requires three arguments"));
    auto subnets = cidr(args[0], args[1], args[2]);
    if (!subnets) return std::unexpected(subnets.error());
    return *subnets;
  }
  if (name == "Fn::Contains" || name == "Fn::EachMemberEquals" || name == "Fn::EachMemberIn") {
    if (!args.is_array() || args.size() != 2 || !args[0].is_array())
      return std::unexpected(template_error(name + " requires a list and a value"));
    auto in = [](const json& list, const json& value) {
      return std::any_of(list.begin(), list.end(), [&](const json& member) { return same_value(member, value); });
    };
    if (name == "Fn::Contains") return json(in(args[0], args[1]));
    if (name == "Fn::EachMemberEquals")
      return json(std::all_of(args[0].begin(), args[0].end(), [&](const json& m) { return same_value(m, args[1]); }));
    if (!args[1].is_array()) return std::unexpected(template_error(name + " requires two lists"));
    return json(std::all_of(args[0].begin(), args[0].end(), [&](const json& m) { return in(args[1], m); }));
  }
  return std::unexpected("Template format error: Encountered unsupported function: " + name);
}

}  // namespace cloudformation
