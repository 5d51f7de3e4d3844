// Golden-fixture regression checks for the image processor.
//
// A manifest (fixtures/manifest.json) lists cases: an input file, a Spec (the JSON of
// processor::spec_from_json) and the expected outcome, either an output of a given size
// and format that must look like a golden file (PSNR at least a threshold, so small
// libvips/encoder differences pass and a real change fails), or an error code.
//
//   {"version": 1, "min_psnr_db": 35, "cases": [
//     {"name": "default-landscape", "input": "images/landscape.jpg", "spec": {},
//      "expect": {"width": 512, "height": 512, "format": "jpeg",
//                 "golden": "golden/default-landscape.jpg", "min_psnr_db": 38},
//      "why": "the Lambda's call on a plain photo"},
//     {"name": "empty", "input": "images/empty.bin", "expect": {"error": "EmptyInput"}}]}
//
// An image expectation may add "like": "golden/other.jpg": the output must also be that
// picture (same size, PSNR at least the threshold), e.g. every EXIF orientation upright.
//
// Paths are relative to the manifest's directory. Unknown keys are errors (a typo must
// not silently weaken a check).
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "processor/processor.h"

namespace fixtures {

struct Expected {
  std::optional<processor::ErrorCode> error;  // set: the case must fail with this code
  int width = 0;                              // otherwise: the output's size and format
  int height = 0;
  processor::Format format = processor::Format::Jpeg;
  std::string golden;                         // relative to the manifest's directory
  double min_psnr_db = 0;
  std::string like;                           // optional: must also look like this image
};

struct Case {
  std::string name;       // [A-Za-z0-9._-]+, unique; names report files too
  std::string input;      // relative to the manifest's directory
  std::string spec_json;  // parsed when the case runs, so a bad Spec is an InvalidSpec outcome
  Expected expect;
  std::string why;        // optional: what the case is for
};

struct Manifest {
  std::filesystem::path dir;  // the manifest's directory; case paths are relative to it
  std::vector<Case> cases;
};

std::expected<Manifest, std::string> parse_manifest(std::string_view json, const std::filesystem::path& dir);
std::expected<Manifest, std::string> load_manifest(const std::filesystem::path& file);

enum class Status { Pass, Fail, Updated };
std::string_view to_string(Status);

// What happened to one case, with the bytes a report needs to show it.
struct Outcome {
  std::string name;
  Status status = Status::Fail;
  std::string detail;                 // one line: what was checked, or why it failed
  std::optional<double> psnr_db;      // when an output was compared with its golden
  std::string input_path;             // the input file as given in the manifest
  std::string input, expected, actual, diff_png;  // encoded images (may be empty)
  std::string actual_extension;       // "jpg", "png", ... when there is an output
};

// Runs one case. With `update`, a golden that is missing or differs from the output is
// rewritten (Status::Updated), but only when the output has the manifest's size and
// format: the manifest, written by a person, stays the judge of what is right.
Outcome check_case(const Manifest& manifest, const Case& c, bool update);

// Writes <dir>/index.html (every case, and input/expected/actual/diff for each failure)
// and the images it shows under <dir>/<case>/. Returns the path of index.html.
std::expected<std::filesystem::path, std::string> write_report(const std::filesystem::path& dir,
                                                               const std::vector<Outcome>& outcomes);

}  // namespace fixtures
