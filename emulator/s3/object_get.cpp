// GetObject and HeadObject: one code path (HEAD is GET without the body, which the
// listener drops), with S3's Range, conditional and response-override rules.
#include <charconv>
#include <memory>
#include <optional>

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

// ?partNumber=N: 1..10000, and not together with Range (S3 checks both before the key).
Result<std::optional<int>> requested_part(const http::Request& request) {
  auto text = request.query_value("partNumber");
  if (!text) return std::nullopt;
  if (request.header("Range"))
    return std::unexpected(
        make_error(ErrorCode::InvalidRequest, "Cannot specify both Range header and partNumber query parameter"));
  int n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < 1 || n > 10000) {
    S3Error e = make_error(ErrorCode::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
    e.details.emplace_back("ArgumentName", "partNumber");
    e.details.emplace_back("ArgumentValue", *text);
    return std::unexpected(e);
  }
  return n;
}

struct PartSpan {
  std::int64_t offset = 0, length = 0;
  int count = 0;  // parts in the object; 0 for a single-part object (no x-amz-mp-parts-count)
};

// Part `n` of the object, counted in the object's order; a single-part object is its own
// part 1. InvalidPartNumber (416) beyond the last part.
Result<PartSpan> part_span(const store::ObjectMeta& meta, int n) {
  int count = meta.parts_count > 0 ? meta.parts_count : 1;
  if (n > count) {
    auto error = make_error(ErrorCode::InvalidPartNumber);
    error.details.emplace_back("PartNumberRequested", std::to_string(n));
    error.details.emplace_back("ActualPartCount", std::to_string(count));
    return std::unexpected(error);
  }
  if (meta.parts_count == 0) return PartSpan{0, meta.size, 0};
  if (meta.part_sizes.size() != static_cast<std::size_t>(meta.parts_count))
    return std::unexpected(make_error(ErrorCode::NotImplemented,
                                      "This object was completed before minicloud recorded part boundaries"));
  PartSpan span{0, meta.part_sizes[static_cast<std::size_t>(n - 1)], meta.parts_count};
  for (int i = 0; i + 1 < n; ++i) span.offset += meta.part_sizes[static_cast<std::size_t>(i)];
  return span;
}

}  // namespace

Reply get_object(const Context& ctx) {
  auto part = requested_part(ctx.request);
  if (!part) return std::unexpected(part.error());
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
  std::int64_t offset = 0, length = meta.size;
  if (*part) {
    auto span = part_span(meta, **part);
    if (!span) return std::unexpected(span.error());
    offset = span->offset;
    length = span->length;
    if (span->count > 0) response.set_header("x-amz-mp-parts-count", std::to_string(span->count));
    if (length > 0) {  // S3 answers a part as a range of the object
      response.status = 206;
      response.set_header("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                               std::to_string(offset + length - 1) + "/" + std::to_string(meta.size));
    }
  } else if (range.kind == http::RangeRequest::Kind::Partial) {
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
