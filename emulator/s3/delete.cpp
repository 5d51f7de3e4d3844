// DeleteObject and DeleteObjects (the batch form, up to 1000 keys).
#include "s3/context.h"
#include "s3/documents.h"
#include "s3/xml.h"

namespace s3 {

Reply delete_object(const Context& ctx) {
  if (auto version = ctx.request.query_value("versionId"); version && *version != "null")
    return std::unexpected(make_error(ErrorCode::NotImplemented, "minicloud does not keep object versions"));
  auto deleted = ctx.store.delete_object(ctx.route.bucket, ctx.route.key);
  if (!deleted) return std::unexpected(deleted.error());
  if (*deleted) ctx.emit("ObjectRemoved:Delete", **deleted);
  http::Response response;
  response.status = 204;
  return response;
}

Result<DeleteRequest> parse_delete_xml(std::string_view document) {
  auto doc = xml::parse(document, "Delete");
  if (!doc) return std::unexpected(doc.error());
  auto root = doc->document_element();
  DeleteRequest request;
  request.quiet = std::string_view(root.child("Quiet").text().as_string()) == "true";
  for (auto object : root.children("Object")) {
    if (!object.child("Key")) return std::unexpected(make_error(ErrorCode::MalformedXML));
    request.keys.emplace_back(object.child("Key").text().as_string());
  }
  if (request.keys.empty() || request.keys.size() > 1000) return std::unexpected(make_error(ErrorCode::MalformedXML));
  return request;
}

Reply delete_objects(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto body = read_document(ctx, 2 * 1024 * 1024);
  if (!body) return std::unexpected(body.error());
  auto request = parse_delete_xml(*body);
  if (!request) return std::unexpected(request.error());

  xml::Document result("DeleteResult");
  for (const auto& key : request->keys) {
    auto deleted = ctx.store.delete_object(ctx.route.bucket, key);
    if (!deleted) {
      auto error = result.root().append_child("Error");
      xml::add(error, "Key", key);
      xml::add(error, "Code", deleted.error().code_name());
      xml::add(error, "Message", deleted.error().effective_message());
      continue;
    }
    if (*deleted) ctx.emit("ObjectRemoved:Delete", **deleted);
    if (!request->quiet) xml::add(result.root().append_child("Deleted"), "Key", key);
  }
  http::Response response = xml_response(result);
  return response;
}

}  // namespace s3
