// rpc::Service: one AWS service spoken in the query protocol (awsQuery: CloudFormation,
// STS, IAM) or the JSON protocol (awsJson1_0/1_1: SSM, ECR), as a table action -> handler.
// rpc::Front (front.h) authenticates and parses the request into a Call, runs the handler
// and writes its Answer or core::Error in the protocol's format.
//
// A service registers its actions once (sts/api.cpp and ssm/api.cpp are examples):
//
//   rpc::Service sts({.signing_name = "sts",
//                     .xml_namespace = "https://sts.amazonaws.com/doc/2011-06-15/",
//                     .version = "2011-06-15"});
//   sts.add("GetCallerIdentity", [&](rpc::Call& call) -> core::Result<rpc::Answer> {
//     return rpc::Answer{{"Arn", ...}, {"UserId", ...}, {"Account", "000000000000"}};
//   });
//
// and the Runtime sends requests signed for "sts" to front.handle(sts, request, body).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/authenticate.h"
#include "core/error.h"
#include "http/message.h"
#include "rpc/params.h"

namespace rpc {

enum class Protocol { Query, Json };

// A handler's output, shaped as the API's output structure. JSON protocol: the response
// body as is (null: "{}"). Query protocol: written as XML inside <{Action}Result>: object
// members become elements in insertion order, array items <member> elements, strings,
// numbers and booleans text; null members are left out; a null Answer leaves out the
// Result element (actions without output, e.g. DeleteStack).
using Answer = nlohmann::ordered_json;

// One parsed, authenticated request.
struct Call {
  const http::Request& request;
  std::string action;           // "AssumeRole"
  Protocol protocol = Protocol::Query;
  Params params;                // query protocol: every parameter, Action and Version included
  nlohmann::json input = nlohmann::json::object();  // JSON protocol: the body object
  auth::Identity identity;      // who signed (never anonymous)

  const std::string& request_id() const { return request.request_id; }

  // ValidationError (query) or ValidationException (JSON) with `message`.
  core::Error invalid(std::string message) const;
  // AWS's message for a missing required member (named as in the API, "RoleArn"):
  // "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint:
  // Member must not be null".
  core::Error missing(std::string_view member) const;
  // "1 validation error detected: Value '<value>' at '<member>' failed to satisfy
  // constraint: <constraint>" (e.g. "Member must have length less than or equal to 64").
  core::Error violation(std::string_view member, std::string_view value, std::string_view constraint) const;

  // A scalar member, whichever the protocol: query: the parameter's text; JSON: a member of
  // the body object. A JSON member of the wrong type -> SerializationException; query text
  // that is not a number / "true"|"false" -> a violation. Absent (or JSON null): nullopt.
  core::Result<std::optional<std::string>> string(std::string_view member) const;
  core::Result<std::string> required_string(std::string_view member) const;  // absent -> missing()
  core::Result<std::optional<std::int64_t>> integer(std::string_view member) const;
  core::Result<std::optional<bool>> boolean(std::string_view member) const;
};

using Handler = std::function<core::Result<Answer>(Call&)>;

struct ServiceInfo {
  std::string signing_name;        // the SigV4 service name: "sts", "ssm", "cloudformation"
  // Query protocol (empty: the service does not speak it): the XML namespace of answers
  // and the API version ("2011-06-15").
  std::string xml_namespace;
  std::string version;
  // JSON protocol (empty: not spoken): the X-Amz-Target prefix, "AmazonSSM" in
  // "X-Amz-Target: AmazonSSM.GetParameter".
  std::string json_target_prefix;
};

class Service {
 public:
  explicit Service(ServiceInfo info) : info_(std::move(info)) {}

  // Registers (or replaces) the handler of `action` ("CreateStack").
  void add(std::string action, Handler handler) { handlers_[std::move(action)] = std::move(handler); }
  // The handler of `action`, or null.
  const Handler* find(std::string_view action) const {
    auto it = handlers_.find(action);
    return it == handlers_.end() ? nullptr : &it->second;
  }
  const ServiceInfo& info() const { return info_; }

 private:
  ServiceInfo info_;
  std::map<std::string, Handler, std::less<>> handlers_;
};

}  // namespace rpc
