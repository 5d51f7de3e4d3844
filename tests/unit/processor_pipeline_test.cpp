// process() end to end on the shared photos and on synthetic images.
#include <catch2/catch.hpp>

#include <thread>

#include "processor/compare.h"
#include "processor_test_support.h"

using namespace processor;
using namespace processor_test;
using vips::VImage;

namespace {

Image must_process(const std::string& bytes, const Spec& spec = {}) {
  auto result = process(bytes, spec);
  if (!result) FAIL(std::string(to_string(result.error().code)) + ": " + result.error().message);
  return *result;
}

// A JPEG of `width`x`height`, black with a white 25% block at the stored top-left,
// tagged with EXIF `orientation`.
std::string marked_jpeg(int width, int height, int orientation) {
  init();
  const VImage x = VImage::xyz(width, height);
  const VImage mark = (x[0] < width / 4) & (x[1] < height / 4);
  VImage image = mark.bandjoin({mark, mark}).copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  image = image.copy();
  image.set(VIPS_META_ORIENTATION, orientation);
  return encode(image, ".jpg[Q=95]");
}

enum class Corner { TopLeft, TopRight, BottomRight, BottomLeft };

// Which corner of a decoded image is the bright one.
Corner bright_corner(const VImage& image) {
  const int w = image.width() - 1, h = image.height() - 1;
  const double tl = image.getpoint(0, 0)[0], tr = image.getpoint(w, 0)[0];
  const double br = image.getpoint(w, h)[0], bl = image.getpoint(0, h)[0];
  const double top = std::max(tl, tr), bottom = std::max(br, bl);
  if (top >= bottom) return tl >= tr ? Corner::TopLeft : Corner::TopRight;
  return br >= bl ? Corner::BottomRight : Corner::BottomLeft;
}

}  // namespace

TEST_CASE("process: default output is a 512x512 baseline 4:2:0 JPEG without metadata", "[processor][pipeline]") {
  const Image out = must_process(photo("landscape-20mp-kleiber.jpg"));
  CHECK(out.width == 512);
  CHECK(out.height == 512);
  CHECK(out.format == Format::Jpeg);
  CHECK(out.bytes.starts_with("\xFF\xD8\xFF"));
  const VImage image = decode(out.bytes);
  CHECK(image.width() == 512);
  CHECK(image.height() == 512);
  CHECK(image.bands() == 3);
  CHECK(image.interpretation() == VIPS_INTERPRETATION_sRGB);
  CHECK(std::string(image.get_string("jpeg-chroma-subsample")) == "4:2:0");
  CHECK(image.get_typeof("interlaced") == 0);  // baseline, not progressive
  CHECK(image.get_typeof("exif-data") == 0);   // the input has EXIF; none survives
  CHECK(image.get_typeof("icc-profile-data") == 0);
  CHECK(image.get_typeof("xmp-data") == 0);
}

TEST_CASE("process: Huffman tables are optimised", "[processor][pipeline]") {
  // Same pixels, libvips' default (standard tables) is larger than ours.
  const Image out = must_process(photo("landscape-eveningglow.jpg"));
  const VImage image = decode(out.bytes);
  const std::string standard = encode(image, ".jpg[Q=80,subsample_mode=on,optimize_coding=false,strip]");
  const std::string optimised = encode(image, ".jpg[Q=80,subsample_mode=on,optimize_coding=true,strip]");
  REQUIRE(optimised.size() < standard.size());
  // Re-encoding our decoded output lands near the optimised size, not the standard one.
  CHECK(std::abs(static_cast<double>(out.bytes.size()) - optimised.size()) <
        std::abs(static_cast<double>(out.bytes.size()) - standard.size()));
}

TEST_CASE("process: grey input becomes 3-band sRGB", "[processor][pipeline]") {
  const VImage image = decode(must_process(photo("grey-1band.jpg")).bytes);
  CHECK(image.bands() == 3);
  CHECK(image.interpretation() == VIPS_INTERPRETATION_sRGB);
}

