#include "s3/service.h"


#include "auth/authenticate.h"
#include "s3/context.h"
#include "s3/cors.h"
#include "s3/xml.h"

namespace s3 {
namespace {

enum class Access { Read, Write, List, Admin };

Access access_needed(Endpoint e) {
  switch (e) {
    case Endpoint::GetObject:
    case Endpoint::HeadObject:
      return Access::Read;
    case Endpoint::ListObjects:
    case Endpoint::ListObjectsV2:
    case Endpoint::HeadBucket:
    case Endpoint::GetBucketLocation:
      return Access::List;
    case Endpoint::PutObject:
    case Endpoint::DeleteObject:
    case Endpoint::DeleteObjects:
    case Endpoint::PostObject:
    case Endpoint::CreateMultipartUpload:
    case Endpoint::UploadPart:
    case Endpoint::CompleteMultipartUpload:
    case Endpoint::AbortMultipartUpload:
      return Access::Write;
    default:
      return Access::Admin;
  }
}

bool grants_all_users_read(std::string_view acl) { return acl == "public-read" || acl == "public-read-write"; }

// Canned ACLs for anonymous requests. Authenticated requests act for the one account and
// may do everything. Difference from AWS, documented in the README: a public-read bucket
// also lets anyone read its objects (AWS needs a bucket policy for that, which minicloud
// does not implement).
Result<void> authorize_anonymous(const Context& ctx) {
  auto denied = [] { return std::unexpected(make_error(ErrorCode::AccessDenied)); };
  auto access = access_needed(ctx.route.endpoint);
  if (ctx.route.endpoint == Endpoint::PostObject) return {};  // the POST policy signs the upload (issue 4)
  if (ctx.route.endpoint == Endpoint::PreflightCors) return {};  // browsers never sign a preflight
  if (ctx.route.bucket.empty() || access == Access::Admin) return denied();
  auto bucket = ctx.store.get_bucket(ctx.route.bucket);
  if (!bucket) return std::unexpected(bucket.error());
  switch (access) {
    case Access::List:
      if (grants_all_users_read(bucket->acl)) return {};
      return denied();
    case Access::Write:
      if (bucket->acl == "public-read-write") return {};
      return denied();
    case Access::Read: {
      if (grants_all_users_read(bucket->acl)) return {};
      auto object = ctx.store.head_object(ctx.route.bucket, ctx.route.key);
      if (object && grants_all_users_read(object->acl)) return {};
      return denied();
    }
    case Access::Admin:
      break;
  }
  return denied();
}

Reply dispatch(const Context& ctx) {
  switch (ctx.route.endpoint) {
    case Endpoint::ListBuckets: return list_buckets(ctx);
    case Endpoint::CreateBucket: return create_bucket(ctx);
    case Endpoint::HeadBucket: return head_bucket(ctx);
    case Endpoint::DeleteBucket: return delete_bucket(ctx);
    case Endpoint::GetBucketLocation: return get_bucket_location(ctx);
    case Endpoint::GetBucketVersioning: return get_bucket_versioning(ctx);
    case Endpoint::GetBucketAcl: return get_bucket_acl(ctx);
    case Endpoint::PutBucketAcl: return put_bucket_acl(ctx);
    case Endpoint::GetObjectAcl: return get_object_acl(ctx);
    case Endpoint::PutObjectAcl: return put_object_acl(ctx);
    case Endpoint::ListObjects:
    case Endpoint::ListObjectsV2: return list_objects(ctx);
    case Endpoint::ListMultipartUploads: return list_multipart_uploads(ctx);
    case Endpoint::GetObject:
    case Endpoint::HeadObject: return get_object(ctx);
    case Endpoint::PutObject: return put_object(ctx);
    case Endpoint::CopyObject: return copy_object(ctx);
    case Endpoint::DeleteObject: return delete_object(ctx);
    case Endpoint::DeleteObjects: return delete_objects(ctx);
    case Endpoint::CreateMultipartUpload: return create_multipart_upload(ctx);
    case Endpoint::UploadPart: return upload_part(ctx);
    case Endpoint::UploadPartCopy: return upload_part_copy(ctx);
    case Endpoint::CompleteMultipartUpload: return complete_multipart_upload(ctx);
    case Endpoint::AbortMultipartUpload: return abort_multipart_upload(ctx);
    case Endpoint::ListParts: return list_parts(ctx);
    case Endpoint::GetBucketNotification: return get_bucket_notification(ctx);
    case Endpoint::PutBucketNotification: return put_bucket_notification(ctx);
    case Endpoint::GetBucketCors: return get_bucket_cors(ctx);
    case Endpoint::PutBucketCors: return put_bucket_cors(ctx);
    case Endpoint::DeleteBucketCors: return delete_bucket_cors(ctx);
    case Endpoint::GetBucketEncryption: return get_bucket_encryption(ctx);
    case Endpoint::PutBucketEncryption: return put_bucket_encryption(ctx);
    case Endpoint::DeleteBucketEncryption: return delete_bucket_encryption(ctx);
    case Endpoint::PreflightCors: return preflight_cors(ctx);
    case Endpoint::PostObject: return post_object(ctx);
  }
  return std::unexpected(make_error(ErrorCode::NotImplemented,
                                    "minicloud does not implement " + std::string(to_string(ctx.route.endpoint)) + " yet"));
}

std::string host_id(const std::string& request_id) {
  // x-amz-id-2 is an opaque base64 token on AWS; derive a stable one from the request id
  // with a cheap mixing function (this runs on every response).
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::uint64_t state = 0xcbf29ce484222325ull;
  for (unsigned char c : request_id) state = (state ^ c) * 0x100000001b3ull;
  std::string out(76, 'A');
  for (std::size_t i = 0; i < out.size(); i += 10) {
    state += 0x9E3779B97F4A7C15ull;  // splitmix64
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (std::size_t j = i; j < std::min(out.size(), i + 10); ++j, z >>= 6) out[j] = kAlphabet[z & 63];
  }
  return out + "=";
}


}  // namespace

void Context::emit(std::string event_name, const store::ObjectMeta& object) const {
  if (!config.on_object_event) return;
  ObjectEvent event{std::move(event_name), object, request.request_id, request.remote_addr, identity.access_key, now_ms};
  event.session_token = request.header("x-amz-security-token").value_or(request.query_value("X-Amz-Security-Token").value_or(""));
  config.on_object_event(event);
}

Service::Service(store::Store& store, ServiceConfig config) : store_(store), config_(std::move(config)) {
  if (!config_.now_ms) {
    config_.now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  if (!config_.secrets) {
    config_.secrets = [stack = config_.stack](std::string_view key) -> std::optional<auth::Secret> {
      if (!stack) return std::nullopt;
      return stack->secret_for(key);
    };
  }
}

http::Response Service::error_response(S3Error error, const http::Request& request) {
  http::Response response;
  response.status = error.http_status();
  response.set_header("x-amz-id-2", host_id(request.request_id));
  if (error.code == ErrorCode::NotModified) return response;  // 304 carries no body
  if (error.resource.empty()) error.resource = request.raw_path;
  if (request.method != "HEAD") {
    response.body = xml::error_body(error, request.request_id, host_id(request.request_id));
    response.content_type = "application/xml";
  }
  if (error.code == ErrorCode::MethodNotAllowed) response.set_header("Allow", "GET, PUT, POST, DELETE, HEAD");
  return response;
}

http::Response Service::handle(http::Request& request, http::RequestBody& body) {
  // Routing comes first so that every answer, errors included, can carry the bucket's
  // CORS headers: a browser can read an S3 error only through them.
  auto route = s3::route(request, config_.addressing);
  if (!route) return error_response(route.error(), request);
  http::Response response = handle_routed(request, body, *route);
  if (route->endpoint != Endpoint::PreflightCors) add_bucket_cors_headers(store_, route->bucket, request, response);
  return response;
}

http::Response Service::handle_routed(http::Request& request, http::RequestBody& body, const Route& route) {
  std::int64_t now_ms = config_.now_ms();
  auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
  // S3 accepts SigV2 too; its signed resource names the bucket even when the Host header
  // carries it (virtual-hosted style).
  auto view = request_view(request);
  view.sigv2 = true;
  view.host_bucket = bucket_from_host(request.host(), config_.addressing);
  // A preflight is judged by the CORS rules alone, as on S3: a browser sends it to the very
  // URL it will use, so a presigned URL's query (signed for the PUT) must not be checked.
  auto identity = route.endpoint == Endpoint::PreflightCors
                      ? Result<auth::Identity>(auth::Identity{})
                      : auth::authenticate(view, config_.secrets, now, &signing_keys_);
  if (!identity) return error_response(identity.error(), request);

  Context ctx{request, body, *identity, route, store_, config_, now_ms};
  if (identity->anonymous) {
    if (auto allowed = authorize_anonymous(ctx); !allowed) return error_response(allowed.error(), request);
  }
  auto reply = dispatch(ctx);
  if (!reply) return error_response(reply.error(), request);
  reply->set_header("x-amz-id-2", host_id(request.request_id));
  return std::move(*reply);
}

}  // namespace s3
