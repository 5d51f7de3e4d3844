#include "load.h"

#include <algorithm>
#include <array>

namespace processor {

namespace {

// The only loaders that ever see input bytes: common photo formats with fuzzed,
// well-maintained decoders. Everything else is UnsupportedFormat even if libvips has it.
constexpr std::array<std::string_view, 6> kAllowedLoaders = {
    "jpegload_buffer", "pngload_buffer", "webpload_buffer",
    "gifload_buffer",  "tiffload_buffer", "heifload_buffer",
};

// vips_foreign_find_load_buffer() answers with a class name ("VipsForeignLoadJpegBuffer");
// the allow-list and the operation call use the nickname ("jpegload_buffer").
std::string nickname_of(const char* class_name) {
  GType type = g_type_from_name(class_name);
  if (type == 0) return class_name;
  const char* nickname = vips_nickname_find(type);
  return nickname != nullptr ? nickname : class_name;
}

}  // namespace

std::vector<std::string> accepted_input_formats() {
  return {kAllowedLoaders.begin(), kAllowedLoaders.end()};
}

namespace detail {

bool is_jpeg(const std::string& loader) { return loader == "jpegload_buffer"; }
bool is_webp(const std::string& loader) { return loader == "webpload_buffer"; }

std::expected<std::string, Error> find_loader(std::string_view bytes) {
  if (bytes.empty()) return std::unexpected(Error{ErrorCode::EmptyInput, "input is empty (0 bytes)"});
  if (auto ok = ensure_init(); !ok) return std::unexpected(ok.error());
  // Blocked (untrusted) loaders are skipped by the sniffer, so SVG/PDF come back as null.
  const char* found = vips_foreign_find_load_buffer(bytes.data(), bytes.size());
  if (found == nullptr) {
    vips_error_clear();
    return std::unexpected(Error{ErrorCode::UnsupportedFormat,
                                 "input is not an image in a supported format "
                                 "(jpeg, png, webp, gif, tiff, heif/avif)"});
  }
  std::string loader = nickname_of(found);
  if (std::ranges::find(kAllowedLoaders, loader) == kAllowedLoaders.end())
    return std::unexpected(Error{ErrorCode::UnsupportedFormat,
                                 "input format (" + loader + ") is not accepted; supported: "
                                 "jpeg, png, webp, gif, tiff, heif/avif"});
  return loader;
}

// A JPEG is complete when an end-of-image marker (FF D9) follows its last start-of-scan
// (FF DA). Entropy-coded data stuffs every FF byte (FF 00), so FF D9 cannot occur inside a
// scan, and an embedded EXIF thumbnail's EOI comes before the main image's scans. Checked
// up front because libjpeg warns about a truncated file only if the pipeline happens to
// read the last rows, which lazy, threaded decoding does not always do.
bool jpeg_is_complete(std::string_view bytes) {
  const auto last_scan = bytes.rfind("\xFF\xDA");
  if (last_scan == std::string_view::npos) return false;
  return bytes.find("\xFF\xD9", last_scan + 2) != std::string_view::npos;
}

std::expected<vips::VImage, Error> open_image(std::string_view bytes, const std::string& loader,
                                              const LoadOptions& options) {
  if (options.fail_on_warning && is_jpeg(loader) && !jpeg_is_complete(bytes))
    return std::unexpected(Error{ErrorCode::CorruptImage,
                                 "JPEG data is corrupt or truncated: no end-of-image marker after the last scan"});
  // The blob borrows the caller's bytes (no copy); the image keeps the blob alive.
  VipsBlob* blob = vips_blob_new(nullptr, bytes.data(), bytes.size());
  vips::VImage image;
  try {
    vips::VOption* args = vips::VImage::option()
        ->set("buffer", blob)
        ->set("access", options.sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM)
        ->set("fail_on", options.fail_on_warning ? VIPS_FAIL_ON_WARNING : VIPS_FAIL_ON_ERROR);
    if (options.jpeg_shrink > 1 && is_jpeg(loader)) args->set("shrink", options.jpeg_shrink);
    if (options.webp_scale != 1.0 && is_webp(loader)) args->set("scale", options.webp_scale);
    args->set("out", &image);
    vips::VImage::call(loader.c_str(), args);
  } catch (const vips::VError& e) {
    vips_area_unref(VIPS_AREA(blob));
    return std::unexpected(vips_failure(ErrorCode::CorruptImage, "cannot read image header", e));
  }
  vips_area_unref(VIPS_AREA(blob));
  return image;
}

std::expected<void, Error> check_pixel_limit(const vips::VImage& image, std::uint64_t max_pixels) {
  const auto pixels = static_cast<std::uint64_t>(image.width()) * static_cast<std::uint64_t>(image.height());
  if (pixels > max_pixels)
    return std::unexpected(Error{ErrorCode::TooManyPixels,
                                 "image is " + std::to_string(image.width()) + "x" +
                                     std::to_string(image.height()) + " = " + std::to_string(pixels) +
                                     " pixels, over the limit of " + std::to_string(max_pixels)});
  return {};
}

}  // namespace detail
}  // namespace processor
