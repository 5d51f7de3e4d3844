#include "ssm/api.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "auth/crypto.h"

namespace ssm {
namespace {

using core::ErrorCode;
using rpc::Answer;
using rpc::Call;

constexpr std::size_t kStandardMaxValue = 4096;
constexpr std::size_t kAdvancedMaxValue = 8192;

// JSON timestamps are epoch seconds.
double epoch_seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Characters, not bytes, as SSM counts a value's length (UTF-8 continuation bytes skipped).
std::size_t characters(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Answer parameter_answer(const ParameterStore& store, const Parameter& p, std::string_view selector = {}) {
  Answer a{{"Name", p.name}, {"Type", p.type}, {"Value", p.value}, {"Version", p.version}};
  if (!selector.empty()) a["Selector"] = selector;
  a["LastModifiedDate"] = epoch_seconds(p.last_modified_ms);
  a["ARN"] = store.arn(p.name);
  a["DataType"] = p.data_type;
  return a;
}

// DescribeParameters' and GetParameterHistory's ParameterMetadata / ParameterHistory.
Answer metadata_answer(const ParameterStore& store, const Parameter& p, bool with_value) {
  Answer a{{"Name", p.name}};
  if (!with_value) a["ARN"] = store.arn(p.name);
  a["Type"] = p.type;
  if (with_value) a["Value"] = p.value;
  a["LastModifiedDate"] = epoch_seconds(p.last_modified_ms);
  if (!p.last_modified_user.empty()) a["LastModifiedUser"] = p.last_modified_user;
  if (!p.description.empty()) a["Description"] = p.description;
  a["Version"] = p.version;
  if (with_value) a["Labels"] = Answer::array();
  a["Tier"] = p.tier;
  a["Policies"] = Answer::array();
  a["DataType"] = p.data_type;
  return a;
}

// A list of strings member, 1..max items.
core::Result<std::vector<std::string>> string_list(const Call& call, std::string_view member, std::size_t max) {
  auto it = call.input.find(member);
  if (it == call.input.end() || it->is_null()) return std::unexpected(call.missing(member));
  if (!it->is_array())
    return std::unexpected(core::make_error(ErrorCode::SerializationException,
                                            "Unexpected value type for member " + std::string(member) + "."));
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string())
      return std::unexpected(core::make_error(ErrorCode::SerializationException,
                                              "Unexpected value type in member " + std::string(member) + "."));
    out.push_back(item.get<std::string>());
  }
  if (out.empty())
    return std::unexpected(call.violation(member, "[]", "Member must have length greater than or equal to 1"));
  if (out.size() > max)
    return std::unexpected(call.violation(member, it->dump(),
                                          "Member must have length less than or equal to " + std::to_string(max)));
  return out;
}

core::Result<std::size_t> max_results(const Call& call, std::int64_t max) {
  auto value = call.integer("MaxResults");
  if (!value) return std::unexpected(value.error());
  if (!*value) return static_cast<std::size_t>(max);
  if (**value < 1 || **value > max)
    return std::unexpected(call.violation("MaxResults", std::to_string(**value),
                                          **value < 1 ? "Member must have value greater than or equal to 1"
                                                      : "Member must have value less than or equal to " +
                                                            std::to_string(max)));
  return static_cast<std::size_t>(**value);
}

// NextToken: the base64 of the last name (or version) handed out; opaque to clients.
core::Result<std::string> after_token(const Call& call) {
  auto token = call.string("NextToken");
  if (!token) return std::unexpected(token.error());
  if (!*token || (*token)->empty()) return std::string();
  auto decoded = auth::base64_decode(**token);
  if (!decoded || decoded->empty()) return std::unexpected(core::make_error(ErrorCode::InvalidNextToken));
  return std::move(*decoded);
}

// "name" or "name:3" (a version selector). Labels ("name:prod") select nothing: minicloud
// has no labels.
struct Selected {
  std::string name;
  std::optional<std::int64_t> version;
  std::string selector;  // ":3", as SSM echoes it
  bool label = false;
};

Selected select(std::string_view text) {
  Selected s{std::string(text), std::nullopt, {}, false};
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return s;
  s.name = text.substr(0, colon);
  s.selector = text.substr(colon);
  const std::string_view suffix = text.substr(colon + 1);
  std::int64_t version = 0;
  const auto [end, ec] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), version);
  if (!suffix.empty() && ec == std::errc() && end == suffix.data() + suffix.size()) s.version = version;
  else s.label = true;
  return s;
}

