// Internal to the resource types (types_*.cpp, resource_types.cpp): one factory per
// family, and helpers they share. Not part of CloudFormation's interface.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cloudformation/resource_type.h"

namespace cloudformation::types {

// types_s3.cpp
std::unique_ptr<ResourceType> bucket();
std::unique_ptr<ResourceType> bucket_policy();
std::unique_ptr<ResourceType> bucket_notifications();  // Custom::S3BucketNotifications
std::unique_ptr<ResourceType> auto_delete_objects();   // Custom::S3AutoDeleteObjects
// types_lambda.cpp
std::unique_ptr<ResourceType> function();
// types_sns.cpp
std::unique_ptr<ResourceType> topic();
std::unique_ptr<ResourceType> subscription();
// types_cloudfront.cpp
std::unique_ptr<ResourceType> distribution();
// types_ssm.cpp
std::unique_ptr<ResourceType> ssm_parameter();

// A type minicloud keeps a record of but does not run (IAM roles, KMS keys, ECR
// repositories...): Ref and Fn::GetAtt answer AWS-looking values built by `make`; a change
// of `name_property` replaces it.
struct RecordedSpec {
  std::vector<std::string> attributes;
  std::string name_property;  // e.g. "RoleName"; "" when the type has no name
  bool iam = false;
  std::function<Applied(ResourceContext& context, const nlohmann::json& properties)> make;
};
std::unique_ptr<ResourceType> recorded(RecordedSpec spec);

// The name the template gives (`property`), or one CloudFormation would generate.
std::string name_or_generated(const ResourceContext& context, const nlohmann::json& properties, const char* property,
                              std::size_t max_length, bool lower_case = false);
// A bucket the template only names (CDK's Bucket.fromBucketName) may be missing on a fresh
// server: it is created and a note says so (types_s3.cpp).
std::expected<void, std::string> ensure_bucket(ResourceContext& context, const std::string& name);
// An error for the event reason when a bucket operation fails: "<message> (Service: S3;
// Status Code: 409; Error Code: BucketNotEmpty)", as CloudFormation words S3's errors.
std::string s3_failure(const core::Error& error);

}  // namespace cloudformation::types
