// Pure readers and writers of the header values object operations share: what S3 stores
// for Content-Encoding and x-amz-meta-*, and how it reads x-amz-copy-source-range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "s3/error.h"

namespace s3 {

// Content-Encoding as S3 stores it: the codings without "aws-chunked" (a transfer coding
// of the request, wherever it sits in the list), "" when nothing else is left.
std::string stored_content_encoding(std::string_view header);

// An x-amz-meta-* header value as S3 stores it: the bytes read as ISO-8859-1 (HTTP's
// charset; raw UTF-8 is not decoded as UTF-8), then RFC 2047 encoded-words
// (=?UTF-8?B?...?=, =?UTF-8?Q?...?=) decoded. The result is UTF-8; bytes that do not form
// UTF-8 in a decoded word become U+FFFD.
std::string metadata_value_from_header(std::string_view header);
// A stored metadata value as S3 returns it: as is when it is printable US-ASCII (or tab),
// else RFC 2047 encoded: "=?UTF-8?Q?...?=", or "=?UTF-8?B?...?=" when the value holds a
// control or format character or U+FFFD.
std::string metadata_value_for_header(std::string_view stored);

// x-amz-copy-source-range "bytes=first-last" against a source of `size` bytes: the
// inclusive span, or S3's InvalidArgument (a value of another form, or last < first;
// a first or last beyond the source).
struct ByteSpan {
  std::int64_t first = 0, last = 0;
};
Result<ByteSpan> parse_copy_source_range(std::string_view header, std::int64_t size);

}  // namespace s3
