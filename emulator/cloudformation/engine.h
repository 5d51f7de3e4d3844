// Engine: CloudFormation's deployments. Requests are checked at once (a template error is
// a ValidationError before anything changes); the work then runs on the engine's own
// thread, one operation at a time, reporting statuses and events as CloudFormation does:
//
//   create: CREATE_IN_PROGRESS -> each resource in dependency order -> CREATE_COMPLETE,
//           or on a failure ROLLBACK_IN_PROGRESS (what was made is deleted) -> ROLLBACK_COMPLETE
//   update: by difference with what is deployed: new resources created, changed ones
//           updated in place or replaced, removed ones deleted at cleanup
//           (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> UPDATE_COMPLETE); on a failure
//           UPDATE_ROLLBACK_IN_PROGRESS puts back what was there -> UPDATE_ROLLBACK_COMPLETE
//   delete: resources in reverse creation order (DeletionPolicy Retain: kept), a failure
//           (a bucket that is not empty) leaves DELETE_FAILED
//
// What the deployed resources run (functions, topics, distributions) reaches the running
// stack through `contribute` after every resource, so a notification can name a function
// created a step earlier. State persists in `cloudformation.sqlite`; restore() brings the
// running part back after a restart.
//
// Errors are core::Error with CloudFormation's codes and messages (ValidationError
// "Stack with id X does not exist", AlreadyExistsException, ChangeSetNotFound, ...).
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloudformation/code_source.h"
#include "cloudformation/model.h"
#include "cloudformation/resource_type.h"
#include "cloudformation/stack_store.h"
#include "core/error.h"
#include "stack/stack.h"
#include "store/store.h"

namespace cloudformation {

struct Environment;

struct EngineOptions {
  std::filesystem::path data_dir;  // cloudformation.sqlite, and lambda-code/ for unpacked code
  std::string region = "us-east-1";
  store::Store* store = nullptr;
  ssm::ParameterStore* parameters = nullptr;
  std::filesystem::path support_dir;  // the Lambda runners' directory
  std::function<std::shared_ptr<const stack::Stack>()> running;
  // Runtime::set_contribution.
  std::function<std::expected<void, std::string>(const std::string& owner, stack::Stack contribution)> contribute;
  std::function<std::int64_t()> now_ms;  // default: the system clock
  Overlay overlay;
  CodeSource code;
  // SSM parameters a template's parameter types ask for when the store has none (serve
  // --stack cdk.out needs no bootstrap: the CDK bootstrap version the template checks).
  std::map<std::string, std::string> ssm_fallback;
  // Told what the user should hear (a bucket created because the template only named it).
  std::function<void(const std::string& message)> say;
};

struct ParameterInput {
  std::string key, value;
  bool use_previous = false;
};

struct StackRequest {
  std::string stack_name;     // a name; for existing stacks also the stack id
  std::string template_body;  // the template as sent (JSON or YAML)
  bool use_previous_template = false;
  std::vector<ParameterInput> parameters;
  std::vector<std::string> capabilities, notification_arns;
  std::vector<Tag> tags;
  std::string role_arn;
  bool disable_rollback = false;
  std::string on_failure;  // CreateStack: ROLLBACK (default), DELETE, DO_NOTHING
  bool termination_protection = false;
};

struct ChangeSetRequest {
  StackRequest stack;
  std::string name, type = "UPDATE", description;  // type: CREATE | UPDATE
};

struct TemplateSummary {
  std::string description;
  nlohmann::json parameters = nlohmann::json::array();  // [{ParameterKey, DefaultValue, ParameterType, NoEcho, Description, ParameterConstraints}]
  std::vector<std::string> capabilities;
  std::string capabilities_reason;
  std::vector<std::string> resource_types, resource_ids;
  std::vector<std::string> declared_transforms;
};

class Engine {
 public:
  static core::Result<std::unique_ptr<Engine>> open(EngineOptions options);
  ~Engine();  // finishes the running operation; queued ones are dropped
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // After a restart: stacks cut off mid-operation are marked failed; every live stack's
  // functions, topics and distributions join the running stack again.
  core::Result<void> restore();

