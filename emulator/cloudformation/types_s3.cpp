// AWS::S3::Bucket, AWS::S3::BucketPolicy, and the two custom resources CDK puts beside
// buckets, applied natively (their handler Lambdas are never run):
// Custom::S3BucketNotifications and Custom::S3AutoDeleteObjects.
#include <openssl/sha.h>

#include "auth/crypto.h"
#include "cloudformation/names.h"
#include "cloudformation/types.h"
#include "events/rules.h"
#include "s3/context.h"
#include "s3/cors.h"
#include "s3/encryption.h"

namespace cloudformation::types {
namespace {

using nlohmann::json;

std::vector<std::string> strings(const json& value) {
  std::vector<std::string> out;
  if (value.is_string()) out.push_back(value.get<std::string>());
  if (value.is_array())
    for (const auto& v : value)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

bool truthy(const json& value, bool fallback) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) return value.get<std::string>() == "true" || value.get<std::string>() == "True";
  return fallback;
}

std::string bucket_arn(const std::string& name) { return "arn:aws:s3:::" + name; }

json bucket_attributes(const std::string& name, const std::string& region) {
  return {{"Arn", bucket_arn(name)},
          {"DomainName", name + ".s3.amazonaws.com"},
          {"DualStackDomainName", name + ".s3.dualstack." + region + ".amazonaws.com"},
          {"RegionalDomainName", name + ".s3." + region + ".amazonaws.com"},
          {"WebsiteURL", "http://" + name + ".s3-website-" + region + ".amazonaws.com"}};
}

// CloudFormation's AccessControl values as S3 canned ACLs (others fall back to private).
std::string canned_acl(const std::string& access_control) {
  if (access_control == "PublicRead") return "public-read";
  if (access_control == "PublicReadWrite") return "public-read-write";
  if (access_control == "AuthenticatedRead") return "authenticated-read";
  return "private";
}

// A filter's prefix/suffix from [{"Name": "prefix", "Value": "avatars/"}] (either case).
void read_filter(const json& filter_rules, events::Rule& rule) {
  if (!filter_rules.is_array()) return;
  for (const auto& f : filter_rules) {
    std::string name = f.value("Name", std::string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name == "prefix") rule.prefix = f.value("Value", std::string());
    if (name == "suffix") rule.suffix = f.value("Value", std::string());
  }
}

std::expected<void, std::string> refuse_queues(const json& configuration, const char* key) {
  if (configuration.contains(key) && !configuration[key].empty())
    return std::unexpected(std::string("minicloud delivers S3 notifications to Lambda functions and SNS topics; ") + key +
                           " (SQS) are not supported");
  return {};
}

// AWS::S3::Bucket's NotificationConfiguration property shape.
std::expected<std::vector<events::Rule>, std::string> rules_from_property(const json& config) {
  if (auto ok = refuse_queues(config, "QueueConfigurations"); !ok) return std::unexpected(ok.error());
  std::vector<events::Rule> rules;
  for (auto [key, kind, target] : {std::tuple{"LambdaConfigurations", events::TargetKind::Function, "Function"},
                                   std::tuple{"TopicConfigurations", events::TargetKind::Topic, "Topic"}}) {
    if (!config.contains(key)) continue;
    for (const auto& c : config[key]) {
      events::Rule rule;
      rule.kind = kind;
      rule.target_arn = c.value(target, std::string());
      rule.events = {c.value("Event", std::string())};
      if (c.contains("Filter")) read_filter(c["Filter"].value("S3Key", json::object()).value("Rules", json::array()), rule);
      rules.push_back(std::move(rule));
    }
  }
  return rules;
}

// PutBucketNotificationConfiguration's shape (what Custom::S3BucketNotifications carries).
std::expected<std::vector<events::Rule>, std::string> rules_from_api(const json& config) {
  if (auto ok = refuse_queues(config, "QueueConfigurations"); !ok) return std::unexpected(ok.error());
  std::vector<events::Rule> rules;
  for (auto [key, kind, target] : {std::tuple{"LambdaFunctionConfigurations", events::TargetKind::Function, "LambdaFunctionArn"},
                                   std::tuple{"TopicConfigurations", events::TargetKind::Topic, "TopicArn"}}) {
    if (!config.contains(key)) continue;
    for (const auto& c : config[key]) {
      events::Rule rule;
      rule.kind = kind;
      rule.id = c.value("Id", std::string());
      rule.target_arn = c.value(target, std::string());
      rule.events = strings(c.value("Events", json::array()));
      if (c.contains("Filter")) read_filter(c["Filter"].value("Key", json::object()).value("FilterRules", json::array()), rule);
      rules.push_back(std::move(rule));
    }
  }
  return rules;
}

// A rule's id from its content, so the same rule keeps its id across deploys.
std::string content_id(const events::Rule& rule) {
  std::string text = std::string(events::to_string(rule.kind)) + "\n" + rule.target_arn + "\n" + rule.prefix + "\n" + rule.suffix;
  for (const auto& e : rule.events) text += "\n" + e;
  return auth::to_hex(auth::sha256(text)).substr(0, 32);
}

std::expected<void, std::string> check_events(const std::vector<events::Rule>& rules) {
  for (const auto& r : rules)
    for (const auto& e : r.events)
      if (!events::is_supported_event(e)) return std::unexpected("Unsupported S3 event: " + e);
  return {};
}

// Stores `rules` as the bucket's notification configuration (none: removed), after S3's
// own checks; a destination must be a function or topic of the running stack.
std::expected<void, std::string> put_rules(ResourceContext& c, const std::string& bucket, const std::vector<events::Rule>& rules,
                                           bool validate_destinations) {
  if (auto ok = check_events(rules); !ok) return ok;
  auto running = c.running();
  auto exists = [&](events::TargetKind kind, const std::string& arn) {
    if (!validate_destinations) return true;
    if (kind == events::TargetKind::Function)
      for (const auto& f : running->functions)
        if (f.arn == arn) return true;
    if (kind == events::TargetKind::Topic)
      for (const auto& t : running->topics)
        if (t.arn == arn) return true;
    return false;
  };
  if (auto ok = events::validate_rules(rules, exists); !ok) return std::unexpected(s3_failure(ok.error()));
  auto stored = rules.empty() ? c.store->delete_bucket_config(bucket, "notification")
                              : c.store->put_bucket_config(bucket, "notification", events::notification_xml(rules));
  if (!stored) return std::unexpected(s3_failure(stored.error()));
  return {};
}

std::expected<std::vector<events::Rule>, std::string> stored_rules(ResourceContext& c, const std::string& bucket) {
  auto xml = c.store->get_bucket_config(bucket, "notification");
  if (!xml) return std::unexpected(s3_failure(xml.error()));
  if (!*xml) return std::vector<events::Rule>{};
  auto rules = events::parse_notification_xml(**xml);
  if (!rules) return std::unexpected(s3_failure(rules.error()));
  return *rules;
}

class Bucket final : public ResourceType {
 public:
  std::vector<std::string> attributes() const override {
    return {"Arn", "DomainName", "DualStackDomainName", "RegionalDomainName", "WebsiteURL"};
  }
  Outcome create(ResourceContext& c, const json& p) const override {
    std::string name = name_or_generated(c, p, "BucketName", 63, true);
    if (auto valid = s3::validate_bucket_name(name); !valid) return std::unexpected(s3_failure(valid.error()));
    auto created = c.store->create_bucket(name, canned_acl(string_property(p, "AccessControl")), c.region);
    if (!created) {
      if (created.error().code == core::ErrorCode::BucketAlreadyOwnedByYou) return std::unexpected(name + " already exists");
      return std::unexpected(s3_failure(created.error()));
    }
    if (auto ok = apply(c, name, json::object(), p); !ok) {
      (void)c.store->delete_bucket(name);  // nothing half-made stays behind
      return std::unexpected(ok.error());
    }
    return Applied{name, bucket_attributes(name, c.region)};
  }
  bool needs_replacement(const json& before, const json& after) const override {
    return string_property(before, "BucketName") != string_property(after, "BucketName");
  }
  Outcome update(ResourceContext& c, const ResourceRecord& before, const json& after) const override {
    if (auto ok = apply(c, before.physical_id, before.properties, after); !ok) return std::unexpected(ok.error());
    return Applied{before.physical_id, bucket_attributes(before.physical_id, c.region)};
  }
  std::expected<void, std::string> remove(ResourceContext& c, const ResourceRecord& record) const override {
    auto deleted = c.store->delete_bucket(record.physical_id);
    if (!deleted && deleted.error().code != core::ErrorCode::NoSuchBucket) return std::unexpected(s3_failure(deleted.error()));
    return {};
  }

