// A resource type CloudFormation can deploy: how one is created, updated in place or
// replaced, and deleted; what Fn::GetAtt may ask of it; and what it adds to the running
// stack (functions, topics, distributions) so the event pipeline and the CDN serve it.
//
// Types work on resolved properties (every intrinsic already evaluated). A failure is a
// message for the resource's *_FAILED event, e.g. "The bucket you tried to delete is not
// empty". Types never throw.
#pragma once

#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloudformation/model.h"
#include "stack/stack.h"
#include "store/store.h"

namespace ssm { class ParameterStore; }

namespace cloudformation {

class CodeSource;

// `serve --overlay`: run some of a template's functions differently, e.g. the built-in
// image processor instead of the Node handler. Keyed by logical id or function name.
struct FunctionOverlay {
  std::string builtin;                          // "image-processor"
  std::map<std::string, std::string> environment;  // added to the function's own
};
using Overlay = std::map<std::string, FunctionOverlay>;

// What a type may use while it works on one resource.
struct ResourceContext {
  store::Store* store = nullptr;
  ssm::ParameterStore* parameters = nullptr;
  const CodeSource* code = nullptr;
  const Overlay* overlay = nullptr;
  std::string region;
  std::string stack_name, stack_id, logical_id;
  std::filesystem::path functions_dir;  // function code unpacked from zips lives here
  std::filesystem::path support_dir;    // the Lambda runners (events/lambda_runtime.h)
  // The running stack, to refuse a function or topic name someone else already uses.
  std::function<std::shared_ptr<const stack::Stack>()> running;
  // The stack's resources as deployed so far (e.g. a distribution's custom cache policy).
  const std::map<std::string, ResourceRecord>* records = nullptr;
  // Anything the user should hear about (a bucket created because the template only named
  // it): added to the resource's event reason and printed by `serve`.
  std::vector<std::string> notes;
};

struct Applied {
  std::string physical_id;                                // what Ref returns
  nlohmann::json attributes = nlohmann::json::object();  // what Fn::GetAtt returns
  nlohmann::json state = nlohmann::json::object();       // ResourceRecord::state
};
using Outcome = std::expected<Applied, std::string>;

class ResourceType {
 public:
  virtual ~ResourceType() = default;
  // The attribute names Fn::GetAtt may use (checked before anything is deployed).
  virtual std::vector<std::string> attributes() const { return {}; }
  // Needs CAPABILITY_IAM (or CAPABILITY_NAMED_IAM when `properties` names it).
  virtual bool is_iam() const { return false; }
  virtual bool names_iam_resource(const nlohmann::json& /*properties*/) const { return false; }

  virtual Outcome create(ResourceContext& context, const nlohmann::json& properties) const = 0;
  // True when going from `before` to `after` needs a new physical resource (a bucket's
  // name changes): the engine then creates the new one and deletes the old one at cleanup.
  virtual bool needs_replacement(const nlohmann::json& /*before*/, const nlohmann::json& /*after*/) const {
    return false;
  }
  // In place (only called when needs_replacement said no).
  virtual Outcome update(ResourceContext& context, const ResourceRecord& before, const nlohmann::json& after) const = 0;
  virtual std::expected<void, std::string> remove(ResourceContext& context, const ResourceRecord& record) const = 0;
  // Adds what the running stack needs from this resource. `into` already holds what the
  // stack's earlier resources (by creation order) added.
  virtual void contribute(const ResourceRecord& /*record*/, const std::string& /*region*/, stack::Stack& /*into*/) const {}
};

// The type named `type` ("AWS::S3::Bucket"), or null when minicloud does not support it.
const ResourceType* find_type(std::string_view type);
// Every supported type name, sorted (for errors and the README).
std::vector<std::string> supported_types();

// Property readers shared by the types: a missing property is "", a number becomes its text.
std::string string_property(const nlohmann::json& properties, const char* name);
// An integer property given as a number or a numeric string; nullopt when absent or not one.
std::optional<long long> integer_property(const nlohmann::json& properties, const char* name);
// An ARN's last ':'-separated part ("arn:aws:lambda:...:function:Name" -> "Name").
std::string arn_resource(std::string_view arn);

}  // namespace cloudformation
