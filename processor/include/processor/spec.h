// Spec: what process() makes of an input image. The defaults reproduce the original
// Lambda, `sharp(buf).resize(512, 512).jpeg()`, with two fixes that can be turned off:
// EXIF orientation is applied (autorotate) and transparency is flattened onto white.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace processor {

enum class Fit { Cover, Contain, Fill, Inside, Outside };   // as sharp's `fit`
enum class Position { Centre, Entropy, Attention };         // crop anchor for Cover
enum class Format { Jpeg, Png, Webp, Avif };

struct Rgb {
  std::uint8_t r = 255, g = 255, b = 255;
  bool operator==(const Rgb&) const = default;
};

struct Spec {
  int width = 512;
  int height = 512;
  Fit fit = Fit::Cover;
  Position position = Position::Centre;
  Format format = Format::Jpeg;
  int quality = 80;                       // 1..100
  Rgb background{255, 255, 255};          // flatten colour, and Contain's padding
  bool autorotate = true;                 // apply EXIF orientation; false = sharp's default
  std::uint64_t max_input_pixels = 268402689;  // sharp's limitInputPixels default
  bool operator==(const Spec&) const = default;
};

std::string_view to_string(Fit);
std::string_view to_string(Position);
std::string_view to_string(Format);
std::string_view mime_type(Format);   // "image/jpeg", ...
std::string_view extension(Format);   // "jpg", "png", "webp", "avif"

// Parsers for one field each: names as sharp spells them ("cover", "centre"/"center",
// "jpeg"/"jpg", "#ffffff"/"white"/"255,255,255"). Error string says what was expected.
std::expected<Fit, std::string> parse_fit(std::string_view);
std::expected<Position, std::string> parse_position(std::string_view);
std::expected<Format, std::string> parse_format(std::string_view);
std::expected<Rgb, std::string> parse_colour(std::string_view);

// Checks ranges (width/height 1..16383, quality 1..100, max_input_pixels > 0).
std::expected<void, std::string> validate(const Spec&);

// Spec from JSON: {"width":512,"height":512,"fit":"cover","position":"centre",
// "format":"jpeg","quality":80,"background":"#ffffff","autorotate":true,
// "max_input_pixels":268402689}. Missing fields keep their defaults; unknown fields
// are an error (a typo must not silently fall back to a default).
std::expected<Spec, std::string> spec_from_json(std::string_view json);
std::string spec_to_json(const Spec&);

// Spec from environment variables, the Lambda's names: PROCESS_WIDTH, PROCESS_HEIGHT,
// plus PROCESS_FIT, PROCESS_POSITION, PROCESS_FORMAT, PROCESS_QUALITY,
// PROCESS_BACKGROUND, PROCESS_AUTOROTATE (true/false), PROCESS_MAX_INPUT_PIXELS.
// `lookup` returns the variable's value or nullopt (so tests need no real environment).
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
std::expected<Spec, std::string> spec_from_env(const EnvLookup& lookup, Spec base = {});

}  // namespace processor
