#include "cli/fixture_check.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>

#include <nlohmann/json.hpp>

#include "processor/compare.h"

namespace fixtures {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The bar a golden must clear when the manifest names none: the "same picture"
// threshold. A one-pixel crop shift costs 10-20 dB; encoder differences cost a few.
constexpr double kDefaultMinPsnrDb = 35.0;

std::expected<std::string, std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::expected<void, std::string> write_file(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    return std::unexpected("cannot write " + path.string());
  return {};
}

std::optional<processor::ErrorCode> parse_error_code(std::string_view name) {
  using processor::ErrorCode;
  for (ErrorCode code : {ErrorCode::EmptyInput, ErrorCode::UnsupportedFormat, ErrorCode::CorruptImage,
                         ErrorCode::TooManyPixels, ErrorCode::InvalidSpec, ErrorCode::Internal})
    if (processor::to_string(code) == name) return code;
  return std::nullopt;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')) return false;
  return true;
}

std::expected<void, std::string> only_keys(const json& object, std::initializer_list<std::string_view> allowed,
                                           std::string_view where) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (auto name : allowed) known = known || key == name;
    if (!known) return std::unexpected(std::string(where) + ": unknown key \"" + key + "\"");
  }
  return {};
}

std::expected<Expected, std::string> parse_expected(const json& j, double default_psnr, const std::string& where) {
  if (!j.is_object()) return std::unexpected(where + ": \"expect\" must be an object");
  Expected e;
  if (j.contains("error")) {
    if (auto ok = only_keys(j, {"error"}, where + ".expect"); !ok) return std::unexpected(ok.error());
    const auto code = j["error"].is_string() ? parse_error_code(j["error"].get<std::string>()) : std::nullopt;
    if (!code) return std::unexpected(where + ": \"error\" must name an ErrorCode, e.g. \"CorruptImage\"");
    e.error = code;
    return e;
  }
  if (auto ok = only_keys(j, {"width", "height", "format", "golden", "min_psnr_db", "like"}, where + ".expect"); !ok)
    return std::unexpected(ok.error());
  for (const char* key : {"width", "height", "format", "golden"})
    if (!j.contains(key)) return std::unexpected(where + ": expect needs \"" + key + "\" (or \"error\")");
  if (!j["width"].is_number_integer() || !j["height"].is_number_integer())
    return std::unexpected(where + ": width and height must be integers");
  e.width = j["width"].get<int>();
  e.height = j["height"].get<int>();
  if (!j["format"].is_string() || !j["golden"].is_string())
    return std::unexpected(where + ": format and golden must be strings");
  auto format = processor::parse_format(j["format"].get<std::string>());
  if (!format) return std::unexpected(where + ": " + format.error());
  e.format = *format;
  e.golden = j["golden"].get<std::string>();
  if (fs::path(e.golden).extension() != "." + std::string(processor::extension(e.format)))
    return std::unexpected(where + ": golden \"" + e.golden + "\" should end in ." +
                           std::string(processor::extension(e.format)));
  e.min_psnr_db = default_psnr;
  if (j.contains("min_psnr_db")) {
    if (!j["min_psnr_db"].is_number()) return std::unexpected(where + ": min_psnr_db must be a number");
    e.min_psnr_db = j["min_psnr_db"].get<double>();
  }
  if (j.contains("like")) {
    if (!j["like"].is_string()) return std::unexpected(where + ": like must be a path");
    e.like = j["like"].get<std::string>();
  }
  return e;
}

std::expected<Case, std::string> parse_case(const json& j, double default_psnr, std::size_t index) {
  std::string where = "cases[" + std::to_string(index) + "]";
  if (!j.is_object()) return std::unexpected(where + " must be an object");
  if (auto ok = only_keys(j, {"name", "input", "spec", "expect", "why"}, where); !ok) return std::unexpected(ok.error());
  Case c;
  if (!j.contains("name") || !j["name"].is_string() || !valid_name(j["name"].get<std::string>()))
    return std::unexpected(where + ": \"name\" must be a string of letters, digits, '-', '_', '.'");
  c.name = j["name"].get<std::string>();
  where = "case \"" + c.name + "\"";
  if (!j.contains("input") || !j["input"].is_string()) return std::unexpected(where + ": \"input\" must be a path");
  c.input = j["input"].get<std::string>();
  const json spec = j.value("spec", json::object());
  if (!spec.is_object()) return std::unexpected(where + ": \"spec\" must be an object");
  c.spec_json = spec.dump();
  if (!j.contains("expect")) return std::unexpected(where + ": \"expect\" is missing");
  auto expected = parse_expected(j["expect"], default_psnr, where);
  if (!expected) return std::unexpected(expected.error());
  c.expect = *expected;
  if (j.contains("why")) {
    if (!j["why"].is_string()) return std::unexpected(where + ": \"why\" must be a string");
    c.why = j["why"].get<std::string>();
  }
  return c;
}

