// `minicloud process IN OUT [options]` and `minicloud process --input-dir D --output-dir D`.
// Thin I/O around processor::process(): read bytes, build a Spec, write bytes.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "processor/processor.h"

namespace cli {

namespace {

namespace fs = std::filesystem;

constexpr int kExitFailed = 1;  // an image could not be processed
constexpr int kExitUsage = 2;   // bad options

struct ProcessOptions {
  std::string input, output;           // files, or "-" for stdin/stdout
  std::string input_dir, output_dir;   // batch form
  int width = 0, height = 0, quality = 0;
  std::uint64_t max_input_pixels = 0;
  std::string fit, position, format, background, spec_json;
  bool no_autorotate = false;
  CLI::App* command = nullptr;  // to ask which options were given
};

[[noreturn]] void fail(int code, const std::string& message) {
  std::cerr << "minicloud process: " << message << "\n";
  throw CLI::RuntimeError(code);
}

bool given(const ProcessOptions& o, const char* name) { return o.command->count(name) > 0; }

std::expected<std::string, std::string> read_all(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::expected<void, std::string> write_all(const std::string& path, const std::string& bytes) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    return {};
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return std::unexpected("cannot write " + path);
  return {};
}

// "out.png" -> Png when --format is not given; anything else keeps the Spec's format.
std::optional<processor::Format> format_from_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  if (ext.empty()) return std::nullopt;
  auto format = processor::parse_format(ext.substr(1));
  return format ? std::optional(*format) : std::nullopt;
}

template <typename T>
T parsed_or_fail(std::expected<T, std::string> value, const char* option) {
  if (!value) fail(kExitUsage, std::string(option) + ": " + value.error());
  return *value;
}

// Defaults, then --spec-json, then each option given on the command line.
processor::Spec build_spec(const ProcessOptions& o) {
  processor::Spec spec;
  if (!o.spec_json.empty()) {
    auto text = read_all(o.spec_json);
    if (!text) fail(kExitUsage, "--spec-json: " + text.error());
    spec = parsed_or_fail(processor::spec_from_json(*text), "--spec-json");
  }
  if (given(o, "--width")) spec.width = o.width;
  if (given(o, "--height")) spec.height = o.height;
  if (given(o, "--quality")) spec.quality = o.quality;
  if (given(o, "--max-input-pixels")) spec.max_input_pixels = o.max_input_pixels;
  if (given(o, "--fit")) spec.fit = parsed_or_fail(processor::parse_fit(o.fit), "--fit");
  if (given(o, "--position")) spec.position = parsed_or_fail(processor::parse_position(o.position), "--position");
  if (given(o, "--format")) spec.format = parsed_or_fail(processor::parse_format(o.format), "--format");
  if (given(o, "--background")) spec.background = parsed_or_fail(processor::parse_colour(o.background), "--background");
  if (o.no_autorotate) spec.autorotate = false;
  if (auto valid = processor::validate(spec); !valid) fail(kExitUsage, valid.error());
  return spec;
}

std::string describe(const processor::Error& error) {
  return std::string(processor::to_string(error.code)) + ": " + error.message;
}

void process_one(const ProcessOptions& o, processor::Spec spec) {
  if (!given(o, "--format") && o.output != "-")
    if (auto format = format_from_extension(o.output)) spec.format = *format;
  auto input = read_all(o.input);
  if (!input) fail(kExitFailed, input.error());
  auto image = processor::process(*input, spec);
  if (!image) fail(kExitFailed, (o.input == "-" ? std::string("stdin") : o.input) + ": " + describe(image.error()));
  if (auto written = write_all(o.output, image->bytes); !written) fail(kExitFailed, written.error());
}

// --- batch ----------------------------------------------------------------------------

struct Job {
  fs::path input, output;
};

// One output per input: "<stem>.<ext>"; two inputs with the same stem (a.jpg, a.png)
// keep their full names ("a.png.jpg") so neither overwrites the other.
std::vector<Job> plan_jobs(const fs::path& in_dir, const fs::path& out_dir, processor::Format format) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(in_dir))
    if (entry.is_regular_file() && !entry.path().filename().string().starts_with('.')) files.push_back(entry.path());
  std::ranges::sort(files);
  const std::string ext = "." + std::string(processor::extension(format));
  std::set<std::string> taken;
  std::vector<Job> jobs;
  for (const auto& file : files) {
    std::string name = file.stem().string() + ext;
    if (!taken.insert(name).second) name = file.filename().string() + ext;
    taken.insert(name);
    jobs.push_back({file, out_dir / name});
  }
  return jobs;
}

// Progress and failure lines on stderr, from many worker threads.
class Reporter {
 public:
  explicit Reporter(std::size_t total) : total_(total), bar_(isatty(STDERR_FILENO) != 0) {}

  void done(const Job& job, const std::string& error) {
    std::lock_guard lock(mutex_);
    ++finished_;
    if (!error.empty()) {
      ++failed_;
      if (bar_) std::cerr << "\r\033[K";
      std::cerr << "FAILED " << job.input.string() << ": " << error << "\n";
    }
    if (bar_) draw();
  }

