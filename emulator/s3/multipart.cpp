// Multipart uploads: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts.
#include <algorithm>

#include "auth/auth.h"
#include "core/time.h"
#include "s3/context.h"
#include "s3/documents.h"
#include "s3/encryption.h"
#include "s3/header_values.h"
#include "s3/xml.h"

namespace s3 {
namespace {

constexpr int kMaxPartNumber = 10000;
constexpr std::int64_t kMaxPartSize = 5LL * 1024 * 1024 * 1024;

Result<int> part_number(const http::Request& request) {
  auto text = request.query_value("partNumber").value_or("");
  int n = 0;
  bool digits = !text.empty() && text.size() <= 5 && std::all_of(text.begin(), text.end(), ::isdigit);
  if (digits) n = std::stoi(text);
  if (!digits || n < 1 || n > kMaxPartNumber) {
    S3Error e = make_error(ErrorCode::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
    e.details.emplace_back("ArgumentName", "partNumber");
    e.details.emplace_back("ArgumentValue", text);
    return std::unexpected(e);
  }
  return n;
}

Result<store::UploadInfo> find_upload(const Context& ctx) {
  auto id = ctx.request.query_value("uploadId").value_or("");
  auto upload = ctx.store.get_upload(ctx.route.bucket, ctx.route.key, id);
  if (!upload) {
    auto error = upload.error();
    if (error.code == ErrorCode::NoSuchUpload) error.details.emplace_back("UploadId", id);
    return std::unexpected(error);
  }
  return upload;
}

void add_checksum_headers(http::Response& response, const std::map<std::string, std::string>& checksums) {
  for (const auto& [name, value] : checksums) {
    if (auto algorithm = auth::parse_checksum_algorithm(name))
      response.set_header(std::string(auth::checksum_header(*algorithm)), value);
  }
}

}  // namespace

Reply create_multipart_upload(const Context& ctx) {
  if (auto ok = validate_key(ctx.route.key); !ok) return std::unexpected(ok.error());
  auto meta = metadata_from_headers(ctx.request, ctx.route.bucket, ctx.route.key);
  if (!meta) return std::unexpected(meta.error());
  auto bucket = ctx.store.get_bucket(ctx.route.bucket);
  if (!bucket) return std::unexpected(bucket.error());
  if (auto sse = apply_default_encryption(ctx.store, *bucket, *meta); !sse) return std::unexpected(sse.error());
  std::string algorithm;
  if (auto header = ctx.request.header("x-amz-checksum-algorithm")) {
    auto parsed = auth::parse_checksum_algorithm(*header);
    if (!parsed) return std::unexpected(make_error(ErrorCode::InvalidRequest, "Checksum algorithm provided is unsupported."));
    algorithm = auth::checksum_name(*parsed);
  }
  meta->checksum_type = ctx.request.header_or("x-amz-checksum-type", algorithm.empty() ? "" : "COMPOSITE");
  auto upload = ctx.store.create_upload(ctx.route.bucket, ctx.route.key, std::move(*meta), algorithm);
  if (!upload) return std::unexpected(upload.error());
  xml::Document doc("InitiateMultipartUploadResult");
  xml::add(doc.root(), "Bucket", ctx.route.bucket);
  xml::add(doc.root(), "Key", ctx.route.key);
  xml::add(doc.root(), "UploadId", upload->upload_id);
  auto response = xml_response(doc);
  add_encryption_headers(response, upload->meta_template);
  if (!algorithm.empty()) {
    response.set_header("x-amz-checksum-algorithm", algorithm);
    response.set_header("x-amz-checksum-type", upload->meta_template.checksum_type);
  }
  return response;
}

Reply upload_part(const Context& ctx) {
  auto number = part_number(ctx.request);
  if (!number) return std::unexpected(number.error());
  auto upload = find_upload(ctx);
  if (!upload) return std::unexpected(upload.error());
  if (auto length = ctx.body.content_length(); length && *length > kMaxPartSize && !auth::is_streaming(ctx.identity.payload))
    return std::unexpected(make_error(ErrorCode::EntityTooLarge));
  auto blob = ctx.store.new_blob();
  if (!blob) return std::unexpected(blob.error());
  std::optional<auth::ChecksumAlgorithm> algorithm;
  if (!upload->checksum_algorithm.empty()) algorithm = auth::parse_checksum_algorithm(upload->checksum_algorithm);
  auto received = receive_body(ctx, [&](std::string_view data) { return blob->write(data); }, algorithm);
  if (!received) return std::unexpected(received.error());
  auto part = ctx.store.commit_part(upload->upload_id, *number, received->md5_hex, received->checksums, std::move(*blob));
  if (!part) return std::unexpected(part.error());
  http::Response response;
  response.set_header("ETag", quote_etag(part->etag));
  add_checksum_headers(response, part->checksums);
  add_encryption_headers(response, upload->meta_template);
  return response;
}

Reply upload_part_copy(const Context& ctx) {
  auto number = part_number(ctx.request);
  if (!number) return std::unexpected(number.error());
  auto upload = find_upload(ctx);
  if (!upload) return std::unexpected(upload.error());
  std::string source_header = http::percent_decode(ctx.request.header_or("x-amz-copy-source"));
  std::string_view source = source_header;
  if (!source.empty() && source.front() == '/') source.remove_prefix(1);
  auto slash = source.find('/');
  if (slash == std::string_view::npos)
    return std::unexpected(make_error(ErrorCode::InvalidArgument, "Copy Source must mention the source bucket and key"));
  auto found = ctx.store.get_object(std::string(source.substr(0, slash)), std::string(source.substr(slash + 1)));
  if (!found) return std::unexpected(found.error());
  auto& [meta, reader] = *found;
  std::int64_t first = 0, last = meta.size - 1;
  if (auto range = ctx.request.header("x-amz-copy-source-range")) {
    auto span = parse_copy_source_range(*range, meta.size);
    if (!span) return std::unexpected(span.error());
    first = span->first;
    last = span->last;
  }
  auto blob = ctx.store.new_blob();
  if (!blob) return std::unexpected(blob.error());
  auto md5 = auth::Hasher::md5();
  std::string buffer(1 << 20, '\0');
  for (std::int64_t at = first; at <= last;) {
    auto want = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(buffer.size()), last - at + 1));
    auto n = reader.read(at, buffer.data(), want);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return std::unexpected(make_error(ErrorCode::InternalError, "source object shrank during copy"));
    std::string_view piece(buffer.data(), *n);
    md5.update(piece);
    if (auto ok = blob->write(piece); !ok) return std::unexpected(ok.error());
    at += static_cast<std::int64_t>(*n);
  }
  auto part = ctx.store.commit_part(upload->upload_id, *number, auth::to_hex(md5.digest()), {}, std::move(*blob));
  if (!part) return std::unexpected(part.error());
  xml::Document doc("CopyPartResult");
  xml::add(doc.root(), "LastModified", core::iso8601_ms(part->last_modified_ms));
  xml::add(doc.root(), "ETag", quote_etag(part->etag));
  return xml_response(doc);
}

