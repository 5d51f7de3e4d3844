// The CloudFormation template reader: parsing JSON and YAML (short-form tags, scalar types),
// the static checks and their AWS messages, and parameters (declarations, constraints, SSM
// parameter types).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cfn_test_support.h"

using nlohmann::json;
using namespace cfn_test;

namespace {

std::string parse_error(std::string_view body) {
  auto parsed = cloudformation::parse_template(body);
  REQUIRE_FALSE(parsed);
  return parsed.error();
}

std::string validation_error(std::string_view body) {
  auto checked = cloudformation::validate_template(parse(body));
  REQUIRE_FALSE(checked);
  return checked.error();
}

std::string parameter_error(std::string_view body, const std::map<std::string, std::string>& given,
                            const cloudformation::Environment& env = {}) {
  auto resolved = cloudformation::resolve_parameters(parse(body), given, env);
  REQUIRE_FALSE(resolved);
  return resolved.error();
}


}  // namespace

// ---- parsing ----

TEST_CASE("cfn template: YAML short-form tags become the long form", "[cfn-template]") {
  auto tmpl = parse(R"(
Resources:
  R:
    Type: T
    Properties:
      A: !Ref Param
      B: !GetAtt Res.Endpoint.Address
      C: !GetAtt [Res, Arn]
      D: !Sub "x-${AWS::Region}"
      E: !Join ["-", [a, !Ref X]]
      F: !If [Cond, !Select [0, !Split [",", "p,q"]], !Ref AWS::NoValue]
      G: !Condition Cond
      H: !Base64 hello
      I: !GetAZs ''
      J: !FindInMap [M, K, V]
      K: !And [!Equals [a, b], !Or [!Not [!Condition C]]]
      L: !ImportValue Shared
      M: !Cidr [10.0.0.0/16, 2, 8]
      N: !Transform {Name: AWS::Include}
)");
  const json& p = tmpl["Resources"]["R"]["Properties"];
  CHECK(p["A"] == json{{"Ref", "Param"}});
  CHECK(p["B"] == json{{"Fn::GetAtt", {"Res", "Endpoint.Address"}}});
  CHECK(p["C"] == json{{"Fn::GetAtt", {"Res", "Arn"}}});
  CHECK(p["D"] == json{{"Fn::Sub", "x-${AWS::Region}"}});
  CHECK(p["E"] == json::parse(R"({"Fn::Join": ["-", ["a", {"Ref": "X"}]]})"));
  CHECK(p["F"] == json::parse(R"({"Fn::If": ["Cond", {"Fn::Select": [0, {"Fn::Split": [",", "p,q"]}]}, {"Ref": "AWS::NoValue"}]})"));
  CHECK(p["G"] == json{{"Condition", "Cond"}});
  CHECK(p["H"] == json{{"Fn::Base64", "hello"}});
  CHECK(p["I"] == json{{"Fn::GetAZs", ""}});
  CHECK(p["J"] == json::parse(R"({"Fn::FindInMap": ["M", "K", "V"]})"));
  CHECK(p["K"] == json::parse(R"({"Fn::And": [{"Fn::Equals": ["a", "b"]}, {"Fn::Or": [{"Fn::Not": [{"Condition": "C"}]}]}]})"));
  CHECK(p["L"] == json{{"Fn::ImportValue", "Shared"}});
  CHECK(p["M"] == json::parse(R"({"Fn::Cidr": ["10.0.0.0/16", 2, 8]})"));
  CHECK(p["N"] == json::parse(R"({"Fn::Transform": {"Name": "AWS::Include"}})"));
}

