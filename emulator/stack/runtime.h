// Runtime: one running stack — the store, the S3 service and minicloud's own routes —
// behind one request handler. `serve` puts it behind an http::Server; nothing in here
// knows about sockets.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/presign_route.h"
#include "auth/authenticate.h"
#include "cdn/service.h"
#include "cloudformation/engine.h"
#include "events/pipeline.h"
#include "http/dispatch.h"
#include "rpc/front.h"
#include "s3/service.h"
#include "ssm/parameter_store.h"
#include "sts/credentials.h"
#include "stack/stack.h"
#include "store/store.h"

namespace stack {

struct RuntimeOptions {
  std::string data_dir = ".minicloud";
  bool in_memory = false;
  std::function<std::int64_t()> now_ms;  // injectable clock; default system clock
  bool cdn_caching = true;      // false: the CDN fetches every request from the origin
  // Enables POST /_cdn/_clock?advance=SECONDS, which moves the CDN's clock (only the
  // CDN's: SigV4 and object timestamps keep real time) so tests can expire TTLs.
  bool cdn_test_clock = false;
  // The origin of the URLs the presign routes mint ("https://host[:port]"); empty: the
  // caller's scheme and Host (serve --public-url).
  std::string public_url;
  // CloudFormation (serve --stack with a template or a cdk.out): functions to run
  // differently, the assembly's file assets, SSM values a template may read when the
  // parameter store has none, and where to tell the user what was done for them.
  cloudformation::Overlay overlay;
  cloudformation::CodeSource assets;
  std::map<std::string, std::string> ssm_fallback;
  std::function<void(const std::string& message)> say;
};

class Runtime {
 public:
  // Opens the store and applies the stack (creates declared buckets that are missing,
  // sets their ACL). The error says what failed.
  static std::expected<std::unique_ptr<Runtime>, std::string> start(Stack stack, RuntimeOptions options);

  http::Response handle(http::Request& request, http::RequestBody& body) { return dispatcher_.dispatch(request, body); }
  // A request on a distribution's own port: the path is the viewer path.
  http::Response handle_cdn(const cdn::Distribution& distribution, http::Request& request) {
    return cdn_->serve(distribution, request.path, request);
  }

  // The running stack: the base stack plus what each deployed CloudFormation stack
  // contributes (functions, topics, distributions; the buckets it creates and their
  // notification configurations live in the store). A snapshot: a change makes a new one.
  std::shared_ptr<const Stack> current() const;
  // Replaces what `owner` (a CloudFormation stack id) contributes and applies it at once:
  // the event pipeline uses the functions and topics from its next delivery on, the CDN
  // serves the distributions. An empty Stack removes the owner's contribution. Refused,
  // changing nothing, when a function, topic or distribution reuses a name, ARN, id or
  // domain that another owner or the base stack has; the error says which.
  std::expected<void, std::string> set_contribution(const std::string& owner, Stack contribution);
  cdn::Service& cdn() { return *cdn_; }
  store::Store& store() { return *store_; }
  // The temporary credentials STS issued (in memory) and SSM's parameters (ssm.sqlite in
  // the data dir), for the CloudFormation engine as for their APIs.
  sts::CredentialStore& sts() { return *sts_; }
  ssm::ParameterStore& parameters() { return *parameters_; }
  // CloudFormation's stacks (cloudformation.sqlite in the data dir): what its API and
  // `serve --stack` deploy; their functions, topics and distributions join current().
  cloudformation::Engine& cloudformation() { return *cloudformation_; }
  // Starts the event workers; command functions get `endpoint` as AWS_ENDPOINT_URL
  // (http://localhost:PORT, see events::command_environment). Until then events are only
  // queued.
  void start_events(const std::string& endpoint) { pipeline_->start(endpoint); }
  events::Pipeline& events() { return *pipeline_; }
  // The base stack (serve --stack, or the default): credentials, region, and the buckets,
  // notifications and presign routes applied at start.
  const Stack& base_stack() const { return stack_; }

 private:
  Runtime() = default;
  http::Response health(const http::Request& request) const;
  // runtime_events.cpp: opens the event log, stores the stack's notification
  // configurations; GET /_api/events[?status=&bucket=&key=&limit=], GET /_api/events/ID,
  // POST /_api/events/ID/replay.
  std::expected<void, std::string> open_events();
  http::Response events_api(http::Request& request);
  http::Response cdn_path(http::Request& request);
  // runtime_api.cpp: the stack's presign routes under /_api, and a JSON 404 for the rest.
  std::expected<void, std::string> add_presign_routes();
  // runtime_rpc.cpp: who may sign (secrets_), STS and SSM, and the table of services by
  // SigV4 service name. by_signed_service() answers every request that is not minicloud's
  // own (/_...): unsigned or "s3" -> S3, a served name -> its handler, any other name ->
  // NotImplemented in that service's protocol.
  std::expected<void, std::string> open_signed_services();
  // A query/JSON service (rpc/service.h) on the table under its signing name.
  void serve_rpc(rpc::Service service);
  http::Response by_signed_service(http::Request& request, http::RequestBody& body);
  // runtime_cloudformation.cpp: the engine, its stacks restored, and its API.
  std::expected<void, std::string> open_cloudformation();

  Stack stack_;  // the base stack
  RuntimeOptions options_;
  mutable std::mutex running_mutex_;          // guards contributions_ and running_
  std::map<std::string, Stack> contributions_;  // by owner
  std::shared_ptr<const Stack> running_;        // stack_ + contributions_
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<s3::Service> s3_;
  std::unique_ptr<cdn::Service> cdn_;
  auth::SecretLookup secrets_;  // the stack's keys, then STS's temporary credentials
  std::unique_ptr<sts::CredentialStore> sts_;
  std::unique_ptr<ssm::ParameterStore> parameters_;
  std::unique_ptr<rpc::Front> rpc_;
  std::vector<std::unique_ptr<rpc::Service>> rpc_services_;
  std::map<std::string, http::ServiceHandler, std::less<>> signed_services_;  // by SigV4 service name
  std::atomic<std::int64_t> cdn_clock_offset_ms_{0};  // moved only by /_cdn/_clock
  http::Dispatcher dispatcher_;
  std::vector<std::unique_ptr<api::PresignRoute>> presign_routes_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<events::Pipeline> pipeline_;  // stops before the store closes
  // Last: its worker, which changes the running stack, stops before anything it uses.
  std::unique_ptr<cloudformation::Engine> cloudformation_;
};

}  // namespace stack
