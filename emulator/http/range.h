// Single byte ranges ("Range: bytes=a-b | a- | -n"), as S3 and CloudFront read them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace http {

struct ByteRange {
  std::int64_t first = 0, last = 0;  // inclusive
  std::int64_t length() const { return last - first + 1; }
  // "bytes first-last/size", the Content-Range of a 206.
  std::string content_range(std::int64_t size) const;
};

struct RangeRequest {
  enum class Kind {
    Whole,          // no header, malformed, or several ranges: serve the whole body
    Partial,        // `range` is satisfiable: 206
    Unsatisfiable,  // well-formed but past the end: 416
  };
  Kind kind = Kind::Whole;
  ByteRange range;
};

RangeRequest parse_byte_range(std::string_view header, std::int64_t size);

}  // namespace http