TEST_CASE("cfn template: YAML scalars are typed as CloudFormation types them", "[cfn-template]") {
  auto tmpl = parse(R"(
AWSTemplateFormatVersion: 2010-09-09
Resources:
  R:
    Type: T
    Properties:
      Yes: true
      No: false
      Int: 42
      Negative: -7
      Decimal: 1.5
      Nothing: null
      Tilde: ~
      Empty:
      Quoted: "true"
      Single: '42'
      Account: 012345678901
      Text: hello world
      Block: |
        line one
        line two
)");
  CHECK(tmpl["AWSTemplateFormatVersion"] == "2010-09-09");
  const json& p = tmpl["Resources"]["R"]["Properties"];
  CHECK(p["Yes"] == true);
  CHECK(p["No"] == false);
  CHECK(p["Int"] == 42);
  CHECK(p["Negative"] == -7);
  CHECK(p["Decimal"] == 1.5);
  CHECK(p["Nothing"].is_null());
  CHECK(p["Tilde"].is_null());
  CHECK(p["Empty"].is_null());
  CHECK(p["Quoted"] == "true");
  CHECK(p["Single"] == "42");
  CHECK(p["Account"] == "012345678901");
  CHECK(p["Text"] == "hello world");
  CHECK(p["Block"] == "line one\nline two\n");
}

TEST_CASE("cfn template: JSON bodies are read as JSON", "[cfn-template]") {
  auto tmpl = parse("  \n{\"Resources\": {\"R\": {\"Type\": \"T\", \"Properties\": {\"N\": 5}}}}");
  CHECK(tmpl["Resources"]["R"]["Properties"]["N"] == 5);
}

TEST_CASE("cfn template: malformed bodies and AWS's messages", "[cfn-template]") {
  CHECK(parse_error("{\n  \"Resources\": {\n    \"R\": ]\n}") ==
        "Template format error: JSON not well-formed. (line 3, column 10)");
  CHECK(parse_error("Resources:\n  R: [a, b\n") .starts_with("Template format error: YAML not well-formed. (line "));
  CHECK(parse_error("Resources:\n  R: !Bogus x\n") == "Template format error: YAML not well-formed. (line 2, column 6)");
  CHECK(parse_error("- a\n- b\n") == "Template format error: unsupported structure.");
  CHECK(parse_error("just text") == "Template format error: unsupported structure.");
}

// ---- validation ----

TEST_CASE("cfn template: a sound template validates", "[cfn-template]") {
  CHECK(cloudformation::validate_template(parse(kOneBucket)));
}

TEST_CASE("cfn template: unknown top-level keys", "[cfn-template]") {
  CHECK(validation_error("Resources: {R: {Type: T}}\nResorces: {}\nFoo: 1\n") ==
        "Template format error: Invalid template property or properties [Foo, Resorces]");
}

TEST_CASE("cfn template: Resources must be there and not empty", "[cfn-template]") {
  const std::string message = "Template format error: At least one Resources member must be defined.";
  CHECK(validation_error("Description: nothing\n") == message);
  CHECK(validation_error("Resources: {}\n") == message);
}

TEST_CASE("cfn template: every resource needs a Type", "[cfn-template]") {
  CHECK(validation_error("Resources:\n  Good: {Type: T}\n  Bad: {Properties: {}}\n") ==
        "Template format error: [/Resources/Bad] Every Resources object must contain a Type member.");
}

TEST_CASE("cfn template: Ref, Sub and DependsOn to undeclared names", "[cfn-template]") {
  CHECK(validation_error("Resources:\n  R: {Type: T, Properties: {A: !Ref Missing}}\n") ==
        "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template");
  CHECK(validation_error("Resources:\n  R: {Type: T, Properties: {A: !Sub '${AWS::Region}-${Nope}'}}\n") ==
        "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template");
  CHECK(validation_error("Resources:\n  R: {Type: T, DependsOn: [Ghost]}\n") ==
        "Template format error: Unresolved resource dependencies [Ghost] in the Resources block of the template");
  CHECK(validation_error("Resources:\n  R: {Type: T}\nOutputs:\n  O: {Value: !Ref Elsewhere}\n") ==
        "Template format error: Unresolved resource dependencies [Elsewhere] in the Outputs block of the template");
  // Sub's own variables and ${!Literal} are not references.
  CHECK(cloudformation::validate_template(
      parse("Resources:\n  R: {Type: T, Properties: {A: !Sub ['${X}-${!Y}', {X: 1}]}}\n")));
}

