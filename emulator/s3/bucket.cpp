// Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
// GetBucketLocation, GetBucketVersioning.
#include "s3/context.h"
#include "s3/documents.h"
#include "core/time.h"
#include "s3/xml.h"
#include "stack/stack.h"

namespace s3 {

Reply list_buckets(const Context& ctx) {
  if (ctx.identity.anonymous) return std::unexpected(make_error(ErrorCode::AccessDenied));
  xml::Document doc("ListAllMyBucketsResult");
  add_owner(doc.root());
  auto buckets = doc.root().append_child("Buckets");
  for (const auto& b : ctx.store.list_buckets()) {
    auto node = buckets.append_child("Bucket");
    xml::add(node, "Name", b.name);
    xml::add(node, "CreationDate", core::iso8601_ms(b.created_ms));
    xml::add(node, "BucketRegion", b.region);
  }
  return xml_response(doc);
}

Result<std::string> parse_create_bucket_xml(std::string_view document) {
  auto doc = xml::parse(document, "CreateBucketConfiguration");
  if (!doc) return std::unexpected(doc.error());
  return xml::child_text(doc->document_element(), "LocationConstraint");
}

Reply create_bucket(const Context& ctx) {
  const auto& name = ctx.route.bucket;
  if (auto ok = validate_bucket_name(name); !ok) return std::unexpected(ok.error());
  std::string region = ctx.config.stack ? ctx.config.stack->region : "us-east-1";
  auto body = read_document(ctx, 64 * 1024);
  if (!body) return std::unexpected(body.error());
  if (!body->empty()) {
    auto constraint = parse_create_bucket_xml(*body);
    if (!constraint) return std::unexpected(constraint.error());
    if (!constraint->empty()) region = *constraint;
  }
  std::string acl = ctx.request.header_or("x-amz-acl", "private");
  if (!stack::is_canned_acl(acl))
    return std::unexpected(make_error(ErrorCode::InvalidArgument, "The canned ACL '" + acl + "' is not valid"));
  auto created = ctx.store.create_bucket(name, acl, region);
  if (!created) {
    auto error = created.error();
    error.details.emplace_back("BucketName", name);
    return std::unexpected(error);
  }
  http::Response response;
  response.set_header("Location", "/" + name);
  return response;
}

Reply head_bucket(const Context& ctx) {
  auto bucket = ctx.store.get_bucket(ctx.route.bucket);
  if (!bucket) return std::unexpected(bucket.error());
  http::Response response;
  response.set_header("x-amz-bucket-region", bucket->region);
  return response;
}

Reply delete_bucket(const Context& ctx) {
  auto deleted = ctx.store.delete_bucket(ctx.route.bucket);
  if (!deleted) {
    auto error = deleted.error();
    error.details.emplace_back("BucketName", ctx.route.bucket);
    return std::unexpected(error);
  }
  http::Response response;
  response.status = 204;
  return response;
}

Reply get_bucket_location(const Context& ctx) {
  auto bucket = ctx.store.get_bucket(ctx.route.bucket);
  if (!bucket) return std::unexpected(bucket.error());
  xml::Document doc("LocationConstraint");
  // us-east-1 is reported as an empty constraint, as S3 does.
  if (bucket->region != "us-east-1") doc.root().text().set(bucket->region.c_str());
  return xml_response(doc);
}

Reply get_bucket_versioning(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  xml::Document doc("VersioningConfiguration");  // never enabled: no <Status>
  return xml_response(doc);
}

}  // namespace s3
