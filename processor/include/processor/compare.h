// Image comparison for fixture regression checks: decode two encoded images and measure
// how alike they are as pictures (not as bytes), so small libvips/encoder differences
// pass and a real change (wrong crop, wrong colours) fails.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "processor/processor.h"

namespace processor {

struct Comparison {
  int width_a = 0, height_a = 0;
  int width_b = 0, height_b = 0;
  bool same_size() const { return width_a == width_b && height_a == height_b; }
  // Peak signal-to-noise ratio in dB over all bands in sRGB 8-bit (alpha flattened onto
  // white first). +infinity for identical pixels; 0 when sizes differ.
  double psnr_db = 0;
};

std::expected<Comparison, Error> compare(std::string_view encoded_a, std::string_view encoded_b);

// A PNG showing where two same-sized images differ: |a - b| per pixel, amplified so
// that a few levels of difference are visible. Error if sizes differ.
std::expected<std::string, Error> diff_image_png(std::string_view encoded_a, std::string_view encoded_b);

}  // namespace processor
