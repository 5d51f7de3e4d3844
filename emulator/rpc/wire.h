// How the query and JSON protocols look on the wire: which one a request speaks, and the
// one place where answers and core::Errors become HTTP responses.
//
//   query success  200 <{Action}Response xmlns="ns"><{Action}Result>...</{Action}Result>
//                  <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></{Action}Response>
//   query error    <ErrorResponse xmlns="ns"><Error><Type>Sender|Receiver</Type><Code>..</Code>
//                  <Message>..</Message></Error><RequestId>id</RequestId></ErrorResponse>
//   JSON success   200 the Answer, Content-Type application/x-amz-json-1.1 (1.0 if asked in 1.0)
//   JSON error     {"__type": "ParameterNotFound", "message": ".."} (and x-amzn-ErrorType)
// The HTTP status of an error is the code table's (core/error.cpp). Every answer carries
// x-amzn-RequestId.
#pragma once

#include <string_view>

#include "core/error.h"
#include "http/message.h"
#include "rpc/service.h"

namespace rpc {

// JSON when the request names an X-Amz-Target or sends Content-Type application/x-amz-json-*;
// the query protocol otherwise.
Protocol protocol_of(const http::Request& request);

http::Response success_response(Protocol protocol, std::string_view action, const Answer& answer,
                                const http::Request& request, std::string_view xml_namespace);
http::Response error_response(Protocol protocol, const core::Error& error, const http::Request& request,
                              std::string_view xml_namespace);

// auth::authenticate speaks S3's error names; the query and JSON services name the same
// failures otherwise: an unknown key or a bad session token is InvalidClientTokenId
// (JSON: UnrecognizedClientException), a wrong signature or one outside the 15-minute
// window SignatureDoesNotMatch (InvalidSignatureException) with the canonical request and
// string to sign in the message, as AWS writes them, expired temporary credentials
// ExpiredToken (ExpiredTokenException), a malformed signature IncompleteSignature.
core::Error from_auth_error(Protocol protocol, core::Error error);

// A request signed for a service minicloud does not serve (`served`: the ones it does, for
// the message): 501 NotImplemented in the protocol the request speaks, so the client
// shows "minicloud does not implement the sns service ..." instead of an S3 error. A REST
// request (neither JSON nor form-encoded) gets the JSON form, with x-amzn-ErrorType.
http::Response unsupported_service(std::string_view service, std::string_view served, const http::Request& request);

}  // namespace rpc