  std::size_t failed() const { return failed_; }

  void summary(double seconds) const {
    if (bar_) std::cerr << "\n";
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.2f s (%.1f images/s)", seconds,
                  seconds > 0 ? static_cast<double>(total_) / seconds : 0.0);
    std::cerr << "processed " << total_ << " files: " << total_ - failed_ << " ok, " << failed_ << " failed in "
              << rate << "\n";
  }

 private:
  void draw() const {
    constexpr int kWidth = 30;
    const int filled = total_ == 0 ? kWidth : static_cast<int>(kWidth * finished_ / total_);
    std::cerr << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << finished_ << "/"
              << total_ << std::flush;
  }

  std::mutex mutex_;
  std::size_t total_, finished_ = 0, failed_ = 0;
  bool bar_;
};

std::string run_job(const Job& job, const processor::Spec& spec) {
  auto input = read_all(job.input.string());
  if (!input) return input.error();
  auto image = processor::process(*input, spec);
  if (!image) return describe(image.error());
  if (auto written = write_all(job.output.string(), image->bytes); !written) return written.error();
  return {};
}

void process_batch(const ProcessOptions& o, const processor::Spec& spec) {
  if (!fs::is_directory(o.input_dir)) fail(kExitUsage, "--input-dir: not a directory: " + o.input_dir);
  std::error_code ec;
  fs::create_directories(o.output_dir, ec);
  if (ec) fail(kExitFailed, "--output-dir: cannot create " + o.output_dir + ": " + ec.message());
  const std::vector<Job> jobs = plan_jobs(o.input_dir, o.output_dir, spec.format);

  // One image per core; libvips then uses one thread inside each image.
  const unsigned workers = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                            static_cast<unsigned>(jobs.size())));
  const int threads_before = processor::set_threads_per_image(1);
  Reporter reporter(jobs.size());
  std::atomic<std::size_t> next{0};
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> pool;
    for (unsigned i = 0; i < workers; ++i)
      pool.emplace_back([&] {
        for (std::size_t n; (n = next++) < jobs.size();) reporter.done(jobs[n], run_job(jobs[n], spec));
      });
  }
  processor::set_threads_per_image(threads_before);
  reporter.summary(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (reporter.failed() > 0) throw CLI::RuntimeError(kExitFailed);
}

void run(const ProcessOptions& o) {
  const bool single = !o.input.empty() || !o.output.empty();
  const bool batch = !o.input_dir.empty() || !o.output_dir.empty();
  if (single == batch)
    fail(kExitUsage, "give either IN OUT, or --input-dir DIR --output-dir DIR (see --help)");
  if (single && (o.input.empty() || o.output.empty())) fail(kExitUsage, "need both IN and OUT (use - for stdin/stdout)");
  if (batch && (o.input_dir.empty() || o.output_dir.empty())) fail(kExitUsage, "need both --input-dir and --output-dir");
  const processor::Spec spec = build_spec(o);
  if (std::string error; !processor::init(&error)) fail(kExitFailed, error);
  if (single)
    process_one(o, spec);
  else
    process_batch(o, spec);
}

}  // namespace

void add_process_command(CLI::App& app) {
  auto options = std::make_shared<ProcessOptions>();
  CLI::App* cmd = app.add_subcommand(
      "process",
      "Resize an image like the original Lambda (512x512 cover crop, JPEG q80), with EXIF "
      "rotation and white background by default. IN/OUT may be - for stdin/stdout.");
  options->command = cmd;
  cmd->add_option("IN", options->input, "input image file, or - for stdin");
  cmd->add_option("OUT", options->output, "output file, or - for stdout (format from extension unless --format)");
  cmd->add_option("--input-dir", options->input_dir, "batch: process every file in this directory");
  cmd->add_option("--output-dir", options->output_dir, "batch: write <name>.<format> here (created if missing)");
  cmd->add_option("--width", options->width, "output width in pixels (default 512)");
  cmd->add_option("--height", options->height, "output height in pixels (default 512)");
  cmd->add_option("--fit", options->fit, "cover (default), contain, fill, inside, outside");
  cmd->add_option("--position", options->position, "crop anchor for cover: centre (default), entropy, attention");
  cmd->add_option("--format", options->format, "jpeg (default), png, webp, avif");
  cmd->add_option("--quality", options->quality, "1-100 (default 80)");
  cmd->add_option("--background", options->background, "flatten/padding colour: #rrggbb, r,g,b or a name (default white)");
  cmd->add_flag("--no-autorotate", options->no_autorotate, "ignore EXIF orientation (what sharp does)");
  cmd->add_option("--max-input-pixels", options->max_input_pixels, "refuse larger inputs (default 268402689)");
  cmd->add_option("--spec-json", options->spec_json, "read the Spec from a JSON file; other options override it");
  cmd->callback([options] { run(*options); });
}

}  // namespace cli
