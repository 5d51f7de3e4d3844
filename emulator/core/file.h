// Whole small files (templates, manifests, stack files, zips under Lambda's limit) read at
// once; the error says which file and why, for the user.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

namespace core {

std::expected<std::string, std::string> read_file(const std::filesystem::path& path);

}  // namespace core
