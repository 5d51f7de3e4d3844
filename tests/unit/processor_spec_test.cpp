#include <catch2/catch.hpp>

#include <map>

#include "processor/spec.h"

using namespace processor;

TEST_CASE("spec: defaults are the original Lambda's call plus the two fixes", "[processor][spec]") {
  const Spec spec;
  CHECK(spec.width == 512);
  CHECK(spec.height == 512);
  CHECK(spec.fit == Fit::Cover);
  CHECK(spec.position == Position::Centre);
  CHECK(spec.format == Format::Jpeg);
  CHECK(spec.quality == 80);
  CHECK(spec.background == Rgb{255, 255, 255});
  CHECK(spec.autorotate);
  CHECK(spec.max_input_pixels == 268402689u);
  CHECK(validate(spec));
}

TEST_CASE("spec: field parsers accept sharp's spellings", "[processor][spec]") {
  CHECK(parse_fit("cover") == Fit::Cover);
  CHECK(parse_fit("CONTAIN") == Fit::Contain);
  CHECK(parse_fit("fill") == Fit::Fill);
  CHECK(parse_fit("inside") == Fit::Inside);
  CHECK(parse_fit("outside") == Fit::Outside);
  CHECK(parse_position("centre") == Position::Centre);
  CHECK(parse_position("center") == Position::Centre);
  CHECK(parse_position("entropy") == Position::Entropy);
  CHECK(parse_position("attention") == Position::Attention);
  CHECK(parse_format("jpg") == Format::Jpeg);
  CHECK(parse_format("jpeg") == Format::Jpeg);
  CHECK(parse_format("png") == Format::Png);
  CHECK(parse_format("webp") == Format::Webp);
  CHECK(parse_format("avif") == Format::Avif);
}

TEST_CASE("spec: field parsers say what was expected", "[processor][spec]") {
  auto fit = parse_fit("square");
  REQUIRE_FALSE(fit);
  CHECK_THAT(fit.error(), Catch::Contains("cover") && Catch::Contains("square"));
  CHECK_FALSE(parse_position("middle"));
  CHECK_FALSE(parse_format("gif"));
  CHECK_FALSE(parse_format(""));
}

TEST_CASE("spec: colours", "[processor][spec]") {
  CHECK(parse_colour("#ffffff") == Rgb{255, 255, 255});
  CHECK(parse_colour("#FF8000") == Rgb{255, 128, 0});
  CHECK(parse_colour("#f80") == Rgb{255, 136, 0});
  CHECK(parse_colour("white") == Rgb{255, 255, 255});
  CHECK(parse_colour("black") == Rgb{0, 0, 0});
  CHECK(parse_colour("255,0,10") == Rgb{255, 0, 10});
  CHECK(parse_colour("1, 2, 3") == Rgb{1, 2, 3});
  for (const char* bad : {"", "#12", "#gggggg", "256,0,0", "1,2", "1,2,3,4", "-1,0,0", "teal", "#1234567"}) {
    INFO(bad);
    auto colour = parse_colour(bad);
    REQUIRE_FALSE(colour);
    CHECK_THAT(colour.error(), Catch::Contains("#rrggbb"));
  }
}

TEST_CASE("spec: validate checks ranges", "[processor][spec]") {
  Spec spec;
  spec.width = 0;
  CHECK_THAT(validate(spec).error(), Catch::Contains("width"));
  spec = {};
  spec.height = 16384;
  CHECK_THAT(validate(spec).error(), Catch::Contains("height"));
  spec = {};
  spec.quality = 101;
  CHECK_THAT(validate(spec).error(), Catch::Contains("quality"));
  spec = {};
  spec.quality = 0;
  CHECK_FALSE(validate(spec));
  spec = {};
  spec.max_input_pixels = 0;
  CHECK_THAT(validate(spec).error(), Catch::Contains("max_input_pixels"));
  spec = {};
  spec.width = 16383;
  spec.height = 1;
  spec.quality = 1;
  CHECK(validate(spec));
}

TEST_CASE("spec: JSON round trip", "[processor][spec]") {
  Spec spec;
  spec.width = 300;
  spec.height = 200;
  spec.fit = Fit::Contain;
  spec.position = Position::Attention;
  spec.format = Format::Webp;
  spec.quality = 90;
  spec.background = {1, 2, 3};
  spec.autorotate = false;
  spec.max_input_pixels = 1000000;
  const std::string json = spec_to_json(spec);
  CHECK_THAT(json, Catch::Contains("\"background\":\"#010203\""));
  auto back = spec_from_json(json);
  REQUIRE(back);
  CHECK(*back == spec);
  CHECK(spec_from_json(spec_to_json(Spec{})) == Spec{});
}

