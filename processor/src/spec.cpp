// Spec: names, parsers, validation, JSON and environment forms.
#include "processor/spec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace processor {

namespace {

constexpr int kMaxDimension = 16383;  // WebP's limit; far beyond any avatar

std::string lower(std::string_view text) {
  std::string out;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <typename Int>
std::expected<Int, std::string> parse_int(std::string_view text, std::string_view what) {
  Int value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty())
    return std::unexpected(std::string(what) + " must be a whole number, got '" + std::string(text) + "'");
  return value;
}

std::expected<bool, std::string> parse_bool(std::string_view text, std::string_view what) {
  const std::string value = lower(text);
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  return std::unexpected(std::string(what) + " must be true or false, got '" + std::string(text) + "'");
}

std::expected<std::uint8_t, std::string> parse_hex_byte(std::string_view two) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(two.data(), two.data() + two.size(), value, 16);
  if (ec != std::errc{} || ptr != two.data() + two.size()) return std::unexpected(std::string("bad hex digits"));
  return static_cast<std::uint8_t>(value);
}

std::string colour_to_string(Rgb c) {
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", c.r, c.g, c.b);
  return text;
}

}  // namespace

std::string_view to_string(Fit fit) {
  switch (fit) {
    case Fit::Cover: return "cover";
    case Fit::Contain: return "contain";
    case Fit::Fill: return "fill";
    case Fit::Inside: return "inside";
    case Fit::Outside: return "outside";
  }
  return "cover";
}

std::string_view to_string(Position position) {
  switch (position) {
    case Position::Centre: return "centre";
    case Position::Entropy: return "entropy";
    case Position::Attention: return "attention";
  }
  return "centre";
}

std::string_view to_string(Format format) {
  switch (format) {
    case Format::Jpeg: return "jpeg";
    case Format::Png: return "png";
    case Format::Webp: return "webp";
    case Format::Avif: return "avif";
  }
  return "jpeg";
}

std::string_view mime_type(Format format) {
  switch (format) {
    case Format::Jpeg: return "image/jpeg";
    case Format::Png: return "image/png";
    case Format::Webp: return "image/webp";
    case Format::Avif: return "image/avif";
  }
  return "image/jpeg";
}

std::string_view extension(Format format) {
  switch (format) {
    case Format::Jpeg: return "jpg";
    case Format::Png: return "png";
    case Format::Webp: return "webp";
    case Format::Avif: return "avif";
  }
  return "jpg";
}

std::expected<Fit, std::string> parse_fit(std::string_view text) {
  const std::string value = lower(text);
  for (Fit fit : {Fit::Cover, Fit::Contain, Fit::Fill, Fit::Inside, Fit::Outside})
    if (value == to_string(fit)) return fit;
  return std::unexpected("fit must be one of cover, contain, fill, inside, outside; got '" + std::string(text) + "'");
}

std::expected<Position, std::string> parse_position(std::string_view text) {
  const std::string value = lower(text);
  if (value == "centre" || value == "center") return Position::Centre;
  if (value == "entropy") return Position::Entropy;
  if (value == "attention") return Position::Attention;
  return std::unexpected("position must be one of centre (center), entropy, attention; got '" +
                         std::string(text) + "'");
}

std::expected<Format, std::string> parse_format(std::string_view text) {
  const std::string value = lower(text);
  if (value == "jpeg" || value == "jpg") return Format::Jpeg;
  if (value == "png") return Format::Png;
  if (value == "webp") return Format::Webp;
  if (value == "avif") return Format::Avif;
  return std::unexpected("format must be one of jpeg (jpg), png, webp, avif; got '" + std::string(text) + "'");
}

std::expected<Rgb, std::string> parse_colour(std::string_view text) {
  const std::string value = lower(text);
  const auto fail = [&] {
    return std::unexpected("colour must be #rrggbb, #rgb, r,g,b (0-255) or one of white, black, grey, "
                           "red, green, blue; got '" + std::string(text) + "'");
  };
  if (value == "white") return Rgb{255, 255, 255};
  if (value == "black") return Rgb{0, 0, 0};
  if (value == "grey" || value == "gray") return Rgb{128, 128, 128};
  if (value == "red") return Rgb{255, 0, 0};
  if (value == "green") return Rgb{0, 128, 0};
  if (value == "blue") return Rgb{0, 0, 255};
  if (value.starts_with('#')) {
    std::string hex = value.substr(1);
    if (hex.size() == 3) hex = {hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]};
    if (hex.size() != 6) return fail();
    auto r = parse_hex_byte(std::string_view(hex).substr(0, 2));
    auto g = parse_hex_byte(std::string_view(hex).substr(2, 2));
    auto b = parse_hex_byte(std::string_view(hex).substr(4, 2));
    if (!r || !g || !b) return fail();
    return Rgb{*r, *g, *b};
  }
  // "r,g,b"
  std::uint8_t parts[3];
  std::string_view rest = value;
  for (int i = 0; i < 3; ++i) {
    const auto comma = rest.find(',');
    if ((i < 2) != (comma != std::string_view::npos)) return fail();
    auto part = parse_int<int>(rest.substr(0, comma), "colour");
    if (!part || *part < 0 || *part > 255) return fail();
    parts[i] = static_cast<std::uint8_t>(*part);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return Rgb{parts[0], parts[1], parts[2]};
}

