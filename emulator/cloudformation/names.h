// Names and identifiers CloudFormation makes up: generated physical names, stack and
// change set ids, AWS-looking resource ids. Random parts come from OpenSSL's generator.
#pragma once

#include <string>
#include <string_view>

namespace cloudformation {

// `length` characters drawn from `alphabet`.
std::string random_string(std::size_t length, std::string_view alphabet);
// `prefix` then `length` random characters (appended, not concatenated: GCC 12 warns
// falsely about "E" + temporary).
std::string random_upper(std::size_t length, std::string prefix = {});   // A-Z0-9
std::string random_lower(std::size_t length, std::string prefix = {});   // a-z0-9
std::string random_uuid();                       // 8-4-4-4-12 lowercase hex

// A name for a resource whose template gives none, as CloudFormation makes them:
// "<stack>-<logical id>-<13 random characters>", the stack and logical id parts shortened
// so the whole fits in `max_length`; lower case for names S3 requires so.
std::string generated_name(std::string_view stack_name, std::string_view logical_id, std::size_t max_length,
                           bool lower_case = false);

// arn:aws:cloudformation:<region>:000000000000:stack/<name>/<uuid>
std::string stack_arn(std::string_view region, std::string_view stack_name);
// arn:aws:cloudformation:<region>:000000000000:changeSet/<name>/<uuid>
std::string change_set_arn(std::string_view region, std::string_view change_set_name);
// The name part of a stack or change set ARN; `name_or_arn` itself when it is no ARN.
std::string name_from_arn(std::string_view name_or_arn);
bool is_arn(std::string_view text);

}  // namespace cloudformation
