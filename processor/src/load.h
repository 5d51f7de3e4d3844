// Step 1, load: sniff the format, refuse what must not be decoded, open the image lazily
// (header only) with the right loader options. Pixels are decoded later, on demand.
#pragma once

#include <string>
#include <string_view>

#include "vips_support.h"

namespace processor::detail {

// Which allowed loader decodes `bytes` ("jpegload_buffer", ...). EmptyInput for zero
// bytes; UnsupportedFormat for non-images and for blocked or not allow-listed formats.
std::expected<std::string, Error> find_loader(std::string_view bytes);

struct LoadOptions {
  int jpeg_shrink = 1;        // 1, 2, 4 or 8: libjpeg's DCT-domain downscale
  double webp_scale = 1.0;    // libwebp scales while decoding
  bool sequential = true;     // top-to-bottom streaming decode: low memory
  bool fail_on_warning = true;  // like sharp's failOn: 'warning' (truncated, bad data)
};

// Opens `bytes` with `loader` (from find_loader). Only the header is read here; `bytes`
// must outlive every use of the returned image. Animated input gives its first frame.
std::expected<vips::VImage, Error> open_image(std::string_view bytes, const std::string& loader,
                                              const LoadOptions& options);

// TooManyPixels when width*height exceeds `max_pixels`; uses the header only.
std::expected<void, Error> check_pixel_limit(const vips::VImage& image, std::uint64_t max_pixels);

bool is_jpeg(const std::string& loader);
bool is_webp(const std::string& loader);

}  // namespace processor::detail
