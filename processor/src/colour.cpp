// Colour: everything ends up as 8-bit, 3-band sRGB.
#include "steps.h"

namespace processor::detail {

namespace {

bool has_icc_profile(const vips::VImage& image) {
  return image.get_typeof(VIPS_META_ICC_NAME) != 0;
}

}  // namespace

vips::VImage to_srgb_profile(vips::VImage image) {
  const VipsInterpretation kind = image.interpretation();
  const bool grey = kind == VIPS_INTERPRETATION_B_W || kind == VIPS_INTERPRETATION_GREY16;
  if (has_icc_profile(image) && !grey && kind != VIPS_INTERPRETATION_LABS) {
    try {
      return image.icc_transform("srgb", vips::VImage::option()
                                             ->set("embedded", true)
                                             ->set("depth", 8)
                                             ->set("intent", VIPS_INTENT_PERCEPTUAL));
    } catch (const vips::VError&) {
      // A broken embedded profile is the input's problem, not fatal: sharp ignores it too.
      vips_error_clear();
    }
  }
  if (kind == VIPS_INTERPRETATION_CMYK) {
    // No usable profile: libvips' built-in CMYK profile is the conventional guess.
    return image.icc_transform("srgb", vips::VImage::option()
                                           ->set("input_profile", "cmyk")
                                           ->set("depth", 8)
                                           ->set("intent", VIPS_INTENT_PERCEPTUAL));
  }
  return image;
}

vips::VImage to_srgb8(vips::VImage image) {
  const VipsInterpretation kind = image.interpretation();
  if (kind != VIPS_INTERPRETATION_sRGB || image.bands() != 3) {
    image = image.colourspace(VIPS_INTERPRETATION_sRGB, vips::VImage::option()->set("source_space", kind));
  }
  if (image.format() != VIPS_FORMAT_UCHAR) image = image.cast(VIPS_FORMAT_UCHAR);
  return image;
}

}  // namespace processor::detail
