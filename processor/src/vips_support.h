// Internal: libvips start-up and error conversion shared by the pipeline steps.
#pragma once

#include <string>
#include <string_view>

#include <vips/vips8>

#include "processor/processor.h"

namespace processor::detail {

// init() as an Error value, for the top of every public entry point.
std::expected<void, Error> ensure_init();

// Turns a libvips failure into an Error. libvips keeps one process-wide error buffer;
// the message is taken from the exception and the buffer cleared so it cannot fill up
// (it silently drops messages once full).
Error vips_failure(ErrorCode code, std::string_view context, const vips::VError& error);

// The value of "opaque" for the image's pixel scale (vips_interpretation_max_alpha()
// is not public in 8.14).
inline double max_alpha(const vips::VImage& image) {
  const auto kind = image.interpretation();
  return kind == VIPS_INTERPRETATION_RGB16 || kind == VIPS_INTERPRETATION_GREY16 ? 65535.0 : 255.0;
}

}  // namespace processor::detail
