// Canned ACLs as S3 grants: Get/Put Bucket/Object Acl. Only the four canned ACLs exist
// in minicloud; a grant list that is not one of them is NotImplemented.
#include "s3/context.h"
#include "s3/documents.h"
#include "s3/xml.h"
#include "stack/stack.h"

namespace s3 {
namespace {

constexpr const char* kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr const char* kAuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

void add_group_grant(pugi::xml_node list, const char* uri, const char* permission) {
  auto grant = list.append_child("Grant");
  auto grantee = grant.append_child("Grantee");
  grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
  grantee.append_attribute("xsi:type") = "Group";
  xml::add(grantee, "URI", uri);
  xml::add(grant, "Permission", permission);
}

http::Response acl_response(const std::string& acl) {
  xml::Document doc("AccessControlPolicy");
  add_owner(doc.root());
  auto list = doc.root().append_child("AccessControlList");
  auto grant = list.append_child("Grant");
  auto grantee = grant.append_child("Grantee");
  grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
  grantee.append_attribute("xsi:type") = "CanonicalUser";
  xml::add(grantee, "ID", kOwnerId);
  xml::add(grantee, "DisplayName", kOwnerName);
  xml::add(grant, "Permission", "FULL_CONTROL");
  if (acl == "public-read" || acl == "public-read-write") add_group_grant(list, kAllUsers, "READ");
  if (acl == "public-read-write") add_group_grant(list, kAllUsers, "WRITE");
  if (acl == "authenticated-read") add_group_grant(list, kAuthenticatedUsers, "READ");
  http::Response response = xml_response(doc);
  return response;
}

// The canned ACL a PUT ?acl request asks for: x-amz-acl, or an AccessControlPolicy body
// whose grants are exactly one canned ACL's.
Result<std::string> requested_acl(const Context& ctx) {
  if (auto header = ctx.request.header("x-amz-acl")) {
    if (!stack::is_canned_acl(*header))
      return std::unexpected(make_error(ErrorCode::InvalidArgument, "The canned ACL '" + *header + "' is not valid"));
    return *header;
  }
  auto body = read_document(ctx, 64 * 1024);
  if (!body) return std::unexpected(body.error());
  if (body->empty())
    return std::unexpected(make_error(ErrorCode::MissingSecurityHeader, "Your request was missing a required header"));
  return parse_acl_xml(*body);
}

}  // namespace

Result<std::string> parse_acl_xml(std::string_view document) {
  auto doc = xml::parse(document, "AccessControlPolicy");
  if (!doc) return std::unexpected(doc.error());
  bool all_read = false, all_write = false, auth_read = false, other = false;
  for (auto grant : doc->document_element().child("AccessControlList").children("Grant")) {
    std::string uri = xml::child_text(grant.child("Grantee"), "URI");
    std::string permission = xml::child_text(grant, "Permission");
    if (uri == kAllUsers && permission == "READ") all_read = true;
    else if (uri == kAllUsers && permission == "WRITE") all_write = true;
    else if (uri == kAuthenticatedUsers && permission == "READ") auth_read = true;
    else if (!(uri.empty() && permission == "FULL_CONTROL")) other = true;
  }
  if (other || (auth_read && (all_read || all_write)) || (all_write && !all_read))
    return std::unexpected(make_error(ErrorCode::NotImplemented, "minicloud supports the canned ACLs' grants only"));
  if (all_write) return std::string("public-read-write");
  if (all_read) return std::string("public-read");
  if (auth_read) return std::string("authenticated-read");
  return std::string("private");
}

Reply get_bucket_acl(const Context& ctx) {
  auto bucket = ctx.store.get_bucket(ctx.route.bucket);
  if (!bucket) return std::unexpected(bucket.error());
  return acl_response(bucket->acl);
}

Reply put_bucket_acl(const Context& ctx) {
  if (auto bucket = ctx.store.get_bucket(ctx.route.bucket); !bucket) return std::unexpected(bucket.error());
  auto acl = requested_acl(ctx);
  if (!acl) return std::unexpected(acl.error());
  if (auto ok = ctx.store.set_bucket_acl(ctx.route.bucket, *acl); !ok) return std::unexpected(ok.error());
  return http::Response{};
}

Reply get_object_acl(const Context& ctx) {
  auto object = ctx.store.head_object(ctx.route.bucket, ctx.route.key);
  if (!object) return std::unexpected(object.error());
  return acl_response(object->acl);
}

Reply put_object_acl(const Context& ctx) {
  if (auto object = ctx.store.head_object(ctx.route.bucket, ctx.route.key); !object)
    return std::unexpected(object.error());
  auto acl = requested_acl(ctx);
  if (!acl) return std::unexpected(acl.error());
  if (auto ok = ctx.store.set_object_acl(ctx.route.bucket, ctx.route.key, *acl); !ok)
    return std::unexpected(ok.error());
  return http::Response{};
}

}  // namespace s3
