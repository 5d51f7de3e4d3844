// Helpers shared by the processor unit tests: read photos, decode outputs.
#pragma once

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

#include <vips/vips8>

#include "processor/processor.h"

namespace processor_test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string photo(const std::string& name) {
  return read_file(std::string(MINICLOUD_PHOTOS_DIR) + "/" + name);
}

inline std::string sharp_ref(const std::string& stem) {
  return read_file(std::string(MINICLOUD_PHOTOS_DIR) + "/sharp-ref/" + stem + ".jpg");
}

// Decodes test output with libvips directly (trusted bytes made by the test itself).
// copy_memory(): libvips borrows `bytes`, so decode fully before they go away.
inline vips::VImage decode(const std::string& bytes) {
  processor::init();
  return vips::VImage::new_from_buffer(bytes, "").copy_memory();
}

// Encodes a test image in memory, e.g. encode(img, ".png").
inline std::string encode(const vips::VImage& image, const char* suffix) {
  void* buf = nullptr;
  size_t size = 0;
  image.write_to_buffer(suffix, &buf, &size);
  std::string bytes(static_cast<const char*>(buf), size);
  g_free(buf);
  return bytes;
}

}  // namespace processor_test