core::Result<Parameter> find(const ParameterStore& store, const Selected& s) {
  if (s.label) return std::unexpected(core::make_error(ErrorCode::ParameterNotFound));
  return s.version ? store.get(s.name, *s.version) : store.get(s.name);
}

core::Result<Answer> get_parameter(ParameterStore& store, Call& call) {
  auto name = call.required_string("Name");
  if (!name) return std::unexpected(name.error());
  const Selected s = select(*name);
  auto p = find(store, s);
  if (!p) return std::unexpected(p.error());
  return Answer{{"Parameter", parameter_answer(store, *p, s.selector)}};
}

core::Result<Answer> get_parameters(ParameterStore& store, Call& call) {
  auto names = string_list(call, "Names", 10);
  if (!names) return std::unexpected(names.error());
  Answer found = Answer::array(), invalid = Answer::array();
  for (const auto& name : *names) {
    const Selected s = select(name);
    auto p = find(store, s);
    if (p) found.push_back(parameter_answer(store, *p, s.selector));
    else if (p.error().code == ErrorCode::ParameterNotFound || p.error().code == ErrorCode::ParameterVersionNotFound)
      invalid.push_back(name);
    else return std::unexpected(p.error());
  }
  return Answer{{"Parameters", std::move(found)}, {"InvalidParameters", std::move(invalid)}};
}

core::Result<Answer> put_parameter(ParameterStore& store, Call& call) {
  auto name = call.required_string("Name");
  if (!name) return std::unexpected(name.error());
  auto value = call.required_string("Value");
  if (!value) return std::unexpected(value.error());
  auto type = call.string("Type");
  auto description = call.string("Description");
  auto tier = call.string("Tier");
  auto data_type = call.string("DataType");
  auto overwrite = call.boolean("Overwrite");
  for (const auto* r : {&type, &description, &tier, &data_type})
    if (!*r) return std::unexpected(r->error());
  if (!overwrite) return std::unexpected(overwrite.error());
  if (auto ok = ParameterStore::validate_name(*name); !ok) return std::unexpected(ok.error());
  if (value->empty())
    return std::unexpected(call.violation("Value", "", "Member must have length greater than or equal to 1"));
  if (*type && **type != "String" && **type != "StringList" && **type != "SecureString")
    return std::unexpected(call.violation("Type", **type,
                                          "Member must satisfy enum value set: [SecureString, StringList, String]"));
  if (*description && characters(**description) > 1024)
    return std::unexpected(call.violation("Description", **description,
                                          "Member must have length less than or equal to 1024"));
  if (*tier && **tier != "Standard" && **tier != "Advanced" && **tier != "Intelligent-Tiering")
    return std::unexpected(call.violation("Tier", **tier,
                                          "Member must satisfy enum value set: [Advanced, Intelligent-Tiering, "
                                          "Standard]"));
  if (*data_type && **data_type != "text" && **data_type != "aws:ec2:image" && **data_type != "aws:ssm:integration")
    return std::unexpected(call.invalid("The following data type is not supported: " + **data_type +
                                        " (Data type names are all lowercase.)"));

  // An overwrite keeps what it does not restate.
  auto existing = store.get(*name);
  if (!existing && existing.error().code != ErrorCode::ParameterNotFound) return std::unexpected(existing.error());
  Parameter p;
  if (existing) p = *existing;
  p.name = *name;
  p.value = std::move(*value);
  if (*type) p.type = **type;
  else if (!existing) return std::unexpected(call.invalid("A parameter type is required when you create a parameter."));
  if (*description) p.description = **description;
  if (*data_type) p.data_type = **data_type;
  const std::size_t length = characters(p.value);
  if (*tier) p.tier = **tier == "Intelligent-Tiering" ? (length > kStandardMaxValue ? "Advanced" : "Standard") : **tier;
  if (length > kAdvancedMaxValue)
    return std::unexpected(call.violation("Value", "...", "Member must have length less than or equal to 8192"));
  if (length > kStandardMaxValue && p.tier == "Standard")
    return std::unexpected(call.invalid(
        "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger "
        "parameter value, upgrade the parameter to use the advanced-parameter tier."));
  p.last_modified_user.clear();
  auto version = store.put(p, overwrite->value_or(false));
  if (!version) return std::unexpected(version.error());
  return Answer{{"Version", *version}, {"Tier", p.tier}};
}

