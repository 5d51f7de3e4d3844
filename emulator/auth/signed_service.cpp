#include "auth/signed_service.h"

#include "auth/authenticate.h"
#include "auth/sigv4.h"

namespace auth {
namespace {

std::string service_of(std::string_view credential) {
  auto parsed = parse_credential(credential, core::ErrorCode::InvalidArgument, "");
  return parsed ? parsed->service : std::string();
}

}  // namespace

std::string signed_service(const http::Request& request) {
  if (auto authorization = request.header("Authorization")) {
    std::string_view value = http::trim(*authorization);
    if (!value.starts_with(kAlgorithm)) return {};
    const std::size_t at = value.find("Credential=");
    if (at == std::string_view::npos) return {};
    std::string_view credential = value.substr(at + 11);
    credential = credential.substr(0, credential.find_first_of(", "));
    return service_of(credential);
  }
  if (auto credential = request.query_value("X-Amz-Credential")) return service_of(*credential);
  return {};
}

}  // namespace auth
