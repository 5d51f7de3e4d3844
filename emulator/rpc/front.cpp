#include "rpc/front.h"

#include <chrono>
#include <exception>

#include "auth/crypto.h"
#include "core/time.h"
#include "rpc/wire.h"

namespace rpc {
namespace {

using core::ErrorCode;

// The action a request names, and its parameters. JSON: "X-Amz-Target: AmazonSSM.GetParameter".
core::Result<void> parse(const ServiceInfo& info, const http::Request& request, const std::string& body, Call& call) {
  if (call.protocol == Protocol::Query) {
    call.params.add_form(body);
    call.params.add_form(request.raw_query);
    auto action = call.params.get("Action");
    if (!action || action->empty()) return std::unexpected(core::make_error(ErrorCode::MissingAction));
    call.action = std::move(*action);
    return {};
  }
  const std::string target = request.header_or("X-Amz-Target");
  const std::size_t dot = target.rfind('.');
  const bool ours = dot != std::string::npos && !info.json_target_prefix.empty() &&
                    std::string_view(target).substr(0, dot) == info.json_target_prefix;
  call.action = ours ? target.substr(dot + 1) : std::string();
  if (call.action.empty()) return {};  // -> UnknownOperationException
  if (body.empty()) return {};
  auto input = nlohmann::json::parse(body, nullptr, false);
  if (input.is_discarded() || !input.is_object())
    return std::unexpected(
        core::make_error(ErrorCode::SerializationException, "The request body is not a JSON object."));
  call.input = std::move(input);
  return {};
}

core::Error unknown_action(const ServiceInfo& info, const Call& call) {
  if (call.protocol == Protocol::Json)
    return core::make_error(ErrorCode::UnknownOperation,
                            call.action.empty() ? std::string() : "Unknown operation " + call.action + ".");
  return core::make_error(ErrorCode::InvalidAction, "Could not find operation " + call.action + " for version " +
                                                        call.params.get_or("Version", info.version));
}

}  // namespace

http::Response Front::handle(const Service& service, http::Request& request, http::RequestBody& body) {
  const ServiceInfo& info = service.info();
  const Protocol protocol = protocol_of(request);
  auto fail = [&](const core::Error& error) { return error_response(protocol, error, request, info.xml_namespace); };

  std::string payload;
  if (body.has_body()) {
    auto read = body.read_all(options_.max_body_bytes);
    if (!read) return fail(read.error());
    payload = std::move(*read);
  }

  auth::RequestView view{request.method, request.raw_path, request.raw_query, request.headers};
  view.body_sha256 = auth::sha256_hex(payload);
  const std::int64_t now_ms = options_.now_ms ? options_.now_ms() : core::system_now_ms();
  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
  auto identity = auth::authenticate(view, options_.secrets, now, &signing_keys_);
  if (!identity) return fail(from_auth_error(protocol, identity.error()));
  if (identity->anonymous) return fail(core::make_error(ErrorCode::MissingAuthenticationToken));
  if (identity->service != info.signing_name) {  // AWS's words for a scope of another service
    const auto code = protocol == Protocol::Json ? ErrorCode::InvalidSignature : ErrorCode::SignatureDoesNotMatch;
    return fail(core::make_error(code, "Credential should be scoped to correct service: '" + info.signing_name + "'. "));
  }

  Call call{request, {}, protocol, {}, nlohmann::json::object(), std::move(*identity)};
  if (auto ok = parse(info, request, payload, call); !ok) return fail(ok.error());
  const bool spoken = protocol == Protocol::Query ? !info.xml_namespace.empty() : !info.json_target_prefix.empty();
  const Handler* handler = !spoken || call.action.empty() ? nullptr : service.find(call.action);
  if (handler == nullptr) return fail(unknown_action(info, call));

  core::Result<Answer> answer = std::unexpected(core::make_error(ErrorCode::InternalFailure));
  try {
    answer = (*handler)(call);
  } catch (const std::exception& e) {
    answer = std::unexpected(core::make_error(ErrorCode::InternalFailure, e.what()));
  }
  if (!answer) return fail(answer.error());
  return success_response(protocol, call.action, *answer, request, info.xml_namespace);
}

}  // namespace rpc
