// Encode: the output format, metadata stripped.
#include "steps.h"

namespace processor::detail {

namespace {

std::string take(VipsBlob* blob) {
  std::string bytes(static_cast<const char*>(VIPS_AREA(blob)->data), VIPS_AREA(blob)->length);
  vips_area_unref(VIPS_AREA(blob));
  return bytes;
}

}  // namespace

std::string encode(const vips::VImage& image, const Spec& spec) {
  switch (spec.format) {
    case Format::Jpeg:
      // sharp's jpeg() defaults: baseline, 4:2:0 always, Huffman tables optimised.
      return take(image.jpegsave_buffer(vips::VImage::option()
                                            ->set("Q", spec.quality)
                                            ->set("strip", true)
                                            ->set("interlace", false)
                                            ->set("subsample_mode", VIPS_FOREIGN_SUBSAMPLE_ON)
                                            ->set("optimize_coding", true)));
    case Format::Png:
      return take(image.pngsave_buffer(vips::VImage::option()->set("strip", true)->set("compression", 6)));
    case Format::Webp:
      return take(image.webpsave_buffer(vips::VImage::option()->set("Q", spec.quality)->set("strip", true)));
    case Format::Avif:
      return take(image.heifsave_buffer(vips::VImage::option()
                                            ->set("Q", spec.quality)
                                            ->set("strip", true)
                                            ->set("compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1)
                                            ->set("effort", 4)));
  }
  return {};
}

}  // namespace processor::detail
