// POST Object (browser form uploads): who signed the form, and whether its fields meet the
// signed policy document, checked as S3 checks them. Pure: no HTTP, no store; the time is
// a parameter, so expiry tests need no clock.
//
// The form is signed, not the request: the signature covers the base64 policy text exactly
// as sent, either SigV4 (x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature =
// hex HMAC-SHA256 under the SigV4 signing key) or SigV2 (AWSAccessKeyId, signature = base64
// HMAC-SHA1 under the secret). A form with neither is anonymous, whatever else it carries.
//
// Errors, as S3 answers them:
//  - a signature field without its companions: InvalidArgument "Bucket POST must contain a
//    field named 'X-Amz-Signature'.  If it is specified, please check the order of the fields."
//  - unknown key: InvalidAccessKeyId; wrong signature: SignatureDoesNotMatch (StringToSign =
//    the policy as sent, StringToSignBytes);
//  - a policy that is not base64 JSON of S3's shape: InvalidPolicyDocument "Invalid Policy: ...";
//  - expired: AccessDenied "Invalid according to Policy: Policy expired.";
//  - a condition that fails: AccessDenied "Invalid according to Policy: Policy Condition
//    failed: [\"eq\", \"$key\", \"a.jpg\"]" (the condition as the policy spells it);
//  - a field no condition names: AccessDenied "Invalid according to Policy: Extra input
//    fields: <name>" (policy, x-amz-signature, signature, AWSAccessKeyId, file and x-ignore-*
//    need none);
//  - content-length-range: EntityTooLarge / EntityTooSmall with ProposedSize and the bound.
// Field and condition names compare case-insensitively, values exactly.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authenticate.h"
#include "core/error.h"

namespace auth {

// The form's fields before the file part, in order, names as sent.
using PostFormFields = std::vector<std::pair<std::string, std::string>>;

// The value of the field named `name` (any case); several fields of one name are joined
// with ',' as S3 does. nullopt when absent.
std::optional<std::string> post_form_value(const PostFormFields& fields, std::string_view name);

// `value` with every "${filename}" replaced by the file's name without its directories
// (after the last '/' or '\'). Without a filename parameter S3 keeps "${filename}" as is.
std::string expand_filename(std::string_view value, const std::optional<std::string>& filename);

struct PostPolicyCondition {
  enum class Kind { Equals, StartsWith, ContentLengthRange };
  Kind kind = Kind::Equals;
  std::string field;  // lowercased, without '$'; empty when the policy wrote no "$name"
  std::string value;  // Equals, StartsWith
  // ContentLengthRange bounds; nullopt when a bound is not a number (the condition fails).
  std::optional<std::int64_t> min, max;
  std::string text;   // as S3 quotes it in errors: ["starts-with", "$key", "uploads/"]
};

struct PostPolicy {
  std::chrono::system_clock::time_point expiration;
  std::vector<PostPolicyCondition> conditions;
};

// Decodes the base64 policy and reads its JSON: {"expiration": ISO 8601 UTC,
// "conditions": [{"field": "value"} | ["eq"|"starts-with", "$field", "value"] |
// ["content-length-range", min, max], ...]}. InvalidPolicyDocument otherwise.
core::Result<PostPolicy> parse_post_policy(std::string_view policy_base64);

// Expiration against `now`, then every condition against the fields (`bucket` is the one
// the request addressed; content-length-range only needs numeric bounds here), then that
// every field is named by some condition.
core::Result<void> check_post_policy(const PostPolicy& policy, const PostFormFields& fields, std::string_view bucket,
                                   std::chrono::system_clock::time_point now);

// The upload's real size against every content-length-range (bounds inclusive).
core::Result<void> check_post_content_length(const PostPolicy& policy, std::int64_t size);
// The smallest upper bound, to stop reading a body that is already too large.
std::optional<std::int64_t> post_max_content_length(const PostPolicy& policy);

struct PostAuthorization {
  bool anonymous = true;
  std::string access_key;            // who signed
  std::optional<PostPolicy> policy;  // set when signed
};

// Reads the signature fields (SigV4 or SigV2), verifies the signature over the policy text
// as sent, checks the x-amz-security-token field of temporary credentials
// (check_session_token at `now`), then parses the policy. A form without signature fields
// is anonymous.
core::Result<PostAuthorization> authenticate_post_form(const PostFormFields& fields, const SecretLookup& secrets,
                                                       std::chrono::system_clock::time_point now);

}  // namespace auth
