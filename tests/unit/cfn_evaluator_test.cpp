// The CloudFormation evaluator: conditions, rules, the creation order, every intrinsic
// function, outputs, and the aws-cdk bootstrap template end to end.
#include <algorithm>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cfn_test_support.h"

using nlohmann::json;
using namespace cfn_test;

// ---- conditions and rules ----

TEST_CASE("cfn template: conditions follow the parameters", "[cfn-template]") {
  auto dev = evaluator_for(kOneBucket);
  CHECK_FALSE(dev.condition("IsProd"));
  CHECK(dev.condition("IsDev"));
  CHECK_FALSE(dev.condition("Undeclared"));
  CHECK(dev.resource_enabled("Bucket"));
  CHECK_FALSE(dev.resource_enabled("Other"));
  auto prod = evaluator_for(kOneBucket, {{"Env", "prod"}});
  CHECK(prod.condition("IsProd"));
  CHECK_FALSE(prod.condition("IsDev"));
  CHECK(prod.resource_enabled("Other"));
}

TEST_CASE("cfn template: CDK's CDKMetadataAvailable condition (Fn::Or of Fn::Equals on the region)", "[cfn-template]") {
  constexpr std::string_view body = R"({
    "Conditions": {
      "CDKMetadataAvailable": {"Fn::Or": [
        {"Fn::Or": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "af-south-1"]},
                    {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}]},
        {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-west-2"]}]},
      "Both": {"Fn::And": [{"Condition": "CDKMetadataAvailable"}, {"Fn::Equals": ["1", 1]}]}
    },
    "Resources": {"CDKMetadata": {"Type": "AWS::CDK::Metadata", "Condition": "CDKMetadataAvailable"}}
  })";
  auto east = evaluator_for(body);
  CHECK(east.condition("CDKMetadataAvailable"));
  CHECK(east.condition("Both"));
  cloudformation::Environment elsewhere;
  elsewhere.region = "eu-north-1";
  auto north = evaluator_for(body, {}, elsewhere);
  CHECK_FALSE(north.condition("CDKMetadataAvailable"));
  CHECK_FALSE(north.resource_enabled("CDKMetadata"));
  auto order = north.creation_order();
  REQUIRE(order);
  CHECK(order->empty());
}

TEST_CASE("cfn template: circular conditions", "[cfn-template]") {
  auto tmpl = parse("Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources: {R: {Type: T}}\n");
  cloudformation::Evaluator evaluator(tmpl, {}, {});
  auto result = evaluator.evaluate_conditions();
  REQUIRE_FALSE(result);
  CHECK(result.error() == "Template error: Circular dependency between conditions: [A, B]");
}

TEST_CASE("cfn template: CDK's CheckBootstrapVersion rule", "[cfn-template]") {
  constexpr std::string_view body = R"({
    "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>",
                                        "Default": "/cdk-bootstrap/hnb659fds/version"}},
    "Rules": {"CheckBootstrapVersion": {"Assertions": [{
      "Assert": {"Fn::Not": [{"Fn::Contains": [["1", "2", "3", "4", "5"], {"Ref": "BootstrapVersion"}]}]},
      "AssertDescription": "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."}]}},
    "Resources": {"R": {"Type": "T"}}
  })";
  auto with_version = [&](std::string version) {
    cloudformation::Environment env;
    env.ssm_parameter = [version](std::string_view) -> std::optional<std::string> { return version; };
    return evaluator_for(body, {}, env).check_rules();
  };
  CHECK(with_version("21"));
  auto old = with_version("4");
  REQUIRE_FALSE(old);
  CHECK(old.error() == "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI.");
}