TEST_CASE("spec: JSON keeps defaults for missing fields", "[processor][spec]") {
  auto spec = spec_from_json(R"({"width": 256, "fit": "inside"})");
  REQUIRE(spec);
  CHECK(spec->width == 256);
  CHECK(spec->height == 512);
  CHECK(spec->fit == Fit::Inside);
  CHECK(spec_from_json("{}") == Spec{});
}

TEST_CASE("spec: JSON errors name the field", "[processor][spec]") {
  const std::map<std::string, std::string> cases = {
      {R"({"widht": 256})", "unknown spec field 'widht'"},
      {R"({"width": "256"})", "'width' must be a whole number"},
      {R"({"width": 25.5})", "'width' must be a whole number"},
      {R"({"width": 0})", "width must be 1..16383"},
      {R"({"quality": 101})", "quality must be 1..100"},
      {R"({"fit": "square"})", "spec field 'fit'"},
      {R"({"background": "nope"})", "spec field 'background'"},
      {R"({"autorotate": "yes"})", "'autorotate' must be true or false"},
      {R"({"max_input_pixels": -5})", "'max_input_pixels' must be a positive whole number"},
      {R"([1,2])", "must be a JSON object"},
      {R"({"width": )", "not valid JSON"},
  };
  for (const auto& [json, message] : cases) {
    INFO(json);
    auto spec = spec_from_json(json);
    REQUIRE_FALSE(spec);
    CHECK_THAT(spec.error(), Catch::Contains(message));
  }
}

TEST_CASE("spec: environment uses the Lambda's names", "[processor][spec]") {
  const std::map<std::string, std::string, std::less<>> env = {
      {"PROCESS_WIDTH", "128"},        {"PROCESS_HEIGHT", "64"},       {"PROCESS_FIT", "fill"},
      {"PROCESS_POSITION", "entropy"}, {"PROCESS_FORMAT", "png"},      {"PROCESS_QUALITY", "70"},
      {"PROCESS_BACKGROUND", "black"}, {"PROCESS_AUTOROTATE", "false"}, {"PROCESS_MAX_INPUT_PIXELS", "5000"},
  };
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  };
  auto spec = spec_from_env(lookup);
  REQUIRE(spec);
  CHECK(spec->width == 128);
  CHECK(spec->height == 64);
  CHECK(spec->fit == Fit::Fill);
  CHECK(spec->position == Position::Entropy);
  CHECK(spec->format == Format::Png);
  CHECK(spec->quality == 70);
  CHECK(spec->background == Rgb{0, 0, 0});
  CHECK_FALSE(spec->autorotate);
  CHECK(spec->max_input_pixels == 5000u);
}

TEST_CASE("spec: environment keeps the base for unset names", "[processor][spec]") {
  Spec base;
  base.quality = 60;
  auto only_width = [](std::string_view name) -> std::optional<std::string> {
    if (name == "PROCESS_WIDTH") return "100";
    return std::nullopt;
  };
  auto spec = spec_from_env(only_width, base);
  REQUIRE(spec);
  CHECK(spec->width == 100);
  CHECK(spec->height == 512);
  CHECK(spec->quality == 60);
}

TEST_CASE("spec: environment errors name the variable", "[processor][spec]") {
  const std::map<std::string, std::string> cases = {
      {"PROCESS_WIDTH=abc", "PROCESS_WIDTH: width must be a whole number"},
      {"PROCESS_WIDTH=12px", "PROCESS_WIDTH"},
      {"PROCESS_HEIGHT=0", "height must be 1..16383"},
      {"PROCESS_FIT=square", "PROCESS_FIT: fit must be one of"},
      {"PROCESS_AUTOROTATE=maybe", "PROCESS_AUTOROTATE: autorotate must be true or false"},
      {"PROCESS_MAX_INPUT_PIXELS=-1", "PROCESS_MAX_INPUT_PIXELS"},
  };
  for (const auto& [assignment, message] : cases) {
    INFO(assignment);
    const auto eq = assignment.find('=');
    const std::string name = assignment.substr(0, eq), value = assignment.substr(eq + 1);
    auto lookup = [&](std::string_view n) -> std::optional<std::string> {
      return n == name ? std::optional(value) : std::nullopt;
    };
    auto spec = spec_from_env(lookup);
    REQUIRE_FALSE(spec);
    CHECK_THAT(spec.error(), Catch::Contains(message));
  }
}

TEST_CASE("spec: names, MIME types and extensions", "[processor][spec]") {
  CHECK(to_string(Fit::Outside) == "outside");
  CHECK(to_string(Position::Attention) == "attention");
  CHECK(to_string(Format::Avif) == "avif");
  CHECK(mime_type(Format::Jpeg) == "image/jpeg");
  CHECK(mime_type(Format::Webp) == "image/webp");
  CHECK(extension(Format::Jpeg) == "jpg");
  CHECK(extension(Format::Png) == "png");
}
