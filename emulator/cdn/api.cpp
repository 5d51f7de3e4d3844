// CloudFront's API (2020-05-31, REST-XML) for the configured distributions: read-only
// distributions, and invalidations that complete at once.
#include <algorithm>
#include <chrono>

#include "auth/crypto.h"
#include "core/time.h"
#include "cdn/edge.h"
#include "core/xml.h"

namespace cdn {
namespace {

constexpr const char* kNamespace = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
constexpr std::string_view kVersion = "/2020-05-31/";
// AWS's managed policies, named by their fixed ids when a behaviour uses their values.
constexpr const char* kCachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6";
constexpr const char* kSimpleCors = "60669652-455b-4ae9-85a4-c4c02393f86c";

using core::xml::add;
using core::xml::add_bool;

pugi::xml_node add_quantity(pugi::xml_node parent, const char* name, std::size_t quantity) {
  auto node = parent.append_child(name);
  add(node, "Quantity", static_cast<std::int64_t>(quantity));
  return node;
}

void add_methods(pugi::xml_node parent, const char* name) {
  auto node = add_quantity(parent, name, 2);
  auto items = node.append_child("Items");
  add(items, "Method", "HEAD");
  add(items, "Method", "GET");
}

void write_behavior(pugi::xml_node node, const Distribution& d, const Behavior& b, bool with_pattern) {
  if (with_pattern) add(node, "PathPattern", b.path_pattern);
  add(node, "TargetOriginId", d.origin_bucket);
  for (const char* signers : {"TrustedSigners", "TrustedKeyGroups"}) {
    auto s = node.append_child(signers);
    add_bool(s, "Enabled", false);
    add(s, "Quantity", std::int64_t{0});
  }
  add(node, "ViewerProtocolPolicy", "allow-all");
  auto allowed = add_quantity(node, "AllowedMethods", 2);
  auto items = allowed.append_child("Items");
  add(items, "Method", "HEAD");
  add(items, "Method", "GET");
  add_methods(allowed, "CachedMethods");
  add_bool(node, "SmoothStreaming", false);
  add_bool(node, "Compress", b.compress);
  add_quantity(node, "LambdaFunctionAssociations", 0);
  add_quantity(node, "FunctionAssociations", 0);
  add(node, "FieldLevelEncryptionId", "");
  const auto& p = b.cache_policy;
  CachePolicy optimized;
  if (p.min_ttl == optimized.min_ttl && p.default_ttl == optimized.default_ttl && p.max_ttl == optimized.max_ttl &&
      !p.query_strings)
    add(node, "CachePolicyId", kCachingOptimized);
  if (b.response_headers_policy == "SimpleCORS") add(node, "ResponseHeadersPolicyId", kSimpleCors);
  // The legacy TTL fields state the TTLs in effect whatever the policy.
  add(node, "MinTTL", p.min_ttl);
  add(node, "DefaultTTL", p.default_ttl);
  add(node, "MaxTTL", p.max_ttl);
}

void write_common(pugi::xml_node node, const Distribution& d, bool summary) {
  auto aliases = add_quantity(node, "Aliases", d.aliases.size());
  if (!d.aliases.empty()) {
    auto items = aliases.append_child("Items");
    for (const auto& a : d.aliases) add(items, "CNAME", a);
  }
  if (!summary) add(node, "DefaultRootObject", d.default_root_object);
  auto origins = add_quantity(node, "Origins", 1);
  auto origin = origins.append_child("Items").append_child("Origin");
  add(origin, "Id", d.origin_bucket);
  add(origin, "DomainName", d.origin_bucket + ".s3.localhost");
  add(origin, "OriginPath", d.origin_path);
  add_quantity(origin, "CustomHeaders", 0);
  add(origin.append_child("S3OriginConfig"), "OriginAccessIdentity", "");
  add(origin, "ConnectionAttempts", std::int64_t{3});
  add(origin, "ConnectionTimeout", std::int64_t{10});
  std::string oac_id = d.id;  // an OAC id per distribution: E...OAC
  oac_id.append("OAC");
  add(origin, "OriginAccessControlId", oac_id);
  add_quantity(node, "OriginGroups", 0);
  write_behavior(node.append_child("DefaultCacheBehavior"), d, d.default_behavior, false);
  auto behaviors = add_quantity(node, "CacheBehaviors", d.behaviors.size());
  if (!d.behaviors.empty()) {
    auto items = behaviors.append_child("Items");
    for (const auto& b : d.behaviors) write_behavior(items.append_child("CacheBehavior"), d, b, true);
  }
  auto errors = add_quantity(node, "CustomErrorResponses", d.custom_error_responses.size());
  if (!d.custom_error_responses.empty()) {
    auto items = errors.append_child("Items");
    for (const auto& e : d.custom_error_responses) {
      auto r = items.append_child("CustomErrorResponse");
      add(r, "ErrorCode", std::int64_t{e.error_code});
      add(r, "ResponsePagePath", e.response_page_path);
      add(r, "ResponseCode", e.response_code ? std::to_string(e.response_code) : std::string{});
      add(r, "ErrorCachingMinTTL", e.error_caching_min_ttl);
    }
  }
  add(node, "Comment", std::string("minicloud distribution ") + d.id);
  if (!summary) {
    auto logging = node.append_child("Logging");
    add_bool(logging, "Enabled", false);
    add_bool(logging, "IncludeCookies", false);
    add(logging, "Bucket", "");
    add(logging, "Prefix", "");
  }
  add(node, "PriceClass", "PriceClass_All");
  add_bool(node, "Enabled", true);
  auto cert = node.append_child("ViewerCertificate");
  add_bool(cert, "CloudFrontDefaultCertificate", true);
  add(cert, "SSLSupportMethod", "vip");
  add(cert, "MinimumProtocolVersion", "TLSv1");
  add(cert, "CertificateSource", "cloudfront");
  auto geo = node.append_child("Restrictions").append_child("GeoRestriction");
  add(geo, "RestrictionType", "none");
  add(geo, "Quantity", std::int64_t{0});
  add(node, "WebACLId", "");
  add(node, "HttpVersion", "http2");
  add_bool(node, "IsIPV6Enabled", true);
}

void write_distribution_config(pugi::xml_node node, const Distribution& d) {
  add(node, "CallerReference", std::string("minicloud-") + d.id);
  write_common(node, d, false);
}

std::string arn(const Distribution& d) { return std::string("arn:aws:cloudfront::000000000000:distribution/") + d.id; }

// GetDistribution's ETag names the configuration's version; the stack never changes at
// run time, so one stable value per distribution.
std::string config_etag(const Distribution& d) {
  std::string hex = auth::to_hex(auth::sha256(std::string("minicloud:") + d.id)).substr(0, 13);
  for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return std::string("E") + hex;
}

void write_invalidation_batch(pugi::xml_node node, const Invalidation& inv) {
  auto paths = add_quantity(node, "Paths", inv.paths.size());
  if (!inv.paths.empty()) {
    auto items = paths.append_child("Items");
    for (const auto& p : inv.paths) add(items, "Path", p);
  }
  add(node, "CallerReference", inv.caller_reference);
}

http::Response xml_response(int status, const core::xml::Document& doc) {
  http::Response response;
  response.status = status;
  response.body = doc.str();
  response.content_type = "text/xml";
  return response;
}

// "/2020-05-31/distribution/E1/invalidation" -> {"distribution", "E1", "invalidation"}.
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    if (slash != 0) out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

http::Response Service::api_error(core::Error error, const http::Request& request) const {
  core::xml::Document doc("ErrorResponse", kNamespace);
  auto e = doc.root().append_child("Error");
  int status = error.http_status();
  add(e, "Type", status >= 500 ? "Receiver" : "Sender");
  add(e, "Code", error.code_name());
  add(e, "Message", error.effective_message());
  add(doc.root(), "RequestId", request.request_id);
  return xml_response(status, doc);
}

http::Response Service::api(http::Request& request, http::RequestBody& body) {
  std::string payload;
  if (body.has_body()) {
    auto read = body.read_all(1 << 20);
    if (!read) return api_error(read.error(), request);
    payload = std::move(*read);
  }
  // Only S3 clients send x-amz-content-sha256; for other services the signature covers
  // the body's hash, which we compute ourselves.
  auth::RequestView view{request.method, request.raw_path, request.raw_query, request.headers};
  if (!view.header("x-amz-content-sha256")) view.headers.emplace_back("x-amz-content-sha256", auth::sha256_hex(payload));
  auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(core::system_now_ms()));
  auto identity = auth::authenticate(view, options_.secrets, now);
  if (!identity) return api_error(identity.error(), request);
  if (identity->anonymous || identity->service != "cloudfront")
    return api_error(core::make_error(core::ErrorCode::AccessDenied), request);

