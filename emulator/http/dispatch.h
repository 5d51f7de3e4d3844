// Which service answers a request on the one port. Paths starting "/_" are minicloud's
// own (an underscore is not legal in a bucket name, so they cannot clash with S3):
// /_health, and later /_api, /_cdn, /_console. Everything else is S3.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "http/message.h"

namespace http {

using ServiceHandler = std::function<Response(Request&, RequestBody&)>;

class Dispatcher {
 public:
  // Requests whose path is `prefix` or starts with `prefix` + "/" go to `handler`.
  void add_prefix(std::string prefix, ServiceHandler handler);
  // Requests whose Host (lowercased, port dropped) is exactly `host` go to `handler`,
  // whatever the path (a CDN distribution's domain). Hosts are checked before prefixes.
  void add_host(std::string host, ServiceHandler handler);
  // Everything else.
  void set_default(ServiceHandler handler) { default_ = std::move(handler); }
  Response dispatch(Request& request, RequestBody& body) const;

 private:
  std::vector<std::pair<std::string, ServiceHandler>> prefixes_;
  std::vector<std::pair<std::string, ServiceHandler>> hosts_;
  ServiceHandler default_;
};

}  // namespace http
