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
  // Requests whose Host (lowercased, port dropped) `claims` go to `handler`, whatever the
  // path (the CDN's distribution domains, which come and go while the server runs: the set
  // is asked each time, not copied). Hosts are checked before prefixes, in the order added.
  void add_hosts(std::function<bool(const std::string& host)> claims, ServiceHandler handler);
  // Everything else.
  void set_default(ServiceHandler handler) { default_ = std::move(handler); }
  Response dispatch(Request& request, RequestBody& body) const;

 private:
  std::vector<std::pair<std::string, ServiceHandler>> prefixes_;
  std::vector<std::pair<std::function<bool(const std::string&)>, ServiceHandler>> hosts_;
  ServiceHandler default_;
};

}  // namespace http