std::expected<void, std::string> validate(const Spec& spec) {
  if (spec.width < 1 || spec.width > kMaxDimension)
    return std::unexpected("width must be 1.." + std::to_string(kMaxDimension) + ", got " + std::to_string(spec.width));
  if (spec.height < 1 || spec.height > kMaxDimension)
    return std::unexpected("height must be 1.." + std::to_string(kMaxDimension) + ", got " + std::to_string(spec.height));
  if (spec.quality < 1 || spec.quality > 100)
    return std::unexpected("quality must be 1..100, got " + std::to_string(spec.quality));
  if (spec.max_input_pixels == 0) return std::unexpected(std::string("max_input_pixels must be greater than 0"));
  return {};
}

std::expected<Spec, std::string> spec_from_json(std::string_view text) {
  using nlohmann::json;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::unexpected(std::string("spec is not valid JSON"));
  if (!doc.is_object()) return std::unexpected(std::string("spec must be a JSON object"));

  Spec spec;
  for (const auto& [key, value] : doc.items()) {
    const auto need = [&](bool ok, std::string_view type) -> std::expected<void, std::string> {
      if (ok) return {};
      return std::unexpected("spec field '" + key + "' must be " + std::string(type) + ", got " + value.dump());
    };
    std::expected<void, std::string> ok;
    if (key == "width" || key == "height" || key == "quality") {
      ok = need(value.is_number_integer() && value.get<std::int64_t>() >= INT32_MIN &&
                    value.get<std::int64_t>() <= INT32_MAX, "a whole number");
      if (ok) (key == "width" ? spec.width : key == "height" ? spec.height : spec.quality) = value.get<int>();
    } else if (key == "max_input_pixels") {
      ok = need(value.is_number_unsigned(), "a positive whole number");
      if (ok) spec.max_input_pixels = value.get<std::uint64_t>();
    } else if (key == "autorotate") {
      ok = need(value.is_boolean(), "true or false");
      if (ok) spec.autorotate = value.get<bool>();
    } else if (key == "fit" || key == "position" || key == "format" || key == "background") {
      ok = need(value.is_string(), "a string");
      if (!ok) return std::unexpected(ok.error());
      const std::string s = value.get<std::string>();
      std::string error;
      if (key == "fit") {
        if (auto v = parse_fit(s)) spec.fit = *v; else error = v.error();
      } else if (key == "position") {
        if (auto v = parse_position(s)) spec.position = *v; else error = v.error();
      } else if (key == "format") {
        if (auto v = parse_format(s)) spec.format = *v; else error = v.error();
      } else {
        if (auto v = parse_colour(s)) spec.background = *v; else error = v.error();
      }
      if (!error.empty()) return std::unexpected("spec field '" + key + "': " + error);
    } else {
      return std::unexpected("unknown spec field '" + key + "' (known: width, height, fit, position, format, "
                             "quality, background, autorotate, max_input_pixels)");
    }
    if (!ok) return std::unexpected(ok.error());
  }
  if (auto valid = validate(spec); !valid) return std::unexpected(valid.error());
  return spec;
}

std::string spec_to_json(const Spec& spec) {
  nlohmann::ordered_json doc;
  doc["width"] = spec.width;
  doc["height"] = spec.height;
  doc["fit"] = to_string(spec.fit);
  doc["position"] = to_string(spec.position);
  doc["format"] = to_string(spec.format);
  doc["quality"] = spec.quality;
  doc["background"] = colour_to_string(spec.background);
  doc["autorotate"] = spec.autorotate;
  doc["max_input_pixels"] = spec.max_input_pixels;
  return doc.dump();
}

std::expected<Spec, std::string> spec_from_env(const EnvLookup& lookup, Spec base) {
  Spec spec = base;
  // Each variable, if set, replaces one field; the error names the variable.
  const auto apply = [&](std::string_view name, auto parse, auto assign) -> std::expected<void, std::string> {
    const std::optional<std::string> value = lookup(name);
    if (!value) return {};
    auto parsed = parse(*value);
    if (!parsed) return std::unexpected(std::string(name) + ": " + parsed.error());
    assign(*parsed);
    return {};
  };
  const auto as_int = [](std::string_view what) {
    return [what](const std::string& v) { return parse_int<int>(v, what); };
  };
  std::expected<void, std::string> steps[] = {
      apply("PROCESS_WIDTH", as_int("width"), [&](int v) { spec.width = v; }),
      apply("PROCESS_HEIGHT", as_int("height"), [&](int v) { spec.height = v; }),
      apply("PROCESS_FIT", parse_fit, [&](Fit v) { spec.fit = v; }),
      apply("PROCESS_POSITION", parse_position, [&](Position v) { spec.position = v; }),
      apply("PROCESS_FORMAT", parse_format, [&](Format v) { spec.format = v; }),
      apply("PROCESS_QUALITY", as_int("quality"), [&](int v) { spec.quality = v; }),
      apply("PROCESS_BACKGROUND", parse_colour, [&](Rgb v) { spec.background = v; }),
      apply("PROCESS_AUTOROTATE", [](const std::string& v) { return parse_bool(v, "autorotate"); },
            [&](bool v) { spec.autorotate = v; }),
      apply("PROCESS_MAX_INPUT_PIXELS",
            [](const std::string& v) { return parse_int<std::uint64_t>(v, "max input pixels"); },
            [&](std::uint64_t v) { spec.max_input_pixels = v; }),
  };
  for (auto& step : steps)
    if (!step) return std::unexpected(step.error());
  if (auto valid = validate(spec); !valid) return std::unexpected(valid.error());
  return spec;
}

}  // namespace processor