core::Result<Answer> delete_parameter(ParameterStore& store, Call& call) {
  auto name = call.required_string("Name");
  if (!name) return std::unexpected(name.error());
  if (auto ok = store.remove(*name); !ok) return std::unexpected(ok.error());
  return Answer::object();
}

core::Result<Answer> delete_parameters(ParameterStore& store, Call& call) {
  auto names = string_list(call, "Names", 10);
  if (!names) return std::unexpected(names.error());
  Answer deleted = Answer::array(), invalid = Answer::array();
  for (const auto& name : *names) {
    auto ok = store.remove(name);
    if (ok) deleted.push_back(name);
    else if (ok.error().code == ErrorCode::ParameterNotFound) invalid.push_back(name);
    else return std::unexpected(ok.error());
  }
  return Answer{{"DeletedParameters", std::move(deleted)}, {"InvalidParameters", std::move(invalid)}};
}

// A page of `items` (fetched with limit + 1 to see whether more follow) and its NextToken.
Answer page(Answer items, std::size_t limit, const std::string& last_key, const char* member) {
  Answer a{{member, std::move(items)}};
  if (a[member].size() > limit) {
    a[member].erase(a[member].size() - 1);
    a["NextToken"] = auth::base64_encode(last_key);
  }
  return a;
}

core::Result<Answer> get_parameters_by_path(ParameterStore& store, Call& call) {
  auto path = call.required_string("Path");
  if (!path) return std::unexpected(path.error());
  auto recursive = call.boolean("Recursive");
  if (!recursive) return std::unexpected(recursive.error());
  auto limit = max_results(call, 10);
  if (!limit) return std::unexpected(limit.error());
  auto after = after_token(call);
  if (!after) return std::unexpected(after.error());
  if (!path->starts_with('/'))
    return std::unexpected(call.invalid("The parameter doesn't meet the parameter name requirements. The parameter "
                                        "name must begin with a forward slash \"/\"."));
  if (*path != "/") {
    std::string_view trimmed = *path;
    if (trimmed.size() > 1 && trimmed.ends_with('/')) trimmed.remove_suffix(1);
    if (auto ok = ParameterStore::validate_name(trimmed); !ok) return std::unexpected(ok.error());
  }
  auto found = store.list_by_path(*path, recursive->value_or(false), *after, *limit + 1);
  if (!found) return std::unexpected(found.error());
  Answer items = Answer::array();
  for (const auto& p : *found) items.push_back(parameter_answer(store, p));
  const std::string last = found->size() > *limit ? (*found)[*limit - 1].name : std::string();
  return page(std::move(items), *limit, last, "Parameters");
}

// One DescribeParameters filter: Key Name (Option Equals | BeginsWith | Contains), Type
// (Equals) or Path (OneLevel | Recursive), any of Values.
struct Filter {
  std::string key, option;
  std::vector<std::string> values;
};

bool matches(const Filter& f, const Parameter& p) {
  for (const auto& v : f.values) {
    if (f.key == "Type" && p.type == v) return true;
    if (f.key == "Name") {
      if (f.option == "BeginsWith" ? p.name.starts_with(v)
          : f.option == "Contains" ? p.name.find(v) != std::string::npos
                                   : p.name == v)
        return true;
    }
    if (f.key == "Path") {
      std::string prefix = v.ends_with('/') ? v : v + "/";
      if (!p.name.starts_with(prefix)) continue;
      if (f.option == "Recursive" || p.name.find('/', prefix.size()) == std::string::npos) return true;
    }
  }
  return false;
}

