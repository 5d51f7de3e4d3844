// rpc::Front: the request front of every query- and JSON-protocol service. For one request
// it
//  1. decides the protocol (wire.h: X-Amz-Target / Content-Type),
//  2. reads the body (at most max_body_bytes: CloudFormation's TemplateBody may be 51,200
//     bytes, bigger templates come by TemplateURL) -> EntityTooLarge,
//  3. authenticates SigV4 with the body's SHA-256 as the payload hash (these SDKs send no
//     x-amz-content-sha256; one that is sent must match); an unsigned request is refused
//     with MissingAuthenticationToken, one signed for another service with
//     SignatureDoesNotMatch, a failure is named as the protocol names it (wire.h:
//     from_auth_error),
//  4. parses: query: body parameters then URL parameters (rpc::Params), Action required
//     (MissingAction); JSON: the action from X-Amz-Target "<prefix>.<Action>" and the body,
//     which must be a JSON object (an empty body is {}) -> SerializationException,
//  5. finds the action (query: InvalidAction "Could not find operation X for version Y";
//     JSON: UnknownOperationException), runs it, and writes the Answer or the error.
// A handler that throws (e.g. nlohmann::json on a shape it did not expect) answers
// InternalFailure rather than dropping the connection.
//
// Thread-safe: handle() may run on many threads at once (handlers must be too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "auth/authenticate.h"
#include "auth/signing_key_cache.h"
#include "http/message.h"
#include "rpc/service.h"

namespace rpc {

struct FrontOptions {
  auth::SecretLookup secrets;             // required
  std::function<std::int64_t()> now_ms;   // for SigV4's clock; empty: the system clock
  std::size_t max_body_bytes = 1 << 20;
};

class Front {
 public:
  explicit Front(FrontOptions options) : options_(std::move(options)) {}
  Front(const Front&) = delete;
  Front& operator=(const Front&) = delete;

  http::Response handle(const Service& service, http::Request& request, http::RequestBody& body);

 private:
  FrontOptions options_;
  auth::SigningKeyCache signing_keys_;  // saves four HMACs per request
};

}  // namespace rpc
