// `minicloud fixtures check [--manifest F] [--update] [--report-dir DIR] [--case NAME]...`
// Runs the golden-fixture manifest through the processor; the logic is in fixture_check.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include "cli/commands.h"
#include "cli/fixture_check.h"

namespace cli {

namespace {

namespace fs = std::filesystem;

struct CheckOptions {
  std::string manifest = "fixtures/manifest.json";
  std::string report_dir = (fs::temp_directory_path() / "minicloud-fixtures-report").string();
  bool update = false;
  std::vector<std::string> cases;
};

// The cases to run: all, or those named with --case (an unknown name is an error).
std::vector<fixtures::Case> select_cases(const fixtures::Manifest& m, const std::vector<std::string>& names) {
  if (names.empty()) return m.cases;
  std::vector<fixtures::Case> picked;
  std::set<std::string> wanted(names.begin(), names.end());
  for (const auto& c : m.cases)
    if (wanted.erase(c.name)) picked.push_back(c);
  if (!wanted.empty()) {
    std::cerr << "minicloud fixtures: no case named \"" << *wanted.begin() << "\" in the manifest\n";
    throw CLI::RuntimeError(2);
  }
  return picked;
}

void print_line(const fixtures::Outcome& o, std::size_t name_width) {
  std::printf("%-7s %-*s %s\n", std::string(fixtures::to_string(o.status)).c_str(), static_cast<int>(name_width),
              o.name.c_str(), o.detail.c_str());
  std::fflush(stdout);
}

void run_check(const CheckOptions& opts) {
  auto manifest = fixtures::load_manifest(opts.manifest);
  if (!manifest) {
    std::cerr << "minicloud fixtures: " << manifest.error() << "\n";
    throw CLI::RuntimeError(2);
  }
  const auto cases = select_cases(*manifest, opts.cases);
  std::size_t name_width = 0;
  for (const auto& c : cases) name_width = std::max(name_width, c.name.size());

  std::vector<fixtures::Outcome> outcomes;
  std::size_t failed = 0, updated = 0;
  for (const auto& c : cases) {
    outcomes.push_back(fixtures::check_case(*manifest, c, opts.update));
    print_line(outcomes.back(), name_width);
    failed += outcomes.back().status == fixtures::Status::Fail;
    updated += outcomes.back().status == fixtures::Status::Updated;
  }

  auto report = fixtures::write_report(opts.report_dir, outcomes);
  std::printf("fixtures: %zu cases, %zu passed, %zu failed%s\n", outcomes.size(), outcomes.size() - failed - updated,
              failed, opts.update ? (", " + std::to_string(updated) + " goldens written").c_str() : "");
  if (report)
    std::printf("report: %s\n", report->string().c_str());
  else
    std::cerr << "minicloud fixtures: " << report.error() << "\n";
  if (failed > 0 || !report) throw CLI::RuntimeError(1);
}

}  // namespace

void add_fixtures_command(CLI::App& app) {
  auto* fixtures = app.add_subcommand("fixtures", "Golden-fixture regression checks of the image processor");
  fixtures->require_subcommand(1);
  auto opts = std::make_shared<CheckOptions>();
  auto* check = fixtures->add_subcommand(
      "check", "Run every case of the manifest, compare outputs with their goldens (PSNR), exit 1 on any failure");
  check->add_option("--manifest", opts->manifest, "The manifest (JSON); paths in it are relative to its folder")
      ->capture_default_str();
  check->add_flag("--update", opts->update,
                  "Rewrite goldens that are missing or differ (only when size and format match the manifest)");
  check->add_option("--report-dir", opts->report_dir, "Where index.html and the failure images go")
      ->capture_default_str();
  check->add_option("--case", opts->cases, "Run only this case (repeatable)");
  check->callback([opts] { run_check(*opts); });
}

}  // namespace cli
