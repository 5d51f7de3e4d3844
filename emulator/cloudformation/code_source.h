// CodeSource: where a Lambda function's code is on disk. A cloud assembly's file assets
// (serve --stack cdk.out) are used where they lie; a zip object in the store (cdk deploy
// uploads one to the staging bucket) is unpacked once under the functions dir, named by
// its content's hash; CloudFormation's inline `ZipFile` source is written there too.
#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace cloudformation {

class CodeSource {
 public:
  // The assembly's asset at `path` (a directory, or a .zip file) is what the template
  // names as s3://bucket/key.
  void add_asset(std::string bucket, std::string key, std::filesystem::path path);
  bool has_assets() const { return !assets_.empty(); }

  // The directory with the code a Lambda `Code` property names. The error says what is
  // missing or unreadable.
  std::expected<std::filesystem::path, std::string> directory(const nlohmann::json& code, std::string_view runtime,
                                                              std::string_view handler, store::Store& store,
                                                              const std::filesystem::path& functions_dir) const;

 private:
  std::map<std::pair<std::string, std::string>, std::filesystem::path> assets_;
};

}  // namespace cloudformation
