// The registry of supported types, the recorded ones (kept, not run), and the helpers the
// type families share.
#include <algorithm>
#include <charconv>
#include <map>

#include "cloudformation/names.h"
#include "cloudformation/types.h"

namespace cloudformation {
namespace types {
namespace {

class Recorded final : public ResourceType {
 public:
  explicit Recorded(RecordedSpec spec) : spec_(std::move(spec)) {}
  std::vector<std::string> attributes() const override { return spec_.attributes; }
  bool is_iam() const override { return spec_.iam; }
  bool names_iam_resource(const nlohmann::json& properties) const override {
    return spec_.iam && !spec_.name_property.empty() && properties.contains(spec_.name_property);
  }
  Outcome create(ResourceContext& context, const nlohmann::json& properties) const override {
    return spec_.make(context, properties);
  }
  bool needs_replacement(const nlohmann::json& before, const nlohmann::json& after) const override {
    if (spec_.name_property.empty()) return false;
    return before.value(spec_.name_property, nlohmann::json()) != after.value(spec_.name_property, nlohmann::json());
  }
  Outcome update(ResourceContext&, const ResourceRecord& before, const nlohmann::json&) const override {
    return Applied{before.physical_id, before.attributes, before.state};
  }
  std::expected<void, std::string> remove(ResourceContext&, const ResourceRecord&) const override { return {}; }