TEST_CASE("process: transparency is flattened onto white by default", "[processor][pipeline]") {
  const VImage image = decode(must_process(photo("alpha-anemone.png")).bytes);
  CHECK(image.bands() == 3);
  for (double v : image.getpoint(2, 2)) CHECK(v >= 250);
  Spec black;
  black.background = {0, 0, 0};
  for (double v : decode(must_process(photo("alpha-anemone.png"), black).bytes).getpoint(2, 2)) CHECK(v <= 5);
  Spec teal;
  teal.background = {0, 128, 128};
  const auto corner = decode(must_process(photo("alpha-small-bear.png"), teal).bytes).getpoint(2, 2);
  CHECK(corner[0] < 10);
  CHECK(corner[1] == Approx(128).margin(6));
  CHECK(corner[2] == Approx(128).margin(6));
}

TEST_CASE("process: EXIF orientation 6 photo comes out upright", "[processor][pipeline]") {
  // orient6-friends.jpg is portrait-friends.jpg rotated losslessly, minus the 8-pixel
  // partial block column jpegtran trims; crop the original the same way to compare.
  init();
  const std::string original = photo("portrait-friends.jpg");
  const VImage trimmed = VImage::new_from_buffer(original, "").extract_area(0, 0, 2048, 3088);
  const Image upright = must_process(photo("orient6-friends.jpg"));
  const Image expected = must_process(encode(trimmed, ".png"));
  auto same = compare(upright.bytes, expected.bytes);
  REQUIRE(same);
  CHECK(same->psnr_db > 35);

  Spec sideways;
  sideways.autorotate = false;  // sharp's behaviour: the dogs lie on their side
  auto wrong = compare(must_process(photo("orient6-friends.jpg"), sideways).bytes, expected.bytes);
  REQUIRE(wrong);
  CHECK(wrong->psnr_db < 20);
}

TEST_CASE("process: all eight EXIF orientations", "[processor][pipeline]") {
  // Stored top-left mark -> where it must be shown (EXIF 2.32, Orientation tag).
  const Corner expected[] = {Corner::TopLeft,     Corner::TopRight,  Corner::BottomRight, Corner::BottomLeft,
                             Corner::TopLeft,     Corner::TopRight,  Corner::BottomRight, Corner::BottomLeft};
  Spec spec;
  spec.width = 200;
  spec.height = 200;
  spec.fit = Fit::Inside;
  spec.format = Format::Png;
  for (int orientation = 1; orientation <= 8; ++orientation) {
    INFO("orientation " << orientation);
    const std::string input = marked_jpeg(160, 80, orientation);
    const VImage out = decode(must_process(input, spec).bytes);
    const bool swapped = orientation >= 5;
    CHECK(out.width() == (swapped ? 100 : 200));
    CHECK(out.height() == (swapped ? 200 : 100));
    CHECK(bright_corner(out) == expected[orientation - 1]);

    Spec raw = spec;
    raw.autorotate = false;
    const VImage unrotated = decode(must_process(input, raw).bytes);
    CHECK(unrotated.width() == 200);
    CHECK(bright_corner(unrotated) == Corner::TopLeft);
  }
}

TEST_CASE("process: CMYK and 16-bit input come out as 8-bit sRGB", "[processor][pipeline]") {
  for (const char* name : {"cmyk-eveningglow-icc.jpg", "cmyk-eveningglow-noicc.jpg", "rgb16-eveningglow.png"}) {
    INFO(name);
    const Image out = must_process(photo(name));
    const VImage image = decode(out.bytes);
    CHECK(image.bands() == 3);
    CHECK(image.format() == VIPS_FORMAT_UCHAR);
    // Same picture as the sRGB original processed the same way.
    auto similar = compare(out.bytes, must_process(photo("landscape-eveningglow.jpg")).bytes);
    REQUIRE(similar);
    CHECK(similar->psnr_db > 25);
  }
}

TEST_CASE("process: fits", "[processor][pipeline]") {
  const std::string input = photo("landscape-eveningglow.jpg");  // 2560x1600
  struct Case {
    Fit fit;
    int width, height;
  };
  for (const Case& c : {Case{Fit::Cover, 512, 512}, Case{Fit::Contain, 512, 512}, Case{Fit::Fill, 512, 512},
                        Case{Fit::Inside, 512, 320}, Case{Fit::Outside, 819, 512}}) {
    INFO(to_string(c.fit));
    Spec spec;
    spec.fit = c.fit;
    const Image out = must_process(input, spec);
    CHECK(out.width == c.width);
    CHECK(out.height == c.height);
    const VImage image = decode(out.bytes);
    CHECK(image.width() == c.width);
    CHECK(image.height() == c.height);
    if (c.fit == Fit::Contain)  // white bars above and below the 512x320 picture
      for (double v : image.getpoint(256, 10)) CHECK(v >= 250);
  }
}

