// Edge compression as CloudFront does it: gzip or Brotli, chosen from the viewer's
// Accept-Encoding, only for compressible content types and bodies of 1,000..10,000,000
// bytes that the origin did not encode already. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cdn {

// "br" when the viewer accepts Brotli (CloudFront prefers it), else "gzip", else "".
// A q=0 entry refuses that coding.
std::string negotiate_encoding(std::string_view accept_encoding);

// CloudFront's list of compressible types (text/*, JSON, JavaScript, XML, SVG, fonts...).
// Never JPEG/PNG/WebP: they are compressed already.
bool compressible_type(std::string_view content_type);
bool compressible_size(std::size_t size);

// nullopt on an encoder failure (then the edge serves the body uncompressed).
std::optional<std::string> gzip(std::string_view data);
std::optional<std::string> brotli(std::string_view data);
std::optional<std::string> compress(std::string_view encoding, std::string_view data);

}  // namespace cdn
