// The image processor on small inputs: format sniffing, the loader allow-list, header
// checks (pixel limit) and a small resize + encode. The decoders are libvips' and its
// libraries' (not instrumented: only a crash or a hang is seen there); the coverage that
// guides the fuzzer is minicloud's own steps.
// Input: image bytes.
#include "fuzz_support.h"
#include "processor/processor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = [] {
    processor::set_threads_per_image(1);
    return processor::init();
  }();
  if (!ready) fuzz::fail("libvips does not start");
  processor::Spec spec;
  spec.width = 16;
  spec.height = 16;
  spec.max_input_pixels = 256 * 256;  // a bigger header is refused before any decoding
  auto image = processor::process(fuzz::as_text(data, size), spec);
  if (image) FUZZ_CHECK(!image->bytes.empty() && image->width > 0 && image->height > 0);
  return 0;
}
