// Hostile and broken input: every case is an Error value with a clear code, never a
// crash, a hang or a huge allocation.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "processor_test_support.h"

using namespace processor;
using namespace processor_test;

namespace {

Error must_fail(std::string_view bytes, const Spec& spec = {}) {
  auto result = process(bytes, spec);
  if (result) FAIL("expected an error, got a " << result->width << "x" << result->height << " image");
  return result.error();
}

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string png_chunk(std::string_view type, std::string_view data) {
  const std::string body = std::string(type) + std::string(data);
  return be32(static_cast<std::uint32_t>(data.size())) + body + be32(crc32(body));
}

// A valid ~70-byte PNG whose header claims `width`x`height` 8-bit grey pixels: a
// decompression bomb as far as any decoder that trusts the header is concerned.
std::string png_bomb(std::uint32_t width, std::uint32_t height) {
  const std::string ihdr = be32(width) + be32(height) + std::string("\x08\x00\x00\x00\x00", 5);
  const std::string empty_zlib("\x78\x01\x01\x00\x00\xff\xff\x00\x00\x00\x01", 11);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", empty_zlib) +
         png_chunk("IEND", "");
}

long max_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

const char* kSvg =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>
)";

// A minimal, valid one-page PDF (xref offsets are not checked by the sniffer, but the
// file is well-formed enough for poppler/pdfium to render).
const char* kPdf =
    "%PDF-1.4\n"
    "1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 64 64]>>endobj\n"
    "xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    "trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n";

}  // namespace

TEST_CASE("safety: empty input", "[processor][safety]") {
  const Error error = must_fail("");
  CHECK(error.code == ErrorCode::EmptyInput);
  CHECK_THAT(error.message, Catch::Contains("empty"));
  CHECK(to_string(error.code) == "EmptyInput");
}

TEST_CASE("safety: bytes that are not an image", "[processor][safety]") {
  for (std::string junk : {std::string("hello, world"), std::string(" "), std::string(4096, '\0'),
                           std::string("<html><body>404</body></html>")}) {
    INFO(junk.size() << " bytes");
    const Error error = must_fail(junk);
    CHECK(error.code == ErrorCode::UnsupportedFormat);
    CHECK_THAT(error.message, Catch::Contains("jpeg, png"));
  }
}

TEST_CASE("safety: truncated JPEG fails like sharp's failOn warning", "[processor][safety]") {
  const std::string full = photo("landscape-eveningglow.jpg");
  for (double keep : {0.999, 0.9, 0.5, 0.05}) {
    INFO("keep " << keep);
    const Error error = must_fail(std::string_view(full).substr(0, static_cast<std::size_t>(full.size() * keep)));
    CHECK(error.code == ErrorCode::CorruptImage);
    CHECK_THAT(error.message, Catch::Contains("corrupt or truncated") || Catch::Contains("header"));
  }
  // Header cut short: not even the dimensions; or nothing but the JPEG signature.
  CHECK(must_fail(std::string_view(full).substr(0, 300)).code == ErrorCode::CorruptImage);
  CHECK(must_fail(std::string("\xFF\xD8\xFF", 3)).code == ErrorCode::CorruptImage);
}

TEST_CASE("safety: corrupt JPEG entropy data", "[processor][safety]") {
  std::string bytes = photo("landscape-eveningglow.jpg");
  // Overwrite a run in the middle of the scan with an RST marker out of sequence.
  const std::size_t middle = bytes.size() / 2;
  for (std::size_t i = 0; i < 64; i += 2) {
    bytes[middle + i] = '\xFF';
    bytes[middle + i + 1] = '\xD3';
  }
  CHECK(must_fail(bytes).code == ErrorCode::CorruptImage);
}

TEST_CASE("safety: 30000x30000 PNG bomb refused from the header, fast, flat memory", "[processor][safety]") {
  const std::string bomb = png_bomb(30000, 30000);
  CHECK(bomb.size() < 100);
  init();
  const long rss_before = max_rss_kb();
  const auto start = std::chrono::steady_clock::now();
  const Error error = must_fail(bomb);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(error.code == ErrorCode::TooManyPixels);
  CHECK_THAT(error.message, Catch::Contains("30000x30000") && Catch::Contains("268402689"));
  CHECK(elapsed < std::chrono::milliseconds(200));     // typically well under 1 ms
  CHECK(max_rss_kb() - rss_before < 20 * 1024);        // decoding would need 900 MB
}

TEST_CASE("safety: max_input_pixels is the caller's limit", "[processor][safety]") {
  Spec spec;
  spec.max_input_pixels = 2560 * 1600 - 1;
  const Error error = must_fail(photo("landscape-eveningglow.jpg"), spec);
  CHECK(error.code == ErrorCode::TooManyPixels);
  CHECK_THAT(error.message, Catch::Contains("2560x1600"));
  spec.max_input_pixels = 2560 * 1600;
  CHECK(process(photo("landscape-eveningglow.jpg"), spec));
}

TEST_CASE("safety: SVG and PDF are refused", "[processor][safety]") {
  for (const char* document : {kSvg, kPdf}) {
    INFO(std::string(document).substr(0, 20));
    const Error error = must_fail(document);
    CHECK(error.code == ErrorCode::UnsupportedFormat);
  }
}

TEST_CASE("safety: libvips itself refuses untrusted loaders after init", "[processor][safety]") {
  // The second fence: even code that bypasses the allow-list cannot run svgload.
  init();
  const std::string svg = kSvg;
  CHECK_THROWS(vips::VImage::new_from_buffer(svg, "").copy_memory());
  vips_error_clear();
}

TEST_CASE("safety: accepted formats are the allow-list", "[processor][safety]") {
  const auto formats = accepted_input_formats();
  const auto has = [&](const char* name) { return std::ranges::find(formats, name) != formats.end(); };
  CHECK(has("jpegload_buffer"));
  CHECK(has("pngload_buffer"));
  CHECK(has("webpload_buffer"));
  CHECK(has("gifload_buffer"));
  CHECK(has("heifload_buffer"));
  CHECK_FALSE(has("svgload_buffer"));
  CHECK_FALSE(has("pdfload_buffer"));
  CHECK_FALSE(has("magickload_buffer"));
}

TEST_CASE("safety: an invalid Spec is refused before decoding", "[processor][safety]") {
  Spec spec;
  spec.width = 0;
  const Error error = must_fail(photo("grey-1band.jpg"), spec);
  CHECK(error.code == ErrorCode::InvalidSpec);
  CHECK_THAT(error.message, Catch::Contains("width"));
}

TEST_CASE("safety: init is idempotent", "[processor][safety]") {
  std::string error;
  CHECK(init(&error));
  CHECK(init(&error));
  CHECK(error.empty());
}