 private:
  // The documents the properties set (CORS, notifications, ACL). One the template stops
  // declaring is removed; one it never declared is left as the API may have set it.
  static std::expected<void, std::string> apply(ResourceContext& c, const std::string& name, const json& before, const json& after) {
    if (auto ok = c.store->set_bucket_acl(name, canned_acl(string_property(after, "AccessControl"))); !ok)
      return std::unexpected(s3_failure(ok.error()));
    if (after.contains("CorsConfiguration")) {
      std::vector<http::cors::Rule> rules;
      for (const auto& r : after["CorsConfiguration"].value("CorsRules", json::array())) {
        http::cors::Rule rule;
        rule.id = r.value("Id", std::string());
        rule.allowed_origins = strings(r.value("AllowedOrigins", json::array()));
        rule.allowed_methods = strings(r.value("AllowedMethods", json::array()));
        rule.allowed_headers = strings(r.value("AllowedHeaders", json::array()));
        rule.expose_headers = strings(r.value("ExposedHeaders", json::array()));
        if (auto age = integer_property(r, "MaxAge")) rule.max_age_seconds = static_cast<int>(*age);
        rules.push_back(std::move(rule));
      }
      if (auto problem = http::cors::problem_with(rules)) return std::unexpected(*problem);
      if (auto ok = c.store->put_bucket_config(name, "cors", s3::cors_xml(rules)); !ok) return std::unexpected(s3_failure(ok.error()));
    } else if (before.contains("CorsConfiguration")) {
      if (auto ok = c.store->delete_bucket_config(name, "cors"); !ok) return std::unexpected(s3_failure(ok.error()));
    }
    // Default encryption: kept and reported (GetBucketEncryption; objects echo it), as the
    // CDK's asset publisher reads it from the bootstrap bucket; nothing is encrypted.
    if (after.contains("BucketEncryption")) {
      const json rules = after["BucketEncryption"].value("ServerSideEncryptionConfiguration", json::array());
      if (!rules.is_array() || rules.size() != 1)
        return std::unexpected("BucketEncryption.ServerSideEncryptionConfiguration must hold exactly one rule");
      const json by_default = rules[0].value("ServerSideEncryptionByDefault", json::object());
      s3::BucketEncryption encryption;
      encryption.algorithm = string_property(by_default, "SSEAlgorithm");
      encryption.kms_key_id = string_property(by_default, "KMSMasterKeyID");
      encryption.bucket_key_enabled = rules[0].value("BucketKeyEnabled", false) == true;
      auto valid = s3::parse_encryption_xml(s3::encryption_xml(encryption));  // S3's own checks
      if (!valid) return std::unexpected(s3_failure(valid.error()));
      if (auto ok = c.store->put_bucket_config(name, "encryption", s3::encryption_xml(*valid)); !ok)
        return std::unexpected(s3_failure(ok.error()));
    } else if (before.contains("BucketEncryption")) {
      if (auto ok = c.store->delete_bucket_config(name, "encryption"); !ok) return std::unexpected(s3_failure(ok.error()));
    }
    if (after.contains("NotificationConfiguration")) {
      auto rules = rules_from_property(after["NotificationConfiguration"]);
      if (!rules) return std::unexpected(rules.error());
      for (auto& r : *rules) r.id = content_id(r);
      if (auto ok = put_rules(c, name, *rules, true); !ok) return ok;
    } else if (before.contains("NotificationConfiguration")) {
      if (auto ok = put_rules(c, name, {}, false); !ok) return ok;
    }
    return {};
  }
};

class BucketPolicy final : public ResourceType {
 public:
  Outcome create(ResourceContext& c, const json& p) const override {
    std::string bucket = string_property(p, "Bucket");
    auto ok = c.store->put_bucket_config(bucket, "policy", p.value("PolicyDocument", json::object()).dump());
    if (!ok) return std::unexpected(s3_failure(ok.error()));
    return Applied{generated_name(c.stack_name, c.logical_id, 128), {}};
  }
  bool needs_replacement(const json& before, const json& after) const override {
    return string_property(before, "Bucket") != string_property(after, "Bucket");
  }
  Outcome update(ResourceContext& c, const ResourceRecord& before, const json& after) const override {
    auto created = create(c, after);
    if (!created) return created;
    return Applied{before.physical_id, {}};
  }
  std::expected<void, std::string> remove(ResourceContext& c, const ResourceRecord& record) const override {
    auto ok = c.store->delete_bucket_config(string_property(record.properties, "Bucket"), "policy");
    if (!ok && ok.error().code != core::ErrorCode::NoSuchBucket) return std::unexpected(s3_failure(ok.error()));
    return {};
  }
};

// What CDK's notifications handler does (aws-cdk-lib's notifications-resource-handler):
// Managed (the default, for buckets the stack owns) replaces the bucket's whole
// configuration; unmanaged (imported buckets) keeps the rules others set and replaces
// only this stack's, which carry ids starting "<stack id>-".
class BucketNotifications final : public ResourceType {
 public:
  Outcome create(ResourceContext& c, const json& p) const override {
    if (auto ok = apply(c, p, false); !ok) return std::unexpected(ok.error());
    return Applied{generated_name(c.stack_name, c.logical_id, 128), {}};
  }
  Outcome update(ResourceContext& c, const ResourceRecord& before, const json& after) const override {
    if (string_property(before.properties, "BucketName") != string_property(after, "BucketName"))
      if (auto ok = apply(c, before.properties, true); !ok) return std::unexpected(ok.error());
    if (auto ok = apply(c, after, false); !ok) return std::unexpected(ok.error());
    return Applied{before.physical_id, {}};
  }
  std::expected<void, std::string> remove(ResourceContext& c, const ResourceRecord& record) const override {
    if (!c.store->get_bucket(string_property(record.properties, "BucketName"))) return {};
    return apply(c, record.properties, true);
  }

