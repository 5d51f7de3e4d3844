// GetObject and HeadObject: one code path (HEAD is GET without the body, which the
// listener drops), with S3's Range, conditional and response-override rules.
#include <memory>

#include "auth/auth.h"
#include "core/time.h"
#include "http/range.h"
#include "s3/context.h"
#include "s3/xml.h"

namespace s3 {
namespace {

// RFC 7232 as S3 applies it. Returns NotModified (304) or PreconditionFailed (412).
Result<void> check_conditions(const http::Request& request, const store::ObjectMeta& meta) {
  auto if_match = request.header("If-Match");
  auto if_none_match = request.header("If-None-Match");
  auto if_unmodified = request.header("If-Unmodified-Since");
  auto if_modified = request.header("If-Modified-Since");
  auto matches = [&](const std::string& list) {
    std::string_view rest = list;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == "*" || unquote_etag(item) == meta.etag) return true;
    }
    return false;
  };
  std::int64_t modified_s = meta.last_modified_ms / 1000;
  if (if_match && !matches(*if_match)) return std::unexpected(make_error(ErrorCode::PreconditionFailed));
  if (if_unmodified && !if_match) {
    auto t = core::parse_http_date(*if_unmodified);
    if (t && modified_s > *t / 1000) return std::unexpected(make_error(ErrorCode::PreconditionFailed));
  }
  if (if_none_match && matches(*if_none_match)) return std::unexpected(make_error(ErrorCode::NotModified));
  if (if_modified && !if_none_match) {
    auto t = core::parse_http_date(*if_modified);
    if (t && modified_s <= *t / 1000) return std::unexpected(make_error(ErrorCode::NotModified));
  }
  return {};
}

// response-content-type & co. override the stored headers (signed requests only).
Result<void> apply_overrides(const Context& ctx, http::Response& response) {
  static constexpr std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "Content-Type"},         {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},                   {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"}, {"response-content-encoding", "Content-Encoding"}};
  for (const auto& [param, header] : kOverrides) {
    auto value = ctx.request.query_value(param);
    if (!value) continue;
    if (ctx.identity.anonymous)
      return std::unexpected(make_error(ErrorCode::InvalidRequest,
                                        "Request specific response headers cannot be used for anonymous GET requests."));
    if (std::string_view(header) == "Content-Type") response.content_type = *value;
    else response.set_header(header, *value);
  }
  return {};
}

}  // namespace

Reply get_object(const Context& ctx) {
  if (ctx.request.has_query("partNumber"))
    return std::unexpected(make_error(ErrorCode::NotImplemented, "minicloud does not serve single parts (partNumber)"));
  if (auto version = ctx.request.query_value("versionId"); version && *version != "null")
    return std::unexpected(make_error(ErrorCode::NotImplemented, "minicloud does not keep object versions"));
  auto found = ctx.store.get_object(ctx.route.bucket, ctx.route.key);
  if (!found) {
    auto error = found.error();
    if (error.code == ErrorCode::NoSuchKey) error.details.emplace_back("Key", ctx.route.key);
    return std::unexpected(error);
  }
  auto& [meta, reader] = *found;

  http::Response response;
  if (auto ok = check_conditions(ctx.request, meta); !ok) {
    if (ok.error().code != ErrorCode::NotModified) return std::unexpected(ok.error());
    response.status = 304;
    response.set_header("ETag", quote_etag(meta.etag));
    response.set_header("Last-Modified", core::http_date(meta.last_modified_ms));
    return response;
  }
  auto range = http::parse_byte_range(ctx.request.header_or("Range"), meta.size);
  if (range.kind == http::RangeRequest::Kind::Unsatisfiable) {
    auto error = make_error(ErrorCode::InvalidRange);
    error.details.emplace_back("RangeRequested", ctx.request.header_or("Range"));
    error.details.emplace_back("ActualObjectSize", std::to_string(meta.size));
    return std::unexpected(error);
  }

  add_object_headers(response, meta);
  if (auto ok = apply_overrides(ctx, response); !ok) return std::unexpected(ok.error());
  if (meta.parts_count > 0) response.set_header("x-amz-mp-parts-count", std::to_string(meta.parts_count));
  std::int64_t offset = 0, length = meta.size;
  if (range.kind == http::RangeRequest::Kind::Partial) {
    offset = range.range.first;
    length = range.range.length();
    response.status = 206;
    response.set_header("Content-Range", range.range.content_range(meta.size));
  } else if (ctx.request.header_or("x-amz-checksum-mode") == "ENABLED") {
    for (const auto& [name, value] : meta.checksums) {
      if (auto algorithm = auth::parse_checksum_algorithm(name))
        response.set_header(std::string(auth::checksum_header(*algorithm)), value);
    }
    if (!meta.checksum_type.empty()) response.set_header("x-amz-checksum-type", meta.checksum_type);
  }
  auto shared = std::make_shared<store::BlobReader>(std::move(reader));
  response.stream = http::BodyProvider{
      length, [shared, offset](std::int64_t at, char* buf, std::size_t len) { return shared->read(offset + at, buf, len); }};
  if (length == 0) response.stream.reset();
  return response;
}

}  // namespace s3