std::string describe_size(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

std::string describe(const processor::Image& image) {
  return describe_size(image.width, image.height) + " " + std::string(processor::to_string(image.format));
}

std::string describe(const Expected& e) {
  if (e.error) return std::string(processor::to_string(*e.error));
  return describe_size(e.width, e.height) + " " + std::string(processor::to_string(e.format));
}

std::string format_psnr(double db) {
  if (std::isinf(db)) return "inf";
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f", db);
  return text.data();
}

// Runs the processor on a case, turning a Spec the processor would refuse into the
// InvalidSpec outcome a manifest can expect.
std::expected<processor::Image, processor::Error> run(const Case& c, std::string_view input) {
  auto spec = processor::spec_from_json(c.spec_json);
  if (!spec) return std::unexpected(processor::Error{processor::ErrorCode::InvalidSpec, spec.error()});
  if (auto ok = processor::validate(*spec); !ok)
    return std::unexpected(processor::Error{processor::ErrorCode::InvalidSpec, ok.error()});
  return processor::process(input, *spec);
}

Outcome judge_error_case(Outcome out, const Expected& e, const std::expected<processor::Image, processor::Error>& got) {
  const std::string want(processor::to_string(*e.error));
  if (!got) {
    const bool same = got.error().code == *e.error;
    out.status = same ? Status::Pass : Status::Fail;
    out.detail = same ? want + " as expected (" + got.error().message + ")"
                      : "expected " + want + ", got " + std::string(processor::to_string(got.error().code)) + ": " +
                            got.error().message;
    return out;
  }
  out.actual = got->bytes;
  out.actual_extension = processor::extension(got->format);
  out.status = Status::Fail;
  out.detail = "expected " + want + ", got a " + describe(*got) + " image";
  return out;
}

// With --update: make the golden the current output, saying what that changed.
Outcome update_golden(Outcome out, const fs::path& golden_path, const std::string& old_golden) {
  if (old_golden == out.actual) {
    out.status = Status::Pass;
    out.detail = "golden unchanged";
    return out;
  }
  if (auto ok = write_file(golden_path, out.actual); !ok) {
    out.status = Status::Fail;
    out.detail = ok.error();
    return out;
  }
  out.status = Status::Updated;
  if (old_golden.empty()) {
    out.detail = "golden created";
  } else if (auto cmp = processor::compare(out.actual, old_golden); cmp && cmp->same_size()) {
    out.detail = "golden rewritten (old vs new: PSNR " + format_psnr(cmp->psnr_db) + " dB)";
  } else {
    out.detail = "golden rewritten (the old one had another size or did not decode)";
  }
  out.expected = out.actual;
  return out;
}

// `like`: the output must also look like another image (e.g. orient-6 like orient-1's
// golden), so --update cannot bless a wrong result that is merely consistent with itself.
// Fills `out` and returns false when it does not.
bool looks_like_reference(Outcome& out, const Manifest& m, const Expected& e, bool update) {
  if (e.like.empty()) return true;
  const std::string suffix = update ? " (golden not updated)" : "";
  auto reference = read_file(m.dir / e.like);
  if (!reference) {
    out.detail = reference.error() + suffix;
    return false;
  }
  auto cmp = processor::compare(out.actual, *reference);
  if (cmp && cmp->same_size() && cmp->psnr_db >= e.min_psnr_db) return true;
  out.expected = *reference;
  if (!cmp) {
    out.detail = "cannot compare with " + e.like + ": " + cmp.error().message + suffix;
  } else if (!cmp->same_size()) {
    out.detail = "should look like " + e.like + " (" + describe_size(cmp->width_b, cmp->height_b) + "), got " +
                 describe_size(cmp->width_a, cmp->height_a) + suffix;
  } else {
    out.psnr_db = cmp->psnr_db;
    out.detail = "should look like " + e.like + ": PSNR " + format_psnr(cmp->psnr_db) + " dB < " +
                 format_psnr(e.min_psnr_db) + " dB" + suffix;
    if (auto diff = processor::diff_image_png(out.actual, *reference)) out.diff_png = *diff;
  }
  return false;
}

Outcome judge_image_case(Outcome out, const Manifest& m, const Expected& e, const processor::Image& got, bool update) {
  out.actual = got.bytes;
  out.actual_extension = processor::extension(got.format);
  if (got.width != e.width || got.height != e.height || got.format != e.format) {
    out.detail = "expected " + describe(e) + ", got " + describe(got) +
                 (update ? " (golden not updated: fix the manifest if the new output is right)" : "");
    return out;
  }
  if (!looks_like_reference(out, m, e, update)) return out;
  const fs::path golden_path = m.dir / e.golden;
  auto golden = read_file(golden_path);
  if (golden) out.expected = *golden;
  if (update) return update_golden(std::move(out), golden_path, golden.value_or(""));
  if (!golden) {
    out.detail = golden.error() + " (run with --update to create it)";
    return out;
  }
  auto cmp = processor::compare(got.bytes, *golden);
  if (!cmp) {
    out.detail = "cannot compare with golden: " + cmp.error().message;
    return out;
  }
  if (!cmp->same_size()) {
    out.detail = "golden is " + describe_size(cmp->width_b, cmp->height_b) + ", output " +
                 describe_size(got.width, got.height);
    return out;
  }
  out.psnr_db = cmp->psnr_db;
  const bool close = cmp->psnr_db >= e.min_psnr_db;
  out.status = close ? Status::Pass : Status::Fail;
  out.detail = describe(got) + ", PSNR " + format_psnr(cmp->psnr_db) + " dB " + (close ? ">= " : "< ") +
               format_psnr(e.min_psnr_db) + " dB";
  if (!close) {
    auto diff = processor::diff_image_png(got.bytes, *golden);
    if (diff) out.diff_png = *diff;
  }
  return out;
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::Pass: return "PASS";
    case Status::Fail: return "FAIL";
    case Status::Updated: return "UPDATED";
  }
  return "?";
}

