// STS's API (2011-06-15, query protocol) over a CredentialStore:
//  - GetCallerIdentity: Account 000000000000. For a long-term key of the stack: Arn
//    arn:aws:iam::000000000000:root and UserId = the access key itself (AWS answers the
//    account id for root, LocalStack a fixed AKIAIOSFODNN7EXAMPLE; the key tells a test
//    which credentials signed). For temporary credentials: what they were issued for
//    (assumed-role ARN and AROA...:<session>, or GetSessionToken's caller).
//  - AssumeRole: RoleArn and RoleSessionName required with AWS's validation messages,
//    DurationSeconds 900..43200 (default 3600), ExternalId, Policy, PolicyArns, Tags and
//    SourceIdentity accepted and ignored. Roles are not enforced: any role ARN of account
//    000000000000 may be assumed by anyone (another account: AccessDenied).
//  - GetSessionToken: DurationSeconds 900..129600 (default 43200); not with temporary
//    credentials (AccessDenied, as AWS).
// The credentials work against every minicloud service, only with their session token.
#pragma once

#include "rpc/service.h"
#include "sts/credentials.h"

namespace sts {

// The service's table; `store` must outlive it.
rpc::Service make_api(CredentialStore& store);

}  // namespace sts
