// Flatten: avatars are opaque; transparency becomes the background colour
// (sharp's JPEG output silently turns it black).
#include "steps.h"

namespace processor::detail {

vips::VImage flatten_alpha(vips::VImage image, Rgb background) {
  if (!image.has_alpha()) return image;
  // Grey + alpha: go to sRGB first so a coloured background stays coloured.
  if (image.bands() == 2) image = image.colourspace(VIPS_INTERPRETATION_sRGB);
  const double max_value = max_alpha(image);
  const double scale = max_value / 255.0;  // background is given in 8-bit terms
  return image.flatten(vips::VImage::option()
                           ->set("background", std::vector<double>{background.r * scale, background.g * scale,
                                                                   background.b * scale})
                           ->set("max_alpha", max_value));
}

}  // namespace processor::detail
