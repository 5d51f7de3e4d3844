// AWS::SSM::Parameter: a parameter in minicloud's Parameter Store, the same one the SSM API
// serves (the CDK bootstrap stack writes /cdk-bootstrap/<qualifier>/version this way).
#include "cloudformation/types.h"
#include "ssm/parameter_store.h"

namespace cloudformation::types {
namespace {

using nlohmann::json;

class SsmParameter final : public ResourceType {
 public:
  std::vector<std::string> attributes() const override { return {"Type", "Value"}; }
  Outcome create(ResourceContext& c, const json& p) const override {
    std::string name = string_property(p, "Name");
    if (name.empty()) name = "CFN-" + name_or_generated(c, json::object(), "Name", 128);
    if (c.parameters->get(name))
      return std::unexpected("Resource of type 'AWS::SSM::Parameter' with identifier '" + name + "' already exists.");
    return put(c, p, name);
  }
  bool needs_replacement(const json& before, const json& after) const override {
    return string_property(before, "Name") != string_property(after, "Name");
  }
  Outcome update(ResourceContext& c, const ResourceRecord& before, const json& after) const override {
    return put(c, after, before.physical_id);
  }
  std::expected<void, std::string> remove(ResourceContext& c, const ResourceRecord& record) const override {
    auto removed = c.parameters->remove(record.physical_id);
    if (!removed && removed.error().code != core::ErrorCode::ParameterNotFound) return std::unexpected(removed.error().effective_message());
    return {};
  }

 private:
  static Outcome put(ResourceContext& c, const json& p, const std::string& name) {
    ssm::Parameter parameter;
    parameter.name = name;
    parameter.type = string_property(p, "Type");
    parameter.value = string_property(p, "Value");
    parameter.description = string_property(p, "Description");
    if (auto data_type = string_property(p, "DataType"); !data_type.empty()) parameter.data_type = data_type;
    if (auto tier = string_property(p, "Tier"); !tier.empty() && tier != "Intelligent-Tiering") parameter.tier = tier;
    if (parameter.type != "String" && parameter.type != "StringList")
      return std::unexpected("Type must be String or StringList (CloudFormation cannot create SecureString parameters)");
    if (auto written = c.parameters->put(parameter, true); !written) return std::unexpected(written.error().effective_message());
    return Applied{name, {{"Type", parameter.type}, {"Value", parameter.value}}, json::object()};
  }
};

}  // namespace

std::unique_ptr<ResourceType> ssm_parameter() { return std::make_unique<SsmParameter>(); }

}  // namespace cloudformation::types
