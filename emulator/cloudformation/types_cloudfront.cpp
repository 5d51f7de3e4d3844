// AWS::CloudFront::Distribution: a CDN distribution of the running stack, in front of one
// S3 origin. The template's DistributionConfig is translated into the stack file's
// "distributions" schema (cdn/config.h), kept in the record's state, and parsed by the
// same parser as a stack file's.
#include <set>

#include "cdn/config.h"
#include "cloudformation/names.h"
#include "cloudformation/types.h"

namespace cloudformation::types {
namespace {

using nlohmann::json;

struct Ttls {
  long long min, default_, max;
  bool query_strings;
};

// AWS's managed cache policies by id (their TTLs and whether the query string is in the key).
std::optional<Ttls> managed_cache_policy(const std::string& id) {
  if (id == "658327ea-f89d-4fab-a63d-7e88639e58f6") return Ttls{1, 86400, 31536000, false};     // CachingOptimized
  if (id == "b2884449-e4de-46a7-ac36-70bc7f1ddd6d") return Ttls{1, 86400, 31536000, false};     // ...ForUncompressedObjects
  if (id == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad") return Ttls{0, 0, 0, false};               // CachingDisabled
  if (id == "83da9c7e-98b4-4e11-a168-04f0df8e2c65") return Ttls{0, 0, 31536000, false};        // UseOriginCacheControlHeaders
  if (id == "4cc15a8a-d715-48a4-82b8-cc0b614638fe") return Ttls{0, 0, 31536000, true};         // ...-QueryStrings
  if (id == "08627262-05a9-4f76-9ded-b50ca2e3a84f") return Ttls{0, 86400, 31536000, true};     // Elemental-MediaPackage
  if (id == "2e54312d-136d-493c-8eb9-b001f22f67d2") return Ttls{2, 600, 31536000, true};       // Amplify
  return std::nullopt;
}

// Managed response headers policies that add CORS headers to every answer.
bool cors_headers_policy(const std::string& id) {
  return id == "60669652-455b-4ae9-85a4-c4c02393f86c" ||  // SimpleCORS
         id == "5cc3b908-e619-4b99-88e5-2cf7f45965bd" ||  // CORS-With-Preflight
         id == "e61eb60c-9c35-4d20-a928-2b84e02af89c" ||  // CORS-and-SecurityHeadersPolicy
         id == "eaab4381-ed33-4a86-88ca-d9558dc6cd63";    // CORS-with-preflight-and-SecurityHeadersPolicy
}

// The bucket an S3 origin's DomainName names, or "" for any other origin.
std::string origin_bucket(const std::string& domain) {
  for (const char* marker : {".s3.", ".s3-"}) {
    auto at = domain.rfind(marker);
    if (at != std::string::npos && at > 0 &&
        (domain.ends_with(".amazonaws.com") || domain.ends_with(".localhost") || domain.ends_with(".amazonaws.com.cn")))
      return domain.substr(0, at);
  }
  return "";
}

std::expected<Ttls, std::string> behavior_ttls(const ResourceContext& c, const json& b) {
  std::string policy_id = string_property(b, "CachePolicyId");
  if (!policy_id.empty()) {
    if (auto managed = managed_cache_policy(policy_id)) return *managed;
    if (c.records)
      for (const auto& [id, r] : *c.records)
        if (r.type == "AWS::CloudFront::CachePolicy" && r.physical_id == policy_id) {
          const json config = r.properties.value("CachePolicyConfig", json::object());
          Ttls t{integer_property(config, "MinTTL").value_or(0), integer_property(config, "DefaultTTL").value_or(86400),
                 integer_property(config, "MaxTTL").value_or(31536000), false};
          auto qs = config.value("ParametersInCacheKeyAndForwardedToOrigin", json::object())
                        .value("QueryStringsConfig", json::object());
          t.query_strings = string_property(qs, "QueryStringBehavior") != "none" && !qs.empty();
          return t;
        }
    return std::unexpected("CachePolicyId " + policy_id + " is neither an AWS managed cache policy nor a CachePolicy of this stack");
  }
  // The legacy settings: ForwardedValues and the TTL fields (CloudFront's defaults).
  Ttls t{integer_property(b, "MinTTL").value_or(0), integer_property(b, "DefaultTTL").value_or(86400),
         integer_property(b, "MaxTTL").value_or(31536000), false};
  t.query_strings = string_property(b.value("ForwardedValues", json::object()), "QueryString") == "true";
  return t;
}

std::expected<json, std::string> behavior(const ResourceContext& c, const json& b, const std::string& origin_id, bool with_pattern) {
  if (string_property(b, "TargetOriginId") != origin_id)
    return std::unexpected("minicloud distributions have one origin; behavior targets " + string_property(b, "TargetOriginId") +
                           ", not " + origin_id);
  auto ttls = behavior_ttls(c, b);
  if (!ttls) return std::unexpected(ttls.error());
  json out = {{"cache_policy", {{"min_ttl", ttls->min}, {"default_ttl", ttls->default_}, {"max_ttl", ttls->max},
                                {"query_strings", ttls->query_strings}}},
              {"compress", string_property(b, "Compress") == "true"},
              {"response_headers_policy", cors_headers_policy(string_property(b, "ResponseHeadersPolicyId")) ? "SimpleCORS" : "None"}};
  if (with_pattern) out["path_pattern"] = string_property(b, "PathPattern");
  return out;
}

// The stack-file form of the distribution (cdn/config.h), checked by its parser.
std::expected<json, std::string> translate(ResourceContext& c, const json& config, const std::string& id, const std::string& domain) {
  const json origins = config.value("Origins", json::array());
  if (origins.size() != 1)
    return std::unexpected("minicloud distributions have exactly one S3 origin; this one has " + std::to_string(origins.size()));
  const json& origin = origins[0];
  std::string bucket = origin_bucket(string_property(origin, "DomainName"));
  if (bucket.empty() || origin.contains("CustomOriginConfig"))
    return std::unexpected("minicloud distributions serve an S3 bucket; origin " + string_property(origin, "DomainName") +
                           " is not one (custom origins are not supported)");
  if (auto ok = ensure_bucket(c, bucket); !ok) return std::unexpected(ok.error());
  std::string origin_id = string_property(origin, "Id");
  json d = {{"id", id}, {"domain", domain}, {"origin", {{"bucket", bucket}, {"path", string_property(origin, "OriginPath")}}}};
  json aliases = json::array();
  for (const auto& a : config.value("Aliases", json::array())) aliases.push_back(a);
  d["aliases"] = aliases;
  d["default_root_object"] = string_property(config, "DefaultRootObject");
  auto default_behavior = behavior(c, config.value("DefaultCacheBehavior", json::object()), origin_id, false);
  if (!default_behavior) return std::unexpected(default_behavior.error());
  d["default_behavior"] = *default_behavior;
  d["behaviors"] = json::array();
  for (const auto& b : config.value("CacheBehaviors", json::array())) {
    auto parsed = behavior(c, b, origin_id, true);
    if (!parsed) return std::unexpected(parsed.error());
    d["behaviors"].push_back(*parsed);
  }
  d["custom_error_responses"] = json::array();
  for (const auto& e : config.value("CustomErrorResponses", json::array())) {
    json r = {{"error_code", integer_property(e, "ErrorCode").value_or(0)},
              {"response_code", integer_property(e, "ResponseCode").value_or(0)},
              {"response_page_path", string_property(e, "ResponsePagePath")}};
    if (auto ttl = integer_property(e, "ErrorCachingMinTTL")) r["error_caching_min_ttl"] = *ttl;
    d["custom_error_responses"].push_back(r);
  }
  auto parsed = cdn::parse_distributions(json::array({d}));
  if (!parsed) return std::unexpected(parsed.error());
  return d;
}

class Distribution final : public ResourceType {
 public:
  std::vector<std::string> attributes() const override { return {"DomainName", "Id"}; }
  Outcome create(ResourceContext& c, const json& p) const override {
    std::string id = random_upper(13, "E");
    std::string domain = random_lower(13, "d") + ".cloudfront.localhost";
    return apply(c, p, id, domain);
  }
  Outcome update(ResourceContext& c, const ResourceRecord& before, const json& after) const override {
    return apply(c, after, before.physical_id, before.attributes.value("DomainName", std::string()));
  }
  std::expected<void, std::string> remove(ResourceContext&, const ResourceRecord&) const override { return {}; }
  void contribute(const ResourceRecord& record, const std::string&, stack::Stack& into) const override {
    auto parsed = cdn::parse_distributions(json::array({record.state.value("distribution", json::object())}));
    if (parsed) into.distributions.push_back(std::move(parsed->front()));
  }

 private:
  static Outcome apply(ResourceContext& c, const json& p, const std::string& id, const std::string& domain) {
    auto d = translate(c, p.value("DistributionConfig", json::object()), id, domain);
    if (!d) return std::unexpected(d.error());
    return Applied{id, {{"Id", id}, {"DomainName", domain}}, {{"distribution", *d}}};
  }
};

}  // namespace

std::unique_ptr<ResourceType> distribution() { return std::make_unique<Distribution>(); }

}  // namespace cloudformation::types
