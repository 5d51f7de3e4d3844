#include <catch2/catch.hpp>

#include <cmath>

#include "processor/compare.h"
#include "processor_test_support.h"

using namespace processor_test;

TEST_CASE("compare: identical images give infinite PSNR", "[processor][compare]") {
  const std::string ref = sharp_ref("landscape-eveningglow");
  auto result = processor::compare(ref, ref);
  REQUIRE(result);
  CHECK(result->same_size());
  CHECK(result->width_a == 512);
  CHECK(std::isinf(result->psnr_db));
}

TEST_CASE("compare: different pictures give a low PSNR", "[processor][compare]") {
  auto result = processor::compare(sharp_ref("landscape-eveningglow"), sharp_ref("portrait-friends"));
  REQUIRE(result);
  CHECK(result->same_size());
  CHECK(result->psnr_db < 20);
}

TEST_CASE("compare: a one-pixel shift costs many dB", "[processor][compare]") {
  processor::init();
  const vips::VImage base = decode(sharp_ref("landscape-eveningglow"));
  const vips::VImage shifted = base.embed(1, 0, base.width(), base.height(),
                                          vips::VImage::option()->set("extend", VIPS_EXTEND_COPY));
  auto result = processor::compare(encode(base, ".png"), encode(shifted, ".png"));
  REQUIRE(result);
  CHECK(result->psnr_db < 30);
}

TEST_CASE("compare: re-encoding at high quality stays above 40 dB", "[processor][compare]") {
  const std::string ref = sharp_ref("landscape-eveningglow");
  auto result = processor::compare(ref, encode(decode(ref), ".jpg[Q=95]"));
  REQUIRE(result);
  CHECK(result->psnr_db > 40);
}

TEST_CASE("compare: sizes that differ give PSNR 0 and no diff image", "[processor][compare]") {
  const std::string ref = sharp_ref("landscape-eveningglow");
  const std::string small = encode(decode(ref).resize(0.5), ".png");
  auto result = processor::compare(ref, small);
  REQUIRE(result);
  CHECK_FALSE(result->same_size());
  CHECK(result->psnr_db == 0);
  CHECK_FALSE(processor::diff_image_png(ref, small));
}

TEST_CASE("compare: diff image is a PNG of the same size", "[processor][compare]") {
  const std::string a = sharp_ref("landscape-eveningglow");
  const std::string b = encode(decode(a).flip(VIPS_DIRECTION_HORIZONTAL), ".png");
  auto png = processor::diff_image_png(a, b);
  REQUIRE(png);
  const vips::VImage diff = decode(*png);
  CHECK(diff.width() == 512);
  CHECK(diff.height() == 512);
  CHECK(diff.max() == 255);
  auto same = processor::diff_image_png(a, a);
  REQUIRE(same);
  CHECK(decode(*same).max() == 0);
}

TEST_CASE("compare: alpha is flattened onto white and grey compares as sRGB", "[processor][compare]") {
  processor::init();
  // Fully transparent black vs opaque white: identical once flattened onto white.
  const vips::VImage clear = vips::VImage::black(8, 8, vips::VImage::option()->set("bands", 4));
  const vips::VImage white = (vips::VImage::black(8, 8) + 255).cast(VIPS_FORMAT_UCHAR);
  auto result = processor::compare(encode(clear, ".png"), encode(white, ".png"));
  REQUIRE(result);
  CHECK(std::isinf(result->psnr_db));
}

TEST_CASE("compare: bad input is an error, not a crash", "[processor][compare]") {
  auto empty = processor::compare("", sharp_ref("landscape-eveningglow"));
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == processor::ErrorCode::EmptyInput);
  auto junk = processor::compare(sharp_ref("landscape-eveningglow"), "not an image at all");
  REQUIRE_FALSE(junk);
  CHECK(junk.error().code == processor::ErrorCode::UnsupportedFormat);
}