core::Result<std::vector<Filter>> filters(const Call& call) {
  std::vector<Filter> out;
  for (const char* member : {"Filters", "ParameterFilters"}) {
    auto it = call.input.find(member);
    if (it == call.input.end() || it->is_null()) continue;
    if (!it->is_array()) return std::unexpected(core::make_error(ErrorCode::SerializationException));
    for (const auto& item : *it) {
      if (!item.is_object() || !item.value("Key", nlohmann::json()).is_string())
        return std::unexpected(core::make_error(ErrorCode::SerializationException));
      Filter f;
      f.key = item["Key"].get<std::string>();
      f.option = item.value("Option", std::string(f.key == "Path" ? "OneLevel" : "Equals"));
      if (auto values = item.find("Values"); values != item.end() && values->is_array())
        for (const auto& v : *values)
          if (v.is_string()) f.values.push_back(v.get<std::string>());
      if (f.key != "Name" && f.key != "Type" && f.key != "Path")
        return std::unexpected(
            call.invalid("minicloud filters parameters on Name, Type and Path only, not " + f.key + "."));
      out.push_back(std::move(f));
    }
  }
  return out;
}

core::Result<Answer> describe_parameters(ParameterStore& store, Call& call) {
  auto limit = max_results(call, 50);
  if (!limit) return std::unexpected(limit.error());
  auto after = after_token(call);
  if (!after) return std::unexpected(after.error());
  auto wanted = filters(call);
  if (!wanted) return std::unexpected(wanted.error());
  // Filters apply before paging: the store is small enough to scan.
  auto all = store.list(*after, std::numeric_limits<std::size_t>::max() / 2);
  if (!all) return std::unexpected(all.error());
  Answer items = Answer::array();
  std::string last;
  for (const auto& p : *all) {
    bool keep = true;
    for (const auto& f : *wanted) keep = keep && matches(f, p);
    if (!keep) continue;
    if (items.size() == *limit) {
      items.push_back(nullptr);  // more follow
      break;
    }
    items.push_back(metadata_answer(store, p, false));
    last = p.name;
  }
  return page(std::move(items), *limit, last, "Parameters");
}

core::Result<Answer> get_parameter_history(ParameterStore& store, Call& call) {
  auto name = call.required_string("Name");
  if (!name) return std::unexpected(name.error());
  auto limit = max_results(call, 50);
  if (!limit) return std::unexpected(limit.error());
  auto after = after_token(call);
  if (!after) return std::unexpected(after.error());
  std::int64_t after_version = 0;
  if (!after->empty()) {
    const auto [end, ec] = std::from_chars(after->data(), after->data() + after->size(), after_version);
    if (ec != std::errc() || end != after->data() + after->size())
      return std::unexpected(core::make_error(ErrorCode::InvalidNextToken));
  }
  auto versions = store.history(*name);
  if (!versions) return std::unexpected(versions.error());
  Answer items = Answer::array();
  std::string last;
  for (const auto& p : *versions) {
    if (p.version <= after_version) continue;
    if (items.size() == *limit) {
      items.push_back(nullptr);
      break;
    }
    items.push_back(metadata_answer(store, p, true));
    last = std::to_string(p.version);
  }
  return page(std::move(items), *limit, last, "Parameters");
}

}  // namespace

rpc::Service make_api(ParameterStore& store) {
  rpc::Service service({.signing_name = "ssm", .xml_namespace = {}, .version = "2014-11-06",
                        .json_target_prefix = "AmazonSSM"});
  const std::pair<const char*, core::Result<Answer> (*)(ParameterStore&, Call&)> actions[] = {
      {"GetParameter", get_parameter},
      {"GetParameters", get_parameters},
      {"PutParameter", put_parameter},
      {"DeleteParameter", delete_parameter},
      {"DeleteParameters", delete_parameters},
      {"GetParametersByPath", get_parameters_by_path},
      {"DescribeParameters", describe_parameters},
      {"GetParameterHistory", get_parameter_history},
  };
  for (const auto& [action, handler] : actions)
    service.add(action, [&store, handler](Call& call) { return handler(store, call); });
  return service;
}

}  // namespace ssm
