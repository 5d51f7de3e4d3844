// processor_bench: the processor as a long-lived library loop, for scripts/bench processor.
//
//   processor_bench [--threads N] [--seconds S] [--like-sharp] [--out FILE] IMAGE
//       Reads IMAGE once, warms up, then N threads call processor::process() on it with the
//       default Spec (the Lambda's 512x512 JPEG cover) until S seconds have passed. Prints
//       one JSON line: images, seconds, ms_per_image, images_per_s, max_rss_kb.
//       --out writes the warm-up output (for quality comparisons). --like-sharp turns off
//       minicloud's two fixes (EXIF autorotate, white background) to compare with sharp.
//   processor_bench psnr A B
//       Prints the PSNR in dB of encoded image A against B (processor::compare).
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "processor/compare.h"
#include "processor/processor.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int threads = 1;
  double seconds = 2.0;
  bool like_sharp = false;
  std::string out;
  std::string image;
};

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int usage() {
  std::fprintf(stderr,
               "usage: processor_bench [--threads N] [--seconds S] [--like-sharp] [--out FILE] IMAGE\n"
               "       processor_bench psnr A B\n");
  return 2;
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) {
      o.threads = std::stoi(argv[++i]);
    } else if (arg == "--seconds" && has_value) {
      o.seconds = std::stod(argv[++i]);
    } else if (arg == "--out" && has_value) {
      o.out = argv[++i];
    } else if (arg == "--like-sharp") {
      o.like_sharp = true;
    } else if (!arg.starts_with("-") && o.image.empty()) {
      o.image = arg;
    } else {
      return std::nullopt;
    }
  }
  if (o.image.empty() || o.threads < 1 || o.seconds <= 0) return std::nullopt;
  return o;
}

int psnr(const std::string& a_path, const std::string& b_path) {
  const auto a = read_file(a_path), b = read_file(b_path);
  if (!a || !b) return std::fprintf(stderr, "processor_bench: cannot read input\n"), 1;
  const auto cmp = processor::compare(*a, *b);
  if (!cmp) return std::fprintf(stderr, "processor_bench: %s\n", cmp.error().message.c_str()), 1;
  if (!cmp->same_size())
    return std::fprintf(stderr, "processor_bench: sizes differ: %dx%d vs %dx%d\n", cmp->width_a, cmp->height_a,
                        cmp->width_b, cmp->height_b),
           1;
  std::printf("%.2f\n", std::isinf(cmp->psnr_db) ? 99.0 : cmp->psnr_db);
  return 0;
}

// Each thread processes the same bytes until the deadline (at least once); returns images done.
long run_loop(const std::string& input, const processor::Spec& spec, int threads, double seconds) {
  std::atomic<long> done{0};
  std::atomic<bool> failed{false};
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::jthread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      do {
        if (!processor::process(input, spec)) failed = true;
        ++done;
      } while (Clock::now() < deadline);
    });
  }
  workers.clear();  // joins
  return failed ? -1 : done.load();
}

int bench(const Options& o) {
  const auto input = read_file(o.image);
  if (!input) return std::fprintf(stderr, "processor_bench: cannot read %s\n", o.image.c_str()), 1;
  std::string error;
  if (!processor::init(&error)) return std::fprintf(stderr, "processor_bench: %s\n", error.c_str()), 1;
  processor::Spec spec;
  if (o.like_sharp) {  // sharp without .rotate(), JPEG output of alpha: flattened onto black
    spec.autorotate = false;
    spec.background = {0, 0, 0};
  }

  // Warm-up: first use pays for libvips' start-up and page faults, not the steady state.
  auto warm = processor::process(*input, spec);
  if (!warm) return std::fprintf(stderr, "processor_bench: %s\n", warm.error().message.c_str()), 1;
  if (!o.out.empty()) std::ofstream(o.out, std::ios::binary) << warm->bytes;
  run_loop(*input, spec, o.threads, std::min(0.3, o.seconds / 4));

  const auto start = Clock::now();
  const long images = run_loop(*input, spec, o.threads, o.seconds);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (images <= 0) return std::fprintf(stderr, "processor_bench: processing failed\n"), 1;

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("{\"images\": %ld, \"seconds\": %.3f, \"ms_per_image\": %.2f, \"images_per_s\": %.2f, "
              "\"max_rss_kb\": %ld}\n",
              images, elapsed, 1000.0 * elapsed * o.threads / static_cast<double>(images),
              static_cast<double>(images) / elapsed, usage.ru_maxrss);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "psnr") return psnr(argv[2], argv[3]);
  const auto options = parse_args(argc, argv);
  if (!options) return usage();
  return bench(*options);
}
