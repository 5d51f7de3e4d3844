#include "http/dispatch.h"

namespace http {

void Dispatcher::add_prefix(std::string prefix, ServiceHandler handler) {
  prefixes_.emplace_back(std::move(prefix), std::move(handler));
}

void Dispatcher::add_hosts(std::function<bool(const std::string& host)> claims, ServiceHandler handler) {
  hosts_.emplace_back(std::move(claims), std::move(handler));
}

Response Dispatcher::dispatch(Request& request, RequestBody& body) const {
  if (!hosts_.empty()) {
    std::string host = request.host();
    for (const auto& [claims, handler] : hosts_)
      if (claims(host)) return handler(request, body);
  }
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
