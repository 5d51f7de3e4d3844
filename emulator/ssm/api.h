// SSM Parameter Store's API (awsJson1_1, "X-Amz-Target: AmazonSSM.<Action>") over a
// ParameterStore: GetParameter (Name or "name:version"), GetParameters (found in
// Parameters, the rest in InvalidParameters), PutParameter (Type String | StringList |
// SecureString, Overwrite, Description, Tier, DataType; Value up to 4096 characters in the
// Standard tier, 8192 in Advanced; answers Version and Tier), DeleteParameter,
// DeleteParameters, GetParametersByPath (Recursive, MaxResults <= 10, NextToken),
// DescribeParameters (MaxResults <= 50, NextToken; Filters / ParameterFilters on Name
// (Equals, BeginsWith), Type and Path (Recursive, OneLevel)), GetParameterHistory.
// Differences from AWS: SecureString values are stored and returned as given
// (WithDecryption and KeyId change nothing); AllowedPattern, Tags and Policies are accepted
// and ignored; there are no labels ("name:label" finds nothing).
#pragma once

#include "rpc/service.h"
#include "ssm/parameter_store.h"

namespace ssm {

// The service's table; `store` must outlive it.
rpc::Service make_api(ParameterStore& store);

}  // namespace ssm
