#include "stack/runtime.h"

#include <nlohmann/json.hpp>

namespace stack {

std::expected<std::unique_ptr<Runtime>, std::string> Runtime::start(Stack stack, RuntimeOptions options) {
  std::unique_ptr<Runtime> runtime(new Runtime());
  runtime->stack_ = std::move(stack);
  runtime->options_ = options;
  store::Store::Options store_options;
  store_options.data_dir = options.data_dir;
  store_options.in_memory = options.in_memory;
  store_options.now_ms = options.now_ms;
  auto store = store::Store::open(store_options);
  if (!store) return std::unexpected("cannot open the data dir: " + store.error().effective_message());
  runtime->store_ = std::move(*store);

  for (const auto& bucket : runtime->stack_.buckets) {
    auto existing = runtime->store_->get_bucket(bucket.name);
    if (!existing) {
      auto created = runtime->store_->create_bucket(bucket.name, bucket.acl, runtime->stack_.region);
      if (!created) return std::unexpected("cannot create bucket " + bucket.name + ": " + created.error().effective_message());
    } else if (existing->acl != bucket.acl) {
      if (auto ok = runtime->store_->set_bucket_acl(bucket.name, bucket.acl); !ok)
        return std::unexpected("cannot set the ACL of " + bucket.name + ": " + ok.error().effective_message());
    }
  }

  s3::ServiceConfig s3_config;
  s3_config.stack = &runtime->stack_;
  s3_config.now_ms = options.now_ms;
  runtime->s3_ = std::make_unique<s3::Service>(*runtime->store_, std::move(s3_config));

  Runtime* self = runtime.get();
  runtime->dispatcher_.add_prefix("/_health", [self](http::Request& request, http::RequestBody&) {
    return self->health(request);
  });
  runtime->dispatcher_.set_default([self](http::Request& request, http::RequestBody& body) {
    return self->s3_->handle(request, body);
  });
  return runtime;
}

http::Response Runtime::health(const http::Request&) const {
  auto stats = store_->stats();
  double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  nlohmann::json body = {{"status", "ok"},
                         {"version", MINICLOUD_VERSION_STRING},
                         {"uptime_s", uptime},
                         {"buckets", stats.buckets},
                         {"objects", stats.objects},
                         {"bytes", stats.bytes}};
  http::Response response;
  response.body = body.dump();
  response.content_type = "application/json";
  return response;
}

}  // namespace stack
