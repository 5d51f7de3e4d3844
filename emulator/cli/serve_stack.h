// `serve --stack PATH`: what PATH brings, told apart by content. A minicloud stack JSON is
// the base stack itself; a CloudFormation template (JSON or YAML) or a CDK cloud assembly
// (cdk.out) is deployed through minicloud's CloudFormation on top of a base stack that
// only holds the keys and region, exactly as `aws cloudformation deploy` / `cdk deploy`
// would deploy it, so the stacks are listed, updated and deleted through the same API.
#pragma once

#include <expected>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloudformation/engine.h"
#include "stack/runtime.h"
#include "stack/stack.h"

namespace cli {

struct StackArguments {
  std::string path;                     // --stack ("" -> the embedded default stack)
  std::string stack_name;               // --stack-name
  std::vector<std::string> parameters;  // --parameter KEY=VALUE
  std::string overlay_file;             // --overlay
  bool empty = false;                   // --empty: no default stack
};

struct StackSetup {
  stack::Stack base;
  std::vector<cloudformation::StackRequest> deployments;  // in order (an assembly's dependencies first)
  // Filled into RuntimeOptions: the assembly's file assets, overlay, SSM fallbacks.
  cloudformation::CodeSource assets;
  cloudformation::Overlay overlay;
  std::map<std::string, std::string> ssm_fallback;
};

// Reads PATH and the options around it; the error is for the user (exit code 2).
std::expected<StackSetup, std::string> read_stack_arguments(const StackArguments& arguments);

// Deploys each stack (create, or update by difference when the data dir already has it)
// and waits for it. Returns what the ready file reports ({name, id, status, outputs}), or
// the failure with the failing resource's reason.
std::expected<nlohmann::json, std::string> deploy_stacks(stack::Runtime& runtime,
                                                         const std::vector<cloudformation::StackRequest>& deployments);

}  // namespace cli
