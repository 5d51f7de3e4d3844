// Runtime: one running stack — the store, the S3 service and minicloud's own routes —
// behind one request handler. `serve` puts it behind an http::Server; nothing in here
// knows about sockets.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "http/dispatch.h"
#include "s3/service.h"
#include "stack/stack.h"
#include "store/store.h"

namespace stack {

struct RuntimeOptions {
  std::string data_dir = ".minicloud";
  bool in_memory = false;
  std::function<std::int64_t()> now_ms;  // injectable clock; default system clock
};

class Runtime {
 public:
  // Opens the store and applies the stack (creates declared buckets that are missing,
  // sets their ACL). The error says what failed.
  static std::expected<std::unique_ptr<Runtime>, std::string> start(Stack stack, RuntimeOptions options);

  http::Response handle(http::Request& request, http::RequestBody& body) { return dispatcher_.dispatch(request, body); }
  store::Store& store() { return *store_; }
  const Stack& stack() const { return stack_; }

 private:
  Runtime() = default;
  http::Response health(const http::Request& request) const;

  Stack stack_;
  RuntimeOptions options_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<s3::Service> s3_;
  http::Dispatcher dispatcher_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace stack
