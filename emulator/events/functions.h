// Functions: what a notification invokes. Two kinds, as declared in the stack:
// - ImageProcessorFunction ("builtin": "image-processor"): the original ThumbLambda,
//   reading through the store and writing its output through the store.
// - CommandFunction ("command": [...]): an external program, the event JSON on stdin.
//
// invoke() runs one event synchronously on the calling thread and returns what it did (a
// short JSON summary) or why it failed (the error kept in the event log). Both are
// thread-safe: workers call invoke() concurrently.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace events {

struct InvokeContext {
  std::int64_t delivery_id = 0;  // 0 for `minicloud invoke`
  int depth = 0;                 // of the event being handled
};

using InvokeResult = std::expected<std::string, std::string>;

class Function {
 public:
  virtual ~Function() = default;
  virtual InvokeResult invoke(const std::string& event_json, const InvokeContext& context) = 0;
};

// Called after the builtin commits an object, so its writes fire notifications too (the
// topic, and recursion detection through `context.depth`).
using WriteHook = std::function<void(const store::ObjectMeta& written, const InvokeContext& context)>;

// The original Lambda: for EVERY record, decode the key ('+' is a space), read the object,
// process it with the Spec from PROCESS_* (processor::spec_from_env; 512x512 cover JPEG by
// default), write FOLDER_OUTPUT/<basename without extension>.<ext of the format> into
// DEST_BUCKET_NAME with its Content-Type. FOLDER_INPUT is accepted and unused, as in the
// original. The source object is never modified. A failing record fails the invocation
// (after the other records were tried); the message names each failed record.
class ImageProcessorFunction final : public Function {
 public:
  ImageProcessorFunction(store::Store& store, std::map<std::string, std::string> environment, WriteHook on_write);
  InvokeResult invoke(const std::string& event_json, const InvokeContext& context) override;

 private:
  store::Store& store_;
  std::map<std::string, std::string> environment_;
  WriteHook on_write_;
};

struct CommandOptions {
  std::vector<std::string> argv;
  // Added to (and overriding) minicloud's own environment: the function's variables plus
  // AWS_ENDPOINT_URL, credentials, region (see command_environment()).
  std::map<std::string, std::string> environment;
  int timeout_ms = 30000;
};

// Runs argv with the event JSON on stdin, in its own process group (a timeout kills the
// group). Exit 0 = success (stdout tail is the result); otherwise failure with the exit
// status and the stderr tail.
class CommandFunction final : public Function {
 public:
  explicit CommandFunction(CommandOptions options) : options_(std::move(options)) {}
  InvokeResult invoke(const std::string& event_json, const InvokeContext& context) override;

 private:
  CommandOptions options_;
};

// Command functions get AWS_SESSION_TOKEN = depth_token(depth of the event + 1); SDKs send
// it as x-amz-security-token with every request, so the writes the function makes come
// back with their depth (recursive loop detection, as for the builtin).
std::string depth_token(int depth);  // "minicloud-depth-3"
int depth_from_token(std::string_view token);  // 0 unless the token is depth_token(n)

// Files that make SDKs in command functions reach minicloud by name (see
// command_environment): `resolve-localhost.cjs`, a Node preload that resolves localhost
// and *.localhost to 127.0.0.1 (RFC 6761; glibc resolves neither *.localhost), and
// `aws-config`, an AWS config file with `s3.addressing_style = path` (botocore, aws CLI).
// Written into `dir` (created if missing); idempotent.
std::expected<void, std::string> write_command_support(const std::filesystem::path& dir, const std::string& region);

// The AWS variables a command function gets: AWS_ENDPOINT_URL(_S3) = `endpoint`,
// credentials, region, AWS_LAMBDA_FUNCTION_NAME, AWS_CONFIG_FILE = support_dir/aws-config
// (no user file can override them), AWS_SHARED_CREDENTIALS_FILE=/dev/null, and
// NODE_OPTIONS += --require support_dir/resolve-localhost.cjs. SDKs address buckets
// virtual-hosted by default (aws-sdk-js v3 builds http://bucket.localhost:PORT, or an
// invalid URL bucket.127.0.0.1 for an IP endpoint), so `endpoint` should be
// http://localhost:PORT: Node resolves bucket.localhost through the preload, botocore goes
// path-style by the config file.
std::map<std::string, std::string> command_environment(const std::map<std::string, std::string>& function_env,
                                                       const std::string& endpoint, const std::string& access_key,
                                                       const std::string& secret_key, const std::string& region,
                                                       const std::string& function_name,
                                                       const std::filesystem::path& support_dir);

}  // namespace events
