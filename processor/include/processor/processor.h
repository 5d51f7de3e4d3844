// The avatar image processor: input bytes + Spec -> encoded image bytes.
//
// Contract:
// - No HTTP, no S3, no files: bytes in, bytes out. Callers own I/O.
// - Thread-safe: process() may be called from many threads at once. libvips is
//   initialised once (on first use, or by init()), with its operation cache off so a
//   long-lived server's memory stays bounded.
// - Never throws for bad input: every failure is an Error value with a stable code.
// - Untrusted loaders (ImageMagick, PDF, SVG, ...) are blocked: only the formats in
//   accepted_input_formats() are ever decoded.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "processor/spec.h"

namespace processor {

enum class ErrorCode {
  EmptyInput,         // zero bytes
  UnsupportedFormat,  // not an image, or a format whose loader is blocked
  CorruptImage,       // decoder failed or warned (truncated, bad data)
  TooManyPixels,      // width*height over Spec::max_input_pixels, seen from the header
  InvalidSpec,        // the Spec itself is wrong (e.g. width 0)
  Internal,           // libvips failed for a reason that is not the input's fault
};

// Stable, machine-readable name ("EmptyInput", ...) for logs, CLI and event records.
std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;  // human-readable, says what was wrong with the input
};

struct Image {
  std::string bytes;  // the encoded output
  int width = 0;
  int height = 0;
  Format format = Format::Jpeg;
};

// Initialise libvips once (idempotent, thread-safe). process() calls it; call it early
// to fail fast at start-up. Returns false with a message if libvips cannot start.
bool init(std::string* error = nullptr);

// Worker threads libvips may use inside one process() call (default: one per core).
// Process-wide. Callers that already run one image per core (batch) set 1 so the two
// levels of parallelism do not oversubscribe the CPU. Initialises libvips if needed.
// Returns the previous value, to restore it.
int set_threads_per_image(int threads);

// Decode `input`, apply `spec`, encode. See spec.h for the steps and defaults.
std::expected<Image, Error> process(std::string_view input, const Spec& spec);

// Loader names that process() accepts ("jpegload_buffer", ...), for docs and tests.
std::vector<std::string> accepted_input_formats();

}  // namespace processor