TEST_CASE("cfn template: Fn::GetAtt to an undeclared resource", "[cfn-template]") {
  CHECK(validation_error("Resources:\n  R: {Type: T, Properties: {A: !GetAtt Nope.Arn}}\n") ==
        "Template error: instance of Fn::GetAtt references undefined resource Nope");
  CHECK(validation_error("Resources:\n  R: {Type: T, Properties: {A: !Sub '${Gone.Arn}'}}\n") ==
        "Template error: instance of Fn::GetAtt references undefined resource Gone");
}

TEST_CASE("cfn template: undeclared conditions", "[cfn-template]") {
  CHECK(validation_error("Resources:\n  R: {Type: T, Condition: Nope}\n") ==
        "Template format error: Unresolved condition dependencies [Nope] in the Resources block of the template");
  CHECK(validation_error("Resources:\n  R: {Type: T, Properties: {A: !If [Maybe, 1, 2]}}\n") ==
        "Template format error: Unresolved condition dependencies [Maybe] in the Resources block of the template");
}

TEST_CASE("cfn template: transforms are refused, by name", "[cfn-template]") {
  CHECK(validation_error("Transform: AWS::Serverless-2016-10-31\nResources: {R: {Type: T}}\n") ==
        "Transform AWS::Serverless-2016-10-31 is not supported by minicloud");
  CHECK(validation_error("Resources:\n  R: {Type: T, Properties: !Transform {Name: AWS::Include}}\n") ==
        "Transform AWS::Include is not supported by minicloud");
}

// ---- parameters ----

TEST_CASE("cfn template: parameter declarations", "[cfn-template]") {
  auto decls = cloudformation::parameter_decls(parse(R"(
Parameters:
  Size:
    Type: Number
    Default: 3
    MinValue: 1
    MaxValue: 10
  Names:
    Type: CommaDelimitedList
    Default: [a, b]
  Secret:
    Type: String
    NoEcho: true
    MinLength: 2
    MaxLength: 8
    AllowedPattern: "[a-z]+"
    ConstraintDescription: lowercase only
    AllowedValues: [x, y]
Resources: {R: {Type: T}}
)"));
  REQUIRE(decls.size() == 3);
  CHECK(decls[0].name == "Names");
  CHECK(decls[0].default_value == "a,b");
  CHECK(decls[1].name == "Secret");
  CHECK(decls[1].no_echo);
  CHECK(decls[1].min_length == 2u);
  CHECK(decls[1].max_length == 8u);
  CHECK(decls[1].allowed_pattern == "[a-z]+");
  CHECK(decls[1].constraint_description == "lowercase only");
  CHECK(decls[1].allowed_values == std::vector<std::string>{"x", "y"});
  CHECK_FALSE(decls[1].default_value);
  CHECK(decls[2].name == "Size");
  CHECK(decls[2].type == "Number");
  CHECK(decls[2].default_value == "3");
  CHECK(decls[2].min_value == 1.0);
  CHECK(decls[2].max_value == 10.0);
}

TEST_CASE("cfn template: parameter values, defaults and Ref values", "[cfn-template]") {
  auto resolved = cloudformation::resolve_parameters(parse(kOneBucket), {{"Env", "prod"}}, {});
  REQUIRE(resolved);
  CHECK(resolved->at("Env").value == "prod");
  CHECK(resolved->at("Env").ref_value == "prod");
  CHECK(resolved->at("Count").ref_value == "3");
  CHECK(resolved->at("Zones").value == "a, b,c");
  CHECK(resolved->at("Zones").ref_value == json::array({"a", "b", "c"}));
  CHECK_FALSE(resolved->at("Env").resolved_value);
}

TEST_CASE("cfn template: missing and unknown parameters", "[cfn-template]") {
  constexpr std::string_view body = "Parameters:\n  B: {Type: String}\n  A: {Type: String}\n  C: {Type: String, Default: x}\n"
                                    "Resources: {R: {Type: T}}\n";
  CHECK(parameter_error(body, {}) == "Parameters: [A, B] must have values");
  CHECK(parameter_error(body, {{"A", "1"}, {"B", "2"}, {"Z", "3"}}) == "Parameters: [Z] do not exist in the template");
}

TEST_CASE("cfn template: parameter constraints", "[cfn-template]") {
  constexpr std::string_view body = R"(
Parameters:
  N: {Type: Number, Default: 5, MinValue: 1, MaxValue: 10}
  S: {Type: String, Default: abc, AllowedPattern: "[a-z]+", MinLength: 2, MaxLength: 4}
  V: {Type: String, Default: red, AllowedValues: [red, green]}
  Q: {Type: String, Default: ok, AllowedPattern: "[a-z]{1,3}", ConstraintDescription: three letters at most}
  L: {Type: List<Number>, Default: "1,2"}
Resources: {R: {Type: T}}
)";
  CHECK(parameter_error(body, {{"N", "five"}}) == "Parameter 'N' must be a number.");
  CHECK(parameter_error(body, {{"N", "0"}}) == "Parameter 'N' must be a number not less than 1");
  CHECK(parameter_error(body, {{"N", "11"}}) == "Parameter 'N' must be a number not greater than 10");
  CHECK(parameter_error(body, {{"S", "ABC"}}) == "Parameter 'S' must match pattern [a-z]+");
  CHECK(parameter_error(body, {{"S", "a"}}) == "Parameter 'S' must contain at least 2 characters");
  CHECK(parameter_error(body, {{"S", "abcde"}}) == "Parameter 'S' must contain at most 4 characters");
  CHECK(parameter_error(body, {{"V", "blue"}}) == "Parameter 'V' must be one of AllowedValues");
  CHECK(parameter_error(body, {{"Q", "toolong"}}) == "Parameter 'Q' failed to satisfy constraint: three letters at most");
  CHECK(parameter_error(body, {{"L", "1,x"}}) == "Parameter 'L' must be a number.");
  auto ok = cloudformation::resolve_parameters(parse(body), {{"N", "10"}, {"V", "green"}}, {});
  REQUIRE(ok);
  CHECK(ok->at("L").ref_value == json::array({"1", "2"}));
}

