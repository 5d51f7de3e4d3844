// What every S3 operation gets: the request, its body, who sent it, where it is routed,
// the store and the configuration. Operations return a response or an S3Error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "auth/authenticate.h"
#include "http/message.h"
#include "s3/endpoint.h"
#include "s3/error.h"
#include "s3/service.h"
#include "s3/xml.h"
#include "store/store.h"

namespace s3 {

struct Context {
  const http::Request& request;
  http::RequestBody& body;
  const auth::Identity& identity;
  const Route& route;
  store::Store& store;
  const ServiceConfig& config;
  std::int64_t now_ms;

  void emit(std::string event_name, const store::ObjectMeta& object) const;
};

using Reply = Result<http::Response>;

// The account every request acts for: one owner, as in a single AWS account.
inline constexpr const char* kOwnerId = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";
inline constexpr const char* kOwnerName = "minicloud";

// bucket.cpp
Reply list_buckets(const Context&);
Reply create_bucket(const Context&);
Reply head_bucket(const Context&);
Reply delete_bucket(const Context&);
Reply get_bucket_location(const Context&);
Reply get_bucket_versioning(const Context&);
// acl.cpp
Reply get_bucket_acl(const Context&);
Reply put_bucket_acl(const Context&);
Reply get_object_acl(const Context&);
Reply put_object_acl(const Context&);
// object_get.cpp
Reply get_object(const Context&);  // GET and HEAD
// object_put.cpp
Reply put_object(const Context&);
Reply copy_object(const Context&);
// delete.cpp
Reply delete_object(const Context&);
Reply delete_objects(const Context&);
// list.cpp
Reply list_objects(const Context&);     // v1 and v2
Reply list_multipart_uploads(const Context&);
// multipart.cpp
Reply create_multipart_upload(const Context&);
Reply upload_part(const Context&);
Reply upload_part_copy(const Context&);
Reply complete_multipart_upload(const Context&);
Reply abort_multipart_upload(const Context&);
Reply list_parts(const Context&);
// cors.cpp (and s3/cors.h)
Reply get_bucket_cors(const Context&);
Reply put_bucket_cors(const Context&);
Reply delete_bucket_cors(const Context&);
Reply preflight_cors(const Context&);  // OPTIONS object
// post_object.cpp (browser form uploads)
Reply post_object(const Context&);
// notification.cpp
Reply get_bucket_notification(const Context&);
Reply put_bucket_notification(const Context&);
// encryption.cpp (and s3/encryption.h)
Reply get_bucket_encryption(const Context&);
Reply put_bucket_encryption(const Context&);
Reply delete_bucket_encryption(const Context&);

// Shared helpers (names.cpp, object_put.cpp).
http::Response xml_response(const xml::Document& doc);             // 200 with the document
void add_owner(pugi::xml_node parent, const char* element = "Owner");  // <Owner><ID/><DisplayName/>
Result<void> validate_bucket_name(const std::string& name);
Result<void> validate_key(const std::string& key);
std::string quote_etag(const std::string& etag);   // "\"abc\""
std::string unquote_etag(std::string_view etag);

// The request as the authenticator reads it (raw path, query and headers).
inline auth::RequestView request_view(const http::Request& request) {
  return auth::RequestView{request.method, request.raw_path, request.raw_query, request.headers};
}

// Object metadata from request headers (Content-Type, x-amz-meta-*, x-amz-acl, ...).
// x-amz-meta-* values from real headers are read as S3 reads them (ISO-8859-1, RFC 2047
// words decoded: s3/header_values.h); a POST form's fields are UTF-8 text kept as sent.
enum class MetadataSource { Headers, Form };
Result<store::ObjectMeta> metadata_from_headers(const http::Request& request, const std::string& bucket,
                                                const std::string& key,
                                                MetadataSource source = MetadataSource::Headers);
// Headers describing an object (ETag, Last-Modified, Content-*, x-amz-meta-*).
void add_object_headers(http::Response& response, const store::ObjectMeta& meta);

// Streams the request body to `write`, decoding aws-chunked and verifying
// x-amz-content-sha256, Content-MD5 and any x-amz-checksum-*. On success the returned
// digests describe exactly the bytes written.
struct ReceivedBody {
  std::string md5_hex;
  std::map<std::string, std::string> checksums;  // algorithm name -> base64
};
using BodySink = std::function<Result<void>(std::string_view decoded_bytes)>;
Result<ReceivedBody> receive_body(const Context& ctx, const BodySink& write,
                                  std::optional<auth::ChecksumAlgorithm> default_checksum);
// A request document (XML configuration, Delete, CompleteMultipartUpload): the whole body,
// at most `max_bytes` (EntityTooLarge beyond), verified as any upload is by receive_body.
Result<std::string> read_document(const Context& ctx, std::size_t max_bytes);

}  // namespace s3
