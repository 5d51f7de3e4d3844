// process(): load -> flatten -> resize -> colour -> orient -> crop/pad -> strip -> encode.
// Every step only describes work; libvips decodes and computes once, streaming, when
// encode() pulls the pixels through.
#include <algorithm>

#include "load.h"
#include "processor/processor.h"
#include "steps.h"

namespace processor {

namespace {

using vips::VImage;
using namespace detail;

// Shrink with the axes in stored order: computed in display order (after the EXIF
// rotation the user will see), applied before the rotation.
Shrink stored_shrink(const VImage& image, const Spec& spec, bool swap) {
  if (!swap) return resolve_shrink(image.width(), image.height(), spec);
  const Shrink display = resolve_shrink(image.height(), image.width(), spec);
  return {display.v, display.h};
}

// Re-open with the decoder's own downscale when it is worth it (JPEG DCT scaling,
// WebP scaled decode): far less to decode and resample, same picture.
std::expected<VImage, Error> open_shrunk(std::string_view bytes, const std::string& loader, const VImage& header,
                                         const Spec& spec, bool swap) {
  const Shrink shrink = stored_shrink(header, spec, swap);
  const double common = std::min(shrink.h, shrink.v);
  LoadOptions options;
  if (is_jpeg(loader)) options.jpeg_shrink = jpeg_shrink_on_load(common);
  if (is_webp(loader) && common > 1.0) options.webp_scale = 1.0 / common;
  if (options.jpeg_shrink == 1 && options.webp_scale == 1.0) return header;
  return open_image(bytes, loader, options);
}

// Decode errors surface lazily, during encode; failures naming a saver are ours.
ErrorCode classify(const vips::VError& error) {
  const std::string_view what = error.what();
  const bool saving = what.find("save") != std::string_view::npos || what.find("vips2") != std::string_view::npos;
  return saving ? ErrorCode::Internal : ErrorCode::CorruptImage;
}

std::expected<Image, Error> run(std::string_view bytes, const Spec& spec) {
  auto loader = find_loader(bytes);
  if (!loader) return std::unexpected(loader.error());
  auto header = open_image(bytes, *loader, LoadOptions{});
  if (!header) return std::unexpected(header.error());
  // Refuse decompression bombs from the header, before a single pixel is decoded.
  if (auto ok = check_pixel_limit(*header, spec.max_input_pixels); !ok) return std::unexpected(ok.error());

  const bool swap = spec.autorotate && swaps_axes(exif_orientation(*header));
  auto opened = open_shrunk(bytes, *loader, *header, spec, swap);
  if (!opened) return std::unexpected(opened.error());

  try {
    VImage image = *opened;
    // Colour conversion is costly per pixel (lcms), so it runs after the resize, on the
    // few pixels the output needs. Alpha is the exception: flattening onto an sRGB
    // background needs sRGB pixels, and must happen before resampling (no dark fringes).
    const bool alpha = image.has_alpha();
    if (alpha) image = flatten_alpha(to_srgb_profile(image), spec.background);
    image = resize(image, stored_shrink(image, spec, swap));
    if (!alpha) image = to_srgb_profile(image);
    image = spec.autorotate ? apply_orientation(image) : drop_orientation(image);
    image = crop_or_embed(image, spec);
    image = strip_metadata(to_srgb8(image));
    Image out;
    out.bytes = encode(image, spec);
    out.width = image.width();
    out.height = image.height();
    out.format = spec.format;
    return out;
  } catch (const vips::VError& e) {
    const ErrorCode code = classify(e);
    return std::unexpected(vips_failure(
        code, code == ErrorCode::CorruptImage ? "image data is corrupt or truncated" : "cannot encode image", e));
  }
}

}  // namespace

std::expected<Image, Error> process(std::string_view input, const Spec& spec) {
  if (auto valid = validate(spec); !valid) return std::unexpected(Error{ErrorCode::InvalidSpec, valid.error()});
  if (input.empty()) return std::unexpected(Error{ErrorCode::EmptyInput, "input is empty (0 bytes)"});
  if (auto ok = ensure_init(); !ok) return std::unexpected(ok.error());
  return run(input, spec);
}

}  // namespace processor
