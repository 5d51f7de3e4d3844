// White-box tests of each pipeline step (processor/src/steps.h) on synthetic images.
#include <catch2/catch.hpp>

#include "../../processor/src/steps.h"
#include "processor_test_support.h"

using namespace processor;
using namespace processor::detail;
using vips::VImage;

namespace {

Spec box(int width, int height, Fit fit) {
  Spec spec;
  spec.width = width;
  spec.height = height;
  spec.fit = fit;
  return spec;
}

// A uchar sRGB image of one colour.
VImage solid(int width, int height, std::vector<double> colour) {
  init();
  return (VImage::black(width, height) + colour).cast(VIPS_FORMAT_UCHAR).copy(
      VImage::option()->set("interpretation", colour.size() >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W));
}

}  // namespace

TEST_CASE("geometry: shrink factors per fit, as sharp", "[processor][steps]") {
  auto cover = resolve_shrink(2560, 1600, box(512, 512, Fit::Cover));
  CHECK(cover.h == Approx(3.125));
  CHECK(cover.v == Approx(3.125));
  auto contain = resolve_shrink(2560, 1600, box(512, 512, Fit::Contain));
  CHECK(contain.h == Approx(5.0));
  CHECK(contain.v == Approx(5.0));
  auto fill = resolve_shrink(2560, 1600, box(512, 512, Fit::Fill));
  CHECK(fill.h == Approx(5.0));
  CHECK(fill.v == Approx(3.125));
  CHECK(resolve_shrink(2560, 1600, box(512, 512, Fit::Inside)).h == Approx(5.0));
  CHECK(resolve_shrink(2560, 1600, box(512, 512, Fit::Outside)).h == Approx(3.125));
  auto upscale = resolve_shrink(346, 294, box(512, 512, Fit::Cover));
  CHECK(upscale.h == Approx(294.0 / 512));
  // A 10000x1 line shrunk to fit: the height may not go below one pixel.
  auto line = resolve_shrink(10000, 1, box(512, 512, Fit::Contain));
  CHECK(line.v == 1.0);
}

TEST_CASE("geometry: JPEG shrink-on-load factor, as sharp", "[processor][steps]") {
  CHECK(jpeg_shrink_on_load(0.5) == 1);
  CHECK(jpeg_shrink_on_load(1.9) == 1);
  CHECK(jpeg_shrink_on_load(2.0) == 1);  // exactly 2: libjpeg rounding, leave it to resize
  CHECK(jpeg_shrink_on_load(3.125) == 2);
  CHECK(jpeg_shrink_on_load(4.0) == 2);
  CHECK(jpeg_shrink_on_load(4.5) == 2);  // integer part 4 == factor: one step lower
  CHECK(jpeg_shrink_on_load(5.0) == 4);
  CHECK(jpeg_shrink_on_load(6.62) == 4);  // the 20 MP photo
  CHECK(jpeg_shrink_on_load(8.0) == 4);
  CHECK(jpeg_shrink_on_load(8.9) == 4);
  CHECK(jpeg_shrink_on_load(9.0) == 8);
  CHECK(jpeg_shrink_on_load(40) == 8);
}

TEST_CASE("geometry: centre crop rounds up like sharp, embed rounds down", "[processor][steps]") {
  CHECK(centre_crop_offset(819, 512) == 154);  // floor would be 153: costs 10-20 dB
  CHECK(centre_crop_offset(818, 512) == 153);
  CHECK(centre_crop_offset(512, 512) == 0);
  CHECK(centre_embed_offset(512, 341) == 85);
  CHECK(centre_embed_offset(512, 512) == 0);
}

TEST_CASE("orient: EXIF tag read and dropped", "[processor][steps]") {
  VImage image = solid(4, 2, {0, 0, 0}).copy();
  CHECK(exif_orientation(image) == 1);
  image.set(VIPS_META_ORIENTATION, 6);
  CHECK(exif_orientation(image) == 6);
  CHECK(swaps_axes(6));
  CHECK_FALSE(swaps_axes(3));
  CHECK(exif_orientation(drop_orientation(image)) == 1);
  const VImage rotated = apply_orientation(image);
  CHECK(rotated.width() == 2);
  CHECK(rotated.height() == 4);
  CHECK(exif_orientation(rotated) == 1);
}

