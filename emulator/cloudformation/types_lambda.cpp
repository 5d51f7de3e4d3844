// AWS::Lambda::Function: a function of the running stack. Its handler runs unchanged as a
// command function through minicloud's Lambda runners (events/lambda_runtime.h), or, when
// `serve --overlay` says so, as the built-in image processor.
#include "cloudformation/code_source.h"
#include "cloudformation/types.h"
#include "events/lambda_runtime.h"

namespace cloudformation::types {
namespace {

using nlohmann::json;

// Lambda gives a function's init phase 10 s on top of its Timeout; each minicloud
// invocation starts the handler afresh, so the command's limit covers both.
constexpr int kInitSeconds = 10;

class Function final : public ResourceType {
 public:
  std::vector<std::string> attributes() const override { return {"Arn", "SnapStartResponse.ApplyOn", "SnapStartResponse.OptimizationStatus"}; }
  Outcome create(ResourceContext& c, const json& p) const override {
    std::string name = name_or_generated(c, p, "FunctionName", 64);
    const auto running = c.running();  // held: the loop reads inside it
    for (const auto& f : running->functions)
      if (f.name == name)
        return std::unexpected("Resource of type 'AWS::Lambda::Function' with identifier '" + name + "' already exists.");
    return apply(c, p, name);
  }
  bool needs_replacement(const json& before, const json& after) const override {
    return string_property(before, "FunctionName") != string_property(after, "FunctionName");
  }
  Outcome update(ResourceContext& c, const ResourceRecord& before, const json& after) const override {
    return apply(c, after, before.physical_id);
  }
  std::expected<void, std::string> remove(ResourceContext&, const ResourceRecord&) const override {
    return {};  // unpacked code is shared by content hash and stays for the next deploy
  }
  void contribute(const ResourceRecord& record, const std::string&, stack::Stack& into) const override {
    stack::FunctionDecl f;
    f.name = record.physical_id;
    f.arn = record.attributes.value("Arn", std::string());
    f.builtin = record.state.value("builtin", std::string());
    f.command = record.state.value("command", std::vector<std::string>{});
    f.environment = record.state.value("environment", std::map<std::string, std::string>{});
    f.timeout_s = static_cast<int>(integer_property(record.properties, "Timeout").value_or(3)) + kInitSeconds;
    into.functions.push_back(std::move(f));
  }

 private:
  static Outcome apply(ResourceContext& c, const json& p, const std::string& name) {
    if (string_property(p, "PackageType") == "Image")
      return std::unexpected("minicloud runs functions from zip code (Node.js and Python); PackageType Image is not supported");
    std::string arn = "arn:aws:lambda:" + c.region + ":" + std::string(kAccountId) + ":function:" + name;
    std::string runtime = string_property(p, "Runtime"), handler = string_property(p, "Handler");
    std::map<std::string, std::string> variables;
    const json given = p.value("Environment", json::object()).value("Variables", json::object());
    for (const auto& [k, v] : given.items())
      variables[k] = v.is_string() ? v.get<std::string>() : v.dump();
    json state = json::object();
    const FunctionOverlay* overlay = nullptr;
    if (c.overlay)
      for (const auto& key : {c.logical_id, name})
        if (auto it = c.overlay->find(key); it != c.overlay->end() && !overlay) overlay = &it->second;
    if (overlay && !overlay->builtin.empty()) {
      for (const auto& [k, v] : overlay->environment) variables[k] = v;
      state["builtin"] = overlay->builtin;
      state["environment"] = variables;
      return Applied{name, {{"Arn", arn}}, state};
    }
    if (runtime.empty() || handler.empty()) return std::unexpected("Runtime and Handler are required for a function with zip code");
    auto dir = c.code->directory(p.value("Code", json::object()), runtime, handler, *c.store, c.functions_dir);
    if (!dir) return std::unexpected(dir.error());
    auto command = events::lambda_command(runtime, handler, *dir, c.support_dir);
    if (!command) return std::unexpected(command.error());
    if (overlay)
      for (const auto& [k, v] : overlay->environment) variables[k] = v;
    events::LambdaFunctionConfig config;
    config.function_name = name;
    config.runtime = runtime;
    config.handler = handler;
    config.code_dir = *dir;
    config.memory_mb = static_cast<int>(integer_property(p, "MemorySize").value_or(128));
    config.timeout_s = static_cast<int>(integer_property(p, "Timeout").value_or(3));
    config.region = c.region;
    config.arn = arn;
    config.environment = variables;
    auto environment = events::lambda_environment(config);
    state["code_dir"] = dir->string();
    state["command"] = *command;
    state["environment"] = environment;
    return Applied{name, {{"Arn", arn}}, state};
  }
};

}  // namespace

std::unique_ptr<ResourceType> function() { return std::make_unique<Function>(); }

}  // namespace cloudformation::types
