// Shared helpers for the CloudFormation template and evaluator unit tests: parsing that must
// succeed, a fake ResourceValues, an Evaluator ready to use, and a small template.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "cloudformation/evaluator.h"
#include "cloudformation/template.h"

namespace cfn_test {

using nlohmann::json;

inline json parse(std::string_view body) {
  auto parsed = cloudformation::parse_template(body);
  INFO((parsed ? std::string() : parsed.error()));
  REQUIRE(parsed);
  return *parsed;
}

// ref -> "phys-<id>", get_att -> "<id>.<attr>"; a non-empty `created` limits what counts as created.
inline cloudformation::ResourceValues fake_values(std::set<std::string> created = {}) {
  cloudformation::ResourceValues values;
  values.ref = [created](const std::string& id) -> std::optional<json> {
    if (!created.empty() && !created.contains(id)) return std::nullopt;
    return json("phys-" + id);
  };
  values.get_att = [](const std::string& id, const std::string& attribute) -> std::expected<json, std::string> {
    return json(id + "." + attribute);
  };
  return values;
}

// Parsed, validated, parameters resolved, conditions evaluated.
inline cloudformation::Evaluator evaluator_for(std::string_view body, const std::map<std::string, std::string>& given = {},
                                               cloudformation::Environment env = {}) {
  auto tmpl = parse(body);
  auto valid = cloudformation::validate_template(tmpl);
  INFO((valid ? std::string() : valid.error()));
  REQUIRE(valid);
  auto params = cloudformation::resolve_parameters(tmpl, given, env);
  INFO((params ? std::string() : params.error()));
  REQUIRE(params);
  cloudformation::Evaluator evaluator(tmpl, env, *params);
  auto conditions = evaluator.evaluate_conditions();
  INFO((conditions ? std::string() : conditions.error()));
  REQUIRE(conditions);
  return evaluator;
}

inline json evaluated(const cloudformation::Evaluator& evaluator, const json& fragment) {
  auto value = evaluator.evaluate(fragment, fake_values());
  INFO((value ? std::string() : value.error()));
  REQUIRE(value);
  return *value;
}

inline std::string evaluation_error(const cloudformation::Evaluator& evaluator, const json& fragment,
                                    const cloudformation::ResourceValues& values = fake_values()) {
  auto value = evaluator.evaluate(fragment, values);
  REQUIRE_FALSE(value);
  return value.error();
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parameters of three kinds, a mapping, two conditions, one resource always there and one
// only in prod.
inline constexpr std::string_view kOneBucket = R"(
Parameters:
  Env:
    Type: String
    Default: dev
  Zones:
    Type: CommaDelimitedList
    Default: "a, b,c"
  Count:
    Type: Number
    Default: 3
Mappings:
  Sizes:
    dev: {Memory: 128}
    prod: {Memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Other:
    Type: AWS::S3::Bucket
    Condition: IsProd
)";

}  // namespace cfn_test
