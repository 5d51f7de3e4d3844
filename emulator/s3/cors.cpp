// PutBucketCors / GetBucketCors / DeleteBucketCors (?cors) and the preflight
// (OPTIONS object). The configuration is stored as the bucket's "cors" config document.
#include "s3/cors.h"

#include "s3/context.h"
#include "s3/xml.h"

namespace s3 {
namespace {

constexpr const char* kConfigKind = "cors";

std::vector<std::string> children_text(pugi::xml_node node, const char* name) {
  std::vector<std::string> values;
  for (auto child : node.children(name)) values.emplace_back(child.text().as_string());
  return values;
}

}  // namespace

Result<std::vector<http::cors::Rule>> parse_cors_xml(std::string_view document) {
  auto doc = xml::parse(document, "CORSConfiguration");
  if (!doc) return std::unexpected(doc.error());
  std::vector<http::cors::Rule> rules;
  for (auto node : doc->document_element().children("CORSRule")) {
    http::cors::Rule rule;
    rule.id = xml::child_text(node, "ID");
    rule.allowed_origins = children_text(node, "AllowedOrigin");
    rule.allowed_methods = children_text(node, "AllowedMethod");
    rule.allowed_headers = children_text(node, "AllowedHeader");
    rule.expose_headers = children_text(node, "ExposeHeader");
    if (auto max_age = node.child("MaxAgeSeconds")) {
      std::string text = max_age.text().as_string();
      if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 9)
        return std::unexpected(make_error(ErrorCode::MalformedXML));
      rule.max_age_seconds = std::stoi(text);
    }
    if (rule.allowed_origins.empty() || rule.allowed_methods.empty())
      return std::unexpected(make_error(ErrorCode::MalformedXML));  // S3: the schema requires both
    rules.push_back(std::move(rule));
  }
  if (rules.empty()) return std::unexpected(make_error(ErrorCode::MalformedXML));
  if (auto problem = http::cors::problem_with(rules)) return std::unexpected(make_error(ErrorCode::InvalidRequest, *problem));
  return rules;
}

std::string cors_xml(const std::vector<http::cors::Rule>& rules) {
  xml::Document doc("CORSConfiguration");
  for (const auto& rule : rules) {
    auto node = doc.root().append_child("CORSRule");
    if (!rule.id.empty()) xml::add(node, "ID", rule.id);
    for (const auto& v : rule.allowed_headers) xml::add(node, "AllowedHeader", v);
    for (const auto& v : rule.allowed_methods) xml::add(node, "AllowedMethod", v);
    for (const auto& v : rule.allowed_origins) xml::add(node, "AllowedOrigin", v);
    for (const auto& v : rule.expose_headers) xml::add(node, "ExposeHeader", v);
    if (rule.max_age_seconds) xml::add(node, "MaxAgeSeconds", static_cast<std::int64_t>(*rule.max_age_seconds));
  }
  return doc.str();
}

Result<std::vector<http::cors::Rule>> bucket_cors_rules(store::Store& store, const std::string& bucket) {
  auto stored = store.get_bucket_config(bucket, kConfigKind);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return std::vector<http::cors::Rule>{};
  return parse_cors_xml(**stored);
}

void add_bucket_cors_headers(store::Store& store, const std::string& bucket, const http::Request& request,
                             http::Response& response) {
  auto origin = request.header("Origin");
  if (!origin || bucket.empty()) return;
  auto rules = bucket_cors_rules(store, bucket);
  if (!rules) return;  // no such bucket, or unreadable: the response says what went wrong
  if (const auto* rule = http::cors::match_request(*rules, *origin, request.method))
    http::cors::add_response_headers(response, *rule, *origin);
}

Reply put_bucket_cors(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto body = read_document(ctx, 64 * 1024);  // S3 caps the document at 64 KB
  if (!body) return std::unexpected(body.error());
  auto rules = parse_cors_xml(*body);
  if (!rules) return std::unexpected(rules.error());
  if (auto saved = ctx.store.put_bucket_config(ctx.route.bucket, kConfigKind, cors_xml(*rules)); !saved)
    return std::unexpected(saved.error());
  return http::Response{};
}

Reply get_bucket_cors(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto stored = ctx.store.get_bucket_config(ctx.route.bucket, kConfigKind);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return std::unexpected(make_error(ErrorCode::NoSuchCORSConfiguration));
  http::Response response;
  response.content_type = "application/xml";
  response.body = **stored;
  return response;
}

Reply delete_bucket_cors(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  if (auto deleted = ctx.store.delete_bucket_config(ctx.route.bucket, kConfigKind); !deleted)
    return std::unexpected(deleted.error());
  http::Response response;
  response.status = 204;
  return response;
}

Reply preflight_cors(const Context& ctx) {
  auto preflight = http::cors::read_preflight(ctx.request);
  if (!preflight) {
    const char* missing = ctx.request.header("Origin") ? "Access-Control-Request-Method" : "Origin";
    return std::unexpected(make_error(ErrorCode::BadRequest,
                                      std::string("Insufficient information. ") + missing + " request header needed."));
  }
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto rules = bucket_cors_rules(ctx.store, ctx.route.bucket);
  if (!rules) return std::unexpected(rules.error());
  auto forbidden = [&](std::string message) {
    S3Error error = make_error(ErrorCode::CORSForbidden, std::move(message));
    error.details = {{"Method", preflight->method}, {"ResourceType", ctx.route.key.empty() ? "BUCKET" : "OBJECT"}};
    return std::unexpected(std::move(error));
  };
  if (rules->empty()) return forbidden("CORSResponse: CORS is not enabled for this bucket.");
  const auto* rule = http::cors::match_preflight(*rules, *preflight);
  if (!rule) return forbidden({});
  http::Response response;
  http::cors::add_preflight_headers(response, *rule, *preflight);
  return response;
}

}  // namespace s3
