// Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
// GetBucketLocation, GetBucketVersioning.
#include <algorithm>
#include <charconv>
#include <climits>

#include "s3/context.h"
#include "s3/documents.h"
#include "core/time.h"
#include "s3/listing.h"
#include "s3/xml.h"
#include "stack/stack.h"

namespace s3 {

namespace {

constexpr int kMaxBuckets = 10000;

// The regions S3 knows, for ListBuckets' bucket-region check (AWS refuses one it does not
// know, e.g. eu-east-1). A region some bucket here was created in counts too.
constexpr std::string_view kAwsRegions[] = {
    "af-south-1",     "ap-east-1",      "ap-east-2",      "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1",     "ap-south-2",     "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1",   "ca-west-1",      "cn-north-1",
    "cn-northwest-1", "eu-central-1",   "eu-central-2",   "eu-north-1",     "eu-south-1",     "eu-south-2",
    "eu-west-1",      "eu-west-2",      "eu-west-3",      "il-central-1",   "me-central-1",   "me-south-1",
    "mx-central-1",   "sa-east-1",      "us-east-1",      "us-east-2",      "us-gov-east-1",  "us-gov-west-1",
    "us-west-1",      "us-west-2"};

S3Error invalid_argument(std::string message, const char* name, std::optional<std::string> value) {
  S3Error e = make_error(ErrorCode::InvalidArgument, std::move(message));
  e.details.emplace_back("ArgumentName", name);
  if (value) e.details.emplace_back("ArgumentValue", *value);
  return e;
}

Result<int> parse_max_buckets(const http::Request& request) {
  auto text = request.query_value("max-buckets");
  if (!text) return kMaxBuckets;
  long long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value < INT32_MIN ||
      value > INT32_MAX)
    return std::unexpected(
        invalid_argument("Provided max-buckets not an integer or within integer range", "max-buckets", *text));
  if (value < 1 || value > kMaxBuckets)
    return std::unexpected(
        invalid_argument("Argument max-buckets must be an integer between 1 and 10000.", "max-buckets", *text));
  return static_cast<int>(value);
}

}  // namespace

// ListBuckets with the 2024 additions: max-buckets pages, an opaque continuation token,
// prefix and bucket-region filters. Without max-buckets a page holds up to 10000 buckets.
Reply list_buckets(const Context& ctx) {
  const auto& request = ctx.request;
  if (ctx.identity.anonymous) return std::unexpected(make_error(ErrorCode::AccessDenied));
  auto max_buckets = parse_max_buckets(request);
  if (!max_buckets) return std::unexpected(max_buckets.error());
  // An empty token lists from the start, as S3 does (unlike ListObjectsV2's).
  std::string after;
  if (auto token = request.query_value("continuation-token"); token && !token->empty()) {
    auto decoded = bucket_after_token(*token);
    if (!decoded)
      return std::unexpected(
          invalid_argument("The continuation token provided is incorrect", "continuation-token", std::nullopt));
    after = std::move(*decoded);
  }
  std::string prefix = request.query_value("prefix").value_or("");
  auto region = request.query_value("bucket-region");
  auto buckets = ctx.store.list_buckets();
  if (region) {
    bool known = std::ranges::find(kAwsRegions, std::string_view(*region)) != std::end(kAwsRegions) ||
                 std::ranges::any_of(buckets, [&](const auto& b) { return b.region == *region; });
    if (!known)
      return std::unexpected(
          invalid_argument("Argument value " + *region + " is not a valid AWS Region", "bucket-region", std::nullopt));
  }

  xml::Document doc("ListAllMyBucketsResult");
  add_owner(doc.root());
  auto listed = doc.root().append_child("Buckets");
  int count = 0;
  std::string last;
  bool more = false;
  for (const auto& b : buckets) {  // sorted by name
    if (!after.empty() && b.name <= after) continue;
    if (!b.name.starts_with(prefix) || (region && b.region != *region)) continue;
    if (count == *max_buckets) {
      more = true;
      break;
    }
    auto node = listed.append_child("Bucket");
    xml::add(node, "Name", b.name);
    xml::add(node, "CreationDate", core::iso8601_ms(b.created_ms));
    xml::add(node, "BucketRegion", b.region);
    xml::add(node, "BucketArn", "arn:aws:s3:::" + b.name);
    last = b.name;
    ++count;
  }
  if (more) xml::add(doc.root(), "ContinuationToken", bucket_continuation_token(last));
  if (request.has_query("prefix")) xml::add(doc.root(), "Prefix", prefix);
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
  http::Response response;
  response.set_header("Location", "/" + name);
  auto created = ctx.store.create_bucket(name, acl, region);
  if (!created && created.error().code == ErrorCode::BucketAlreadyOwnedByYou && region == "us-east-1") {
    // S3's legacy answer in us-east-1: creating a bucket you already own there succeeds,
    // keeps its objects and resets its ACL to the one asked for. Every account here is
    // the one owner, so BucketAlreadyExists (another account's bucket) never arises.
    auto existing = ctx.store.get_bucket(name);
    if (existing && existing->region == "us-east-1") {
      if (auto reset = ctx.store.set_bucket_acl(name, acl); !reset) return std::unexpected(reset.error());
      return response;
    }
  }
  if (!created) {
    auto error = created.error();
    error.details.emplace_back("BucketName", name);
    return std::unexpected(error);
  }
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
