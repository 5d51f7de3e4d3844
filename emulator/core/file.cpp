#include "core/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace core {

std::expected<std::string, std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::unexpected("cannot read " + path.string());
  return out.str();
}

}  // namespace core
