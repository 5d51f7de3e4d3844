#include "http/request_head.h"

#include <array>

#include "http/message.h"

namespace http {
namespace {

constexpr std::array<std::string_view, 7> kServedMethods = {"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"};

core::Error bad_request() {
  return core::make_error(core::ErrorCode::BadRequest, "An error occurred when parsing the HTTP request.");
}

core::Error too_large() { return core::make_error(core::ErrorCode::RequestHeaderSectionTooLarge); }

bool is_token_char(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}

// Splits off the next line (without its "\r\n" or "\n").
std::string_view next_line(std::string_view& rest) {
  auto eol = rest.find('\n');
  auto line = rest.substr(0, eol);
  rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::optional<core::Error> check_request_line(std::string_view line) {
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return bad_request();
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || target.find(' ') != std::string_view::npos) return bad_request();
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return bad_request();
  for (auto served : kServedMethods)
    if (method == served) return std::nullopt;
  auto error = core::make_error(core::ErrorCode::MethodNotAllowed);
  error.details.emplace_back("Method", std::string(method));
  error.details.emplace_back("ResourceType", "OBJECT");
  return error;
}

}  // namespace

std::size_t find_head_end(std::string_view bytes) {
  for (std::size_t i = bytes.find('\n'); i != std::string_view::npos; i = bytes.find('\n', i + 1)) {
    if (i + 1 < bytes.size() && bytes[i + 1] == '\n') return i + 2;
    if (i + 2 < bytes.size() && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

std::optional<core::Error> check_request_head(std::string_view head, const HeadLimits& limits) {
  std::string_view rest = head;
  auto request_line = next_line(rest);
  if (request_line.size() > limits.max_request_line) return too_large();
  if (auto error = check_request_line(request_line)) return error;
  if (rest.size() > limits.max_header_bytes + 2) return too_large();

  std::size_t count = 0;
  std::optional<std::string_view> content_length, transfer_encoding;
  bool decoded_length = false;
  while (!rest.empty()) {
    auto line = next_line(rest);
    if (line.empty()) break;  // the blank line ending the head
    if (++count > limits.max_header_count) return too_large();
    auto colon = line.find(':');
    // RFC 9112: no whitespace between a field name and its colon; no obsolete line folding.
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return bad_request();
    auto name = line.substr(0, colon);
    auto value = trim(line.substr(colon + 1));
    if (iequals(name, "Transfer-Encoding")) {
      if (transfer_encoding) return bad_request();
      transfer_encoding = value;
    } else if (iequals(name, "Content-Length")) {
      if (!parse_decimal(value)) return bad_request();
      if (content_length && *content_length != value) return bad_request();
      content_length = value;
    } else if (iequals(name, "x-amz-decoded-content-length")) {
      decoded_length = true;
    }
  }
  if (transfer_encoding) {
    // Both lengths: which one frames the body is ambiguous (request smuggling).
    if (content_length) return bad_request();
    // S3 takes a chunked body only as aws-chunked streaming, whose decoded length is
    // declared (the SDKs stream a body of unknown encoded length that way).
    if (!iequals(*transfer_encoding, "chunked") || !decoded_length) {
      auto error = core::make_error(core::ErrorCode::NotImplemented);
      error.details.emplace_back("Header", "Transfer-Encoding");
      return error;
    }
  }
  return std::nullopt;
}

std::string head_for_parser(std::string_view head) {
  std::string out(head);
  std::size_t line_start = out.find('\n');
  while (line_start != std::string::npos && line_start + 1 < out.size()) {
    std::size_t name_at = line_start + 1;
    // Same length, so the stream can rewrite its buffer in place.
    if (out.size() - name_at > 6 && iequals(std::string_view(out).substr(name_at, 6), "Range:"))
      out.replace(name_at, 5, "X-Rng");
    line_start = out.find('\n', name_at);
  }
  return out;
}

}  // namespace http
