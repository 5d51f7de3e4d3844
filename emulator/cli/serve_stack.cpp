#include "cli/serve_stack.h"

#include <cctype>

#include "cloudformation/assembly.h"
#include "cloudformation/model.h"
#include "core/file.h"

namespace cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The version of the bootstrap template aws-cdk 2.1149 deploys. A cdk.out served without
// `cdk bootstrap` still passes its templates' CheckBootstrapVersion rule; a real
// bootstrap's SSM parameter, when there is one, wins.
constexpr const char* kBootstrapVersion = "34";

// A template's stack name when --stack-name is not given: the file's name, made valid
// ([A-Za-z][-A-Za-z0-9]*, as CloudFormation requires).
std::string name_from_file(const fs::path& path) {
  std::string name;
  for (char c : path.stem().string()) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) name = "stack-" + name;
  return name.substr(0, 128);
}

std::expected<cloudformation::Overlay, std::string> read_overlay(const std::string& file) {
  auto text = core::read_file(file);
  if (!text) return std::unexpected(text.error());
  json doc = json::parse(*text, nullptr, false);
  if (!doc.is_object()) return std::unexpected(file + ": an overlay is a JSON object {\"<logical id or function name>\": {\"builtin\": \"image-processor\", \"environment\": {...}}}");
  cloudformation::Overlay overlay;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_object()) return std::unexpected(file + ": " + key + " must be an object");
    cloudformation::FunctionOverlay f;
    for (const auto& [field, v] : value.items()) {
      if (field == "builtin" && v.is_string()) f.builtin = v.get<std::string>();
      else if (field == "environment" && v.is_object()) {
        for (const auto& [k, x] : v.items()) {
          if (!x.is_string()) return std::unexpected(file + ": " + key + ".environment." + k + " must be a string");
          f.environment[k] = x.get<std::string>();
        }
      } else return std::unexpected(file + ": " + key + "." + field + " is not an overlay field (builtin, environment)");
    }
    if (!f.builtin.empty() && f.builtin != "image-processor")
      return std::unexpected(file + ": " + key + ".builtin must be \"image-processor\"");
    overlay[key] = std::move(f);
  }
  return overlay;
}

std::expected<std::vector<cloudformation::ParameterInput>, std::string> read_parameters(const std::vector<std::string>& given) {
  std::vector<cloudformation::ParameterInput> out;
  for (const auto& p : given) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) return std::unexpected("--parameter takes KEY=VALUE, got " + p);
    out.push_back({p.substr(0, eq), p.substr(eq + 1), false});
  }
  return out;
}

cloudformation::StackRequest request_for(std::string name, std::string body,
                                         const std::vector<cloudformation::ParameterInput>& parameters) {
  cloudformation::StackRequest r;
  r.stack_name = std::move(name);
  r.template_body = std::move(body);
  r.parameters = parameters;
  // The user runs their own template on their own machine: acknowledge what cdk deploy
  // acknowledges for them.
  r.capabilities = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"};
  return r;
}

}  // namespace

std::expected<StackSetup, std::string> read_stack_arguments(const StackArguments& a) {
  StackSetup setup;
  const auto env = stack::process_environment();
  stack::Stack defaults = stack::default_stack(env);
  setup.base.region = defaults.region;
  setup.base.credentials = defaults.credentials;
  if (!a.overlay_file.empty()) {
    auto overlay = read_overlay(a.overlay_file);
    if (!overlay) return std::unexpected(overlay.error());
    setup.overlay = std::move(*overlay);
  }
  auto parameters = read_parameters(a.parameters);
  if (!parameters) return std::unexpected(parameters.error());
  if (a.path.empty()) {
    if (!a.stack_name.empty() || !a.parameters.empty() || !a.overlay_file.empty())
      return std::unexpected("--stack-name, --parameter and --overlay need --stack with a template or a cdk.out");
    if (!a.empty) setup.base = std::move(defaults);
    return setup;
  }
  auto source = cloudformation::detect_stack_source(a.path);
  if (!source) return std::unexpected(source.error());
  if (*source == cloudformation::StackSource::MinicloudStack) {
    if (!a.stack_name.empty() || !a.parameters.empty() || !a.overlay_file.empty())
      return std::unexpected(a.path + " is a minicloud stack: --stack-name, --parameter and --overlay are for templates and cdk.out");
    auto loaded = stack::load_stack_file(a.path);
    if (!loaded) return std::unexpected(loaded.error());
    setup.base = std::move(*loaded);
    return setup;
  }
  if (*source == cloudformation::StackSource::Template) {
    auto body = core::read_file(a.path);
    if (!body) return std::unexpected(body.error());
    setup.deployments.push_back(request_for(a.stack_name.empty() ? name_from_file(a.path) : a.stack_name, *body, *parameters));
    return setup;
  }
  auto assembly = cloudformation::read_assembly(a.path, cloudformation::kAccountId, setup.base.region, a.stack_name);
  if (!assembly) return std::unexpected(assembly.error());
  for (const auto& asset : assembly->file_assets) setup.assets.add_asset(asset.bucket, asset.key, asset.source);
  if (!assembly->bootstrap_version_parameter.empty()) setup.ssm_fallback[assembly->bootstrap_version_parameter] = kBootstrapVersion;
  for (const auto& s : assembly->stacks) {
    auto body = core::read_file(s.template_file);
    if (!body) return std::unexpected(body.error());
    setup.deployments.push_back(request_for(s.stack_name, *body, *parameters));
  }
  if (setup.deployments.empty()) return std::unexpected(a.path + " holds no CloudFormation stacks");
  return setup;
}

std::expected<json, std::string> deploy_stacks(stack::Runtime& runtime, const std::vector<cloudformation::StackRequest>& deployments) {
  auto& engine = runtime.cloudformation();
  json report = json::array();
  for (const auto& request : deployments) {
    // A create that rolled back cannot be updated (as on AWS): start that one afresh.
    if (auto old = engine.stack(request.stack_name); old && old->status == "ROLLBACK_COMPLETE") {
      if (auto ok = engine.delete_stack(old->stack_id); !ok) return std::unexpected("stack " + request.stack_name + ": " + ok.error().effective_message());
      engine.wait_idle();
    }
    auto id = engine.deploy(request);
    if (!id) return std::unexpected("stack " + request.stack_name + ": " + id.error().effective_message());
    engine.wait_idle();
    auto s = engine.stack(*id);
    if (!s) return std::unexpected("stack " + request.stack_name + ": " + s.error().effective_message());
    if (s->status != "CREATE_COMPLETE" && s->status != "UPDATE_COMPLETE") {
      // The first failed resource says why, as the console shows it.
      std::string why = s->status_reason;
      if (auto events = engine.events(*id))
        for (auto it = events->rbegin(); it != events->rend(); ++it)
          if (it->status.ends_with("_FAILED") && !it->logical_id.empty() && it->logical_id != s->name) {
            why = it->logical_id + " (" + it->resource_type + "): " + it->status_reason;
            break;
          }
      return std::unexpected("stack " + s->name + " is " + s->status + ": " + why);
    }
    json outputs = json::object();
    for (const auto& o : s->outputs) outputs[o.key] = o.value;
    report.push_back({{"name", s->name}, {"id", s->stack_id}, {"status", s->status}, {"outputs", outputs}});
  }
  return report;
}

}  // namespace cli
