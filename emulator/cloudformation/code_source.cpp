#include "cloudformation/code_source.h"


#include "auth/crypto.h"
#include "core/file.h"
#include "events/function_code.h"

namespace cloudformation {
namespace {

// Lambda takes zips up to 250 MB unpacked; a zip larger than that cannot be valid code.
constexpr std::int64_t kMaxZipBytes = 262'144'000;

std::expected<std::filesystem::path, std::string> unpacked(std::string_view zip, const std::filesystem::path& functions_dir) {
  auto dir = functions_dir / ("zip-" + auth::sha256_hex(zip).substr(0, 32));
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return dir;  // unpacked before: same bytes, same code
  if (auto ok = events::extract_zip(zip, dir); !ok) return std::unexpected("cannot unpack the function's code: " + ok.error());
  return dir;
}

std::expected<std::string, std::string> read_object(store::Store& store, const std::string& bucket, const std::string& key) {
  auto object = store.get_object(bucket, key);
  if (!object) return std::unexpected("Error occurred while GetObject. S3 Error Code: " + std::string(object.error().code_name()) +
                                      ". S3 Error Message: " + object.error().effective_message() + " (s3://" + bucket + "/" + key + ")");
  auto& [meta, reader] = *object;
  if (meta.size > kMaxZipBytes) return std::unexpected("s3://" + bucket + "/" + key + " is larger than Lambda's 250 MB code limit");
  std::string bytes(static_cast<std::size_t>(meta.size), '\0');
  std::int64_t offset = 0;
  while (offset < meta.size) {
    auto n = reader.read(offset, bytes.data() + offset, static_cast<std::size_t>(meta.size - offset));
    if (!n) return std::unexpected(n.error().effective_message());
    if (*n == 0) return std::unexpected("s3://" + bucket + "/" + key + " ended early");
    offset += static_cast<std::int64_t>(*n);
  }
  return bytes;
}

}  // namespace

void CodeSource::add_asset(std::string bucket, std::string key, std::filesystem::path path) {
  assets_[{std::move(bucket), std::move(key)}] = std::move(path);
}

std::expected<std::filesystem::path, std::string> CodeSource::directory(const nlohmann::json& code, std::string_view runtime,
                                                                        std::string_view handler, store::Store& store,
                                                                        const std::filesystem::path& functions_dir) const {
  if (!code.is_object()) return std::unexpected("Code must be an object");
  if (code.contains("ImageUri"))
    return std::unexpected("minicloud runs functions from zip code (Node.js and Python); container images (ImageUri) are not supported");
  if (code.contains("ZipFile")) {
    std::string source = code["ZipFile"].is_string() ? code["ZipFile"].get<std::string>() : code["ZipFile"].dump();
    auto dir = functions_dir / ("inline-" + auth::sha256_hex(std::string(runtime) + "\n" + std::string(handler) + "\n" + source).substr(0, 32));
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return dir;
    if (auto ok = events::write_inline_code(runtime, handler, source, dir); !ok) return std::unexpected(ok.error());
    return dir;
  }
  std::string bucket = code.value("S3Bucket", std::string()), key = code.value("S3Key", std::string());
  if (bucket.empty() || key.empty()) return std::unexpected("Code needs S3Bucket and S3Key, or ZipFile");
  if (auto it = assets_.find({bucket, key}); it != assets_.end()) {
    std::error_code ec;
    if (std::filesystem::is_directory(it->second, ec)) return it->second;
    auto zip = core::read_file(it->second);
    if (!zip) return std::unexpected(zip.error());
    return unpacked(*zip, functions_dir);
  }
  auto zip = read_object(store, bucket, key);
  if (!zip) return std::unexpected(zip.error());
  return unpacked(*zip, functions_dir);
}

}  // namespace cloudformation
