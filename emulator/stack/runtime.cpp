#include "stack/runtime.h"

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "s3/cors.h"

namespace stack {

std::expected<std::unique_ptr<Runtime>, std::string> Runtime::start(Stack stack, RuntimeOptions options) {
  std::unique_ptr<Runtime> runtime(new Runtime());
  runtime->stack_ = std::move(stack);
  runtime->running_ = std::make_shared<const Stack>(runtime->stack_);
  runtime->options_ = options;
  store::Store::Options store_options;
  store_options.data_dir = options.data_dir;
  store_options.in_memory = options.in_memory;
  store_options.now_ms = options.now_ms;
  auto store = store::Store::open(store_options);
  if (!store) return std::unexpected("cannot open the data dir: " + store.error().effective_message());
  runtime->store_ = std::move(*store);
  if (auto ok = runtime->open_signed_services(); !ok) return std::unexpected(ok.error());

  for (const auto& bucket : runtime->stack_.buckets) {
    auto existing = runtime->store_->get_bucket(bucket.name);
    if (!existing) {
      auto created = runtime->store_->create_bucket(bucket.name, bucket.acl, runtime->stack_.region);
      if (!created) return std::unexpected("cannot create bucket " + bucket.name + ": " + created.error().effective_message());
    } else if (existing->acl != bucket.acl) {
      if (auto ok = runtime->store_->set_bucket_acl(bucket.name, bucket.acl); !ok)
        return std::unexpected("cannot set the ACL of " + bucket.name + ": " + ok.error().effective_message());
    }
    if (!bucket.cors.empty()) {
      if (auto ok = runtime->store_->put_bucket_config(bucket.name, "cors", s3::cors_xml(bucket.cors)); !ok)
        return std::unexpected("cannot set the CORS rules of " + bucket.name + ": " + ok.error().effective_message());
    }
  }

  s3::ServiceConfig s3_config;
  s3_config.stack = &runtime->stack_;
  s3_config.now_ms = options.now_ms;
  s3_config.secrets = runtime->secrets_;
  if (auto ok = runtime->open_events(); !ok) return std::unexpected(ok.error());
  s3_config.on_object_event = [pipeline = runtime->pipeline_.get()](const s3::ObjectEvent& event) {
    pipeline->on_object_event(event);
  };
  runtime->s3_ = std::make_unique<s3::Service>(*runtime->store_, std::move(s3_config));

  Runtime* self = runtime.get();
  for (const auto& d : runtime->stack_.distributions) {
    bool declared = false;
    for (const auto& b : runtime->stack_.buckets) declared = declared || b.name == d.origin_bucket;
    if (!declared) return std::unexpected(std::string("distribution ") + d.id + ": origin bucket " + d.origin_bucket + " is not in the stack's buckets");
  }
  cdn::ServiceOptions cdn_options;
  cdn_options.caching = options.cdn_caching;
  cdn_options.secrets = runtime->secrets_;
  auto base_clock = options.now_ms ? options.now_ms : std::function<std::int64_t()>(core::system_now_ms);
  cdn_options.now_ms = [self, base_clock] { return base_clock() + self->cdn_clock_offset_ms_.load(); };
  runtime->cdn_ = std::make_unique<cdn::Service>(*runtime->store_, runtime->stack_.distributions, cdn_options);

  runtime->dispatcher_.add_prefix("/_health", [self](http::Request& request, http::RequestBody&) {
    return self->health(request);
  });
  runtime->dispatcher_.add_prefix("/_api/events", [self](http::Request& request, http::RequestBody&) {
    return self->events_api(request);
  });
  if (auto ok = runtime->add_presign_routes(); !ok) return std::unexpected(ok.error());
  // The CDN: by Host (a distribution's domain or alias), or by path /_cdn/<id>/<key>.
  runtime->dispatcher_.add_hosts([self](const std::string& host) { return self->cdn_->by_host(host) != nullptr; },
                                 [self](http::Request& request, http::RequestBody&) {
                                   auto d = self->cdn_->by_host(request.host());
                                   if (!d) return s3::Service::error_response(core::make_error(core::ErrorCode::NoSuchDistribution), request);
                                   return self->handle_cdn(*d, request);
                                 });
  runtime->dispatcher_.add_prefix("/_cdn", [self](http::Request& request, http::RequestBody&) {
    return self->cdn_path(request);
  });
  // Every AWS API shares the port with S3 ("/2020-05-31/..." is also a legal bucket name):
  // the SigV4 credential scope says which service the client meant.
  if (auto ok = runtime->open_cloudformation(); !ok) return std::unexpected(ok.error());
  runtime->dispatcher_.set_default([self](http::Request& request, http::RequestBody& body) {
    return self->by_signed_service(request, body);
  });
  return runtime;
}

http::Response Runtime::cdn_path(http::Request& request) {
  std::string_view rest = std::string_view(request.path).substr(5);  // after "/_cdn"
  if (rest.starts_with('/')) rest.remove_prefix(1);
  auto slash = rest.find('/');
  std::string_view id = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  http::Response response;
  if (id == "_clock") {
    // Test-only (serve --test-clock): POST /_cdn/_clock?advance=SECONDS moves the CDN clock.
    response.content_type = "application/json";
    if (!options_.cdn_test_clock || request.method != "POST") {
      response.status = 404;
      response.body = nlohmann::json{{"error", "the CDN test clock is off (serve --test-clock)"}}.dump();
      return response;
    }
    std::int64_t advance_s = 0;
    try {
      advance_s = std::stoll(request.query_value("advance").value_or("0"));
    } catch (...) {
      response.status = 400;
      response.body = nlohmann::json{{"error", "advance must be a number of seconds"}}.dump();
      return response;
    }
    std::int64_t offset = cdn_clock_offset_ms_.fetch_add(advance_s * 1000) + advance_s * 1000;
    response.body = nlohmann::json{{"offset_ms", offset}, {"now_ms", cdn_->now_ms()}}.dump();
    return response;
  }
  auto d = cdn_->by_id(id);
  if (!d) return s3::Service::error_response(core::make_error(core::ErrorCode::NoSuchDistribution), request);
  return cdn_->serve(*d, path, request);
}

std::shared_ptr<const Stack> Runtime::current() const {
  std::lock_guard lock(running_mutex_);
  return running_;
}

std::expected<void, std::string> Runtime::set_contribution(const std::string& owner, Stack contribution) {
  std::lock_guard lock(running_mutex_);
  auto contributions = contributions_;
  bool empty = contribution.functions.empty() && contribution.topics.empty() && contribution.distributions.empty();
  if (empty) contributions.erase(owner);
  else contributions[owner] = std::move(contribution);
  auto running = std::make_shared<Stack>(stack_);
  // Names must stay unique across owners: the pipeline and the CDN find things by them.
  std::map<std::string, std::string> taken;  // "function ThumbLambda" -> owner
  auto claim = [&](const std::string& what, const std::string& by) -> std::expected<void, std::string> {
    auto [it, fresh] = taken.emplace(what, by);
    if (!fresh) return std::unexpected(what + " is already used by " + (it->second.empty() ? "the base stack" : it->second));
    return {};
  };
  auto claim_all = [&](const Stack& s, const std::string& by) -> std::expected<void, std::string> {
    for (const auto& f : s.functions)
      for (const auto& what : {"function " + f.name, "function " + f.arn})
        if (auto ok = claim(what, by); !ok) return ok;
    for (const auto& t : s.topics)
      for (const auto& what : {"topic " + t.name, "topic " + t.arn})
        if (auto ok = claim(what, by); !ok) return ok;
    for (const auto& d : s.distributions) {
      if (auto ok = claim("distribution " + d.id, by); !ok) return ok;
      if (auto ok = claim("host " + d.domain, by); !ok) return ok;
      for (const auto& alias : d.aliases)
        if (auto ok = claim("host " + alias, by); !ok) return ok;
    }
    return {};
  };
  if (auto ok = claim_all(stack_, ""); !ok) return ok;
  for (const auto& [name, s] : contributions) {
    if (auto ok = claim_all(s, name); !ok) return ok;
    running->functions.insert(running->functions.end(), s.functions.begin(), s.functions.end());
    running->topics.insert(running->topics.end(), s.topics.begin(), s.topics.end());
    running->distributions.insert(running->distributions.end(), s.distributions.begin(), s.distributions.end());
  }
  contributions_ = std::move(contributions);
  running_ = std::move(running);
  cdn_->set_distributions(running_->distributions);
  return {};
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