TEST_CASE("colour: CMYK becomes 3-band 8-bit sRGB", "[processor][steps]") {
  init();
  for (const char* name : {"cmyk-eveningglow-icc.jpg", "cmyk-eveningglow-noicc.jpg"}) {
    INFO(name);
    const std::string bytes = processor_test::photo(name);
    const VImage cmyk = VImage::new_from_buffer(bytes, "");
    REQUIRE(cmyk.interpretation() == VIPS_INTERPRETATION_CMYK);
    const VImage out = to_srgb8(to_srgb_profile(cmyk.resize(0.1)));
    CHECK(out.bands() == 3);
    CHECK(out.format() == VIPS_FORMAT_UCHAR);
    CHECK(out.interpretation() == VIPS_INTERPRETATION_sRGB);
    CHECK(out.avg() > 40);  // a sunset, not a black or inverted image
  }
}

TEST_CASE("colour: grey becomes 3 bands, 16-bit becomes 8-bit", "[processor][steps]") {
  const VImage grey = to_srgb8(solid(8, 8, {100}));
  CHECK(grey.bands() == 3);
  CHECK(grey.interpretation() == VIPS_INTERPRETATION_sRGB);
  CHECK(grey.getpoint(0, 0) == std::vector<double>{100, 100, 100});

  const VImage rgb16 = (VImage::black(8, 8, VImage::option()->set("bands", 3)) + std::vector<double>{65535, 32896, 0})
                           .cast(VIPS_FORMAT_USHORT)
                           .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_RGB16));
  const VImage eight = to_srgb8(rgb16);
  CHECK(eight.format() == VIPS_FORMAT_UCHAR);
  CHECK(eight.bands() == 3);
  CHECK(eight.getpoint(0, 0) == std::vector<double>{255, 128, 0});
}

TEST_CASE("flatten: alpha onto the background colour", "[processor][steps]") {
  // Left half transparent, right half opaque blue.
  const VImage rgb = solid(4, 1, {0, 0, 255});
  const VImage alpha = (VImage::xyz(4, 1)[0] >= 2).cast(VIPS_FORMAT_UCHAR);
  const VImage rgba = rgb.bandjoin(alpha);
  const VImage white = flatten_alpha(rgba, {255, 255, 255});
  CHECK(white.bands() == 3);
  CHECK(white.getpoint(0, 0) == std::vector<double>{255, 255, 255});
  CHECK(white.getpoint(3, 0) == std::vector<double>{0, 0, 255});
  CHECK(flatten_alpha(rgba, {10, 20, 30}).getpoint(0, 0) == std::vector<double>{10, 20, 30});
  // Grey + alpha keeps a coloured background coloured.
  const VImage grey_alpha = solid(2, 1, {50}).bandjoin(solid(2, 1, {0}));
  const VImage red = flatten_alpha(grey_alpha, {255, 0, 0});
  CHECK(red.bands() == 3);
  CHECK(red.getpoint(0, 0) == std::vector<double>{255, 0, 0});
  // No alpha: untouched.
  CHECK(flatten_alpha(rgb, {255, 255, 255}).bands() == 3);
}

TEST_CASE("resize: scales each axis by 1/shrink", "[processor][steps]") {
  const VImage image = solid(1000, 500, {10, 20, 30});
  const VImage half = resize(image, {2.0, 2.0});
  CHECK(half.width() == 500);
  CHECK(half.height() == 250);
  const VImage squashed = resize(image, {2.0, 1.0});
  CHECK(squashed.width() == 500);
  CHECK(squashed.height() == 500);
  const VImage doubled = resize(image, {0.5, 0.5});
  CHECK(doubled.width() == 2000);
}