 private:
  std::expected<void, std::string> apply(ResourceContext& c, const json& p, bool removing) const {
    std::string bucket = string_property(p, "BucketName");
    if (!removing)
      if (auto ok = ensure_bucket(c, bucket); !ok) return ok;
    bool managed = truthy(p.value("Managed", json()), true);
    auto incoming = rules_from_api(p.value("NotificationConfiguration", json::object()));
    if (!incoming) return std::unexpected(incoming.error());
    std::string mine = c.stack_id + "-";
    std::vector<events::Rule> result;
    if (!managed) {
      auto existing = stored_rules(c, bucket);
      if (!existing) return std::unexpected(existing.error());
      for (auto& r : *existing)
        if (!r.id.starts_with(mine)) result.push_back(std::move(r));
    }
    if (!removing)
      for (auto& r : *incoming) {
        if (!managed) r.id = mine + content_id(r);
        else if (r.id.empty()) r.id = content_id(r);
        result.push_back(std::move(r));
      }
    return put_rules(c, bucket, result, !removing && !truthy(p.value("SkipDestinationValidation", json()), false));
  }
};

// CDK's autoDeleteObjects: deleting the resource empties the bucket, so the bucket's own
// deletion (which follows) succeeds.
class AutoDeleteObjects final : public ResourceType {
 public:
  Outcome create(ResourceContext& c, const json&) const override {
    return Applied{generated_name(c.stack_name, c.logical_id, 128), {}};
  }
  Outcome update(ResourceContext&, const ResourceRecord& before, const json&) const override {
    return Applied{before.physical_id, {}};
  }
  std::expected<void, std::string> remove(ResourceContext& c, const ResourceRecord& record) const override {
    std::string bucket = string_property(record.properties, "BucketName");
    for (;;) {
      auto page = c.store->list_objects(bucket, store::ListQuery{});
      if (!page) {
        if (page.error().code == core::ErrorCode::NoSuchBucket) return {};
        return std::unexpected(s3_failure(page.error()));
      }
      if (page->objects.empty()) return {};
      for (const auto& o : page->objects)
        if (auto ok = c.store->delete_object(bucket, o.key); !ok) return std::unexpected(s3_failure(ok.error()));
    }
  }
};

}  // namespace

// Offline there is no one else to have made it; CloudFormation itself would fail the
// resource with NoSuchBucket (README, "Run your CDK app").
std::expected<void, std::string> ensure_bucket(ResourceContext& c, const std::string& name) {
  if (c.store->get_bucket(name)) return {};
  if (auto valid = s3::validate_bucket_name(name); !valid) return std::unexpected(s3_failure(valid.error()));
  auto created = c.store->create_bucket(name, "private", c.region);
  if (!created && created.error().code != core::ErrorCode::BucketAlreadyOwnedByYou) return std::unexpected(s3_failure(created.error()));
  c.notes.push_back("created bucket " + name + ": the template only references it by name (e.g. Bucket.fromBucketName)");
  return {};
}

std::unique_ptr<ResourceType> bucket() { return std::make_unique<Bucket>(); }
std::unique_ptr<ResourceType> bucket_policy() { return std::make_unique<BucketPolicy>(); }
std::unique_ptr<ResourceType> bucket_notifications() { return std::make_unique<BucketNotifications>(); }
std::unique_ptr<ResourceType> auto_delete_objects() { return std::make_unique<AutoDeleteObjects>(); }

}  // namespace cloudformation::types