TEST_CASE("cfn template: rule functions, RuleCondition, and a rule without a description", "[cfn-template]") {
  constexpr std::string_view body = R"(
Parameters:
  Env: {Type: String, Default: dev}
  Sizes: {Type: CommaDelimitedList, Default: "s,m"}
Rules:
  OnlyInProd:
    RuleCondition: !Equals [!Ref Env, prod]
    Assertions:
      - Assert: {"Fn::EachMemberEquals": [!Ref Sizes, l]}
  KnownSizes:
    Assertions:
      - Assert: {"Fn::EachMemberIn": [!Ref Sizes, [s, m, l]]}
      - Assert: {"Fn::Contains": [[dev, prod], !Ref Env]}
Resources: {R: {Type: T}}
)";
  CHECK(evaluator_for(body).check_rules());
  auto prod = evaluator_for(body, {{"Env", "prod"}}).check_rules();
  REQUIRE_FALSE(prod);
  CHECK(prod.error() == "Template error: rule OnlyInProd failed");
  auto odd = evaluator_for(body, {{"Sizes", "s,xl"}}).check_rules();
  REQUIRE_FALSE(odd);
  CHECK(odd.error() == "Template error: rule KnownSizes failed");
}

// ---- creation order ----

TEST_CASE("cfn template: creation order follows references, ties in template order", "[cfn-template]") {
  auto evaluator = evaluator_for(R"(
Resources:
  Topic: {Type: T}
  Queue:
    Type: T
    Properties: {Arn: !GetAtt Topic.Arn}
  Alarm:
    Type: T
    DependsOn: Queue
  Bucket:
    Type: T
    Properties: {Name: !Sub "${Zebra}-bucket"}
  Zebra: {Type: T}
)");
  auto order = evaluator.creation_order();
  REQUIRE(order);
  CHECK(*order == std::vector<std::string>{"Topic", "Queue", "Alarm", "Zebra", "Bucket"});
  CHECK(evaluator.dependencies("Alarm") == std::set<std::string>{"Queue"});
  CHECK(evaluator.dependencies("Bucket") == std::set<std::string>{"Zebra"});
  CHECK(evaluator.dependencies("Topic").empty());
}

TEST_CASE("cfn template: a cycle names the resources on it", "[cfn-template]") {
  auto evaluator = evaluator_for(R"(
Resources:
  A: {Type: T, Properties: {X: !Ref B}}
  B: {Type: T, Properties: {X: !GetAtt C.Arn}}
  C: {Type: T, DependsOn: [A]}
  Waiting: {Type: T, Properties: {X: !Ref A}}
  Free: {Type: T}
)");
  auto order = evaluator.creation_order();
  REQUIRE_FALSE(order);
  CHECK(order.error() == "Circular dependency between resources: [A, B, C]");
}

TEST_CASE("cfn template: a reference in Fn::If's untaken branch is no dependency", "[cfn-template]") {
  constexpr std::string_view body = R"(
Parameters:
  UseKey: {Type: String, Default: "no"}
Conditions:
  WithKey: !Equals [!Ref UseKey, "yes"]
Resources:
  Key: {Type: T, Condition: WithKey}
  Bucket:
    Type: T
    Properties:
      KeyArn: !If [WithKey, !GetAtt Key.Arn, !Ref AWS::NoValue]
      Name: !If [WithKey, !Sub "${Key}-b", plain]
)";
  auto without = evaluator_for(body);
  CHECK(without.dependencies("Bucket").empty());
  auto order = without.creation_order();
  REQUIRE(order);
  CHECK(*order == std::vector<std::string>{"Bucket"});
  CHECK(evaluated(without, parse(body)["Resources"]["Bucket"]["Properties"]) == json{{"Name", "plain"}});

  auto with = evaluator_for(body, {{"UseKey", "yes"}});
  CHECK(with.dependencies("Bucket") == std::set<std::string>{"Key"});
  order = with.creation_order();
  REQUIRE(order);
  CHECK(*order == std::vector<std::string>{"Key", "Bucket"});
  CHECK(evaluated(with, parse(body)["Resources"]["Bucket"]["Properties"]) ==
        json{{"KeyArn", "Key.Arn"}, {"Name", "phys-Key-b"}});
}

TEST_CASE("cfn template: a plain reference to a resource whose condition is false", "[cfn-template]") {
  auto evaluator = evaluator_for(R"(
Conditions:
  Never: !Equals [a, b]
Resources:
  Gone: {Type: T, Condition: Never}
  User: {Type: T, Properties: {X: !Ref Gone}}
)");
  auto order = evaluator.creation_order();
  REQUIRE_FALSE(order);
  CHECK(order.error() == "Template format error: Unresolved resource dependencies [Gone] in the Resources block of the template");
}