TEST_CASE("crop_or_embed: cover crops at sharp's centre", "[processor][steps]") {
  // Pixel value = x coordinate, so the crop's left edge can be read back.
  const VImage ramp = VImage::xyz(819, 512)[0];
  const VImage cropped = crop_or_embed(ramp, box(512, 512, Fit::Cover));
  CHECK(cropped.width() == 512);
  CHECK(cropped.height() == 512);
  CHECK(cropped.getpoint(0, 0)[0] == 154);
}

TEST_CASE("crop_or_embed: contain pads with the background", "[processor][steps]") {
  Spec spec = box(512, 512, Fit::Contain);
  spec.background = {0, 255, 0};
  const VImage padded = crop_or_embed(solid(512, 341, {200, 0, 0}), spec);
  CHECK(padded.width() == 512);
  CHECK(padded.height() == 512);
  CHECK(padded.getpoint(0, 0) == std::vector<double>{0, 255, 0});
  CHECK(padded.getpoint(0, 84) == std::vector<double>{0, 255, 0});
  CHECK(padded.getpoint(0, 85) == std::vector<double>{200, 0, 0});
  CHECK(padded.getpoint(0, 511) == std::vector<double>{0, 255, 0});
}

TEST_CASE("crop_or_embed: entropy and attention crop to size; inside/outside/fill do not crop",
          "[processor][steps]") {
  init();
  const std::string bytes = processor_test::photo("landscape-eveningglow.jpg");
  const VImage image = VImage::new_from_buffer(bytes, "").resize(0.32);
  for (Position position : {Position::Entropy, Position::Attention}) {
    Spec spec = box(256, 256, Fit::Cover);
    spec.position = position;
    const VImage out = crop_or_embed(image, spec);
    CHECK(out.width() == 256);
    CHECK(out.height() == 256);
  }
  for (Fit fit : {Fit::Inside, Fit::Outside, Fit::Fill}) {
    const VImage out = crop_or_embed(image, box(256, 256, fit));
    CHECK(out.width() == image.width());
  }
}

TEST_CASE("strip: no metadata survives, header fields do", "[processor][steps]") {
  init();
  const std::string bytes = processor_test::photo("orient6-friends.jpg");
  const VImage photo = VImage::new_from_buffer(bytes, "");
  REQUIRE(photo.get_typeof("exif-data") != 0);
  const VImage stripped = strip_metadata(photo);
  CHECK(stripped.get_typeof("exif-data") == 0);
  CHECK(stripped.get_typeof(VIPS_META_ORIENTATION) == 0);
  CHECK(stripped.get_typeof("exif-ifd0-Orientation") == 0);
  CHECK(stripped.width() == 3088);
  CHECK(stripped.bands() == 3);
}

TEST_CASE("encode: every format, no EXIF after strip", "[processor][steps]") {
  init();
  const std::string photo = processor_test::photo("orient6-friends.jpg");
  const VImage image = strip_metadata(VImage::new_from_buffer(photo, "").resize(0.02).copy_memory());
  const std::pair<Format, std::string> cases[] = {
      {Format::Jpeg, "\xFF\xD8\xFF"}, {Format::Png, "\x89PNG"}, {Format::Webp, "RIFF"}, {Format::Avif, "ftyp"}};
  for (const auto& [format, magic] : cases) {
    INFO(to_string(format));
    Spec spec;
    spec.format = format;
    const std::string bytes = encode(image, spec);
    CHECK(bytes.find(magic) < 8);
    const VImage back = processor_test::decode(bytes);
    CHECK(back.width() == image.width());
    CHECK(back.height() == image.height());
    // libvips 8.14's webpsave always writes a minimal EXIF block (orientation 1).
    if (format != Format::Webp) CHECK(back.get_typeof("exif-data") == 0);
    CHECK(exif_orientation(back) == 1);
  }
}

TEST_CASE("encode: quality changes JPEG size", "[processor][steps]") {
  init();
  const std::string bytes = processor_test::photo("landscape-eveningglow.jpg");
  const VImage image = VImage::new_from_buffer(bytes, "").resize(0.2);
  Spec low, high;
  low.quality = 30;
  high.quality = 95;
  CHECK(encode(image, low).size() * 2 < encode(image, high).size());
}
