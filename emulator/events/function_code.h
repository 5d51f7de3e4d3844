// Function code: a Lambda function's code directory, from a deployment package (the zip
// CloudFormation's Code.S3Bucket/S3Key names) or from inline source (Code.ZipFile).
//
// Both build the directory beside dest_dir under a temporary name and rename it into place
// (swapping it with an existing dest_dir in one rename where the filesystem allows), so a
// function never sees half of its code, and a failure leaves dest_dir as it was.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace events {

struct ZipLimits {
  std::uint64_t max_bytes = 262'144'000;  // Lambda's limit on a function's unzipped code (250 MB)
  std::uint64_t max_entries = 100'000;
};

// Extracts a zip (as read, e.g. from S3) into dest_dir. Keeps each file's unix permission
// bits (so an executable stays executable; owner read is always added); directories are
// created 0755 (less the umask); symlinks are kept. Refused, with a message naming the
// entry: an absolute path or a `..` component (a leading "./" and doubled slashes are
// fine), a symlink whose target is absolute or resolves outside the tree, an entry inside
// a symlinked directory, a device or FIFO, an encrypted entry. Refused as a whole: bytes
// that are not a zip, a corrupt entry (bad CRC, bad deflate stream), more than
// limits.max_entries entries, more than limits.max_bytes unzipped (checked against the
// sizes the zip declares before extracting anything, and against the bytes actually
// inflated, so a lying header stops at the limit too). A later entry with an earlier one's
// name replaces it, as `unzip -o` does.
std::expected<void, std::string> extract_zip(std::string_view zip_bytes, const std::filesystem::path& dest_dir,
                                             const ZipLimits& limits = {});

// CloudFormation's Code.ZipFile: the source becomes dest_dir/index.js for nodejs* runtimes
// and dest_dir/index.py for python3.* (an error for any other runtime, as CloudFormation
// allows ZipFile only for those). The file is always named index, as CloudFormation names
// it, whatever the handler says: a handler naming another module fails at invoke with
// Runtime.ImportModuleError, as it does on AWS (so the handler is not used here; it is
// taken so callers pass the function's properties as they are).
std::expected<void, std::string> write_inline_code(std::string_view runtime, std::string_view handler,
                                                   std::string_view source, const std::filesystem::path& dest_dir);

}  // namespace events
