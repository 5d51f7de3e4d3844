// POST Object: a browser form upload (multipart/form-data) authorized by a signed POST
// policy (auth/post_policy.h) instead of a signed request. The fields before the file are
// read first; at the file part the form is authenticated and checked against the policy,
// then the file streams into a blob while it is hashed; content-length-range is checked
// against the real size, and only then is the object committed, exactly as PutObject does.
// Any failure leaves nothing stored.
#include <algorithm>
#include <optional>

#include "auth/auth.h"
#include "auth/post_policy.h"
#include "http/form_data.h"
#include "s3/context.h"
#include "s3/encryption.h"
#include "s3/upload_digests.h"
#include "s3/xml.h"

namespace s3 {
namespace {

constexpr std::int64_t kMaxObjectSize = 5LL * 1024 * 1024 * 1024;  // as PutObject

// Form fields that are object headers on PutObject, passed to the same parser.
bool is_header_field(std::string_view name) {
  for (std::string_view header : {"Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding",
                                  "Content-Language", "Expires", "Content-MD5", "x-amz-server-side-encryption",
                                  "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-sdk-checksum-algorithm"})
    if (http::iequals(name, header)) return true;
  for (std::string_view prefix : {"x-amz-meta-", "x-amz-checksum-", "x-amz-grant-"})
    if (name.size() > prefix.size() && http::iequals(name.substr(0, prefix.size()), prefix)) return true;
  return false;
}

// The form's object fields as the request headers PutObject would get, so both share
// metadata_from_headers and expected_checksum ("acl" is x-amz-acl; the form's
// x-amz-checksum-algorithm is the SDKs' x-amz-sdk-checksum-algorithm header).
http::Headers object_headers(const auth::PostFormFields& fields) {
  http::Headers headers;
  for (const auto& [name, value] : fields) {
    if (http::iequals(name, "acl")) headers.emplace_back("x-amz-acl", value);
    else if (http::iequals(name, "x-amz-checksum-algorithm")) headers.emplace_back("x-amz-sdk-checksum-algorithm", value);
    else if (is_header_field(name)) headers.emplace_back(name, value);
  }
  return headers;
}

Result<void> check_storage_class(const auth::PostFormFields& fields) {
  auto requested = auth::post_form_value(fields, "x-amz-storage-class");
  if (!requested) return {};
  for (std::string_view known : {"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                                 "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE", "EXPRESS_ONEZONE"})
    if (*requested == known) return {};  // one storage tier offline: accepted, not stored
  auto e = make_error(ErrorCode::InvalidStorageClass);
  e.details.emplace_back("StorageClassRequested", *requested);
  return std::unexpected(e);
}

// application/x-www-form-urlencoded, as S3 writes the redirect's query ("a b/c" -> "a+b%2Fc").
std::string form_encode(std::string_view value) {
  std::string encoded = http::uri_encode(value, true), out;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "%20") == 0) {
      out.push_back('+');
      i += 2;
    } else {
      out.push_back(encoded[i]);
    }
  }
  return out;
}

// The object's URL as the client addressed the bucket, the key's '/' encoded as S3 does.
std::string object_location(const http::Request& request, const std::string& bucket, const std::string& key) {
  std::string url = request.scheme + "://" + request.header_or("Host", "localhost");
  if (request.raw_path.size() > 1) url.append("/").append(http::uri_encode(bucket, true));  // path style
  url.append("/").append(http::uri_encode(key, true));
  return url;
}

// What the fields before the file decided: where the object goes and how to answer.
struct Upload {
  store::ObjectMeta meta;
  std::optional<auth::PostPolicy> policy;
  std::optional<std::int64_t> max_size;
  std::optional<std::string> content_md5;
  std::optional<std::string> redirect;  // success_action_redirect (or the old "redirect")
  std::string status;                   // success_action_status
  store::BlobWriter blob;
  UploadDigests digests;
  std::int64_t received = 0;            // file bytes read, stored or not
};

Result<Upload> start_upload(const Context& ctx, const store::BucketInfo& bucket, const std::vector<http::FormField>& form,
                            const http::FormFile& file) {
  auth::PostFormFields fields;
  for (const auto& field : form) {
    // The signed texts stay as sent; every other field may use ${filename}.
    bool signed_text = http::iequals(field.name, "policy") || http::iequals(field.name, "signature") ||
                       http::iequals(field.name, "x-amz-signature");
    fields.emplace_back(field.name, signed_text ? field.value : auth::expand_filename(field.value, file.filename));
  }
  auto key = auth::post_form_value(fields, "key");
  if (!key) {
    auto e = make_error(ErrorCode::InvalidArgument,
                        "Bucket POST must contain a field named 'key'.  If it is specified, please check the order "
                        "of the fields.");
    e.details.emplace_back("ArgumentName", "key");
    e.details.emplace_back("ArgumentValue", "");
    return std::unexpected(e);
  }

  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(ctx.now_ms));
  auto authorization = auth::authenticate_post_form(fields, ctx.config.secrets, now);
  if (!authorization) return std::unexpected(authorization.error());
  if (authorization->policy) {
    if (auto ok = auth::check_post_policy(*authorization->policy, fields, bucket.name, now); !ok)
      return std::unexpected(ok.error());
  } else if (ctx.identity.anonymous && bucket.acl != "public-read-write") {
    return std::unexpected(make_error(ErrorCode::AccessDenied));  // an unsigned form needs a writable bucket
  }

