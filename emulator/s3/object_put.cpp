// PutObject and CopyObject, plus the body pipeline every upload shares (receive_body).
#include <optional>

#include "auth/auth.h"
#include "core/time.h"
#include "s3/context.h"
#include "s3/encryption.h"
#include "s3/header_values.h"
#include "s3/upload_digests.h"
#include "s3/xml.h"
#include "stack/stack.h"

namespace s3 {
namespace {

constexpr std::int64_t kMaxSinglePut = 5LL * 1024 * 1024 * 1024;  // S3's PutObject limit
constexpr std::size_t kMaxUserMetadata = 2048;                      // S3's x-amz-meta-* limit

}  // namespace

Result<store::ObjectMeta> metadata_from_headers(const http::Request& request, const std::string& bucket,
                                                const std::string& key, MetadataSource source) {
  store::ObjectMeta meta;
  meta.bucket = bucket;
  meta.key = key;
  meta.content_type = request.header_or("Content-Type", "binary/octet-stream");
  meta.content_encoding = stored_content_encoding(request.header_or("Content-Encoding"));
  meta.content_disposition = request.header_or("Content-Disposition");
  meta.content_language = request.header_or("Content-Language");
  meta.cache_control = request.header_or("Cache-Control");
  meta.expires = request.header_or("Expires");
  std::size_t metadata_size = 0;
  for (const auto& [name, value] : request.headers) {
    if (name.size() > 11 && http::iequals(std::string_view(name).substr(0, 11), "x-amz-meta-")) {
      meta.user_metadata.emplace_back(http::to_lower(name.substr(11)),
                                      source == MetadataSource::Form ? value : metadata_value_from_header(value));
      metadata_size += name.size() - 11 + value.size();
    }
  }
  if (metadata_size > kMaxUserMetadata) {
    S3Error e = make_error(ErrorCode::MetadataTooLarge);
    e.details.emplace_back("MaxSizeAllowed", std::to_string(kMaxUserMetadata));
    e.details.emplace_back("Size", std::to_string(metadata_size));
    return std::unexpected(e);
  }
  if (auto acl = request.header("x-amz-acl")) {
    if (!stack::is_canned_acl(*acl))
      return std::unexpected(make_error(ErrorCode::InvalidArgument, "The canned ACL '" + *acl + "' is not valid"));
    meta.acl = *acl;
  }
  for (const char* grant : {"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp",
                            "x-amz-grant-full-control"}) {
    if (request.header(grant))
      return std::unexpected(make_error(ErrorCode::NotImplemented, "minicloud supports canned ACLs only"));
  }
  if (auto sse = read_encryption_headers(request, meta); !sse) return std::unexpected(sse.error());
  return meta;
}

void add_object_headers(http::Response& response, const store::ObjectMeta& meta) {
  response.set_header("ETag", quote_etag(meta.etag));
  response.set_header("Last-Modified", core::http_date(meta.last_modified_ms));
  response.set_header("Accept-Ranges", "bytes");
  if (!meta.content_encoding.empty()) response.set_header("Content-Encoding", meta.content_encoding);
  if (!meta.content_disposition.empty()) response.set_header("Content-Disposition", meta.content_disposition);
  if (!meta.content_language.empty()) response.set_header("Content-Language", meta.content_language);
  if (!meta.cache_control.empty()) response.set_header("Cache-Control", meta.cache_control);
  if (!meta.expires.empty()) response.set_header("Expires", meta.expires);
  for (const auto& [name, value] : meta.user_metadata)
    response.headers.emplace_back("x-amz-meta-" + name, metadata_value_for_header(value));
  add_encryption_headers(response, meta);
  response.content_type = meta.content_type;
}

Result<ReceivedBody> receive_body(const Context& ctx, const BodySink& write,
                                  std::optional<auth::ChecksumAlgorithm> default_checksum) {
  const auto& request = ctx.request;
  const auto& identity = ctx.identity;
  bool chunked = auth::is_streaming(identity.payload);

  std::optional<std::int64_t> declared = ctx.body.content_length();
  if (chunked) {
    auto decoded = request.header("x-amz-decoded-content-length");
    if (!decoded) return std::unexpected(make_error(ErrorCode::MissingContentLength));
    declared = http::parse_decimal(*decoded);
    if (!declared) return std::unexpected(make_error(ErrorCode::InvalidArgument, "Invalid x-amz-decoded-content-length"));
  } else if (!declared && ctx.body.has_body()) {
    return std::unexpected(make_error(ErrorCode::MissingContentLength));
  }
  if (declared && *declared > kMaxSinglePut) return std::unexpected(make_error(ErrorCode::EntityTooLarge));

  auto expected = auth::expected_checksum(request_view(request));
  if (!expected) return std::unexpected(expected.error());
  std::optional<auth::ChecksumAlgorithm> trailer_algorithm;
  if (*expected && (*expected)->in_trailer) {
    if (!chunked)
      return std::unexpected(make_error(ErrorCode::InvalidRequest, "x-amz-trailer requires an aws-chunked body"));
    trailer_algorithm = (*expected)->algorithm;
  }

  std::optional<auth::ChunkedDecoder> decoder;
  if (chunked) decoder.emplace(identity, declared.value_or(-1), trailer_algorithm);

  std::optional<auth::Hasher> sha256;
  if (identity.payload == auth::PayloadMode::Sha256) sha256.emplace(auth::Hasher::sha256());
  // The checksum to compute and store: the one the client sent, else the default (AWS adds
  // CRC64NVME to objects uploaded without one). A trailer's is computed by the decoder.
  std::optional<auth::ExpectedChecksum> sent_checksum;
  if (*expected && !trailer_algorithm) sent_checksum = **expected;
  UploadDigests digests(sent_checksum, trailer_algorithm ? std::nullopt : default_checksum);

  std::int64_t written = 0;
  auto consume = [&](std::string_view payload) -> Result<void> {
    digests.update(payload);
    if (sha256) sha256->update(payload);
    written += static_cast<std::int64_t>(payload.size());
    return write(payload);
  };
  std::string decoded;
  auto streamed = ctx.body.stream([&](std::string_view piece) -> Result<void> {
    if (!decoder) return consume(piece);
    decoded.clear();
    if (auto fed = decoder->feed(piece, decoded); !fed) return fed;
    return consume(decoded);
  });
  if (!streamed) return std::unexpected(streamed.error());
  if (decoder) {
    if (auto done = decoder->finish(); !done) return std::unexpected(done.error());
  }
  if (declared && written != *declared) return std::unexpected(make_error(ErrorCode::IncompleteBody));

  if (sha256) {
    if (auto ok = auth::verify_payload_sha256(identity, sha256->digest()); !ok) return std::unexpected(ok.error());
  }
  auto received = digests.finish(request.header("Content-MD5"));
  if (!received) return std::unexpected(received.error());
  if (trailer_algorithm) {
    auto verified = decoder->verified_checksum();
    if (!verified) return std::unexpected(make_error(ErrorCode::InvalidRequest, "The trailing checksum is missing"));
    received->checksums[std::string(auth::checksum_name(verified->first))] = verified->second;
  }
  return received;
}

Result<std::string> read_document(const Context& ctx, std::size_t max_bytes) {
  auto too_large = [] {
    return std::unexpected(make_error(ErrorCode::EntityTooLarge, "The request body is larger than this operation accepts"));
  };
  if (auto length = ctx.body.content_length(); length && *length > static_cast<std::int64_t>(max_bytes) &&
                                               !auth::is_streaming(ctx.identity.payload))
    return too_large();
  std::string document;
  auto received = receive_body(ctx, [&](std::string_view data) -> Result<void> {
    if (document.size() + data.size() > max_bytes) return too_large();
    document.append(data);
    return {};
  }, std::nullopt);
  if (!received) return std::unexpected(received.error());
  return document;
}

Reply put_object(const Context& ctx) {
  if (auto ok = validate_key(ctx.route.key); !ok) return std::unexpected(ok.error());
  auto meta = metadata_from_headers(ctx.request, ctx.route.bucket, ctx.route.key);
  if (!meta) return std::unexpected(meta.error());
  auto bucket = ctx.store.get_bucket(ctx.route.bucket);
  if (!bucket) return std::unexpected(bucket.error());
  if (auto sse = apply_default_encryption(ctx.store, *bucket, *meta); !sse) return std::unexpected(sse.error());
  auto blob = ctx.store.new_blob();
  if (!blob) return std::unexpected(blob.error());
  auto received = receive_body(ctx, [&](std::string_view data) { return blob->write(data); },
                               auth::ChecksumAlgorithm::CRC64NVME);
  if (!received) return std::unexpected(received.error());
  meta->etag = received->md5_hex;
  meta->checksums = received->checksums;
  meta->checksum_type = "FULL_OBJECT";
  auto committed = ctx.store.commit_object(std::move(*meta), std::move(*blob));
  if (!committed) return std::unexpected(committed.error());

  http::Response response;
  response.set_header("ETag", quote_etag(committed->etag));
  add_checksum_headers(response, *committed);
  add_encryption_headers(response, *committed);
  ctx.emit("ObjectCreated:Put", *committed);
  return response;
}

namespace {

struct CopySource {
  std::string bucket, key;
};

Result<CopySource> parse_copy_source(std::string_view header) {
  std::string decoded = http::percent_decode(header.substr(0, header.find('?')));
  std::string_view s = decoded;
  if (!s.empty() && s.front() == '/') s.remove_prefix(1);
  auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size())
    return std::unexpected(make_error(ErrorCode::InvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"));
  if (auto q = header.find('?'); q != std::string_view::npos) {
    auto version = header.substr(q + 1);
    if (version != "versionId=null")
      return std::unexpected(make_error(ErrorCode::NotImplemented, "minicloud does not keep object versions"));
  }
  return CopySource{std::string(s.substr(0, slash)), std::string(s.substr(slash + 1))};
}

// x-amz-copy-source-if-* conditions: PreconditionFailed when one does not hold.
Result<void> check_copy_conditions(const http::Request& request, const store::ObjectMeta& source) {
  auto failed = [] { return std::unexpected(make_error(ErrorCode::PreconditionFailed)); };
  auto if_match = request.header("x-amz-copy-source-if-match");
  auto if_none_match = request.header("x-amz-copy-source-if-none-match");
  auto if_unmodified = request.header("x-amz-copy-source-if-unmodified-since");
  auto if_modified = request.header("x-amz-copy-source-if-modified-since");
  if (if_match && unquote_etag(*if_match) != source.etag && *if_match != "*") return failed();
  if (if_none_match && (unquote_etag(*if_none_match) == source.etag || *if_none_match == "*")) return failed();
  if (if_unmodified && !if_match) {
    auto t = core::parse_http_date(*if_unmodified);
    if (t && source.last_modified_ms / 1000 > *t / 1000) return failed();
  }
  if (if_modified && !if_none_match) {
    auto t = core::parse_http_date(*if_modified);
    if (t && source.last_modified_ms / 1000 <= *t / 1000) return failed();
  }
  return {};
}

}  // namespace

Reply copy_object(const Context& ctx) {
  if (auto ok = validate_key(ctx.route.key); !ok) return std::unexpected(ok.error());
  auto source_ref = parse_copy_source(ctx.request.header_or("x-amz-copy-source"));
  if (!source_ref) return std::unexpected(source_ref.error());
  auto source = ctx.store.head_object(source_ref->bucket, source_ref->key);
  if (!source) return std::unexpected(source.error());
  if (auto ok = check_copy_conditions(ctx.request, *source); !ok) return std::unexpected(ok.error());

  std::string directive = ctx.request.header_or("x-amz-metadata-directive", "COPY");
  if (directive != "COPY" && directive != "REPLACE")
    return std::unexpected(make_error(ErrorCode::InvalidArgument, "Unknown metadata directive."));
  bool same_object = source_ref->bucket == ctx.route.bucket && source_ref->key == ctx.route.key;
  bool changes_encryption = ctx.request.header("x-amz-server-side-encryption").has_value();
  if (same_object && directive == "COPY" && !changes_encryption)
    return std::unexpected(make_error(
        ErrorCode::InvalidRequest,
        "This copy request is illegal because it is trying to copy an object to itself without changing the "
        "object's metadata, storage class, website redirect location or encryption attributes."));

  store::ObjectMeta target;
  if (directive == "REPLACE") {
    auto meta = metadata_from_headers(ctx.request, ctx.route.bucket, ctx.route.key);
    if (!meta) return std::unexpected(meta.error());
    target = std::move(*meta);
  } else {
    target = *source;
    target.bucket = ctx.route.bucket;
    target.key = ctx.route.key;
    target.acl = ctx.request.header_or("x-amz-acl", "private");
    if (!stack::is_canned_acl(target.acl))
      return std::unexpected(make_error(ErrorCode::InvalidArgument, "The canned ACL is not valid"));
    // The copy is encrypted as requested or by the target bucket's default, never as the
    // source was (S3's rule).
    if (auto sse = read_encryption_headers(ctx.request, target); !sse) return std::unexpected(sse.error());
  }
  auto bucket = ctx.store.get_bucket(ctx.route.bucket);
  if (!bucket) return std::unexpected(bucket.error());
  if (auto sse = apply_default_encryption(ctx.store, *bucket, target); !sse) return std::unexpected(sse.error());
  target.size = 0;
  target.etag.clear();
  target.checksums.clear();
  auto copied = ctx.store.copy_object(*source, std::move(target));
  if (!copied) return std::unexpected(copied.error());

  xml::Document doc("CopyObjectResult");
  xml::add(doc.root(), "LastModified", core::iso8601_ms(copied->last_modified_ms));
  xml::add(doc.root(), "ETag", quote_etag(copied->etag));
  for (const auto& [name, value] : copied->checksums) xml::add(doc.root(), ("Checksum" + name).c_str(), value);
  http::Response response = xml_response(doc);
  add_encryption_headers(response, *copied);
  ctx.emit("ObjectCreated:Copy", *copied);
  return response;
}

}  // namespace s3
