// ssm::ParameterStore: SSM Parameter Store's data, kept in its own SQLite file
// (`ssm.sqlite` in the data dir; WAL; numbered migrations like the store's). The JSON API
// (ssm/api.h) and the CloudFormation engine (AWS::SSM::Parameter, {{resolve:ssm:...}},
// the CDK bootstrap version) both use this interface.
//
// Contracts
// - Names as SSM takes them: 1..2048 characters of a-z A-Z 0-9 _ . - /, not starting with
//   "aws" or "ssm" (any case); a name holding '/' is a path, must start with '/', has no
//   empty segment, and at most 15 levels (HierarchyLevelLimitExceeded). Anything else:
//   ValidationException with SSM's message.
// - put() keeps every version (the newest 100, as SSM): version 1 on creation, +1 on each
//   overwrite. LastModifiedDate is the injected clock's.
// - SecureString values are stored as given (no KMS): WithDecryption changes nothing.
// - Thread-safe (one mutex around the connection).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/db.h"

namespace ssm {

struct Parameter {
  std::string name;
  std::string type = "String";  // String | StringList | SecureString
  std::string value;
  std::string description;
  std::string data_type = "text";  // text | aws:ec2:image | aws:ssm:integration
  std::string tier = "Standard";   // Standard | Advanced
  std::int64_t version = 0;           // set by put()
  std::int64_t last_modified_ms = 0;  // set by put()
  std::string last_modified_user;     // the ARN of who wrote it ("" when unknown)
};

class ParameterStore {
 public:
  static constexpr std::int64_t kMaxVersions = 100;

  // Opens (creating and migrating) the database at `file`. `region` goes into ARNs;
  // `now_ms` empty: the system clock.
  static core::Result<std::unique_ptr<ParameterStore>> open(const std::filesystem::path& file, std::string region,
                                                            std::function<std::int64_t()> now_ms = {});

  // ValidationException / HierarchyLevelLimitExceeded for a name SSM refuses.
  static core::Result<void> validate_name(std::string_view name);
  // arn:aws:ssm:<region>:000000000000:parameter/<name without its leading '/'>
  std::string arn(std::string_view name) const;

  // The newest version (ParameterNotFound), or a given one (ParameterVersionNotFound
  // "Systems Manager could not find version 3 of /a. Verify the version and try again.").
  core::Result<Parameter> get(std::string_view name) const;
  core::Result<Parameter> get(std::string_view name, std::int64_t version) const;

  // Writes `parameter` (name, type, value, description, data type, tier; the caller has
  // validated them) as a new version and returns it. An existing name without `overwrite`:
  // ParameterAlreadyExists. Versions beyond kMaxVersions drop the oldest.
  core::Result<std::int64_t> put(Parameter parameter, bool overwrite);
  // Deletes every version; ParameterNotFound when absent.
  core::Result<void> remove(std::string_view name);

  // The newest version of each parameter under `path` ("/a/b" or "/a/b/"; "/" is every
  // path-named parameter): its direct children, or with `recursive` every descendant, in
  // name order, after the name `after` ("" from the start), at most `limit`.
  core::Result<std::vector<Parameter>> list_by_path(std::string_view path, bool recursive, std::string_view after,
                                                    std::size_t limit) const;
  // Every parameter (newest versions) in name order, after `after`, at most `limit`.
  core::Result<std::vector<Parameter>> list(std::string_view after, std::size_t limit) const;
  // Every kept version of `name`, oldest first; ParameterNotFound when absent.
  core::Result<std::vector<Parameter>> history(std::string_view name) const;

 private:
  ParameterStore(store::Database db, std::string region, std::function<std::int64_t()> now_ms)
      : db_(std::move(db)), region_(std::move(region)), now_ms_(std::move(now_ms)) {}
  core::Result<std::vector<Parameter>> query(std::string_view where, std::string_view after, std::size_t limit,
                                             std::string_view path_prefix) const;

  mutable std::mutex mutex_;
  mutable store::Database db_;
  std::string region_;
  std::function<std::int64_t()> now_ms_;
};

}  // namespace ssm
