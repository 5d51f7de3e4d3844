#include "rpc/wire.h"

#include "core/xml.h"

namespace rpc {
namespace {

using core::ErrorCode;

bool is_json_content_type(const http::Request& request) {
  return http::to_lower(request.header_or("Content-Type")).starts_with("application/x-amz-json");
}

bool is_form_content_type(const http::Request& request) {
  return http::to_lower(request.header_or("Content-Type")).starts_with("application/x-www-form-urlencoded");
}

// The JSON protocol answers in the version it was asked in.
std::string json_content_type(const http::Request& request) {
  return http::to_lower(request.header_or("Content-Type")).starts_with("application/x-amz-json-1.0")
             ? "application/x-amz-json-1.0"
             : "application/x-amz-json-1.1";
}

std::string scalar_text(const Answer& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();  // numbers
}

// `value` as the content of `node` (see Answer in service.h).
void write_xml(pugi::xml_node node, const Answer& value) {
  if (value.is_object()) {
    for (const auto& [name, member] : value.items()) {
      if (member.is_null()) continue;
      write_xml(node.append_child(name.c_str()), member);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) write_xml(node.append_child("member"), item);
  } else if (!value.is_null()) {
    node.text().set(scalar_text(value).c_str());
  }
}

http::Response base_response(int status, const http::Request& request) {
  http::Response response;
  response.status = status;
  response.set_header("x-amzn-RequestId", request.request_id);
  return response;
}

http::Response json_error(const core::Error& error, const http::Request& request) {
  http::Response response = base_response(error.http_status(), request);
  response.content_type = json_content_type(request);
  response.set_header("x-amzn-ErrorType", std::string(error.code_name()));
  nlohmann::json body{{"__type", error.code_name()}};
  // Some AWS errors carry no message (SSM's ParameterNotFound): then neither do we.
  if (auto message = error.effective_message(); !message.empty()) body["message"] = std::move(message);
  response.body = body.dump();
  return response;
}

http::Response query_error(const core::Error& error, const http::Request& request, std::string_view xml_namespace) {
  http::Response response = base_response(error.http_status(), request);
  const std::string ns(xml_namespace);
  core::xml::Document doc("ErrorResponse", ns.c_str());
  auto e = doc.root().append_child("Error");
  core::xml::add(e, "Type", error.http_status() >= 500 ? "Receiver" : "Sender");
  core::xml::add(e, "Code", error.code_name());
  core::xml::add(e, "Message", error.effective_message());
  core::xml::add(doc.root(), "RequestId", request.request_id);
  response.body = doc.str();
  response.content_type = "text/xml";
  return response;
}

std::string detail(const core::Error& error, std::string_view name) {
  for (const auto& [n, v] : error.details)
    if (n == name) return v;
  return {};
}

}  // namespace

Protocol protocol_of(const http::Request& request) {
  return request.header("X-Amz-Target") || is_json_content_type(request) ? Protocol::Json : Protocol::Query;
}

http::Response success_response(Protocol protocol, std::string_view action, const Answer& answer,
                                const http::Request& request, std::string_view xml_namespace) {
  http::Response response = base_response(200, request);
  if (protocol == Protocol::Json) {
    response.content_type = json_content_type(request);
    response.body = answer.is_null() ? "{}" : answer.dump();
    return response;
  }
  const std::string root = std::string(action) + "Response";
  const std::string ns(xml_namespace);
  core::xml::Document doc(root.c_str(), ns.c_str());
  if (!answer.is_null()) write_xml(doc.root().append_child((std::string(action) + "Result").c_str()), answer);
  core::xml::add(doc.root().append_child("ResponseMetadata"), "RequestId", request.request_id);
  response.body = doc.str();
  response.content_type = "text/xml";
  return response;
}

http::Response error_response(Protocol protocol, const core::Error& error, const http::Request& request,
                              std::string_view xml_namespace) {
  return protocol == Protocol::Json ? json_error(error, request) : query_error(error, request, xml_namespace);
}

core::Error from_auth_error(Protocol protocol, core::Error error) {
  const bool json = protocol == Protocol::Json;
  switch (error.code) {
    case ErrorCode::InvalidAccessKeyId:
    case ErrorCode::InvalidToken:
      return core::make_error(json ? ErrorCode::UnrecognizedClient : ErrorCode::InvalidClientTokenId);
    case ErrorCode::ProvidedTokenExpired:
      return core::make_error(json ? ErrorCode::ExpiredTokenException : ErrorCode::ExpiredToken);
    case ErrorCode::SignatureDoesNotMatch: {
      // What AWS's query and JSON services say, so a client author can diff the two.
      auto e = core::make_error(json ? ErrorCode::InvalidSignature : ErrorCode::SignatureDoesNotMatch);
      e.message = core::make_error(ErrorCode::InvalidSignature).effective_message() +
                  "\n\nThe Canonical String for this request should have been\n'" + detail(error, "CanonicalRequest") +
                  "'\n\nThe String-to-Sign should have been\n'" + detail(error, "StringToSign") + "'\n";
      return e;
    }
    case ErrorCode::RequestTimeTooSkewed:
      return core::make_error(json ? ErrorCode::InvalidSignature : ErrorCode::SignatureDoesNotMatch,
                              "Signature expired: " + detail(error, "RequestTime") +
                                  " is more than 15 minutes away from the server time " + detail(error, "ServerTime") +
                                  ".");
    case ErrorCode::AuthorizationHeaderMalformed:
    case ErrorCode::AuthorizationQueryParametersError:
    case ErrorCode::InvalidArgument:
    case ErrorCode::InvalidRequest:
      return core::make_error(ErrorCode::IncompleteSignature, error.effective_message());
    default:
      return error;
  }
}

http::Response unsupported_service(std::string_view service, std::string_view served, const http::Request& request) {
  auto error = core::make_error(ErrorCode::NotImplemented, "minicloud does not implement the " + std::string(service) +
                                                               " service (it serves " + std::string(served) + ")");
  if (is_form_content_type(request)) return query_error(error, request, {});
  return json_error(error, request);
}

}  // namespace rpc
