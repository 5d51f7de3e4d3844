// StackStore: CloudFormation's state on disk (`cloudformation.sqlite` in the data dir):
// stacks (deleted ones too, as CloudFormation lists them), their events and change sets,
// each kept as one JSON document (model.h), so a new field needs no migration.
//
// Not thread-safe: the Engine serialises access.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "cloudformation/model.h"
#include "core/error.h"
#include "store/db.h"

namespace cloudformation {

class StackStore {
 public:
  static core::Result<std::unique_ptr<StackStore>> open(const std::filesystem::path& file, std::int64_t now_ms);

  core::Result<void> save(const StackRecord& stack);  // insert or replace, by stack id
  core::Result<std::vector<StackRecord>> stacks();    // oldest first
  core::Result<void> add(const StackEvent& event);
  core::Result<std::vector<StackEvent>> events(const std::string& stack_id);  // newest first
  core::Result<void> save(const ChangeSet& change_set);
  core::Result<void> remove_change_set(const std::string& id);
  core::Result<std::vector<ChangeSet>> change_sets();  // oldest first

 private:
  explicit StackStore(store::Database db) : db_(std::move(db)) {}
  store::Database db_;
};

}  // namespace cloudformation
