// s3::Service: the S3 API over a store::Store. handle() authenticates, routes to one
// Endpoint, checks the canned ACLs, runs the operation and maps any S3Error to S3's XML
// error response — the one place errors become HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "auth/authenticate.h"
#include "auth/signing_key_cache.h"
#include "http/message.h"
#include "s3/endpoint.h"
#include "s3/error.h"
#include "stack/stack.h"
#include "store/store.h"

namespace s3 {

// Something happened to an object (for event notifications). Emitted after the change is
// committed, before the response is written.
struct ObjectEvent {
  std::string event_name;  // "ObjectCreated:Put", "ObjectRemoved:Delete", ...
  store::ObjectMeta object;
  std::string request_id;
  std::string source_ip;
  std::string access_key;  // empty for anonymous
  std::int64_t time_ms = 0;
  // x-amz-security-token as sent (header or presigned query), "" if none: the event
  // pipeline reads the invocation depth its command functions' writes carry in it.
  std::string session_token;
};

struct ServiceConfig {
  const stack::Stack* stack = nullptr;  // credentials, region
  // Who may sign: the stack's keys and the temporary credentials STS issued. Empty: the
  // stack's keys.
  auth::SecretLookup secrets;
  Addressing addressing;
  std::function<std::int64_t()> now_ms;           // injectable clock
  std::function<void(const ObjectEvent&)> on_object_event;  // may be empty
};

class Service {
 public:
  Service(store::Store& store, ServiceConfig config);
  http::Response handle(http::Request& request, http::RequestBody& body);

  // Maps an error to S3's XML error response (also used by other services on the port).
  static http::Response error_response(S3Error error, const http::Request& request);

 private:
  http::Response handle_routed(http::Request& request, http::RequestBody& body, const Route& route);

  store::Store& store_;
  ServiceConfig config_;
  auth::SigningKeyCache signing_keys_;  // saves four HMACs per request
};

}  // namespace s3
