// The Runtime's CloudFormation: the engine over the Runtime's store and parameter store,
// deploying into the running stack, and its API on the port under "cloudformation".
#include "cloudformation/api.h"
#include "events/lambda_runtime.h"
#include "stack/runtime.h"

namespace stack {

std::expected<void, std::string> Runtime::open_cloudformation() {
  // The Lambda runners sit with the command functions' other support files.
  if (auto ok = events::write_lambda_runtimes(pipeline_->support_dir()); !ok) return std::unexpected(ok.error());
  cloudformation::EngineOptions options;
  options.data_dir = store_->data_dir();
  options.region = stack_.region;
  options.store = store_.get();
  options.parameters = parameters_.get();
  options.support_dir = pipeline_->support_dir();
  options.running = [this] { return current(); };
  options.contribute = [this](const std::string& owner, Stack contribution) {
    return set_contribution(owner, std::move(contribution));
  };
  options.now_ms = options_.now_ms;
  options.overlay = options_.overlay;
  options.code = options_.assets;
  options.ssm_fallback = options_.ssm_fallback;
  options.say = options_.say;
  auto engine = cloudformation::Engine::open(std::move(options));
  if (!engine) return std::unexpected("cannot open cloudformation.sqlite: " + engine.error().effective_message());
  cloudformation_ = std::move(*engine);
  if (auto ok = cloudformation_->restore(); !ok)
    return std::unexpected("cannot restore the CloudFormation stacks: " + ok.error().effective_message());
  serve_rpc(cloudformation::make_api(*cloudformation_));
  return {};
}

}  // namespace stack