  if (auto ok = validate_key(*key); !ok) return std::unexpected(ok.error());
  if (auth::post_form_value(fields, "tagging"))
    return std::unexpected(make_error(ErrorCode::NotImplemented, "minicloud does not implement object tagging"));
  if (auto ok = check_storage_class(fields); !ok) return std::unexpected(ok.error());
  http::Request as_put;
  as_put.headers = object_headers(fields);
  auto meta = metadata_from_headers(as_put, bucket.name, *key, MetadataSource::Form);
  if (!meta) return std::unexpected(meta.error());
  if (auto sse = apply_default_encryption(ctx.store, bucket, *meta); !sse) return std::unexpected(sse.error());
  auto expected = auth::expected_checksum(auth::RequestView{"POST", "/", "", as_put.headers});
  if (!expected) return std::unexpected(expected.error());
  auto blob = ctx.store.new_blob();
  if (!blob) return std::unexpected(blob.error());

  Upload upload{std::move(*meta), std::move(authorization->policy), std::nullopt,
                as_put.header("Content-MD5"), std::nullopt, auth::post_form_value(fields, "success_action_status").value_or(""),
                std::move(*blob),
                UploadDigests(*expected, auth::ChecksumAlgorithm::CRC64NVME)};
  if (upload.policy) upload.max_size = auth::post_max_content_length(*upload.policy);
  upload.redirect = auth::post_form_value(fields, "success_action_redirect");
  if (!upload.redirect) upload.redirect = auth::post_form_value(fields, "redirect");
  return upload;
}

// Bytes past the policy's maximum (or S3's 5 GiB) are counted, not stored: the answer
// then names the real size, and nothing past the limit reaches the disk.
Result<void> receive_file_piece(Upload& upload, std::string_view piece) {
  upload.received += static_cast<std::int64_t>(piece.size());
  std::int64_t limit = std::min(upload.max_size.value_or(kMaxObjectSize), kMaxObjectSize);
  if (upload.received > limit) return {};
  upload.digests.update(piece);
  return upload.blob.write(piece);
}

// S3 answers a redirect only to a URL it can read; otherwise it falls back to the status.
bool is_absolute_url(std::string_view url) {
  return (url.size() > 7 && http::iequals(url.substr(0, 7), "http://")) ||
         (url.size() > 8 && http::iequals(url.substr(0, 8), "https://"));
}

http::Response success_response(const Context& ctx, const Upload& upload, const store::ObjectMeta& object) {
  http::Response response;
  std::string etag = quote_etag(object.etag);
  std::string location = object_location(ctx.request, object.bucket, object.key);
  if (upload.redirect && is_absolute_url(*upload.redirect)) {
    std::string url = *upload.redirect;
    char separator = url.find('?') == std::string::npos ? '?' : (url.back() == '?' || url.back() == '&' ? '\0' : '&');
    if (separator) url.push_back(separator);
    url += "bucket=" + form_encode(object.bucket) + "&key=" + form_encode(object.key) + "&etag=" + form_encode(etag);
    response.status = 303;
    location = url;
  } else if (upload.status == "201") {
    xml::Document doc("PostResponse", nullptr);  // S3's PostResponse has no namespace
    xml::add(doc.root(), "Location", location);
    xml::add(doc.root(), "Bucket", object.bucket);
    xml::add(doc.root(), "Key", object.key);
    xml::add(doc.root(), "ETag", etag);
    response = xml_response(doc);
    response.status = 201;
  } else {
    response.status = upload.status == "200" ? 200 : 204;
  }
  response.set_header("ETag", etag);
  response.set_header("Location", location);
  add_checksum_headers(response, object);
  add_encryption_headers(response, object);
  return response;
}

}  // namespace

Reply post_object(const Context& ctx) {
  std::string content_type = ctx.request.header_or("Content-Type");
  if (!http::is_form_data(content_type)) {
    auto e = make_error(ErrorCode::PreconditionFailed);
    e.details.emplace_back("Condition", "Bucket POST must be of the enclosure-type multipart/form-data");
    return std::unexpected(e);
  }
  auto boundary = http::form_data_boundary(content_type);
  if (!boundary) return std::unexpected(boundary.error());
  auto bucket = ctx.store.get_bucket(ctx.route.bucket);
  if (!bucket) return std::unexpected(bucket.error());

  std::optional<Upload> upload;
  http::FormDataReader form(
      *boundary,
      [&](const std::vector<http::FormField>& fields, const http::FormFile& file) -> Result<void> {
        auto started = start_upload(ctx, *bucket, fields, file);
        if (!started) return std::unexpected(started.error());
        upload.emplace(std::move(*started));
        return {};
      },
      [&](std::string_view piece) { return receive_file_piece(*upload, piece); });
  auto streamed = ctx.body.stream([&](std::string_view piece) { return form.feed(piece); });
  if (!streamed) return std::unexpected(streamed.error());
  if (auto ok = form.finish(); !ok) return std::unexpected(ok.error());
  if (!upload) {
    auto e = make_error(ErrorCode::InvalidArgument, "POST requires exactly one file upload per request.");
    e.details.emplace_back("ArgumentName", "file");
    e.details.emplace_back("ArgumentValue", "0");
    return std::unexpected(e);
  }

  if (upload->policy) {
    if (auto ok = auth::check_post_content_length(*upload->policy, upload->received); !ok)
      return std::unexpected(ok.error());
  }
  if (upload->received > kMaxObjectSize) return std::unexpected(make_error(ErrorCode::EntityTooLarge));
  auto received = upload->digests.finish(upload->content_md5);
  if (!received) return std::unexpected(received.error());
  store::ObjectMeta meta = upload->meta;
  meta.etag = received->md5_hex;
  meta.checksums = received->checksums;
  meta.checksum_type = "FULL_OBJECT";
  auto committed = ctx.store.commit_object(std::move(meta), std::move(upload->blob));
  if (!committed) return std::unexpected(committed.error());
  http::Response response = success_response(ctx, *upload, *committed);
  ctx.emit("ObjectCreated:Post", *committed);
  return response;
}

}  // namespace s3