 private:
  RecordedSpec spec_;
};

const std::string kAccount = kAccountId;

Applied iam_role(ResourceContext& c, const nlohmann::json& p) {
  std::string name = name_or_generated(c, p, "RoleName", 64);
  std::string path = p.value("Path", std::string("/"));
  return {name, {{"Arn", "arn:aws:iam::" + kAccount + ":role" + path + name}, {"RoleId", random_upper(17, "AROA")}}};
}

Applied iam_managed_policy(ResourceContext& c, const nlohmann::json& p) {
  std::string name = name_or_generated(c, p, "ManagedPolicyName", 128);
  std::string path = p.value("Path", std::string("/"));
  std::string arn = "arn:aws:iam::" + kAccount + ":policy" + path + name;
  return {arn, {{"PolicyArn", arn}, {"PolicyId", random_upper(17, "ANPA")}}};
}

Applied generated_id(ResourceContext& c, const nlohmann::json&) {
  std::string id = generated_name(c.stack_name, c.logical_id, 128);
  return {id, {{"Id", id}}};
}

Applied kms_key(ResourceContext& c, const nlohmann::json&) {
  std::string id = random_uuid();
  return {id, {{"Arn", "arn:aws:kms:" + c.region + ":" + kAccount + ":key/" + id}, {"KeyId", id}}};
}

Applied ecr_repository(ResourceContext& c, const nlohmann::json& p) {
  std::string name = name_or_generated(c, p, "RepositoryName", 256, true);
  return {name,
          {{"Arn", "arn:aws:ecr:" + c.region + ":" + kAccount + ":repository/" + name},
           {"RepositoryUri", kAccount + ".dkr.ecr." + c.region + ".amazonaws.com/" + name}}};
}

Applied log_group(ResourceContext& c, const nlohmann::json& p) {
  std::string name = name_or_generated(c, p, "LogGroupName", 512);
  return {name, {{"Arn", "arn:aws:logs:" + c.region + ":" + kAccount + ":log-group:" + name + ":*"}}};
}

Applied cloudfront_id(ResourceContext&, const nlohmann::json&) {
  std::string id = random_upper(13, "E");
  return {id, {{"Id", id}}};
}

Applied cloudfront_policy(ResourceContext&, const nlohmann::json&) {
  std::string id = random_uuid();
  return {id, {{"Id", id}, {"LastModifiedTime", ""}}};
}

using Table = std::map<std::string, std::unique_ptr<ResourceType>, std::less<>>;

Table make_table() {
  Table t;
  t["AWS::S3::Bucket"] = bucket();
  t["AWS::S3::BucketPolicy"] = bucket_policy();
  t["Custom::S3BucketNotifications"] = bucket_notifications();
  t["Custom::S3AutoDeleteObjects"] = auto_delete_objects();
  t["AWS::Lambda::Function"] = function();
  t["AWS::SNS::Topic"] = topic();
  t["AWS::SNS::Subscription"] = subscription();
  t["AWS::CloudFront::Distribution"] = distribution();
  t["AWS::SSM::Parameter"] = ssm_parameter();

  t["AWS::IAM::Role"] = recorded({{"Arn", "RoleId"}, "RoleName", true, iam_role});
  t["AWS::IAM::Policy"] = recorded({{"Id"}, "", true, generated_id});
  t["AWS::IAM::ManagedPolicy"] = recorded({{"PolicyArn", "PolicyId"}, "ManagedPolicyName", true, iam_managed_policy});
  t["AWS::KMS::Key"] = recorded({{"Arn", "KeyId"}, "", false, kms_key});
  t["AWS::KMS::Alias"] = recorded({{}, "AliasName", false, [](ResourceContext&, const nlohmann::json& p) {
                                     return Applied{p.value("AliasName", std::string()), {}};
                                   }});
  t["AWS::ECR::Repository"] = recorded({{"Arn", "RepositoryUri"}, "RepositoryName", false, ecr_repository});
  t["AWS::Lambda::Permission"] = recorded({{}, "", false, generated_id});
  t["AWS::SNS::TopicPolicy"] = recorded({{"Id"}, "", false, generated_id});
  t["AWS::CloudFront::OriginAccessControl"] = recorded({{"Id"}, "", false, cloudfront_id});
  t["AWS::CloudFront::CloudFrontOriginAccessIdentity"] = recorded({{"Id", "S3CanonicalUserId"}, "", false, cloudfront_id});
  t["AWS::CloudFront::CachePolicy"] = recorded({{"Id", "LastModifiedTime"}, "", false, cloudfront_policy});
  t["AWS::CloudFront::OriginRequestPolicy"] = recorded({{"Id", "LastModifiedTime"}, "", false, cloudfront_policy});
  t["AWS::CloudFront::ResponseHeadersPolicy"] = recorded({{"Id", "LastModifiedTime"}, "", false, cloudfront_policy});
  t["AWS::Logs::LogGroup"] = recorded({{"Arn"}, "LogGroupName", false, log_group});
  t["AWS::CDK::Metadata"] = recorded({{}, "", false, [](ResourceContext&, const nlohmann::json&) {
                                        return Applied{random_uuid(), {}};
                                      }});
  t["AWS::CloudFormation::WaitConditionHandle"] = recorded({{}, "", false, [](ResourceContext& c, const nlohmann::json&) {
                                                              return Applied{"https://cloudformation-waitcondition-" + c.region + ".s3.amazonaws.com/" + random_uuid(), {}};
                                                            }});
  return t;
}

// Built once, never changed: immutable after its first use.
const Table& table() {
  static const Table t = make_table();
  return t;
}

}  // namespace

std::unique_ptr<ResourceType> recorded(RecordedSpec spec) { return std::make_unique<Recorded>(std::move(spec)); }

std::string name_or_generated(const ResourceContext& context, const nlohmann::json& properties, const char* property,
                              std::size_t max_length, bool lower_case) {
  std::string given = string_property(properties, property);
  return given.empty() ? generated_name(context.stack_name, context.logical_id, max_length, lower_case) : given;
}

std::string s3_failure(const core::Error& error) {
  return error.effective_message() + " (Service: S3; Status Code: " + std::to_string(error.http_status()) +
         "; Error Code: " + std::string(error.code_name()) + ")";
}

}  // namespace types

const ResourceType* find_type(std::string_view type) {
  const auto& t = types::table();
  auto it = t.find(type);
  return it == t.end() ? nullptr : it->second.get();
}

std::vector<std::string> supported_types() {
  std::vector<std::string> names;
  for (const auto& [name, type] : types::table()) names.push_back(name);
  return names;
}

std::string string_property(const nlohmann::json& properties, const char* name) {
  if (!properties.is_object() || !properties.contains(name)) return "";
  const auto& v = properties[name];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

std::optional<long long> integer_property(const nlohmann::json& properties, const char* name) {
  if (!properties.is_object() || !properties.contains(name)) return std::nullopt;
  const auto& v = properties[name];
  if (v.is_number_integer()) return v.get<long long>();
  if (!v.is_string()) return std::nullopt;
  const std::string& text = v.get_ref<const std::string&>();
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string arn_resource(std::string_view arn) {
  auto colon = arn.rfind(':');
  return std::string(colon == std::string_view::npos ? arn : arn.substr(colon + 1));
}

}  // namespace cloudformation
