// The stack: what minicloud serves, declared in one JSON file (`serve --stack FILE`) or
// the embedded default (the original Cruddur CDK stack). Each issue adds its section;
// unknown sections are an error, so a typo does not silently do nothing.
//
// {
//   "region": "us-east-1",
//   "credentials": [{"access_key": "test", "secret_key": "test"}],
//   "buckets": [{"name": "cruddur-uploaded-avatars", "acl": "private"}]
// }
#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cdn/config.h"
#include "http/cors.h"
#include "stack/events_section.h"
#include "stack/presign_section.h"

namespace stack {

struct Credential {
  std::string access_key;
  std::string secret_key;
};

struct BucketDecl {
  std::string name;
  std::string acl = "private";  // canned ACL, applied at start
  // CORS rules, applied at start when declared (PutBucketCors may change them later).
  // JSON as the AWS CLI's put-bucket-cors: [{"AllowedOrigins": [...], "AllowedMethods":
  // [...], "AllowedHeaders": [...], "ExposeHeaders": [...], "MaxAgeSeconds": 3000, "ID"}].
  std::vector<http::cors::Rule> cors;
};

struct Stack {
  std::string region = "us-east-1";
  std::vector<Credential> credentials;
  std::vector<BucketDecl> buckets;
  // Events (events_section.h).
  std::vector<FunctionDecl> functions;
  std::vector<TopicDecl> topics;
  std::vector<NotificationDecl> notifications;
  EventDelivery event_delivery;
  std::vector<cdn::Distribution> distributions;  // see cdn/config.h
  std::vector<PresignRouteDecl> presign_routes;  // see presign_section.h

  std::optional<std::string> secret_for(std::string_view access_key) const;
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();

// Parses and validates a stack document. The error names the field that is wrong.
std::expected<Stack, std::string> parse_stack(std::string_view json_text);
std::expected<Stack, std::string> load_stack_file(const std::string& path);

// The embedded default: key test/test, buckets UPLOADS_BUCKET_NAME (default
// cruddur-uploaded-avatars) and ASSETS_BUCKET_NAME (default assets.cruddur.com); the CDN
// distribution E1MINICLOUD (alias assets.localhost) in front of the assets bucket; the
// presign route POST /_api/avatars/key_upload (presign_section.h).
Stack default_stack(const EnvLookup& env);

bool is_canned_acl(std::string_view acl);

}  // namespace stack