  core::Result<std::string> create_stack(const StackRequest& request);  // the stack id
  core::Result<std::string> update_stack(const StackRequest& request);
  core::Result<void> delete_stack(const std::string& name_or_id, const std::vector<std::string>& retain_resources = {});
  // Create or update, whichever applies; "no changes" is success (serve --stack).
  core::Result<std::string> deploy(const StackRequest& request);

  core::Result<ChangeSet> create_change_set(const ChangeSetRequest& request);
  core::Result<ChangeSet> change_set(const std::string& name_or_id, const std::string& stack_name) const;
  std::vector<ChangeSet> change_sets(const std::string& stack_name) const;
  core::Result<void> execute_change_set(const std::string& name_or_id, const std::string& stack_name, bool disable_rollback = false);
  core::Result<void> delete_change_set(const std::string& name_or_id, const std::string& stack_name);

  // A name finds the live stack; a stack id also finds a deleted one.
  core::Result<StackRecord> stack(const std::string& name_or_id) const;
  std::vector<StackRecord> stacks() const;  // every stack, deleted ones too, oldest first
  core::Result<std::vector<StackEvent>> events(const std::string& name_or_id) const;  // newest first
  struct Export {
    std::string stack_id, name, value;
  };
  std::vector<Export> exports() const;
  core::Result<void> set_termination_protection(const std::string& name_or_id, bool enabled);

  // GetTemplateSummary / ValidateTemplate.
  core::Result<TemplateSummary> summarize(const std::string& template_body) const;
  // A TemplateURL's object, read from the store: https://s3[.region].amazonaws.com/bucket/key,
  // https://bucket.s3[.region].amazonaws.com/key, http://localhost:4566/bucket/key, s3://bucket/key.
  core::Result<std::string> template_from_url(const std::string& url) const;

  // Blocks until no operation is queued or running.
  void wait_idle();

 private:
  struct Plan;
  explicit Engine(EngineOptions options) : options_(std::move(options)) {}
  std::int64_t now() const { return options_.now_ms(); }

  // engine.cpp: requests
  core::Result<Plan> plan(const StackRequest& request, const StackRecord* existing) const;
  // What the template evaluator needs from the world: pseudo parameters, SSM parameters,
  // other stacks' exports.
  Environment environment(const std::string& stack_name, const std::string& stack_id) const;
  const StackRecord* find_locked(const std::string& name_or_id) const;
  void enqueue(std::function<void()> job);
  void worker_loop();

  // change_sets.cpp
  std::vector<ResourceChange> changes(const Plan& plan, const StackRecord* existing) const;

  // deploy.cpp: the operations, on the worker thread
  void run_deploy(Plan plan);
  void run_delete(const std::string& stack_id, std::vector<std::string> retain);
  void commit(const StackRecord& stack);
  void emit(const StackRecord& stack, const std::string& logical_id, const std::string& physical_id,
            const std::string& type, const std::string& status, const std::string& reason,
            const nlohmann::json& properties = nullptr);
  void set_status(StackRecord& stack, const std::string& status, const std::string& reason);
  void publish(const StackRecord& stack);
  ResourceContext context_for(const StackRecord& stack, const std::string& logical_id) const;

  EngineOptions options_;
  std::unique_ptr<StackStore> db_;

  mutable std::mutex mutex_;  // guards everything below and every db_ call
  std::map<std::string, StackRecord> stacks_;  // by stack id
  std::vector<std::string> order_;             // stack ids, oldest first
  std::map<std::string, ChangeSet> change_sets_;  // by id
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false, stopping_ = false;
  std::condition_variable wake_, idle_;
  std::thread worker_;  // last: starts after everything above exists
};

}  // namespace cloudformation
