// Resize, then crop (cover) or pad (contain) to the requested box.
#include <algorithm>

#include "steps.h"

namespace processor::detail {

vips::VImage resize(vips::VImage image, Shrink shrink) {
  if (shrink.h == 1.0 && shrink.v == 1.0) return image;
  return image.resize(1.0 / shrink.h, vips::VImage::option()
                                          ->set("vscale", 1.0 / shrink.v)
                                          ->set("kernel", VIPS_KERNEL_LANCZOS3));
}

namespace {

vips::VImage crop(vips::VImage image, const Spec& spec) {
  const int width = std::min(image.width(), spec.width);
  const int height = std::min(image.height(), spec.height);
  if (width == image.width() && height == image.height()) return image;
  if (spec.position == Position::Centre)
    return image.extract_area(centre_crop_offset(image.width(), width),
                              centre_crop_offset(image.height(), height), width, height);
  // smartcrop reads the image several times: hold the (small, resized) image in memory.
  const VipsInteresting interesting =
      spec.position == Position::Entropy ? VIPS_INTERESTING_ENTROPY : VIPS_INTERESTING_ATTENTION;
  return image.copy_memory().smartcrop(width, height, vips::VImage::option()->set("interesting", interesting));
}

vips::VImage pad(vips::VImage image, const Spec& spec) {
  const int width = std::max(image.width(), spec.width);
  const int height = std::max(image.height(), spec.height);
  if (width == image.width() && height == image.height()) return image;
  const double scale = max_alpha(image) / 255.0;
  std::vector<double> background{spec.background.r * scale, spec.background.g * scale, spec.background.b * scale};
  if (image.bands() == 1) background = {(0.2126 * spec.background.r + 0.7152 * spec.background.g +
                                         0.0722 * spec.background.b) * scale};
  return image.embed(centre_embed_offset(width, image.width()), centre_embed_offset(height, image.height()),
                     width, height,
                     vips::VImage::option()->set("extend", VIPS_EXTEND_BACKGROUND)->set("background", background));
}

}  // namespace

vips::VImage crop_or_embed(vips::VImage image, const Spec& spec) {
  switch (spec.fit) {
    case Fit::Cover: return crop(image, spec);
    case Fit::Contain: return pad(image, spec);
    case Fit::Fill:
    case Fit::Inside:
    case Fit::Outside: return image;
  }
  return image;
}

}  // namespace processor::detail
