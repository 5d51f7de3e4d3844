// The Runtime's API Gateway part: each presign route of the stack on its /_api path, and
// API Gateway's JSON 404 for any other /_api path (registered after /_api/events).
#include <nlohmann/json.hpp>

#include "stack/runtime.h"

namespace stack {

std::expected<void, std::string> Runtime::add_presign_routes() {
  api::PresignRouteOptions options;
  options.region = stack_.region;
  if (!stack_.credentials.empty()) {
    options.access_key = stack_.credentials.front().access_key;
    options.secret_key = stack_.credentials.front().secret_key;
  }
  options.public_url = options_.public_url;
  options.now_ms = options_.now_ms;
  for (const auto& decl : stack_.presign_routes) {
    bool declared = false;
    for (const auto& b : stack_.buckets) declared = declared || b.name == decl.bucket;
    if (!declared) return std::unexpected("presign route " + decl.path + ": bucket " + decl.bucket + " is not in the stack's buckets");
    if (stack_.credentials.empty()) return std::unexpected("presign route " + decl.path + ": the stack has no credentials to sign with");
    auto route = api::PresignRoute::create(decl, options);
    if (!route) return std::unexpected(route.error());
    const api::PresignRoute* handler = route->get();
    dispatcher_.add_prefix(decl.path, [handler](http::Request& request, http::RequestBody& body) {
      return handler->handle(request, body);
    });
    presign_routes_.push_back(std::move(*route));
  }
  dispatcher_.add_prefix("/_api", [](http::Request&, http::RequestBody&) {
    http::Response response;
    response.status = 404;
    response.content_type = "application/json";
    response.body = nlohmann::json{{"message", "Not Found"}}.dump();
    return response;
  });
  return {};
}

}  // namespace stack