Result<std::vector<store::CompletedPart>> parse_complete_multipart_xml(std::string_view document) {
  auto doc = xml::parse(document, "CompleteMultipartUpload");
  if (!doc) return std::unexpected(doc.error());
  std::vector<store::CompletedPart> parts;
  for (auto node : doc->document_element().children("Part")) {
    int n = node.child("PartNumber").text().as_int(0);
    if (n < 1 || n > kMaxPartNumber) return std::unexpected(make_error(ErrorCode::MalformedXML));
    parts.push_back({n, unquote_etag(xml::child_text(node, "ETag"))});
  }
  if (parts.empty())
    return std::unexpected(make_error(ErrorCode::MalformedXML, "The XML you provided was not well-formed or did not validate against our published schema"));
  return parts;
}

namespace {

// The Part list of a CompleteMultipartUpload body, as listed.
Result<std::vector<store::CompletedPart>> listed_parts(const Context& ctx) {
  auto body = read_document(ctx, 4 * 1024 * 1024);
  if (!body) return std::unexpected(body.error());
  return parse_complete_multipart_xml(*body);
}

http::Response completion_response(const Context& ctx, const store::ObjectMeta& completed) {
  xml::Document result("CompleteMultipartUploadResult");
  std::string host = ctx.request.header_or("Host", "localhost");
  xml::add(result.root(), "Location", "http://" + host + "/" + completed.bucket + "/" + http::uri_encode(completed.key, false));
  xml::add(result.root(), "Bucket", completed.bucket);
  xml::add(result.root(), "Key", completed.key);
  xml::add(result.root(), "ETag", quote_etag(completed.etag));
  for (const auto& [name, value] : completed.checksums) xml::add(result.root(), ("Checksum" + name).c_str(), value);
  if (!completed.checksums.empty()) xml::add(result.root(), "ChecksumType", completed.checksum_type);
  auto response = xml_response(result);
  add_encryption_headers(response, completed);
  return response;
}

// A resent Complete of an upload that already completed with the same parts gets the
// same answer (and fires no second event); anything else about it is NoSuchUpload.
Reply answer_again(const Context& ctx, const std::vector<store::CompletedPart>& parts, S3Error no_such_upload) {
  auto id = ctx.request.query_value("uploadId").value_or("");
  auto completed = ctx.store.completed_upload(ctx.route.bucket, ctx.route.key, id, parts);
  if (!completed) {
    if (completed.error().code != ErrorCode::NoSuchUpload) return std::unexpected(completed.error());
    if (no_such_upload.details.empty()) no_such_upload.details.emplace_back("UploadId", id);
    return std::unexpected(no_such_upload);
  }
  return completion_response(ctx, *completed);
}

}  // namespace

