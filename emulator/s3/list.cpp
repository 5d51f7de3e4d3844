// ListObjects (v1), ListObjectsV2 and ListMultipartUploads.
#include "auth/crypto.h"
#include "core/time.h"
#include "s3/context.h"
#include "s3/listing.h"
#include "s3/xml.h"

namespace s3 {
namespace {

// encoding-type: absent or "url"; the returned function writes a listed name as asked.
using NameWriter = std::string (*)(std::string_view);
std::string verbatim(std::string_view text) { return std::string(text); }

Result<NameWriter> name_writer(const http::Request& request) {
  auto encoding = request.query_value("encoding-type");
  if (!encoding || encoding->empty()) return &verbatim;
  if (*encoding == "url") return &listing_url_encode;
  S3Error e = make_error(ErrorCode::InvalidArgument, "Invalid Encoding Method specified in Request");
  e.details.emplace_back("ArgumentName", "encoding-type");
  e.details.emplace_back("ArgumentValue", *encoding);
  return std::unexpected(e);
}

Result<int> parse_max(const http::Request& request, const char* name, int fallback) {
  auto text = request.query_value(name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    long value = std::stol(*text, &used);
    if (used != text->size() || value < 0) throw std::invalid_argument("negative");
    return static_cast<int>(std::min<long>(value, fallback));
  } catch (...) {
    S3Error e = make_error(ErrorCode::InvalidArgument, "Provided " + std::string(name) + " not an integer or within integer range");
    e.details.emplace_back("ArgumentName", name);
    e.details.emplace_back("ArgumentValue", *text);
    return std::unexpected(e);
  }
}

}  // namespace

Reply list_objects(const Context& ctx) {
  const auto& request = ctx.request;
  bool v2 = ctx.route.endpoint == Endpoint::ListObjectsV2;
  auto max_keys = parse_max(request, "max-keys", 1000);
  if (!max_keys) return std::unexpected(max_keys.error());
  auto writer = name_writer(request);
  if (!writer) return std::unexpected(writer.error());
  const NameWriter enc = *writer;

  store::ListQuery query;
  query.prefix = request.query_value("prefix").value_or("");
  query.delimiter = request.query_value("delimiter").value_or("");
  query.max_keys = *max_keys;
  std::string marker, start_after, continuation;
  if (v2) {
    start_after = request.query_value("start-after").value_or("");
    continuation = request.query_value("continuation-token").value_or("");
    query.start_after = start_after;
    if (request.has_query("continuation-token")) {
      // An empty token is refused too, as S3 does (minio/minio#5931).
      auto decoded = auth::base64_decode(continuation);
      if (!decoded || !decoded->starts_with("mc1:")) {
        S3Error e = make_error(ErrorCode::InvalidArgument, "The continuation token provided is incorrect");
        e.details.emplace_back("ArgumentName", "continuation-token");
        return std::unexpected(e);
      }
      query.start_after = std::max(start_after, decoded->substr(4));
    }
  } else {
    marker = request.query_value("marker").value_or("");
    query.start_after = marker;
  }
  auto listed = ctx.store.list_objects(ctx.route.bucket, query);
  if (!listed) return std::unexpected(listed.error());
  bool fetch_owner = !v2 || request.query_value("fetch-owner") == "true";

  xml::Document doc("ListBucketResult");
  auto root = doc.root();
  xml::add(root, "Name", ctx.route.bucket);
  xml::add(root, "Prefix", enc(query.prefix));
  if (v2) {
    if (request.has_query("continuation-token")) xml::add(root, "ContinuationToken", continuation);
    if (request.has_query("start-after")) xml::add(root, "StartAfter", enc(start_after));
    xml::add(root, "KeyCount", static_cast<std::int64_t>(listed->objects.size() + listed->common_prefixes.size()));
  } else {
    xml::add(root, "Marker", enc(marker));
  }
  xml::add(root, "MaxKeys", static_cast<std::int64_t>(query.max_keys));
  if (!query.delimiter.empty()) xml::add(root, "Delimiter", enc(query.delimiter));
  if (enc != &verbatim) xml::add(root, "EncodingType", "url");
  xml::add_bool(root, "IsTruncated", listed->is_truncated);
  if (listed->is_truncated) {
    if (v2) xml::add(root, "NextContinuationToken", auth::base64_encode("mc1:" + listed->next_marker));
    else if (!query.delimiter.empty()) xml::add(root, "NextMarker", enc(listed->next_marker));
  }
  for (const auto& object : listed->objects) {
    auto node = root.append_child("Contents");
    xml::add(node, "Key", enc(object.key));
    xml::add(node, "LastModified", core::iso8601_ms(object.last_modified_ms));
    xml::add(node, "ETag", quote_etag(object.etag));
    for (const auto& [name, value] : object.checksums) {
      xml::add(node, "ChecksumAlgorithm", name);
      (void)value;
    }
    if (!object.checksum_type.empty() && !object.checksums.empty()) xml::add(node, "ChecksumType", object.checksum_type);
    xml::add(node, "Size", object.size);
    if (fetch_owner) add_owner(node);
    xml::add(node, "StorageClass", "STANDARD");
  }
  for (const auto& prefix : listed->common_prefixes) xml::add(root.append_child("CommonPrefixes"), "Prefix", enc(prefix));

  return xml_response(doc);
}

Reply list_multipart_uploads(const Context& ctx) {
  const auto& request = ctx.request;
  auto max_uploads = parse_max(request, "max-uploads", 1000);
  if (!max_uploads) return std::unexpected(max_uploads.error());
  auto writer = name_writer(request);
  if (!writer) return std::unexpected(writer.error());
  const NameWriter enc = *writer;
  std::string prefix = request.query_value("prefix").value_or("");
  std::string delimiter = request.query_value("delimiter").value_or("");
  std::string key_marker = request.query_value("key-marker").value_or("");
  std::string id_marker = request.query_value("upload-id-marker").value_or("");
  auto uploads = ctx.store.list_uploads(ctx.route.bucket, prefix);
  if (!uploads) return std::unexpected(uploads.error());

  // One page: uploads after the markers (upload-id-marker counts only with key-marker;
  // without it the marker's own key is passed over), keys holding the delimiter after the
  // prefix rolled up into one common prefix each, both counting towards max-uploads.
  std::vector<const store::UploadInfo*> selected;
  std::vector<std::string> common_prefixes;
  std::string next_key, next_id;
  bool truncated = false;
  bool past_id_marker = false;
  for (const auto& upload : *uploads) {
    if (!key_marker.empty()) {
      if (upload.key < key_marker) continue;
      if (upload.key == key_marker) {
        bool up_to_id_marker = id_marker.empty() || !past_id_marker;
        if (upload.upload_id == id_marker) past_id_marker = true;
        if (up_to_id_marker) continue;
      }
    }
    std::string rolled_up;
    if (!delimiter.empty()) {
      auto at = upload.key.find(delimiter, prefix.size());
      if (at != std::string::npos) rolled_up = upload.key.substr(0, at + delimiter.size());
    }
    bool repeated = !common_prefixes.empty() && common_prefixes.back() == rolled_up;
    if (!rolled_up.empty() && (rolled_up == key_marker || repeated)) continue;
    if (static_cast<int>(selected.size() + common_prefixes.size()) == *max_uploads) {
      truncated = true;
      break;
    }
    if (rolled_up.empty()) {
      selected.push_back(&upload);
      next_key = upload.key;
      next_id = upload.upload_id;
    } else {
      common_prefixes.push_back(rolled_up);
      next_key = rolled_up;
      next_id.clear();
    }
  }

  xml::Document doc("ListMultipartUploadsResult");
  auto root = doc.root();
  xml::add(root, "Bucket", ctx.route.bucket);
  xml::add(root, "KeyMarker", enc(key_marker));
  xml::add(root, "UploadIdMarker", id_marker);
  if (truncated) {
    xml::add(root, "NextKeyMarker", enc(next_key));
    xml::add(root, "NextUploadIdMarker", next_id);
  }
  xml::add(root, "Prefix", enc(prefix));
  if (!delimiter.empty()) xml::add(root, "Delimiter", enc(delimiter));
  xml::add(root, "MaxUploads", static_cast<std::int64_t>(*max_uploads));
  if (enc != &verbatim) xml::add(root, "EncodingType", "url");
  xml::add_bool(root, "IsTruncated", truncated);
  for (const auto* upload : selected) {
    auto node = root.append_child("Upload");
    xml::add(node, "Key", enc(upload->key));
    xml::add(node, "UploadId", upload->upload_id);
    for (const char* who : {"Initiator", "Owner"}) add_owner(node, who);
    xml::add(node, "StorageClass", "STANDARD");
    xml::add(node, "Initiated", core::iso8601_ms(upload->initiated_ms));
    if (!upload->checksum_algorithm.empty()) xml::add(node, "ChecksumAlgorithm", upload->checksum_algorithm);
  }
  for (const auto& rolled_up : common_prefixes) xml::add(root.append_child("CommonPrefixes"), "Prefix", enc(rolled_up));
  return xml_response(doc);
}

}  // namespace s3
