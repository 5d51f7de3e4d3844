// The Runtime's AWS APIs other than S3: who may sign, STS and SSM behind rpc::Front, the
// CloudFront API, and the dispatch of every request by the service it is signed for.
#include "auth/signed_service.h"
#include "rpc/wire.h"
#include "ssm/api.h"
#include "stack/runtime.h"
#include "sts/api.h"

namespace stack {

std::expected<void, std::string> Runtime::open_signed_services() {
  sts_ = std::make_unique<sts::CredentialStore>(options_.now_ms);
  // The stack's long-term keys first: a temporary key never shadows one.
  secrets_ = [this](std::string_view key) -> std::optional<auth::Secret> {
    if (auto secret = stack_.secret_for(key)) return auth::Secret(std::move(*secret));
    return sts_->secret_for(key);
  };
  auto parameters = ssm::ParameterStore::open(store_->data_dir() / "ssm.sqlite", stack_.region, options_.now_ms);
  if (!parameters) return std::unexpected("cannot open ssm.sqlite: " + parameters.error().effective_message());
  parameters_ = std::move(*parameters);

  rpc_ = std::make_unique<rpc::Front>(rpc::FrontOptions{.secrets = secrets_, .now_ms = options_.now_ms});
  serve_rpc(sts::make_api(*sts_));
  serve_rpc(ssm::make_api(*parameters_));
  signed_services_["cloudfront"] = [this](http::Request& request, http::RequestBody& body) {
    return cdn_->api(request, body);
  };
  return {};
}

void Runtime::serve_rpc(rpc::Service service) {
  rpc_services_.push_back(std::make_unique<rpc::Service>(std::move(service)));
  const rpc::Service* served = rpc_services_.back().get();
  signed_services_[served->info().signing_name] = [this, served](http::Request& request, http::RequestBody& body) {
    return rpc_->handle(*served, request, body);
  };
}

http::Response Runtime::by_signed_service(http::Request& request, http::RequestBody& body) {
  const std::string service = auth::signed_service(request);
  if (service.empty() || service == "s3") return s3_->handle(request, body);
  if (auto it = signed_services_.find(service); it != signed_services_.end()) return it->second(request, body);
  std::string served = "s3";
  for (const auto& [name, handler] : signed_services_) served += ", " + name;
  return rpc::unsupported_service(service, served, request);
}

}  // namespace stack