Reply complete_multipart_upload(const Context& ctx) {
  auto upload = find_upload(ctx);
  if (!upload && upload.error().code != ErrorCode::NoSuchUpload) return std::unexpected(upload.error());
  auto listed = listed_parts(ctx);
  if (!upload) return listed ? answer_again(ctx, *listed, upload.error()) : std::unexpected(upload.error());
  if (!listed) return std::unexpected(listed.error());
  auto parts = store::effective_parts(*listed);
  if (!parts) return std::unexpected(parts.error());

  store::ObjectMeta final_meta = upload->meta_template;
  final_meta.bucket = upload->bucket;
  final_meta.key = upload->key;
  // Composite checksum (checksum of the part checksums) when the upload declared one.
  if (auto algorithm = auth::parse_checksum_algorithm(upload->checksum_algorithm);
      algorithm && final_meta.checksum_type != "FULL_OBJECT") {
    auto stored = ctx.store.list_parts(upload->upload_id);
    if (!stored) return std::unexpected(stored.error());
    std::vector<std::string> raw;
    for (const auto& part : *parts) {
      auto it = std::find_if(stored->begin(), stored->end(), [&](const auto& p) { return p.part_number == part.part_number; });
      if (it == stored->end()) return std::unexpected(make_error(ErrorCode::InvalidPart));
      auto value = it->checksums.find(upload->checksum_algorithm);
      if (value == it->checksums.end()) continue;
      if (auto decoded = auth::base64_decode(value->second)) raw.push_back(*decoded);
    }
    if (raw.size() == parts->size()) final_meta.checksums[upload->checksum_algorithm] = auth::composite_checksum(*algorithm, raw);
  } else {
    final_meta.checksum_type.clear();
  }
  auto completed = ctx.store.complete_upload(upload->upload_id, *parts, std::move(final_meta));
  // A concurrent Complete of the same upload won the race: answer as to a resent one.
  if (!completed && completed.error().code == ErrorCode::NoSuchUpload) return answer_again(ctx, *listed, completed.error());
  if (!completed) return std::unexpected(completed.error());
  auto response = completion_response(ctx, *completed);
  ctx.emit("ObjectCreated:CompleteMultipartUpload", *completed);
  return response;
}

Reply abort_multipart_upload(const Context& ctx) {
  auto upload = find_upload(ctx);
  if (!upload) return std::unexpected(upload.error());
  if (auto ok = ctx.store.abort_upload(upload->upload_id); !ok) return std::unexpected(ok.error());
  http::Response response;
  response.status = 204;
  return response;
}

Reply list_parts(const Context& ctx) {
  auto upload = find_upload(ctx);
  if (!upload) return std::unexpected(upload.error());
  auto parts = ctx.store.list_parts(upload->upload_id);
  if (!parts) return std::unexpected(parts.error());
  int max_parts = 1000;
  if (auto text = ctx.request.query_value("max-parts")) max_parts = std::clamp(std::atoi(text->c_str()), 0, 1000);
  int marker = std::atoi(ctx.request.query_value("part-number-marker").value_or("0").c_str());

  xml::Document doc("ListPartsResult");
  auto root = doc.root();
  xml::add(root, "Bucket", upload->bucket);
  xml::add(root, "Key", upload->key);
  xml::add(root, "UploadId", upload->upload_id);
  xml::add(root, "PartNumberMarker", static_cast<std::int64_t>(marker));
  std::vector<const store::PartInfo*> selected;
  bool truncated = false;
  for (const auto& part : *parts) {
    if (part.part_number <= marker) continue;
    if (static_cast<int>(selected.size()) == max_parts) {
      truncated = true;
      break;
    }
    selected.push_back(&part);
  }
  if (!selected.empty()) xml::add(root, "NextPartNumberMarker", static_cast<std::int64_t>(selected.back()->part_number));
  xml::add(root, "MaxParts", static_cast<std::int64_t>(max_parts));
  xml::add_bool(root, "IsTruncated", truncated);
  for (const char* who : {"Initiator", "Owner"}) add_owner(root, who);
  xml::add(root, "StorageClass", "STANDARD");
  if (!upload->checksum_algorithm.empty()) xml::add(root, "ChecksumAlgorithm", upload->checksum_algorithm);
  for (const auto* part : selected) {
    auto node = root.append_child("Part");
    xml::add(node, "PartNumber", static_cast<std::int64_t>(part->part_number));
    xml::add(node, "LastModified", core::iso8601_ms(part->last_modified_ms));
    xml::add(node, "ETag", quote_etag(part->etag));
    xml::add(node, "Size", part->size);
    for (const auto& [name, value] : part->checksums) xml::add(node, ("Checksum" + name).c_str(), value);
  }
  return xml_response(doc);
}

}  // namespace s3
