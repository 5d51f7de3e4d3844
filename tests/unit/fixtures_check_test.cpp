// The fixture checker must pass a faithful output and FAIL a real change: here a golden
// whose crop is shifted by a few pixels, as a broken crop-offset computation would give.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <cstdint>
#include <iterator>
#include <string>

#include <unistd.h>

#include <vips/vips8>

#include "cli/fixture_check.h"
#include "processor/processor.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// A scratch manifest folder holding one input photo from the committed fixtures.
struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() / ("minicloud-fixtures-test-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove_all(dir);
    spit(dir / "images/landscape.jpg",
         slurp(fs::path(MINICLOUD_SOURCE_DIR) / "fixtures/images/landscape.jpg"));
  }
  ~Scratch() { fs::remove_all(dir); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

constexpr const char* kCropManifest = R"({"version": 1, "cases": [
  {"name": "crop", "input": "images/landscape.jpg", "spec": {"width": 128, "height": 128},
   "expect": {"width": 128, "height": 128, "format": "jpeg", "golden": "golden/crop.jpg"}}]})";

fixtures::Manifest parse(const char* json, const fs::path& dir) {
  auto m = fixtures::parse_manifest(json, dir);
  REQUIRE(m);
  return *m;
}

// The picture shifted left by `dx` pixels (edge pixels repeated), re-encoded as JPEG.
std::string shifted_jpeg(const std::string& encoded, int dx) {
  REQUIRE(processor::init());
  const auto image = vips::VImage::new_from_buffer(encoded, "");
  const auto shifted = image.embed(-dx, 0, image.width(), image.height(),
                                   vips::VImage::option()->set("extend", VIPS_EXTEND_COPY));
  void* buf = nullptr;
  std::size_t size = 0;
  shifted.write_to_buffer(".jpg[Q=90]", &buf, &size);
  std::string bytes(static_cast<const char*>(buf), size);
  g_free(buf);
  return bytes;
}

}  // namespace

TEST_CASE("fixtures: --update writes the golden, then the check passes", "[fixtures]") {
  Scratch s;
  const auto m = parse(kCropManifest, s.dir);
  const auto first = fixtures::check_case(m, m.cases.at(0), /*update=*/true);
  INFO(first.detail);
  CHECK(first.status == fixtures::Status::Updated);
  CHECK(fs::exists(s.dir / "golden/crop.jpg"));

  const auto second = fixtures::check_case(m, m.cases.at(0), /*update=*/false);
  INFO(second.detail);
  CHECK(second.status == fixtures::Status::Pass);
  REQUIRE(second.psnr_db);
  CHECK(*second.psnr_db >= 35);
  CHECK(second.diff_png.empty());

  const auto again = fixtures::check_case(m, m.cases.at(0), /*update=*/true);
  CHECK(again.status == fixtures::Status::Pass);  // same bytes: nothing rewritten
}

TEST_CASE("fixtures: a crop shifted by a few pixels fails, with a diff image and a report", "[fixtures]") {
  Scratch s;
  const auto m = parse(kCropManifest, s.dir);
  auto spec = processor::spec_from_json(m.cases.at(0).spec_json);
  REQUIRE(spec);
  auto right = processor::process(slurp(s.dir / "images/landscape.jpg"), *spec);
  REQUIRE(right);
  spit(s.dir / "golden/crop.jpg", shifted_jpeg(right->bytes, 3));

  const auto outcome = fixtures::check_case(m, m.cases.at(0), /*update=*/false);
  INFO(outcome.detail);
  CHECK(outcome.status == fixtures::Status::Fail);
  REQUIRE(outcome.psnr_db);
  CHECK(*outcome.psnr_db < 35);
  CHECK_FALSE(outcome.diff_png.empty());

  auto index = fixtures::write_report(s.dir / "report", {outcome});
  REQUIRE(index);
  CHECK(fs::exists(*index));
  CHECK(fs::file_size(s.dir / "report/crop/diff.png") > 0);
  CHECK(fs::exists(s.dir / "report/crop/actual.jpg"));
  CHECK(fs::exists(s.dir / "report/crop/expected.jpg"));
  CHECK(slurp(*index).find("FAIL") != std::string::npos);
}

TEST_CASE("fixtures: \"like\" fails an output that is not that picture, even with --update", "[fixtures]") {
  Scratch s;
  auto right = processor::process(slurp(s.dir / "images/landscape.jpg"), processor::Spec{.width = 128, .height = 128});
  REQUIRE(right);
  spit(s.dir / "golden/upright.jpg", right->bytes);
  REQUIRE(processor::init());
  const auto mirrored = vips::VImage::new_from_buffer(right->bytes, "").flip(VIPS_DIRECTION_HORIZONTAL);
  void* buf = nullptr;
  std::size_t size = 0;
  mirrored.write_to_buffer(".jpg", &buf, &size);
  spit(s.dir / "golden/mirrored.jpg", std::string(static_cast<const char*>(buf), size));
  g_free(buf);

  const auto m = parse(R"({"version": 1, "cases": [
    {"name": "good", "input": "images/landscape.jpg", "spec": {"width": 128, "height": 128},
     "expect": {"width": 128, "height": 128, "format": "jpeg", "golden": "golden/good.jpg",
                "like": "golden/upright.jpg"}},
    {"name": "bad", "input": "images/landscape.jpg", "spec": {"width": 128, "height": 128},
     "expect": {"width": 128, "height": 128, "format": "jpeg", "golden": "golden/bad.jpg",
                "like": "golden/mirrored.jpg"}}]})",
                       s.dir);
  CHECK(fixtures::check_case(m, m.cases.at(0), /*update=*/true).status == fixtures::Status::Updated);
  const auto bad = fixtures::check_case(m, m.cases.at(1), /*update=*/true);
  INFO(bad.detail);
  CHECK(bad.status == fixtures::Status::Fail);
  CHECK_FALSE(bad.diff_png.empty());
  CHECK_FALSE(fs::exists(s.dir / "golden/bad.jpg"));
}