// ---- intrinsic functions ----

TEST_CASE("cfn template: Ref to parameters, pseudo parameters and resources", "[cfn-template]") {
  cloudformation::Environment env;
  env.account_id = "123456789012";
  env.region = "eu-west-1";
  env.stack_name = "my-stack";
  env.stack_id = "arn:aws:cloudformation:eu-west-1:123456789012:stack/my-stack/guid";
  auto evaluator = evaluator_for(kOneBucket, {}, env);
  CHECK(evaluated(evaluator, parse(R"(
Env: !Ref Env
Zones: !Ref Zones
Account: !Ref AWS::AccountId
Region: !Ref AWS::Region
Partition: !Ref AWS::Partition
Suffix: !Ref AWS::URLSuffix
Name: !Ref AWS::StackName
Id: !Ref AWS::StackId
Arns: !Ref AWS::NotificationARNs
Bucket: !Ref Bucket
)")) == json::parse(R"({"Env": "dev", "Zones": ["a", "b", "c"], "Account": "123456789012", "Region": "eu-west-1",
      "Partition": "aws", "Suffix": "amazonaws.com", "Name": "my-stack",
      "Id": "arn:aws:cloudformation:eu-west-1:123456789012:stack/my-stack/guid", "Arns": [], "Bucket": "phys-Bucket"})"));
}

TEST_CASE("cfn template: a resource not created yet is an error naming it", "[cfn-template]") {
  auto evaluator = evaluator_for(kOneBucket);
  auto message = evaluation_error(evaluator, json{{"Ref", "Bucket"}}, fake_values({"Somebody"}));
  CHECK(message == "Template error: resource Bucket is referenced before it is created");
  CHECK(evaluation_error(evaluator, json{{"Ref", "Nope"}}) ==
        "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template");
  CHECK(evaluation_error(evaluator, json{{"Ref", "Other"}}) ==
        "Template format error: Unresolved resource dependencies [Other] in the Resources block of the template");
}

TEST_CASE("cfn template: Fn::GetAtt in both forms, dotted attributes, and an undeclared resource", "[cfn-template]") {
  auto evaluator = evaluator_for(kOneBucket);
  CHECK(evaluated(evaluator, json::parse(R"({"Fn::GetAtt": ["Bucket", "Arn"]})")) == "Bucket.Arn");
  CHECK(evaluated(evaluator, json::parse(R"({"Fn::GetAtt": "Bucket.Endpoint.Address"})")) == "Bucket.Endpoint.Address");
  CHECK(evaluated(evaluator, parse("V: !GetAtt Bucket.Endpoint.Port\n")["V"]) == "Bucket.Endpoint.Port");
  CHECK(evaluated(evaluator, json::parse(R"({"Fn::GetAtt": ["Bucket", {"Ref": "Env"}]})")) == "Bucket.dev");
  CHECK(evaluation_error(evaluator, json::parse(R"({"Fn::GetAtt": ["Ghost", "Arn"]})")) ==
        "Template error: instance of Fn::GetAtt references undefined resource Ghost");
  cloudformation::ResourceValues failing = fake_values();
  failing.get_att = [](const std::string& id, const std::string& attribute) -> std::expected<json, std::string> {
    return std::unexpected("Template error: resource " + id + " does not support attribute type " + attribute + " in Fn::GetAtt");
  };
  CHECK(evaluation_error(evaluator, json::parse(R"({"Fn::GetAtt": ["Bucket", "Nope"]})"), failing) ==
        "Template error: resource Bucket does not support attribute type Nope in Fn::GetAtt");
}

TEST_CASE("cfn template: Fn::Join, including CDK's ARN joins", "[cfn-template]") {
  auto evaluator = evaluator_for(kOneBucket);
  CHECK(evaluated(evaluator, json::parse(R"({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::",
        {"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]})")) == "arn:aws:s3:::Bucket.Arn/*");
  CHECK(evaluated(evaluator, json::parse(R"({"Fn::Join": [",", {"Ref": "Zones"}]})")) == "a,b,c");
  CHECK(evaluated(evaluator, json::parse(R"({"Fn::Join": ["-", [1, true, "x"]]})")) == "1-true-x");
  CHECK(evaluated(evaluator, json::parse(R"({"Fn::Join": ["-", []]})")) == "");
  const std::string usage =
      "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of "
      "strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.";
  CHECK(evaluation_error(evaluator, json::parse(R"({"Fn::Join": ["-"]})")) == usage);
  CHECK(evaluation_error(evaluator, json::parse(R"({"Fn::Join": ["-", "abc"]})")) == usage);
  CHECK(evaluation_error(evaluator, json::parse(R"({"Fn::Join": ["-", [{"a": 1}]]})")) == usage);
}

TEST_CASE("cfn template: Fn::Sub, both forms, with ${!Literal}", "[cfn-template]") {
  cloudformation::Environment env;
  env.region = "ap-south-1";
  auto evaluator = evaluator_for(kOneBucket, {}, env);
  CHECK(evaluated(evaluator, parse(R"(V: !Sub "arn:${AWS::Partition}:s3:::${Bucket}/${Env}/${Bucket.Arn}@${AWS::Region}")")["V"]) ==
        "arn:aws:s3:::phys-Bucket/dev/Bucket.Arn@ap-south-1");
  CHECK(evaluated(evaluator, parse(R"(V: !Sub "${!Literal} and ${!AWS::Region} stay")")["V"]) ==
        "${Literal} and ${AWS::Region} stay");
  CHECK(evaluated(evaluator, parse(R"(V: !Sub ["${Name}.${Count}-${Env}", {Name: !Ref Bucket, Count: 3}])")["V"]) ==
        "phys-Bucket.3-dev");
  CHECK(evaluated(evaluator, parse(R"(V: !Sub "no variables, ${ unclosed")")["V"]) == "no variables, ${ unclosed");
  CHECK(evaluation_error(evaluator, parse(R"(V: !Sub "${Zones}")")["V"]) ==
        "Template error: variable Zones in Fn::Sub expression does not resolve to a string");
}

TEST_CASE("cfn template: Fn::Select and Fn::Split", "[cfn-template]") {
  auto evaluator = evaluator_for(kOneBucket);
  CHECK(evaluated(evaluator, parse("V: !Select [1, [x, y, z]]\n")["V"]) == "y");
  CHECK(evaluated(evaluator, parse("V: !Select ['2', !Ref Zones]\n")["V"]) == "c");
  CHECK(evaluated(evaluator, parse("V: !Select [0, !Split ['/', 'a/b/c']]\n")["V"]) == "a");
  CHECK(evaluated(evaluator, parse("V: !Split ['::', 'a::b::']\n")["V"]) == json::array({"a", "b", ""}));
  CHECK(evaluation_error(evaluator, parse("V: !Select [5, [x, y]]\n")["V"]) ==
        "Template error: Fn::Select cannot select nonexistent value at index 5");
  CHECK(evaluation_error(evaluator, parse("V: !Select [-1, [x, y]]\n")["V"]) ==
        "Template error: Fn::Select cannot select nonexistent value at index -1");
  CHECK(evaluation_error(evaluator, parse("V: !Select [one, [x, y]]\n")["V"]) ==
        "Template error: Fn::Select requires a list argument with two elements: an integer index and a list");
  CHECK(evaluation_error(evaluator, parse("V: !Split [',']\n")["V"]) ==
        "Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be "
        "split or a function that returns a string to be split.");
}

TEST_CASE("cfn template: Fn::If and AWS::NoValue remove keys and array elements", "[cfn-template]") {
  auto evaluator = evaluator_for(kOneBucket);
  auto properties = parse(R"(
Kept: !If [IsDev, dev-value, prod-value]
Dropped: !If [IsProd, prod-value, !Ref AWS::NoValue]
Plain: !Ref AWS::NoValue
List: [a, !If [IsProd, b, !Ref AWS::NoValue], c, !Ref AWS::NoValue]
Nested: {Inner: !If [IsDev, !Ref AWS::NoValue, x], Other: 1}
)");
  CHECK(evaluated(evaluator, properties) ==
        json::parse(R"({"Kept": "dev-value", "List": ["a", "c"], "Nested": {"Other": 1}})"));
  CHECK(evaluated(evaluator, json{{"Ref", "AWS::NoValue"}}).is_null());
  CHECK(evaluation_error(evaluator, parse("V: !If [Unknown, a, b]\n")["V"]) ==
        "Template format error: Unresolved condition dependencies [Unknown] in the Resources block of the template");
}

TEST_CASE("cfn template: condition functions in values", "[cfn-template]") {
  auto evaluator = evaluator_for(kOneBucket);
  CHECK(evaluated(evaluator, parse("V: !Equals [!Ref Env, dev]\n")["V"]) == true);
  CHECK(evaluated(evaluator, parse("V: !Equals [!Ref Count, 3]\n")["V"]) == true);
  CHECK(evaluated(evaluator, parse("V: !Not [!Equals [a, a]]\n")["V"]) == false);
  CHECK(evaluated(evaluator, parse("V: !And [!Condition IsDev, !Equals [x, x]]\n")["V"]) == true);
  CHECK(evaluated(evaluator, parse("V: !Or [!Condition IsProd, !Equals [x, y]]\n")["V"]) == false);
}

TEST_CASE("cfn template: Fn::FindInMap", "[cfn-template]") {
  auto evaluator = evaluator_for(kOneBucket);
  CHECK(evaluated(evaluator, parse("V: !FindInMap [Sizes, !Ref Env, Memory]\n")["V"]) == 128);
  CHECK(evaluation_error(evaluator, parse("V: !FindInMap [Sizes, test, Memory]\n")["V"]) ==
        "Template error: Unable to get mapping for Sizes::test::Memory");
}

TEST_CASE("cfn template: Fn::ImportValue, Fn::Base64, Fn::GetAZs, Fn::Cidr", "[cfn-template]") {
  cloudformation::Environment env;
  env.region = "eu-central-1";
  env.import_value = [](std::string_view name) -> std::optional<std::string> {
    if (name == "shared-vpc") return "vpc-123";
    return std::nullopt;
  };
  auto evaluator = evaluator_for(kOneBucket, {}, env);
  CHECK(evaluated(evaluator, parse("V: !ImportValue shared-vpc\n")["V"]) == "vpc-123");
  CHECK(evaluation_error(evaluator, parse("V: !ImportValue {Fn::Sub: '${Env}-missing'}\n")["V"]) ==
        "No export named dev-missing found");
  CHECK(evaluated(evaluator, parse("V: !Base64 'hello world'\n")["V"]) == "aGVsbG8gd29ybGQ=");
  CHECK(evaluated(evaluator, parse("V: !GetAZs ''\n")["V"]) ==
        json::array({"eu-central-1a", "eu-central-1b", "eu-central-1c"}));
  CHECK(evaluated(evaluator, parse("V: !GetAZs us-west-2\n")["V"]) == json::array({"us-west-2a", "us-west-2b", "us-west-2c"}));
  CHECK(evaluated(evaluator, parse("V: !Select [0, !GetAZs {Ref: AWS::Region}]\n")["V"]) == "eu-central-1a");
  CHECK(evaluated(evaluator, parse("V: !Cidr [10.0.0.0/16, 3, 8]\n")["V"]) ==
        json::array({"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}));
  CHECK(evaluated(evaluator, parse("V: !Cidr [192.168.0.0/24, '2', '6']\n")["V"]) ==
        json::array({"192.168.0.0/26", "192.168.0.64/26"}));
}

TEST_CASE("cfn template: unsupported functions are named", "[cfn-template]") {
  auto evaluator = evaluator_for(kOneBucket);
  CHECK(evaluation_error(evaluator, json::parse(R"({"Fn::Length": [1, 2]})")) ==
        "Template format error: Encountered unsupported function: Fn::Length");
}

TEST_CASE("cfn template: outputs with conditions and exports", "[cfn-template]") {
  auto evaluator = evaluator_for(std::string(kOneBucket) + R"(
Outputs:
  BucketName:
    Description: the bucket
    Value: !Ref Bucket
    Export: {Name: !Sub "${AWS::StackName}-bucket"}
  OnlyInProd:
    Condition: IsProd
    Value: !Ref Other
  Arn:
    Value: !GetAtt Bucket.Arn
)", {}, cloudformation::Environment{.stack_name = "web"});
  auto outputs = evaluator.outputs(fake_values());
  REQUIRE(outputs);
  REQUIRE(outputs->size() == 2);
  CHECK((*outputs)[0].key == "Arn");
  CHECK((*outputs)[0].value == "Bucket.Arn");
  CHECK((*outputs)[0].export_name.empty());
  CHECK((*outputs)[1].key == "BucketName");
  CHECK((*outputs)[1].description == "the bucket");
  CHECK((*outputs)[1].value == "phys-Bucket");
  CHECK((*outputs)[1].export_name == "web-bucket");
}

// ---- the aws-cdk bootstrap template, end to end ----

TEST_CASE("cfn template: the aws-cdk bootstrap template", "[cfn-template]") {
  auto tmpl = parse(read_file(MINICLOUD_SOURCE_DIR "/fixtures/cloudformation/cdk-bootstrap-template.yaml"));
  auto valid = cloudformation::validate_template(tmpl);
  INFO((valid ? std::string() : valid.error()));
  REQUIRE(valid);
  auto params = cloudformation::resolve_parameters(tmpl, {}, {});
  REQUIRE(params);
  CHECK(params->at("Qualifier").ref_value == "hnb659fds");
  CHECK(params->at("TrustedAccounts").ref_value == json::array({""}));

  cloudformation::Evaluator evaluator(tmpl, {}, *params);
  REQUIRE(evaluator.evaluate_conditions());
  CHECK(evaluator.condition("CreateNewKey"));
  CHECK_FALSE(evaluator.condition("HasTrustedAccounts"));
  CHECK_FALSE(evaluator.condition("ShouldCreatePermissionsBoundary"));
  CHECK(evaluator.condition("UsePublicAccessBlockConfiguration"));
  CHECK(evaluator.check_rules());

  auto order = evaluator.creation_order();
  INFO((order ? std::string() : order.error()));
  REQUIRE(order);
  CHECK(order->size() == tmpl["Resources"].size() - 1);  // CdkBoostrapPermissionsBoundaryPolicy is off
  auto position = [&](const std::string& id) { return std::find(order->begin(), order->end(), id) - order->begin(); };
  CHECK(position("FilePublishingRole") < position("FileAssetsBucketEncryptionKey"));  // the key policy's ${FilePublishingRole.Arn}
  CHECK(position("FileAssetsBucketEncryptionKey") < position("StagingBucket"));
  CHECK(position("StagingBucket") < position("StagingBucketPolicy"));
  CHECK(position("CloudFormationExecutionRole") < position("DeploymentActionRole"));
  CHECK(position("CdkBootstrapVersion") < position("DeploymentActionRole"));

  std::map<std::string, json> properties;
  for (const auto& id : *order) {
    auto value = evaluator.evaluate(tmpl["Resources"][id].value("Properties", json::object()), fake_values());
    INFO(id << ": " << (value ? std::string() : value.error()));
    REQUIRE(value);
    properties[id] = *value;
  }
  const json& bucket = properties["StagingBucket"];
  CHECK(bucket["BucketName"] == "cdk-hnb659fds-assets-000000000000-us-east-1");
  CHECK(bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] ==
        "FileAssetsBucketEncryptionKey.Arn");
  CHECK(bucket["PublicAccessBlockConfiguration"]["BlockPublicAcls"] == true);
  CHECK(properties["ContainerAssetsRepository"]["RepositoryName"] == "cdk-hnb659fds-container-assets-000000000000-us-east-1");
  CHECK(properties["CdkBootstrapVersion"]["Name"] == "/cdk-bootstrap/hnb659fds/version");
  CHECK(properties["StagingBucketPolicy"]["Bucket"] == "phys-StagingBucket");
  // HasTrustedAccounts is false: the Fn::If statements vanish, two remain; no permissions boundary.
  const json& role = properties["FilePublishingRole"];
  CHECK(role["AssumeRolePolicyDocument"]["Statement"].size() == 2);
  CHECK(role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == "000000000000");
  CHECK(role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["Null"]["sts:ExternalId"] == "true");
  CHECK_FALSE(role.contains("PermissionsBoundary"));
  CHECK(role["RoleName"] == "cdk-hnb659fds-file-publishing-role-000000000000-us-east-1");
  CHECK(properties["CloudFormationExecutionRole"]["ManagedPolicyArns"] ==
        json::array({"arn:aws:iam::aws:policy/AdministratorAccess"}));
  CHECK(properties["FileAssetsBucketEncryptionKey"]["KeyPolicy"]["Statement"][1]["Condition"]["StringEquals"]
                  ["kms:ViaService"] == json::array({"s3.us-east-1.amazonaws.com"}));

  auto outputs = evaluator.outputs(fake_values());
  REQUIRE(outputs);
  std::map<std::string, cloudformation::EvaluatedOutput> by_key;
  for (const auto& output : *outputs) by_key[output.key] = output;
  CHECK(by_key.size() == 5);
  CHECK(by_key["BucketName"].value == "phys-StagingBucket");
  CHECK(by_key["BucketDomainName"].value == "StagingBucket.RegionalDomainName");
  CHECK(by_key["ImageRepositoryName"].value == "phys-ContainerAssetsRepository");
  CHECK(by_key["FileAssetKeyArn"].value == "FileAssetsBucketEncryptionKey.Arn");
  CHECK(by_key["FileAssetKeyArn"].export_name == "CdkBootstrap-hnb659fds-FileAssetKeyArn");
  // The version output duplicates the SSM parameter's value, as the template's comment says.
  CHECK(by_key["BootstrapVersion"].value == "34");
  CHECK(by_key["BootstrapVersion"].value == tmpl["Resources"]["CdkBootstrapVersion"]["Properties"]["Value"]);
}

TEST_CASE("cfn template: the bootstrap template with a custom bucket, an existing key and trusted accounts", "[cfn-template]") {
  auto tmpl = parse(read_file(MINICLOUD_SOURCE_DIR "/fixtures/cloudformation/cdk-bootstrap-template.yaml"));
  cloudformation::Environment env{.account_id = "111122223333", .region = "eu-west-3"};
  auto params = cloudformation::resolve_parameters(tmpl,
      {{"FileAssetsBucketName", "my-assets"}, {"FileAssetsBucketKmsKeyId", "AWS_MANAGED_KEY"},
       {"TrustedAccounts", "444455556666, 777788889999"}, {"PublicAccessBlockConfiguration", "false"}}, env);
  REQUIRE(params);
  cloudformation::Evaluator evaluator(tmpl, env, *params);
  REQUIRE(evaluator.evaluate_conditions());
  CHECK_FALSE(evaluator.resource_enabled("FileAssetsBucketEncryptionKey"));
  auto order = evaluator.creation_order();
  REQUIRE(order);
  CHECK(std::find(order->begin(), order->end(), "FileAssetsBucketEncryptionKeyAlias") == order->end());
  auto bucket = evaluator.evaluate(tmpl["Resources"]["StagingBucket"]["Properties"], fake_values());
  REQUIRE(bucket);
  CHECK((*bucket)["BucketName"] == "my-assets");
  CHECK_FALSE((*bucket)["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
                  .contains("KMSMasterKeyID"));
  CHECK_FALSE(bucket->contains("PublicAccessBlockConfiguration"));
  auto role = evaluator.evaluate(tmpl["Resources"]["FilePublishingRole"]["Properties"], fake_values());
  REQUIRE(role);
  CHECK((*role)["AssumeRolePolicyDocument"]["Statement"].size() == 4);
  CHECK((*role)["AssumeRolePolicyDocument"]["Statement"][2]["Principal"]["AWS"] ==
        json::array({"444455556666", "777788889999"}));
  CHECK((*role)["RoleName"] == "cdk-hnb659fds-file-publishing-role-111122223333-eu-west-3");
}

TEST_CASE("cfn template: a CDK app's synthesized template (JSON)", "[cfn-template]") {
  constexpr std::string_view body = R"({
 "Resources": {
  "ImagesBucket1E86A8D5": {"Type": "AWS::S3::Bucket", "UpdateReplacePolicy": "Retain", "DeletionPolicy": "Retain",
   "Metadata": {"aws:cdk:path": "App/Images/Resource"}},
  "ResizeServiceRoleE1C2E5F4": {"Type": "AWS::IAM::Role", "Properties": {
   "AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
     "Principal": {"Service": "lambda.amazonaws.com"}}], "Version": "2012-10-17"},
   "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
     ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]}]}},
  "ResizeFunction7B6E3F1A": {"Type": "AWS::Lambda::Function", "Properties": {
   "Code": {"S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": "abc123.zip"},
   "Role": {"Fn::GetAtt": ["ResizeServiceRoleE1C2E5F4", "Arn"]},
   "Environment": {"Variables": {"BUCKET": {"Ref": "ImagesBucket1E86A8D5"}}},
   "Handler": "index.handler", "Runtime": "nodejs20.x", "MemorySize": 512},
   "DependsOn": ["ResizeServiceRoleE1C2E5F4"]},
  "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:H4sI"},
   "Condition": "CDKMetadataAvailable"}
 },
 "Outputs": {"BucketArn": {"Value": {"Fn::GetAtt": ["ImagesBucket1E86A8D5", "Arn"]}}},
 "Conditions": {"CDKMetadataAvailable": {"Fn::Or": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
                                                     {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}]}},
 "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>",
   "Default": "/cdk-bootstrap/hnb659fds/version",
   "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]"}},
 "Rules": {"CheckBootstrapVersion": {"Assertions": [{"Assert": {"Fn::Not": [{"Fn::Contains": [["1", "2", "3", "4", "5"],
   {"Ref": "BootstrapVersion"}]}]}, "AssertDescription": "CDK bootstrap stack version 6 required."}]}}
})";
  cloudformation::Environment env{.account_id = "123456789012", .region = "eu-west-1"};
  env.ssm_parameter = [](std::string_view name) -> std::optional<std::string> {
    if (name == "/cdk-bootstrap/hnb659fds/version") return "34";
    return std::nullopt;
  };
  auto evaluator = evaluator_for(body, {}, env);
  CHECK(evaluator.check_rules());
  auto order = evaluator.creation_order();
  REQUIRE(order);
  CHECK(*order == std::vector<std::string>{"CDKMetadata", "ImagesBucket1E86A8D5", "ResizeServiceRoleE1C2E5F4",
                                           "ResizeFunction7B6E3F1A"});
  CHECK(evaluator.dependencies("ResizeFunction7B6E3F1A") ==
        std::set<std::string>{"ImagesBucket1E86A8D5", "ResizeServiceRoleE1C2E5F4"});
  auto tmpl = parse(body);
  auto role = evaluated(evaluator, tmpl["Resources"]["ResizeServiceRoleE1C2E5F4"]["Properties"]);
  CHECK(role["ManagedPolicyArns"][0] == "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
  auto function = evaluated(evaluator, tmpl["Resources"]["ResizeFunction7B6E3F1A"]["Properties"]);
  CHECK(function["Code"]["S3Bucket"] == "cdk-hnb659fds-assets-123456789012-eu-west-1");
  CHECK(function["Role"] == "ResizeServiceRoleE1C2E5F4.Arn");
  CHECK(function["Environment"]["Variables"]["BUCKET"] == "phys-ImagesBucket1E86A8D5");
  CHECK(function["MemorySize"] == 512);
  // Creating in order: the function cannot be evaluated before the bucket exists.
  CHECK(evaluation_error(evaluator, tmpl["Resources"]["ResizeFunction7B6E3F1A"]["Properties"],
                         fake_values({"ResizeServiceRoleE1C2E5F4"})) ==
        "Template error: resource ImagesBucket1E86A8D5 is referenced before it is created");
}
