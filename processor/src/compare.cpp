// PSNR and a diff picture between two encoded images, for fixture regression checks.
#include "processor/compare.h"

#include <cmath>
#include <limits>

#include "load.h"

namespace processor {

namespace {

using vips::VImage;

// Decodes one side of the comparison through the same guarded loaders as process().
std::expected<VImage, Error> decode(std::string_view bytes, std::string_view which) {
  auto loader = detail::find_loader(bytes);
  if (!loader) return std::unexpected(Error{loader.error().code, std::string(which) + ": " + loader.error().message});
  detail::LoadOptions options;
  options.sequential = false;  // both images are small and read whole
  auto image = detail::open_image(bytes, *loader, options);
  if (!image) return std::unexpected(Error{image.error().code, std::string(which) + ": " + image.error().message});
  return *image;
}

// Both sides in the same terms: sRGB, 3 bands, 8 bits, alpha flattened onto white.
VImage to_srgb8(VImage image) {
  if (image.has_alpha()) {
    const double max_alpha = detail::max_alpha(image);
    image = image.flatten(VImage::option()
                              ->set("background", std::vector<double>(image.bands() - 1, max_alpha))
                              ->set("max_alpha", max_alpha));
  }
  if (image.interpretation() != VIPS_INTERPRETATION_sRGB || image.bands() != 3)
    image = image.colourspace(VIPS_INTERPRETATION_sRGB);
  if (image.format() != VIPS_FORMAT_UCHAR) image = image.cast(VIPS_FORMAT_UCHAR);
  return image;
}

struct Pair {
  VImage a, b;
};

std::expected<Pair, Error> decode_pair(std::string_view encoded_a, std::string_view encoded_b) {
  if (auto ok = detail::ensure_init(); !ok) return std::unexpected(ok.error());
  auto a = decode(encoded_a, "image a");
  if (!a) return std::unexpected(a.error());
  auto b = decode(encoded_b, "image b");
  if (!b) return std::unexpected(b.error());
  return Pair{*a, *b};
}

}  // namespace

std::expected<Comparison, Error> compare(std::string_view encoded_a, std::string_view encoded_b) {
  auto pair = decode_pair(encoded_a, encoded_b);
  if (!pair) return std::unexpected(pair.error());
  Comparison result;
  try {
    result.width_a = pair->a.width();
    result.height_a = pair->a.height();
    result.width_b = pair->b.width();
    result.height_b = pair->b.height();
    if (!result.same_size()) return result;  // psnr_db stays 0
    const VImage diff = to_srgb8(pair->a).cast(VIPS_FORMAT_FLOAT) - to_srgb8(pair->b).cast(VIPS_FORMAT_FLOAT);
    const double mse = (diff * diff).avg();
    result.psnr_db = mse == 0 ? std::numeric_limits<double>::infinity()
                              : 10.0 * std::log10(255.0 * 255.0 / mse);
  } catch (const vips::VError& e) {
    return std::unexpected(detail::vips_failure(ErrorCode::CorruptImage, "cannot compare images", e));
  }
  return result;
}

std::expected<std::string, Error> diff_image_png(std::string_view encoded_a, std::string_view encoded_b) {
  auto pair = decode_pair(encoded_a, encoded_b);
  if (!pair) return std::unexpected(pair.error());
  try {
    if (pair->a.width() != pair->b.width() || pair->a.height() != pair->b.height())
      return std::unexpected(Error{ErrorCode::InvalidSpec,
                                   "cannot diff images of different sizes (" + std::to_string(pair->a.width()) +
                                       "x" + std::to_string(pair->a.height()) + " vs " +
                                       std::to_string(pair->b.width()) + "x" + std::to_string(pair->b.height()) + ")"});
    // x8: a difference of 4 levels (invisible) becomes 32 (clearly visible); cast clips at 255.
    constexpr double kAmplify = 8.0;
    const VImage diff = (to_srgb8(pair->a).cast(VIPS_FORMAT_SHORT) - to_srgb8(pair->b).cast(VIPS_FORMAT_SHORT)).abs();
    VipsBlob* png = (diff * kAmplify).cast(VIPS_FORMAT_UCHAR).pngsave_buffer(
        VImage::option()->set("strip", true)->set("compression", 6));
    std::string bytes(static_cast<const char*>(VIPS_AREA(png)->data), VIPS_AREA(png)->length);
    vips_area_unref(VIPS_AREA(png));
    return bytes;
  } catch (const vips::VError& e) {
    return std::unexpected(detail::vips_failure(ErrorCode::CorruptImage, "cannot diff images", e));
  }
}

}  // namespace processor