std::expected<Manifest, std::string> parse_manifest(std::string_view text, const fs::path& dir) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::unexpected(std::string("manifest is not valid JSON"));
  if (!j.is_object()) return std::unexpected(std::string("manifest must be a JSON object"));
  if (auto ok = only_keys(j, {"version", "description", "min_psnr_db", "cases"}, "manifest"); !ok)
    return std::unexpected(ok.error());
  if (j.value("version", 0) != 1) return std::unexpected(std::string("manifest: \"version\" must be 1"));
  const double default_psnr = j.value("min_psnr_db", kDefaultMinPsnrDb);
  if (!j.contains("cases") || !j["cases"].is_array())
    return std::unexpected(std::string("manifest: \"cases\" must be an array"));
  Manifest m{dir, {}};
  std::set<std::string> names;
  for (std::size_t i = 0; i < j["cases"].size(); ++i) {
    auto c = parse_case(j["cases"][i], default_psnr, i);
    if (!c) return std::unexpected(c.error());
    if (!names.insert(c->name).second) return std::unexpected("case \"" + c->name + "\" appears twice");
    m.cases.push_back(std::move(*c));
  }
  return m;
}

std::expected<Manifest, std::string> load_manifest(const fs::path& file) {
  auto text = read_file(file);
  if (!text) return std::unexpected(text.error());
  auto m = parse_manifest(*text, file.parent_path().empty() ? fs::path(".") : file.parent_path());
  if (!m) return std::unexpected(file.string() + ": " + m.error());
  return m;
}

Outcome check_case(const Manifest& manifest, const Case& c, bool update) {
  Outcome out;
  out.name = c.name;
  out.input_path = c.input;
  auto input = read_file(manifest.dir / c.input);
  if (!input) {
    out.detail = input.error();
    return out;
  }
  out.input = *input;
  const auto got = run(c, *input);
  if (c.expect.error) return judge_error_case(std::move(out), c.expect, got);
  if (!got) {
    out.detail = "expected " + describe(c.expect) + ", got " + std::string(processor::to_string(got.error().code)) +
                 ": " + got.error().message;
    return out;
  }
  return judge_image_case(std::move(out), manifest, c.expect, *got, update);
}

}  // namespace fixtures