  std::string_view path = request.path;
  if (!path.starts_with(kVersion))
    return api_error(core::make_error(core::ErrorCode::InvalidArgument, "minicloud speaks CloudFront API 2020-05-31"),
                     request);
  auto parts = segments(path.substr(kVersion.size()));
  const auto& method = request.method;
  auto not_implemented = [&] {
    return api_error(core::make_error(core::ErrorCode::NotImplemented,
                                    "minicloud's CloudFront API has GetDistribution, GetDistributionConfig, "
                                    "ListDistributions, CreateInvalidation, GetInvalidation, ListInvalidations"),
                     request);
  };
  if (parts.empty() || parts[0] != "distribution") return not_implemented();
  if (parts.size() == 1) return method == "GET" ? list_distributions(request) : not_implemented();
  auto d = by_id(parts[1]);
  if (!d) return api_error(core::make_error(core::ErrorCode::NoSuchDistribution), request);
  if (parts.size() == 2 && method == "GET") return get_distribution(*d, false);
  if (parts.size() == 3 && parts[2] == "config" && method == "GET") return get_distribution(*d, true);
  if (parts.size() >= 3 && parts[2] == "invalidation") {
    if (parts.size() == 3 && method == "POST") return create_invalidation(*d, payload, request);
    if (parts.size() == 3 && method == "GET") return list_invalidations(*d, request);
    if (parts.size() == 4 && method == "GET") return get_invalidation(*d, parts[3], request);
  }
  return not_implemented();
}

http::Response Service::get_distribution(const Distribution& d, bool config_only) const {
  if (config_only) {
    core::xml::Document doc("DistributionConfig", kNamespace);
    write_distribution_config(doc.root(), d);
    auto response = xml_response(200, doc);
    response.set_header("ETag", config_etag(d));
    return response;
  }
  core::xml::Document doc("Distribution", kNamespace);
  auto root = doc.root();
  add(root, "Id", d.id);
  add(root, "ARN", arn(d));
  add(root, "Status", "Deployed");
  auto edge = find_edge(d);
  add(root, "LastModifiedTime", core::iso8601_ms(edge ? edge->created_ms : started_ms_));
  add(root, "InProgressInvalidationBatches", std::int64_t{0});
  add(root, "DomainName", d.domain);
  for (const char* signers : {"ActiveTrustedSigners", "ActiveTrustedKeyGroups"}) {
    auto s = root.append_child(signers);
    add_bool(s, "Enabled", false);
    add(s, "Quantity", std::int64_t{0});
  }
  write_distribution_config(root.append_child("DistributionConfig"), d);
  auto response = xml_response(200, doc);
  response.set_header("ETag", config_etag(d));
  return response;
}

http::Response Service::list_distributions(const http::Request&) const {
  core::xml::Document doc("DistributionList", kNamespace);
  auto root = doc.root();
  add(root, "Marker", "");
  add(root, "MaxItems", std::int64_t{100});
  add_bool(root, "IsTruncated", false);
  std::vector<std::shared_ptr<Edge>> edges;
  {
    std::shared_lock lock(edges_mutex_);
    edges = edges_;
  }
  add(root, "Quantity", static_cast<std::int64_t>(edges.size()));
  if (!edges.empty()) {
    auto items = root.append_child("Items");
    for (const auto& edge : edges) {
      const Distribution& d = edge->config;
      auto s = items.append_child("DistributionSummary");
      add(s, "Id", d.id);
      add(s, "ARN", arn(d));
      add(s, "Status", "Deployed");
      add(s, "LastModifiedTime", core::iso8601_ms(edge->created_ms));
      add(s, "DomainName", d.domain);
      write_common(s, d, true);
      add_bool(s, "Staging", false);
    }
  }
  return xml_response(200, doc);
}

Invalidation Service::invalidate(const Distribution& distribution, std::string caller_reference,
                                 std::vector<std::string> paths) {
  auto edge = find_edge(distribution);  // null: deleted meanwhile, nothing cached to drop
  Invalidation inv;
  // "I" + 13 characters of [A-Z0-9], unique per run (a counter) and across runs (the time).
  std::string digest =
      auth::sha256(distribution.id + ":" + std::to_string(started_ms_) + ":" + std::to_string(sequence_++));
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  inv.id.assign(14, 'I');
  for (std::size_t i = 0; i < 13; ++i) inv.id[i + 1] = kAlphabet[static_cast<unsigned char>(digest[i]) % 36];
  inv.caller_reference = std::move(caller_reference);
  inv.paths = std::move(paths);
  inv.create_time_ms = core::system_now_ms();
  if (!edge) return inv;
  for (const auto& p : inv.paths) edge->cache.invalidate(p);
  std::lock_guard lock(edge->mutex);
  edge->invalidations.push_back(inv);
  return inv;
}

http::Response Service::create_invalidation(const Distribution& d, std::string_view body,
                                            const http::Request& request) {
  auto doc = core::xml::parse(body, "InvalidationBatch");
  if (!doc) return api_error(doc.error(), request);
  auto batch = doc->child("InvalidationBatch");
  std::string caller_reference = core::xml::child_text(batch, "CallerReference");
  auto paths_node = batch.child("Paths");
  std::vector<std::string> paths;
  for (auto p : paths_node.child("Items").children("Path")) paths.emplace_back(p.text().get());
  auto invalid = [&](std::string message) {
    return api_error(core::make_error(core::ErrorCode::InvalidArgument, std::move(message)), request);
  };
  if (caller_reference.empty()) return invalid("CallerReference is required.");
  if (!paths_node || core::xml::child_text(paths_node, "Quantity") != std::to_string(paths.size()))
    return invalid("Your request contains a Quantity that does not match the number of Paths.");
  if (paths.empty()) return invalid("An invalidation needs at least one path.");
  for (const auto& p : paths)
    if (!valid_invalidation_path(p))
      return invalid(std::string("Invalid path ") + p + ": paths start with '/' and may end with one '*'.");

  Invalidation inv;
  bool existing = false;
  {
    auto edge_ptr = find_edge(d);
    if (!edge_ptr) return api_error(core::make_error(core::ErrorCode::NoSuchDistribution), request);
    Edge& e = *edge_ptr;
    std::lock_guard lock(e.mutex);
    for (const auto& old : e.invalidations) {
      if (old.caller_reference != caller_reference) continue;
      if (old.paths != paths) {
        core::xml::Document err("ErrorResponse", kNamespace);
        auto node = err.root().append_child("Error");
        add(node, "Type", "Sender");
        add(node, "Code", "InvalidationBatchAlreadyExists");
        add(node, "Message", "An invalidation with this CallerReference already exists with other paths.");
        add(err.root(), "RequestId", request.request_id);
        return xml_response(409, err);
      }
      inv = old;  // the same request again: CloudFront answers with the first one
      existing = true;
    }
  }
  if (!existing) inv = invalidate(d, caller_reference, paths);

  core::xml::Document out("Invalidation", kNamespace);
  add(out.root(), "Id", inv.id);
  add(out.root(), "Status", "Completed");
  add(out.root(), "CreateTime", core::iso8601_ms(inv.create_time_ms));
  write_invalidation_batch(out.root().append_child("InvalidationBatch"), inv);
  auto response = xml_response(201, out);
  response.set_header("Location",
                      std::string("https://cloudfront.amazonaws.com/2020-05-31/distribution/") + d.id + "/invalidation/" + inv.id);
  return response;
}

http::Response Service::get_invalidation(const Distribution& d, std::string_view id, const http::Request& request) {
  auto edge_ptr = find_edge(d);
  if (!edge_ptr) return api_error(core::make_error(core::ErrorCode::NoSuchDistribution), request);
  Edge& e = *edge_ptr;
  std::lock_guard lock(e.mutex);
  for (const auto& inv : e.invalidations) {
    if (inv.id != id) continue;
    core::xml::Document out("Invalidation", kNamespace);
    add(out.root(), "Id", inv.id);
    add(out.root(), "Status", "Completed");
    add(out.root(), "CreateTime", core::iso8601_ms(inv.create_time_ms));
    write_invalidation_batch(out.root().append_child("InvalidationBatch"), inv);
    return xml_response(200, out);
  }
  return api_error(core::make_error(core::ErrorCode::NoSuchInvalidation), request);
}

http::Response Service::list_invalidations(const Distribution& d, const http::Request& request) {
  std::int64_t max_items = 100;
  if (auto m = request.query_value("MaxItems")) {
    try {
      max_items = std::clamp<std::int64_t>(std::stoll(*m), 1, 1000);
    } catch (...) {
      return api_error(core::make_error(core::ErrorCode::InvalidArgument, "MaxItems must be a number."), request);
    }
  }
  std::string marker = request.query_value("Marker").value_or("");
  auto edge_ptr = find_edge(d);
  if (!edge_ptr) return api_error(core::make_error(core::ErrorCode::NoSuchDistribution), request);
  Edge& e = *edge_ptr;
  std::vector<Invalidation> newest_first;
  {
    std::lock_guard lock(e.mutex);
    newest_first.assign(e.invalidations.rbegin(), e.invalidations.rend());
  }
  std::size_t start = 0;
  if (!marker.empty()) {
    auto it = std::find_if(newest_first.begin(), newest_first.end(), [&](const auto& i) { return i.id == marker; });
    start = it == newest_first.end() ? newest_first.size() : static_cast<std::size_t>(it - newest_first.begin()) + 1;
  }
  std::size_t end = std::min(newest_first.size(), start + static_cast<std::size_t>(max_items));
  core::xml::Document out("InvalidationList", kNamespace);
  auto root = out.root();
  add(root, "Marker", marker);
  bool truncated = end < newest_first.size();
  if (truncated) add(root, "NextMarker", newest_first[end - 1].id);
  add(root, "MaxItems", max_items);
  add_bool(root, "IsTruncated", truncated);
  add(root, "Quantity", static_cast<std::int64_t>(end - start));
  if (end > start) {
    auto items = root.append_child("Items");
    for (std::size_t i = start; i < end; ++i) {
      auto s = items.append_child("InvalidationSummary");
      add(s, "Id", newest_first[i].id);
      add(s, "CreateTime", core::iso8601_ms(newest_first[i].create_time_ms));
      add(s, "Status", "Completed");
    }
  }
  return xml_response(200, out);
}

}  // namespace cdn
