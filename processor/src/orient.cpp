// EXIF orientation: phone photos are stored sideways with a tag saying how to show them.
#include "steps.h"

namespace processor::detail {

int exif_orientation(const vips::VImage& image) {
  if (image.get_typeof(VIPS_META_ORIENTATION) == 0) return 1;
  const int orientation = image.get_int(VIPS_META_ORIENTATION);
  return orientation >= 1 && orientation <= 8 ? orientation : 1;
}

bool swaps_axes(int orientation) { return orientation >= 5 && orientation <= 8; }

vips::VImage apply_orientation(vips::VImage image) {
  if (exif_orientation(image) == 1) return drop_orientation(image);
  // libvips' autorot covers all eight cases (rotations and mirrors) and removes the tag.
  // The resized image is small; holding it in memory gives rot90 the random access it
  // needs without re-reading a sequential decoder.
  return image.copy_memory().autorot();
}

vips::VImage drop_orientation(vips::VImage image) {
  if (image.get_typeof(VIPS_META_ORIENTATION) == 0) return image;
  vips::VImage copy = image.copy();
  copy.remove(VIPS_META_ORIENTATION);
  return copy;
}

}  // namespace processor::detail
