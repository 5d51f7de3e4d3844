// Internal to the Engine (engine.cpp, change_sets.cpp, deploy.cpp): a checked request,
// ready to run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloudformation/engine.h"
#include "cloudformation/evaluator.h"

namespace cloudformation {

// CloudFormation's answer to a request it refuses (400 ValidationError).
inline core::Error validation(std::string message) {
  return core::make_error(core::ErrorCode::ValidationError, std::move(message));
}

struct Engine::Plan {
  std::string stack_id, stack_name;
  std::string body;           // the template as sent
  nlohmann::json tmpl;        // parsed and checked
  std::map<std::string, ResolvedParameter> parameters;
  std::vector<StackParameter> stack_parameters;  // as DescribeStacks reports them
  StackRequest request;
  std::string change_set_id;  // when a change set is executed
  bool creating = true;       // no live stack yet
};

}  // namespace cloudformation
