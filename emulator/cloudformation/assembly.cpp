#include "cloudformation/assembly.h"

#include <functional>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cloudformation/template.h"
#include "core/file.h"

namespace cloudformation {
namespace {

using nlohmann::json;

std::expected<json, std::string> read_json(const std::filesystem::path& path) {
  auto text = core::read_file(path);
  if (!text) return std::unexpected(text.error());
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::unexpected(path.string() + " is not a JSON object");
  return j;
}

bool is_manifest(const json& j) { return j.contains("artifacts") && j.contains("version"); }
bool is_template(const json& j) { return j.contains("Resources") || j.contains("AWSTemplateFormatVersion"); }

std::string substitute(std::string text, std::string_view account, std::string_view region) {
  for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"${AWS::AccountId}", account},
                          {"${AWS::Region}", region}, {"${AWS::Partition}", "aws"}}) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

std::expected<StackSource, std::string> detect_stack_source(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    auto manifest = read_json(path / "manifest.json");
    if (manifest && is_manifest(*manifest)) return StackSource::Assembly;
    return std::unexpected(path.string() + " is a directory without a cloud assembly's manifest.json (run cdk synth)");
  }
  auto text = core::read_file(path);
  if (!text) return std::unexpected(text.error());
  json j = json::parse(*text, nullptr, false);
  if (!j.is_discarded()) {
    if (!j.is_object()) return std::unexpected(path.string() + ": a stack, template or manifest is a JSON object");
    if (is_manifest(j)) return StackSource::Assembly;
    if (is_template(j)) return StackSource::Template;
    return StackSource::MinicloudStack;
  }
  auto yaml = parse_template(*text);
  if (yaml && yaml->is_object() && is_template(*yaml)) return StackSource::Template;
  return std::unexpected(path.string() +
                         " is neither a minicloud stack (JSON), a CloudFormation template (JSON or YAML) nor a cloud assembly" +
                         (yaml ? std::string() : " (" + yaml.error() + ")"));
}

std::expected<Assembly, std::string> read_assembly(const std::filesystem::path& path, std::string_view account,
                                                   std::string_view region, std::string_view only_stack) {
  Assembly assembly;
  std::error_code ec;
  assembly.dir = std::filesystem::is_directory(path, ec) ? path : path.parent_path();
  auto manifest = read_json(assembly.dir / "manifest.json");
  if (!manifest) return std::unexpected(manifest.error());
  if (!is_manifest(*manifest)) return std::unexpected((assembly.dir / "manifest.json").string() + " is not a cloud assembly manifest");

  std::map<std::string, AssemblyStack> stacks;
  std::vector<std::string> asset_files;
  for (const auto& [id, artifact] : (*manifest)["artifacts"].items()) {
    std::string type = artifact.value("type", std::string());
    const json properties = artifact.value("properties", json::object());
    if (type == "aws:cloudformation:stack") {
      AssemblyStack s;
      s.artifact_id = id;
      s.stack_name = properties.value("stackName", id);
      s.template_file = assembly.dir / properties.value("templateFile", id + ".template.json");
      for (const auto& d : artifact.value("dependencies", json::array()))
        if (d.is_string()) s.dependencies.push_back(d.get<std::string>());
      if (assembly.bootstrap_version_parameter.empty())
        assembly.bootstrap_version_parameter = properties.value("bootstrapStackVersionSsmParameter", std::string());
      stacks[id] = std::move(s);
    } else if (type == "cdk:asset-manifest") {
      asset_files.push_back(properties.value("file", std::string()));
    } else if (type == "cdk:cloud-assembly") {
      return std::unexpected("artifact " + id + " is a nested cloud assembly (a CDK Stage); minicloud reads one assembly level");
    }
  }
  if (stacks.empty()) return std::unexpected((assembly.dir / "manifest.json").string() + " holds no stacks");

  std::vector<std::string> wanted;
  if (!only_stack.empty()) {
    for (const auto& [id, s] : stacks)
      if (id == only_stack || s.stack_name == only_stack) wanted.push_back(id);
    if (wanted.empty()) {
      std::string names;
      for (const auto& [id, s] : stacks) names += (names.empty() ? "" : ", ") + s.stack_name;
      return std::unexpected("no stack named " + std::string(only_stack) + " in the assembly (it has: " + names + ")");
    }
  } else {
    for (const auto& [id, s] : stacks) wanted.push_back(id);
  }
  // Dependencies first (depth-first); only stack artifacts count as dependencies.
  std::set<std::string> done, visiting;
  std::function<std::expected<void, std::string>(const std::string&)> visit = [&](const std::string& id) -> std::expected<void, std::string> {
    if (done.contains(id)) return {};
    if (!visiting.insert(id).second) return std::unexpected("the assembly's stacks depend on each other in a cycle through " + id);
    for (const auto& d : stacks.at(id).dependencies)
      if (stacks.contains(d))
        if (auto ok = visit(d); !ok) return ok;
    done.insert(id);
    assembly.stacks.push_back(stacks.at(id));
    return {};
  };
  for (const auto& id : wanted)
    if (auto ok = visit(id); !ok) return std::unexpected(ok.error());

  for (const auto& file : asset_files) {
    auto assets = read_json(assembly.dir / file);
    if (!assets) return std::unexpected(assets.error());
    const json files = assets->value("files", json::object());  // items() must not outlive it
    for (const auto& [hash, asset] : files.items()) {
      auto source = assembly.dir / asset.value("source", json::object()).value("path", std::string());
      const json destinations = asset.value("destinations", json::object());
      for (const auto& [name, destination] : destinations.items())
        assembly.file_assets.push_back({substitute(destination.value("bucketName", std::string()), account, region),
                                        substitute(destination.value("objectKey", std::string()), account, region), source});
    }
  }
  return assembly;
}

}  // namespace cloudformation
