// AWS::SNS::Topic and AWS::SNS::Subscription: a topic of the running stack, delivering
// to its http/https subscriptions (events/topic.h posts SNS's envelope).
#include "cloudformation/names.h"
#include "cloudformation/types.h"

namespace cloudformation::types {
namespace {

using nlohmann::json;

std::expected<void, std::string> check_subscription(const std::string& protocol, const std::string& endpoint) {
  if (protocol != "http" && protocol != "https")
    return std::unexpected("minicloud delivers SNS messages to http and https subscriptions; protocol " + protocol +
                           " is not supported");
  if (!endpoint.starts_with(protocol + "://"))
    return std::unexpected("Invalid parameter: Endpoint must match the specified protocol (" + protocol + "): " + endpoint);
  return {};
}

class Topic final : public ResourceType {
 public:
  std::vector<std::string> attributes() const override { return {"TopicArn", "TopicName"}; }
  Outcome create(ResourceContext& c, const json& p) const override {
    std::string name = name_or_generated(c, p, "TopicName", 256);
    bool fifo = string_property(p, "FifoTopic") == "true";
    if (fifo && !name.ends_with(".fifo")) {
      if (!string_property(p, "TopicName").empty()) return std::unexpected("Invalid parameter: Topic Name: FIFO topic names end with .fifo");
      name = name.substr(0, 251) + ".fifo";
    }
    std::string arn = "arn:aws:sns:" + c.region + ":" + std::string(kAccountId) + ":" + name;
    const auto running = c.running();  // held: the loop reads inside it
    for (const auto& t : running->topics)
      if (t.arn == arn) return std::unexpected("Resource of type 'AWS::SNS::Topic' with identifier '" + arn + "' already exists.");
    for (const auto& s : p.value("Subscription", json::array()))
      if (auto ok = check_subscription(string_property(s, "Protocol"), string_property(s, "Endpoint")); !ok)
        return std::unexpected(ok.error());
    return Applied{arn, {{"TopicArn", arn}, {"TopicName", name}}};
  }
  bool needs_replacement(const json& before, const json& after) const override {
    return string_property(before, "TopicName") != string_property(after, "TopicName") ||
           string_property(before, "FifoTopic") != string_property(after, "FifoTopic");
  }
  Outcome update(ResourceContext&, const ResourceRecord& before, const json& after) const override {
    for (const auto& s : after.value("Subscription", json::array()))
      if (auto ok = check_subscription(string_property(s, "Protocol"), string_property(s, "Endpoint")); !ok)
        return std::unexpected(ok.error());
    return Applied{before.physical_id, before.attributes};
  }
  std::expected<void, std::string> remove(ResourceContext&, const ResourceRecord&) const override { return {}; }
  void contribute(const ResourceRecord& record, const std::string&, stack::Stack& into) const override {
    stack::TopicDecl topic;
    topic.arn = record.physical_id;
    topic.name = arn_resource(record.physical_id);
    for (const auto& s : record.properties.value("Subscription", json::array()))
      topic.subscriptions.push_back({string_property(s, "Protocol"), string_property(s, "Endpoint")});
    into.topics.push_back(std::move(topic));
  }
};

class Subscription final : public ResourceType {
 public:
  Outcome create(ResourceContext&, const json& p) const override {
    std::string topic = string_property(p, "TopicArn");
    if (auto ok = check_subscription(string_property(p, "Protocol"), string_property(p, "Endpoint")); !ok)
      return std::unexpected(ok.error());
    return Applied{topic + ":" + random_uuid(), {}};
  }
  bool needs_replacement(const json& before, const json& after) const override {
    for (const char* name : {"TopicArn", "Protocol", "Endpoint"})
      if (string_property(before, name) != string_property(after, name)) return true;
    return false;
  }
  Outcome update(ResourceContext&, const ResourceRecord& before, const json&) const override {
    return Applied{before.physical_id, {}};
  }
  std::expected<void, std::string> remove(ResourceContext&, const ResourceRecord&) const override { return {}; }
  // Joins its topic when the same stack declares it (earlier in creation order: the
  // subscription refers to it). A topic of another stack does not get it (README).
  void contribute(const ResourceRecord& record, const std::string&, stack::Stack& into) const override {
    std::string topic_arn = string_property(record.properties, "TopicArn");
    for (auto& t : into.topics)
      if (t.arn == topic_arn)
        t.subscriptions.push_back({string_property(record.properties, "Protocol"), string_property(record.properties, "Endpoint")});
  }
};

}  // namespace

std::unique_ptr<ResourceType> topic() { return std::make_unique<Topic>(); }
std::unique_ptr<ResourceType> subscription() { return std::make_unique<Subscription>(); }

}  // namespace cloudformation::types
