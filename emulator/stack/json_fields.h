// Readers for the fields of a stack file's JSON objects, one set for every section parser
// (stack.cpp, events_section.cpp, presign_section.cpp, cdn/config.cpp).
//
// Contract: every message starts with the path of the object it is about (`where`, e.g.
// "stack.buckets[2]") and quotes the field's name, so a bad stack file points at the line
// to fix: stack.buckets[2]: "acl" must be a string. An unknown field is an error that lists
// the known ones, so a typo says what was meant:
//   stack.buckets[0]: unknown field "nmae" (known: acl, cors, name)
// An absent optional field takes its fallback; a present field of the wrong type is an error.
#pragma once

#include <expected>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace stack {

// `object` must be a JSON object whose keys are all in `known`.
std::expected<void, std::string> only_keys(const nlohmann::json& object, const std::set<std::string>& known,
                                           const std::string& where);

// A string field; without a `fallback` it is required.
std::expected<std::string, std::string> string_field(const nlohmann::json& object, const char* name,
                                                     const std::string& where,
                                                     std::optional<std::string> fallback = std::nullopt);

// An optional array of strings; empty when absent.
std::expected<std::vector<std::string>, std::string> string_list(const nlohmann::json& object, const char* name,
                                                                const std::string& where);

// An optional array; nullptr when absent.
std::expected<const nlohmann::json*, std::string> array_field(const nlohmann::json& object, const char* name,
                                                              const std::string& where);

// An optional integer in min..max; `fallback` when absent.
std::expected<int, std::string> integer_field(const nlohmann::json& object, const char* name, const std::string& where,
                                              int fallback, int min, int max);

}  // namespace stack
