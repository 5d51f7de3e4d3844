#include "http/message.h"

#include <algorithm>
#include <charconv>
#include <cctype>

namespace http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_decimal(std::string_view s) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || s.front() == '-' || error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string uri_encode(std::string_view s, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw, bool plus_is_space) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!raw.empty()) {
    auto amp = raw.find('&');
    auto part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(percent_decode(part, plus_is_space), std::string{});
    } else {
      out.emplace_back(percent_decode(part.substr(0, eq), plus_is_space), percent_decode(part.substr(eq + 1), plus_is_space));
    }
  }
  return out;
}

bool Request::has_query(std::string_view name) const {
  return std::any_of(query.begin(), query.end(), [&](const auto& kv) { return kv.first == name; });
}

std::optional<std::string> Request::query_value(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return std::nullopt;
}

std::string Request::host() const {
  auto h = header_or("Host");
  if (!h.empty() && h.front() == '[') {  // [::1]:4566
    auto close = h.find(']');
    return to_lower(h.substr(0, close == std::string::npos ? h.size() : close + 1));
  }
  return to_lower(h.substr(0, h.find(':')));
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

core::Result<void> RequestBody::stream(const Sink& sink) {
  if (consumed_) return std::unexpected(core::make_error(core::ErrorCode::InternalError, "request body read twice"));
  consumed_ = true;
  if (!source_) return {};
  return source_(sink);
}

core::Result<std::string> RequestBody::read_all(std::size_t max_bytes) {
  std::string data;
  if (content_length_ && *content_length_ > static_cast<std::int64_t>(max_bytes))
    return std::unexpected(core::make_error(core::ErrorCode::EntityTooLarge,
                                          "The request body is larger than this operation accepts"));
  auto result = stream([&](std::string_view piece) -> core::Result<void> {
    if (data.size() + piece.size() > max_bytes)
      return std::unexpected(core::make_error(core::ErrorCode::EntityTooLarge,
                                            "The request body is larger than this operation accepts"));
    data.append(piece);
    return {};
  });
  if (!result) return std::unexpected(result.error());
  return data;
}

}  // namespace http
