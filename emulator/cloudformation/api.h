// CloudFormation's API (2010-05-15, query protocol) over an Engine: what `cdk bootstrap`,
// `cdk deploy`, `cdk destroy` and `aws cloudformation deploy` call. Stacks and change
// sets: CreateStack, UpdateStack, DeleteStack, DescribeStacks, DescribeStackEvents,
// DescribeStackResource(s), ListStacks, ListStackResources, GetTemplate (the body exactly
// as sent), GetTemplateSummary, ValidateTemplate, Create/Describe/Execute/Delete/
// ListChangeSets, ListExports, ListImports, UpdateTerminationProtection. A TemplateURL is
// read from minicloud's own S3. Answers and error messages are CloudFormation's.
#pragma once

#include "cloudformation/engine.h"
#include "rpc/service.h"

namespace cloudformation {

// The service's table; `engine` must outlive it.
rpc::Service make_api(Engine& engine);

}  // namespace cloudformation
