#include "s3/header_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "auth/crypto.h"
#include "http/message.h"

namespace s3 {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The code point starting at in[at] and its length in bytes; nullopt when the bytes
// there are not well-formed UTF-8 (then skip one byte).
std::optional<std::pair<char32_t, std::size_t>> next_code_point(std::string_view in, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(in[i]); };
  unsigned char lead = byte(at);
  if (lead < 0x80) return std::pair<char32_t, std::size_t>{lead, 1};
  std::size_t length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 && lead < 0xE0 ? 2 : 0;
  if (length == 0 || at + length > in.size()) return std::nullopt;
  char32_t cp = lead & (0xFF >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(at + i) & 0x3F);
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinimum[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return std::pair<char32_t, std::size_t>{cp, length};
}

std::string latin1_to_utf8(std::string_view in) {
  std::string out;
  for (char c : in) append_utf8(out, static_cast<unsigned char>(c));
  return out;
}

std::string valid_utf8(std::string_view in) {
  std::string out;
  for (std::size_t at = 0; at < in.size();) {
    if (auto cp = next_code_point(in, at)) {
      out.append(in.substr(at, cp->second));
      at += cp->second;
    } else {
      out += kReplacement;
      ++at;
    }
  }
  return out;
}

// Unicode's "Other" characters (controls, format characters, private use, noncharacters)
// and U+FFFD: what makes S3 choose base64 over quoted-printable.
bool needs_base64(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;  // Cc
  static constexpr std::pair<char32_t, char32_t> kFormat[] = {
      {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},
      {0x070F, 0x070F},   {0x180E, 0x180E},   {0x200B, 0x200F},   {0x202A, 0x202E},
      {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},
      {0x110BD, 0x110BD}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}};
  for (auto [low, high] : kFormat)
    if (cp >= low && cp <= high) return true;
  if (cp >= 0xE000 && cp <= 0xF8FF) return true;  // private use
  if (cp >= 0xF0000) return true;                 // private use planes
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return true;  // noncharacters
  if ((cp & 0xFFFE) == 0xFFFE) return true;
  return cp == 0xFFFD;
}

int hex_digit(std::string_view text, std::size_t at) {
  if (at >= text.size()) return -1;
  char c = text[at];
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One RFC 2047 encoded-word's text decoded to UTF-8, or nullopt (then it stays as sent).
std::optional<std::string> decode_word(std::string_view charset, char encoding, std::string_view text) {
  bool utf8 = http::iequals(charset, "UTF-8");
  bool latin1 = http::iequals(charset, "ISO-8859-1") || http::iequals(charset, "US-ASCII");
  if (!utf8 && !latin1) return std::nullopt;
  std::string bytes;
  if (encoding == 'B' || encoding == 'b') {
    auto decoded = auth::base64_decode(text);
    if (!decoded) return std::nullopt;
    bytes = std::move(*decoded);
  } else {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        bytes += ' ';
      } else if (int high = hex_digit(text, i + 1), low = hex_digit(text, i + 2);
                 text[i] == '=' && high >= 0 && low >= 0) {
        bytes += static_cast<char>(high * 16 + low);
        i += 2;
      } else {
        bytes += text[i];
      }
    }
  }
  return utf8 ? valid_utf8(bytes) : latin1_to_utf8(bytes);
}

struct EncodedWord {
  std::size_t end = 0;  // one past "?="
  std::string decoded;
};