TEST_CASE("cfn template: SSM parameter types are read from the parameter store", "[cfn-template]") {
  constexpr std::string_view body = R"(
Parameters:
  BootstrapVersion:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /cdk-bootstrap/hnb659fds/version
  Subnets:
    Type: AWS::SSM::Parameter::Value<List<String>>
    Default: /net/subnets
Resources: {R: {Type: T}}
)";
  cloudformation::Environment env;
  std::map<std::string, std::string> store = {{"/cdk-bootstrap/hnb659fds/version", "21"}, {"/net/subnets", "s-1,s-2"}};
  env.ssm_parameter = [&store](std::string_view name) -> std::optional<std::string> {
    auto it = store.find(std::string(name));
    if (it == store.end()) return std::nullopt;
    return it->second;
  };
  auto resolved = cloudformation::resolve_parameters(parse(body), {}, env);
  REQUIRE(resolved);
  CHECK(resolved->at("BootstrapVersion").value == "/cdk-bootstrap/hnb659fds/version");
  CHECK(resolved->at("BootstrapVersion").resolved_value == "21");
  CHECK(resolved->at("BootstrapVersion").ref_value == "21");
  CHECK(resolved->at("Subnets").ref_value == json::array({"s-1", "s-2"}));

  store.erase("/cdk-bootstrap/hnb659fds/version");
  CHECK(parameter_error(body, {}, env) ==
        "Unable to fetch parameters [/cdk-bootstrap/hnb659fds/version] from parameter store for this account.");
  CHECK(parameter_error(body, {{"BootstrapVersion", "/other"}}, env) ==
        "Unable to fetch parameters [/other] from parameter store for this account.");
  CHECK(parameter_error(body, {}, {}) ==
        "Unable to fetch parameters [/cdk-bootstrap/hnb659fds/version, /net/subnets] from parameter store for this account.");
}
