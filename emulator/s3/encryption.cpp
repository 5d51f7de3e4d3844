// PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption (?encryption), and
// the x-amz-server-side-encryption headers of uploads and the objects they make. The
// configuration is stored as the bucket's "encryption" config document. Nothing is
// encrypted: minicloud only keeps and reports the choice (see s3/encryption.h).
#include "s3/encryption.h"

#include <array>

#include "s3/context.h"
#include "s3/xml.h"

namespace s3 {
namespace {

constexpr const char* kConfigKind = "encryption";
constexpr const char* kAlgorithmHeader = "x-amz-server-side-encryption";
constexpr const char* kKeyHeader = "x-amz-server-side-encryption-aws-kms-key-id";
constexpr std::array kAlgorithms = {"AES256", "aws:kms", "aws:kms:dsse"};

bool is_known_algorithm(std::string_view algorithm) {
  for (const auto* known : kAlgorithms)
    if (algorithm == known) return true;
  return false;
}

bool is_kms(std::string_view algorithm) { return algorithm.starts_with("aws:kms"); }

// S3 validates the document against its schema: an element it does not know is as
// malformed as a missing one.
bool only_children(pugi::xml_node node, std::initializer_list<std::string_view> names) {
  for (auto child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    bool known = false;
    for (auto name : names) known = known || name == child.name();
    if (!known) return false;
  }
  return true;
}

S3Error malformed() { return make_error(ErrorCode::MalformedXML); }

}  // namespace

Result<BucketEncryption> parse_encryption_xml(std::string_view document) {
  auto doc = xml::parse(document, "ServerSideEncryptionConfiguration");
  if (!doc) return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (!only_children(root, {"Rule"})) return std::unexpected(malformed());
  auto rule = root.child("Rule");
  if (!rule || rule.next_sibling("Rule")) return std::unexpected(malformed());  // S3 takes exactly one rule
  if (!only_children(rule, {"ApplyServerSideEncryptionByDefault", "BucketKeyEnabled"}))
    return std::unexpected(malformed());
  auto by_default = rule.child("ApplyServerSideEncryptionByDefault");
  if (!by_default || !only_children(by_default, {"SSEAlgorithm", "KMSMasterKeyID"})) return std::unexpected(malformed());

  BucketEncryption encryption;
  encryption.algorithm = xml::child_text(by_default, "SSEAlgorithm");
  if (!is_known_algorithm(encryption.algorithm)) return std::unexpected(malformed());
  encryption.kms_key_id = xml::child_text(by_default, "KMSMasterKeyID");
  if (!encryption.kms_key_id.empty() && !is_kms(encryption.algorithm)) {
    S3Error e = make_error(ErrorCode::InvalidArgument,
                           "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse");
    e.details.emplace_back("ArgumentName", "ApplyServerSideEncryptionByDefault");
    return std::unexpected(e);
  }
  if (auto bucket_key = rule.child("BucketKeyEnabled")) {
    std::string_view text = bucket_key.text().as_string();
    if (text != "true" && text != "false") return std::unexpected(malformed());
    encryption.bucket_key_enabled = text == "true";
  }
  return encryption;
}

std::string encryption_xml(const BucketEncryption& encryption) {
  xml::Document doc("ServerSideEncryptionConfiguration");
  auto rule = doc.root().append_child("Rule");
  auto by_default = rule.append_child("ApplyServerSideEncryptionByDefault");
  xml::add(by_default, "SSEAlgorithm", encryption.algorithm);
  if (!encryption.kms_key_id.empty()) xml::add(by_default, "KMSMasterKeyID", encryption.kms_key_id);
  xml::add_bool(rule, "BucketKeyEnabled", encryption.bucket_key_enabled);
  return doc.str();
}

Result<BucketEncryption> bucket_encryption(store::Store& store, const std::string& bucket) {
  auto stored = store.get_bucket_config(bucket, kConfigKind);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return BucketEncryption{};
  return parse_encryption_xml(**stored);
}

Result<void> read_encryption_headers(const http::Request& request, store::ObjectMeta& meta) {
  auto algorithm = request.header(kAlgorithmHeader);
  auto key = request.header(kKeyHeader);
  if (algorithm && !is_known_algorithm(*algorithm)) {
    S3Error e = make_error(ErrorCode::InvalidArgument, "The encryption method specified is not supported");
    e.details.emplace_back("ArgumentName", kAlgorithmHeader);
    e.details.emplace_back("ArgumentValue", *algorithm);
    return std::unexpected(e);
  }
  if (key && !(algorithm && is_kms(*algorithm))) {
    S3Error e = make_error(ErrorCode::InvalidArgument,
                           "Server Side Encryption with AWS KMS managed key requires HTTP header "
                           "x-amz-server-side-encryption : aws:kms");
    e.details.emplace_back("ArgumentName", kAlgorithmHeader);
    return std::unexpected(e);
  }
  meta.sse_algorithm = algorithm.value_or("");
  meta.sse_kms_key_id = key.value_or("");
  return {};
}

Result<void> apply_default_encryption(store::Store& store, const store::BucketInfo& bucket, store::ObjectMeta& meta) {
  if (meta.sse_algorithm.empty()) {
    auto encryption = bucket_encryption(store, bucket.name);
    if (!encryption) return std::unexpected(encryption.error());
    meta.sse_algorithm = encryption->algorithm;
    meta.sse_kms_key_id = encryption->kms_key_id;
  }
  if (!is_kms(meta.sse_algorithm)) {
    meta.sse_kms_key_id.clear();
  } else if (meta.sse_kms_key_id.empty()) {
    // The AWS managed key S3 creates for the account on first use.
    std::string region = bucket.region.empty() ? "us-east-1" : bucket.region;
    meta.sse_kms_key_id = "arn:aws:kms:" + region + ":000000000000:alias/aws/s3";
  }
  return {};
}

void add_encryption_headers(http::Response& response, const store::ObjectMeta& meta) {
  response.set_header(kAlgorithmHeader, meta.sse_algorithm.empty() ? "AES256" : meta.sse_algorithm);
  if (is_kms(meta.sse_algorithm) && !meta.sse_kms_key_id.empty()) response.set_header(kKeyHeader, meta.sse_kms_key_id);
}

Reply put_bucket_encryption(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto body = read_document(ctx, 64 * 1024);
  if (!body) return std::unexpected(body.error());
  auto encryption = parse_encryption_xml(*body);
  if (!encryption) return std::unexpected(encryption.error());
  if (auto saved = ctx.store.put_bucket_config(ctx.route.bucket, kConfigKind, encryption_xml(*encryption)); !saved)
    return std::unexpected(saved.error());
  return http::Response{};
}

// Never ServerSideEncryptionConfigurationNotFoundError: since 2023 every bucket has one.
Reply get_bucket_encryption(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto encryption = bucket_encryption(ctx.store, ctx.route.bucket);
  if (!encryption) return std::unexpected(encryption.error());
  http::Response response;
  response.content_type = "application/xml";
  response.body = encryption_xml(*encryption);
  return response;
}

Reply delete_bucket_encryption(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  if (auto deleted = ctx.store.delete_bucket_config(ctx.route.bucket, kConfigKind); !deleted)
    return std::unexpected(deleted.error());
  http::Response response;
  response.status = 204;
  return response;
}

}  // namespace s3
