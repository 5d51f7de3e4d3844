// `minicloud process`: options, exit codes, messages, batch mode.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "processor_test_support.h"

namespace fs = std::filesystem;
using namespace processor_test;

namespace {

struct Run {
  int code = 0;
  std::string err;
};

// Runs `minicloud process ARGS...` in-process and captures stderr and the exit code.
Run run_process(std::vector<std::string> args) {
  CLI::App app{"minicloud"};
  app.require_subcommand(1);
  cli::add_process_command(app);
  args.insert(args.begin(), {"minicloud", "process"});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  std::ostringstream captured;
  auto* old = std::cerr.rdbuf(captured.rdbuf());
  Run run;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    run.code = e.get_exit_code();
  }
  std::cerr.rdbuf(old);
  run.err = captured.str();
  return run;
}

// A fresh, empty directory under the system temp dir.
fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("minicloud-process-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string photo_path(const char* name) { return std::string(MINICLOUD_PHOTOS_DIR) + "/" + name; }

}  // namespace

TEST_CASE("cli process: IN OUT with defaults", "[processor][cli]") {
  const fs::path dir = temp_dir("single");
  const Run run = run_process({photo_path("landscape-eveningglow.jpg"), (dir / "out.jpg").string()});
  CHECK(run.code == 0);
  CHECK(run.err.empty());
  const auto image = decode(read_file((dir / "out.jpg").string()));
  CHECK(image.width() == 512);
  CHECK(image.height() == 512);
}

TEST_CASE("cli process: format from the extension, options, spec file", "[processor][cli]") {
  const fs::path dir = temp_dir("options");
  write_file(dir / "spec.json", R"({"width": 100, "height": 80, "fit": "fill"})");
  const Run run = run_process({photo_path("alpha-small-bear.png"), (dir / "out.png").string(), "--spec-json",
                               (dir / "spec.json").string(), "--height", "50", "--background", "black"});
  CHECK(run.code == 0);
  const std::string bytes = read_file((dir / "out.png").string());
  CHECK(bytes.starts_with("\x89PNG"));
  const auto image = decode(bytes);
  CHECK(image.width() == 100);
  CHECK(image.height() == 50);
  CHECK(image.getpoint(0, 0)[0] < 10);  // transparent corner onto black
}

TEST_CASE("cli process: bad options are usage errors that name the option", "[processor][cli]") {
  const fs::path dir = temp_dir("usage");
  const std::string in = photo_path("grey-1band.jpg"), out = (dir / "out.jpg").string();
  Run run = run_process({in, out, "--fit", "square"});
  CHECK(run.code == 2);
  CHECK_THAT(run.err, Catch::Contains("--fit") && Catch::Contains("cover, contain"));
  run = run_process({in, out, "--quality", "0"});
  CHECK(run.code == 2);
  CHECK_THAT(run.err, Catch::Contains("quality"));
  run = run_process({in});
  CHECK(run.code == 2);
  run = run_process({in, out, "--input-dir", dir.string(), "--output-dir", dir.string()});
  CHECK(run.code == 2);
  run = run_process({in, out, "--spec-json", (dir / "missing.json").string()});
  CHECK(run.code == 2);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("cli process: a bad image fails with its error code", "[processor][cli]") {
  const fs::path dir = temp_dir("bad");
  write_file(dir / "notes.txt", "not an image");
  const Run run = run_process({(dir / "notes.txt").string(), (dir / "out.jpg").string()});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("UnsupportedFormat"));
  CHECK_FALSE(fs::exists(dir / "out.jpg"));
}

TEST_CASE("cli process: batch continues past failures and reports them", "[processor][cli]") {
  const fs::path in = temp_dir("batch-in"), out = temp_dir("batch-out") / "nested";
  fs::copy_file(photo_path("grey-1band.jpg"), in / "a.jpg");
  fs::copy_file(photo_path("alpha-small-bear.png"), in / "b.png");
  fs::copy_file(photo_path("grey-1band.jpg"), in / "b.jpg");  // same stem as b.png
  write_file(in / "broken.jpg", "\xFF\xD8\xFF garbage");
  const Run run = run_process({"--input-dir", in.string(), "--output-dir", out.string(), "--format", "webp"});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("FAILED") && Catch::Contains("broken.jpg") && Catch::Contains("CorruptImage"));
  CHECK_THAT(run.err, Catch::Contains("processed 4 files: 3 ok, 1 failed"));
  CHECK(fs::exists(out / "a.webp"));
  CHECK(fs::exists(out / "b.webp"));
  CHECK(fs::exists(out / "b.png.webp"));
  CHECK_FALSE(fs::exists(out / "broken.webp"));
  CHECK(decode(read_file((out / "a.webp").string())).width() == 512);

  fs::remove(in / "broken.jpg");
  const Run clean = run_process({"--input-dir", in.string(), "--output-dir", out.string()});
  CHECK(clean.code == 0);
  CHECK_THAT(clean.err, Catch::Contains("3 ok, 0 failed"));
}