TEST_CASE("fixtures: --update refuses to bless an output of the wrong size", "[fixtures]") {
  Scratch s;
  const auto m = parse(R"({"version": 1, "cases": [
    {"name": "crop", "input": "images/landscape.jpg", "spec": {"width": 100, "height": 128},
     "expect": {"width": 128, "height": 128, "format": "jpeg", "golden": "golden/crop.jpg"}}]})",
                       s.dir);
  const auto outcome = fixtures::check_case(m, m.cases.at(0), /*update=*/true);
  CHECK(outcome.status == fixtures::Status::Fail);
  CHECK_FALSE(fs::exists(s.dir / "golden/crop.jpg"));
}

TEST_CASE("fixtures: expected errors pass only with the same code", "[fixtures]") {
  Scratch s;
  spit(s.dir / "images/empty.bin", "");
  const auto m = parse(R"({"version": 1, "cases": [
    {"name": "empty", "input": "images/empty.bin", "expect": {"error": "EmptyInput"}},
    {"name": "wrong-code", "input": "images/empty.bin", "expect": {"error": "CorruptImage"}},
    {"name": "no-error", "input": "images/landscape.jpg", "spec": {"width": 8, "height": 8},
     "expect": {"error": "CorruptImage"}},
    {"name": "bad-spec", "input": "images/landscape.jpg", "spec": {"width": 0},
     "expect": {"error": "InvalidSpec"}}]})",
                       s.dir);
  CHECK(fixtures::check_case(m, m.cases.at(0), false).status == fixtures::Status::Pass);
  CHECK(fixtures::check_case(m, m.cases.at(1), false).status == fixtures::Status::Fail);
  const auto no_error = fixtures::check_case(m, m.cases.at(2), false);
  CHECK(no_error.status == fixtures::Status::Fail);
  CHECK_FALSE(no_error.actual.empty());
  CHECK(fixtures::check_case(m, m.cases.at(3), false).status == fixtures::Status::Pass);
}

TEST_CASE("fixtures: manifest mistakes are reported, not guessed", "[fixtures]") {
  const fs::path dir = ".";
  CHECK_FALSE(fixtures::parse_manifest("not json", dir));
  CHECK_FALSE(fixtures::parse_manifest(R"({"version": 2, "cases": []})", dir));
  // A typo in a key.
  CHECK_FALSE(fixtures::parse_manifest(R"({"version": 1, "cases": [{"name": "a", "input": "x.jpg",
      "expect": {"width": 1, "height": 1, "format": "jpeg", "golden": "a.jpg", "min_psnr": 30}}]})", dir));
  // Duplicate names.
  CHECK_FALSE(fixtures::parse_manifest(R"({"version": 1, "cases": [
      {"name": "a", "input": "x", "expect": {"error": "EmptyInput"}},
      {"name": "a", "input": "x", "expect": {"error": "EmptyInput"}}]})", dir));
  // Unknown error code; golden extension not matching the format; a name that is a path.
  CHECK_FALSE(fixtures::parse_manifest(R"({"version": 1, "cases": [
      {"name": "a", "input": "x", "expect": {"error": "Oops"}}]})", dir));
  CHECK_FALSE(fixtures::parse_manifest(R"({"version": 1, "cases": [{"name": "a", "input": "x",
      "expect": {"width": 1, "height": 1, "format": "png", "golden": "a.jpg"}}]})", dir));
  CHECK_FALSE(fixtures::parse_manifest(R"({"version": 1, "cases": [
      {"name": "../a", "input": "x", "expect": {"error": "EmptyInput"}}]})", dir));

  auto ok = fixtures::parse_manifest(R"({"version": 1, "min_psnr_db": 40, "cases": [
      {"name": "a", "input": "x.jpg", "spec": {"fit": "inside"},
       "expect": {"width": 1, "height": 1, "format": "jpeg", "golden": "a.jpg"}},
      {"name": "b", "input": "x.jpg",
       "expect": {"width": 1, "height": 1, "format": "jpeg", "golden": "b.jpg", "min_psnr_db": 30}}]})", dir);
  REQUIRE(ok);
  REQUIRE(ok->cases.size() == 2);
  CHECK(ok->cases[0].expect.min_psnr_db == 40);
  CHECK(ok->cases[1].expect.min_psnr_db == 30);
  CHECK(ok->cases[0].spec_json == R"({"fit":"inside"})");
  CHECK(ok->cases[1].spec_json == "{}");
}
