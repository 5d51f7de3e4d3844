#include "cdn/compress.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace cdn {
namespace {

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string negotiate_encoding(std::string_view accept_encoding) {
  bool gzip_ok = false, br_ok = false;
  while (!accept_encoding.empty()) {
    auto comma = accept_encoding.find(',');
    auto item = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
    auto semi = item.find(';');
    std::string coding = lower_trimmed(item.substr(0, semi));
    bool refused = false;
    if (semi != std::string_view::npos) {
      std::string params = lower_trimmed(item.substr(semi + 1));
      if (params.starts_with("q=")) {
        std::string_view q = std::string_view(params).substr(2);
        refused = !q.empty() && std::all_of(q.begin(), q.end(), [](char c) { return c == '0' || c == '.'; });
      }
    }
    if (refused) continue;
    if (coding == "gzip") gzip_ok = true;
    else if (coding == "br") br_ok = true;
  }
  return br_ok ? "br" : gzip_ok ? "gzip" : "";
}

bool compressible_type(std::string_view content_type) {
  std::string type = lower_trimmed(content_type.substr(0, content_type.find(';')));
  if (type.starts_with("text/")) return true;
  static constexpr std::array kTypes = {
      "application/json", "application/javascript", "application/x-javascript", "application/ecmascript",
      "application/xml", "application/xhtml+xml", "application/rss+xml", "application/atom+xml",
      "application/ld+json", "application/manifest+json", "application/wasm", "application/vnd.ms-fontobject",
      "application/x-font-ttf", "application/x-font-opentype", "application/x-font-truetype", "font/otf",
      "font/ttf", "font/eot", "font/opentype", "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon"};
  return std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
}

bool compressible_size(std::size_t size) { return size >= 1000 && size <= 10'000'000; }

std::optional<std::string> gzip(std::string_view data) {
  z_stream z{};
  // 15 window bits + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::optional<std::string> brotli(std::string_view data) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  if (size == 0) return std::nullopt;
  std::string out(size, '\0');
  // Quality 5: most of Brotli's gain at a fraction of quality 11's time (a miss pays it).
  if (!BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                             reinterpret_cast<const uint8_t*>(data.data()), &size,
                             reinterpret_cast<uint8_t*>(out.data())))
    return std::nullopt;
  out.resize(size);
  return out;
}

std::optional<std::string> compress(std::string_view encoding, std::string_view data) {
  if (encoding == "gzip") return gzip(data);
  if (encoding == "br") return brotli(data);
  return std::nullopt;
}

}  // namespace cdn
