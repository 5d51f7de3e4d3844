#include "events/rules.h"

#include <array>

#include "s3/xml.h"

namespace events {
namespace {

constexpr std::array<std::string_view, 9> kSupported = {
    "s3:ObjectCreated:*",      "s3:ObjectCreated:Put",    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",   "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",      "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ReducedRedundancyLostObject"};

std::string_view strip_s3(std::string_view name) {
  if (name.starts_with("s3:")) name.remove_prefix(3);
  return name;
}

// Two patterns overlap when some event matches both.
bool events_overlap(std::string_view a, std::string_view b) {
  a = strip_s3(a);
  b = strip_s3(b);
  if (a == b) return true;
  auto family = [](std::string_view p) { return p.substr(0, p.rfind(':')); };
  if (family(a) != family(b)) return false;
  return a.ends_with(":*") || b.ends_with(":*");
}

// Prefix filters overlap when one is a prefix of the other ("" overlaps everything);
// suffix filters likewise with suffixes.
bool prefixes_overlap(std::string_view a, std::string_view b) { return a.starts_with(b) || b.starts_with(a); }
bool suffixes_overlap(std::string_view a, std::string_view b) { return a.ends_with(b) || b.ends_with(a); }

core::Error invalid(std::string message, std::string name, std::string value) {
  auto error = core::make_error(core::ErrorCode::InvalidArgument, std::move(message));
  error.details = {{"ArgumentName", std::move(name)}, {"ArgumentValue", std::move(value)}};
  return error;
}

struct Element {
  const char* element;  // CloudFunctionConfiguration
  const char* arn;      // CloudFunction
  TargetKind kind;
};
constexpr std::array<Element, 4> kElements = {{
    {"CloudFunctionConfiguration", "CloudFunction", TargetKind::Function},
    {"LambdaFunctionConfiguration", "LambdaFunctionArn", TargetKind::Function},  // the newer API's name
    {"TopicConfiguration", "Topic", TargetKind::Topic},
    {"QueueConfiguration", "Queue", TargetKind::Queue},
}};

}  // namespace

std::string_view to_string(TargetKind kind) {
  switch (kind) {
    case TargetKind::Function: return "function";
    case TargetKind::Topic: return "topic";
    case TargetKind::Queue: return "queue";
  }
  return "function";
}

bool is_supported_event(std::string_view pattern) {
  for (auto s : kSupported)
    if (s == pattern) return true;
  return false;
}

bool event_matches(std::string_view pattern, std::string_view event_name) {
  pattern = strip_s3(pattern);
  event_name = strip_s3(event_name);
  if (pattern.ends_with(":*")) return event_name.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == event_name;
}

bool rule_matches(const Rule& rule, std::string_view event_name, std::string_view key) {
  if (!key.starts_with(rule.prefix) || !key.ends_with(rule.suffix)) return false;
  for (const auto& pattern : rule.events)
    if (event_matches(pattern, event_name)) return true;
  return false;
}

core::Result<std::vector<Rule>> parse_notification_xml(std::string_view text) {
  auto doc = s3::xml::parse(text, "NotificationConfiguration");
  if (!doc) return std::unexpected(doc.error());
  std::vector<Rule> rules;
  for (pugi::xml_node node : doc->document_element().children()) {
    if (node.type() != pugi::node_element) continue;
    const Element* element = nullptr;
    for (const auto& e : kElements)
      if (std::string_view(node.name()) == e.element) element = &e;
    if (!element) {
      if (std::string_view(node.name()) == "EventBridgeConfiguration") continue;  // accepted, no effect
      return std::unexpected(core::make_error(core::ErrorCode::MalformedXML));
    }
    Rule rule;
    rule.kind = element->kind;
    rule.id = s3::xml::child_text(node, "Id");
    rule.target_arn = s3::xml::child_text(node, element->arn);
    if (rule.target_arn.empty()) return std::unexpected(core::make_error(core::ErrorCode::MalformedXML));
    for (pugi::xml_node event : node.children("Event")) {
      std::string name = event.text().get();
      if (!is_supported_event(name))
        return std::unexpected(invalid("The event is not supported for notifications", name, name));
      rule.events.push_back(name);
    }
    if (rule.events.empty()) return std::unexpected(core::make_error(core::ErrorCode::MalformedXML));
    for (pugi::xml_node filter : node.child("Filter").child("S3Key").children("FilterRule")) {
      std::string name = s3::xml::child_text(filter, "Name");
      std::string value = s3::xml::child_text(filter, "Value");
      std::string lower;
      for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string& slot = lower == "prefix" ? rule.prefix : rule.suffix;
      if (lower != "prefix" && lower != "suffix")
        return std::unexpected(invalid("filter rule name must be either prefix or suffix", "FilterRule", name));
      if (!slot.empty())
        return std::unexpected(
            invalid("Cannot specify more than one " + lower + " rule in a filter.", "FilterRule", name));
      slot = value;
    }
    if (rule.id.empty()) rule.id = "minicloud-" + std::to_string(rules.size() + 1);
    rules.push_back(std::move(rule));
  }
  return rules;
}

std::string notification_xml(const std::vector<Rule>& rules) {
  s3::xml::Document doc("NotificationConfiguration");
  // S3 answers in this order: topics, queues, functions.
  for (TargetKind kind : {TargetKind::Topic, TargetKind::Queue, TargetKind::Function}) {
    for (const auto& rule : rules) {
      if (rule.kind != kind) continue;
      const char* element = kind == TargetKind::Topic   ? "TopicConfiguration"
                            : kind == TargetKind::Queue ? "QueueConfiguration"
                                                        : "CloudFunctionConfiguration";
      const char* arn = kind == TargetKind::Topic ? "Topic" : kind == TargetKind::Queue ? "Queue" : "CloudFunction";
      auto node = doc.root().append_child(element);
      s3::xml::add(node, "Id", rule.id);
      if (!rule.prefix.empty() || !rule.suffix.empty()) {
        auto s3key = node.append_child("Filter").append_child("S3Key");
        if (!rule.prefix.empty()) {
          auto f = s3key.append_child("FilterRule");
          s3::xml::add(f, "Name", "Prefix");
          s3::xml::add(f, "Value", rule.prefix);
        }
        if (!rule.suffix.empty()) {
          auto f = s3key.append_child("FilterRule");
          s3::xml::add(f, "Name", "Suffix");
          s3::xml::add(f, "Value", rule.suffix);
        }
      }
      s3::xml::add(node, arn, rule.target_arn);
      for (const auto& e : rule.events) s3::xml::add(node, "Event", e);
    }
  }
  return doc.str();
}

core::Result<void> validate_rules(const std::vector<Rule>& rules,
                                const std::function<bool(TargetKind, const std::string&)>& destination_exists) {
  for (const auto& rule : rules) {
    if (!destination_exists(rule.kind, rule.target_arn))
      return std::unexpected(invalid("Unable to validate the following destination configurations",
                                     rule.target_arn, "Not authorized to invoke function [" + rule.target_arn + "]"));
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    for (std::size_t j = i + 1; j < rules.size(); ++j) {
      const Rule& a = rules[i];
      const Rule& b = rules[j];
      if (!prefixes_overlap(a.prefix, b.prefix) || !suffixes_overlap(a.suffix, b.suffix)) continue;
      for (const auto& ea : a.events)
        for (const auto& eb : b.events)
          if (events_overlap(ea, eb))
            return std::unexpected(invalid(
                "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
                "Event", ea));
    }
    for (std::size_t j = i + 1; j < rules.size(); ++j)
      if (rules[i].id == rules[j].id)
        return std::unexpected(invalid("Same ID used for multiple configurations.", "Id", rules[i].id));
  }
  return {};
}

}  // namespace events
