// What `serve --stack PATH` was given, told apart by content (never by file name): a
// minicloud stack (JSON), a CloudFormation template (JSON or YAML), or a CDK cloud assembly
// (a cdk.out directory, or its manifest.json). For an assembly: its stacks in deployment
// order and the file assets their templates name.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cloudformation {

enum class StackSource { MinicloudStack, Template, Assembly };

// Reads enough of PATH to tell; the error says what PATH is not.
std::expected<StackSource, std::string> detect_stack_source(const std::filesystem::path& path);

struct AssemblyStack {
  std::string artifact_id, stack_name;
  std::filesystem::path template_file;
  std::vector<std::string> dependencies;  // artifact ids of other stacks
};

struct FileAsset {
  std::string bucket, key;      // where the template expects it (placeholders substituted)
  std::filesystem::path source; // a directory (zip packaging) or a file
};

struct Assembly {
  std::filesystem::path dir;
  std::vector<AssemblyStack> stacks;  // dependencies first
  std::vector<FileAsset> file_assets;
  std::string bootstrap_version_parameter;  // e.g. /cdk-bootstrap/hnb659fds/version; "" if none
};

// Reads manifest.json (and each stack's asset manifest) in `dir` (a cdk.out directory or
// its manifest.json). `${AWS::AccountId}`, `${AWS::Region}` and `${AWS::Partition}` in
// asset destinations become `account`, `region` and aws. `only_stack` (a stack name or
// artifact id; "" for all) picks one stack; naming one that is not there is an error that
// lists the stacks there are.
std::expected<Assembly, std::string> read_assembly(const std::filesystem::path& path, std::string_view account,
                                                   std::string_view region, std::string_view only_stack = "");

}  // namespace cloudformation
