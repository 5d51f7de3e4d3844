#include "http/range.h"

#include "http/message.h"

#include <algorithm>
#include <optional>

namespace http {

std::string ByteRange::content_range(std::int64_t size) const {
  return "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size);
}

RangeRequest parse_byte_range(std::string_view spec, std::int64_t size) {
  using Kind = RangeRequest::Kind;
  if (!spec.starts_with("bytes=")) return {};
  spec.remove_prefix(6);
  if (spec.find(',') != std::string_view::npos) return {};
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  auto first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
  if (first_text.empty()) {  // suffix range: the last n bytes
    auto n = parse_decimal(last_text);
    if (!n) return {};
    if (*n == 0 || size == 0) return {Kind::Unsatisfiable, {}};
    return {Kind::Partial, {std::max<std::int64_t>(0, size - *n), size - 1}};
  }
  auto first = parse_decimal(first_text);
  if (!first) return {};
  auto last = last_text.empty() ? first : parse_decimal(last_text);
  if (!last || *last < *first) return {};
  if (*first >= size) return {Kind::Unsatisfiable, {}};
  return {Kind::Partial, {*first, last_text.empty() ? size - 1 : std::min(*last, size - 1)}};
}

}  // namespace http