TEST_CASE("process: non-square boxes, upscaling, tiny and very wide input", "[processor][pipeline]") {
  Spec wide;
  wide.width = 300;
  wide.height = 100;
  const Image banner = must_process(photo("portrait-friends.jpg"), wide);
  CHECK(banner.width == 300);
  CHECK(banner.height == 100);

  const Image bear = must_process(photo("alpha-small-bear.png"));  // 346x294: upscaled
  CHECK(bear.width == 512);
  CHECK(bear.height == 512);

  init();
  const std::string tiny = encode(VImage::black(1, 1, VImage::option()->set("bands", 3)) + 200, ".png");
  const Image dot = must_process(tiny);
  CHECK(dot.width == 512);
  CHECK(dot.height == 512);

  const std::string line = encode((VImage::xyz(4000, 40)[0] / 16).cast(VIPS_FORMAT_UCHAR), ".jpg");
  const Image strip = must_process(line);
  CHECK(strip.width == 512);
  CHECK(strip.height == 512);
}

TEST_CASE("process: positions crop to the box", "[processor][pipeline]") {
  const std::string input = photo("landscape-eveningglow.jpg");
  for (Position position : {Position::Centre, Position::Entropy, Position::Attention}) {
    INFO(to_string(position));
    Spec spec;
    spec.position = position;
    const Image out = must_process(input, spec);
    CHECK(out.width == 512);
    CHECK(out.height == 512);
  }
}

TEST_CASE("process: output formats", "[processor][pipeline]") {
  const std::string input = photo("alpha-small-bear.png");
  for (Format format : {Format::Jpeg, Format::Png, Format::Webp, Format::Avif}) {
    INFO(to_string(format));
    Spec spec;
    spec.format = format;
    spec.width = 128;
    spec.height = 128;
    const Image out = must_process(input, spec);
    CHECK(out.format == format);
    const VImage image = decode(out.bytes);
    CHECK(image.width() == 128);
    CHECK(image.bands() == 3);  // flattened, in every format
  }
}

TEST_CASE("process: animated GIF gives its first frame", "[processor][pipeline]") {
  init();
  // Two 64x64 frames stacked as one "toilet roll": red then blue.
  const VImage red = VImage::black(64, 64, VImage::option()->set("bands", 3)) + std::vector<double>{255, 0, 0};
  const VImage blue = VImage::black(64, 64, VImage::option()->set("bands", 3)) + std::vector<double>{0, 0, 255};
  VImage frames = red.join(blue, VIPS_DIRECTION_VERTICAL).cast(VIPS_FORMAT_UCHAR).copy(
      VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  frames.set(VIPS_META_PAGE_HEIGHT, 64);
  frames.set("delay", std::vector<int>{100, 100});
  const std::string gif = encode(frames, ".gif");
  REQUIRE(decode(gif).get_int(VIPS_META_N_PAGES) == 2);

  Spec spec;
  spec.format = Format::Png;
  const VImage out = decode(must_process(gif, spec).bytes);
  CHECK(out.width() == 512);
  CHECK(out.height() == 512);  // one frame, not the 64x128 strip
  const auto centre = out.getpoint(256, 256);
  CHECK(centre[0] > 200);
  CHECK(centre[2] < 50);
}

TEST_CASE("process: quality", "[processor][pipeline]") {
  const std::string input = photo("landscape-eveningglow.jpg");
  Spec low, high;
  low.quality = 20;
  high.quality = 95;
  CHECK(must_process(input, low).bytes.size() * 2 < must_process(input, high).bytes.size());
}

TEST_CASE("process: deterministic and safe from many threads", "[processor][pipeline]") {
  const std::vector<std::string> inputs = {photo("landscape-eveningglow.jpg"), photo("alpha-anemone.png"),
                                           photo("grey-1band.jpg"), photo("portrait-friends.jpg")};
  std::vector<std::string> expected;
  for (const auto& input : inputs) expected.push_back(must_process(input).bytes);
  std::vector<std::string> got(inputs.size() * 4);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < got.size(); ++i)
      threads.emplace_back([&, i] {
        auto out = process(inputs[i % inputs.size()], Spec{});
        if (out) got[i] = out->bytes;
      });
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(i);
    CHECK(got[i] == expected[i % inputs.size()]);
  }
}