// The encoded-word "=?charset?X?text?=" starting at in[at], decoded.
std::optional<EncodedWord> encoded_word_at(std::string_view in, std::size_t at) {
  if (in.substr(at, 2) != "=?") return std::nullopt;
  auto charset_end = in.find('?', at + 2);
  if (charset_end == std::string_view::npos || charset_end + 2 >= in.size() || in[charset_end + 2] != '?')
    return std::nullopt;
  char encoding = in[charset_end + 1];
  if (std::string_view("BbQq").find(encoding) == std::string_view::npos) return std::nullopt;
  auto text_start = charset_end + 3;
  auto text_end = in.find("?=", text_start);
  if (text_end == std::string_view::npos) return std::nullopt;
  auto text = in.substr(text_start, text_end - text_start);
  if (text.find(' ') != std::string_view::npos) return std::nullopt;
  auto decoded = decode_word(in.substr(at + 2, charset_end - at - 2), encoding, text);
  if (!decoded) return std::nullopt;
  return EncodedWord{text_end + 2, std::move(*decoded)};
}

}  // namespace

std::string stored_content_encoding(std::string_view header) {
  std::string out;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto token = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (token.empty() || http::iequals(token, "aws-chunked")) continue;
    if (!out.empty()) out += ",";
    out += token;
  }
  return out;
}

std::string metadata_value_from_header(std::string_view header) {
  const std::string converted = latin1_to_utf8(header);
  const std::string_view text = converted;
  std::string out;
  std::size_t copied = 0;  // text before this is in `out`
  bool after_word = false;
  for (std::size_t at = 0; at < text.size();) {
    auto word = encoded_word_at(text, at);
    if (!word) {
      ++at;
      continue;
    }
    // Whitespace between two encoded-words is not part of the value (RFC 2047 6.2).
    auto between = text.substr(copied, at - copied);
    if (!after_word || between.find_first_not_of(" \t") != std::string_view::npos) out += between;
    out += word->decoded;
    at = copied = word->end;
    after_word = true;
  }
  out += text.substr(copied);
  return out;
}

std::string metadata_value_for_header(std::string_view stored) {
  bool printable = std::all_of(stored.begin(), stored.end(), [](char c) { return (c >= 0x20 && c < 0x7F) || c == '\t'; });
  if (printable) return std::string(stored);
  bool base64 = false;
  for (std::size_t at = 0; at < stored.size() && !base64;) {
    auto cp = next_code_point(stored, at);
    base64 = !cp || needs_base64(cp->first);
    at += cp ? cp->second : 1;
  }
  if (base64) return "=?UTF-8?B?" + auth::base64_encode(stored) + "?=";
  static constexpr std::string_view kUnencoded = "!\"#$%&'()*+,-./:;<>@[\\]^`{|}~\t";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "=?UTF-8?Q?";
  for (char c : stored) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || kUnencoded.find(c) != std::string_view::npos) {
      out += c;
    } else if (c == ' ') {
      out += '_';
    } else {
      out += '=';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out + "?=";
}

Result<ByteSpan> parse_copy_source_range(std::string_view header, std::int64_t size) {
  auto improper = [&] {
    S3Error e = make_error(ErrorCode::InvalidArgument,
                           "The x-amz-copy-source-range value must be of the form bytes=first-last where first "
                           "and last are the zero-based offsets of the first and last bytes to copy");
    e.details.emplace_back("ArgumentName", "x-amz-copy-source-range");
    e.details.emplace_back("ArgumentValue", std::string(header));
    return std::unexpected(e);
  };
  auto number = [](std::string_view digits) -> std::optional<std::int64_t> {
    std::int64_t n = 0;
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return std::nullopt;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return n;
  };
  if (!header.starts_with("bytes=")) return improper();
  auto spec = header.substr(6);
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return improper();
  auto first = number(spec.substr(0, dash));
  auto last = number(spec.substr(dash + 1));
  if (!first || !last || *last < *first) return improper();
  if (*last >= size) {
    S3Error e = make_error(ErrorCode::InvalidArgument,
                           "Range specified is not valid for source object of size: " + std::to_string(size));
    e.details.emplace_back("ArgumentName", "x-amz-copy-source-range");
    e.details.emplace_back("ArgumentValue", std::to_string(size));
    return std::unexpected(e);
  }
  return ByteSpan{*first, *last};
}

}  // namespace s3
