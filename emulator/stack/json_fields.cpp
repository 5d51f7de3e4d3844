// The stack file's field readers (see json_fields.h for the message contract).
#include "stack/json_fields.h"

#include <nlohmann/json.hpp>

namespace stack {

using nlohmann::json;
using Error = std::unexpected<std::string>;

std::expected<void, std::string> only_keys(const json& object, const std::set<std::string>& known,
                                           const std::string& where) {
  if (!object.is_object()) return Error(where + ": must be an object");
  for (const auto& [key, value] : object.items()) {
    if (known.contains(key)) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    return Error(where + ": unknown field \"" + key + "\" (known: " + list + ")");
  }
  return {};
}

std::expected<std::string, std::string> string_field(const json& object, const char* name, const std::string& where,
                                                     std::optional<std::string> fallback) {
  auto it = object.find(name);
  if (it == object.end()) {
    if (fallback) return *fallback;
    return Error(where + ": \"" + name + "\" is required");
  }
  if (!it->is_string()) return Error(where + ": \"" + name + "\" must be a string");
  return it->get<std::string>();
}

std::expected<std::vector<std::string>, std::string> string_list(const json& object, const char* name,
                                                                const std::string& where) {
  std::vector<std::string> values;
  auto it = object.find(name);
  if (it == object.end()) return values;
  if (!it->is_array()) return Error(where + ": \"" + name + "\" must be an array of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) return Error(where + ": \"" + name + "\" must be an array of strings");
    values.push_back(v.get<std::string>());
  }
  return values;
}

std::expected<const json*, std::string> array_field(const json& object, const char* name, const std::string& where) {
  auto it = object.find(name);
  if (it == object.end()) return nullptr;
  if (!it->is_array()) return Error(where + ": \"" + name + "\" must be an array");
  return &*it;
}

std::expected<int, std::string> integer_field(const json& object, const char* name, const std::string& where,
                                              int fallback, int min, int max) {
  auto it = object.find(name);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer() || it->get<long long>() < min || it->get<long long>() > max)
    return Error(where + ": \"" + name + "\" must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
  return static_cast<int>(it->get<long long>());
}

}  // namespace stack
