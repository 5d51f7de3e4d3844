#include "http/dispatch.h"

namespace http {

void Dispatcher::add_prefix(std::string prefix, ServiceHandler handler) {
  prefixes_.emplace_back(std::move(prefix), std::move(handler));
}

Response Dispatcher::dispatch(Request& request, RequestBody& body) const {
  for (const auto& [prefix, handler] : prefixes_) {
    const auto& path = request.path;
    if (path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/')) return handler(request, body);
  }
  if (default_) return default_(request, body);
  Response response;
  response.status = 404;
  return response;
}

}  // namespace http
