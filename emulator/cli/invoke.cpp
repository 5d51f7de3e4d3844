// `minicloud invoke FUNCTION --event FILE`: run one of the stack's functions on an event
// file, synchronously, outside the queue (the original's `test.js` + `example.json`
// flow). The builtin reads and writes the data dir's store (so no server may be running on
// it); a command function talks to the server at --endpoint.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "events/functions.h"
#include "stack/stack.h"

namespace cli {
namespace {

struct InvokeOptions {
  std::string function;
  std::string event_file;
  std::string stack_file;
  std::string data_dir = ".minicloud";
  std::string endpoint = "http://localhost:4566";
};

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "minicloud invoke: " << message << "\n";
  throw CLI::RuntimeError(code);
}

void invoke(const InvokeOptions& options) {
  stack::Stack stack = stack::default_stack(stack::process_environment());
  if (!options.stack_file.empty()) {
    auto loaded = stack::load_stack_file(options.stack_file);
    if (!loaded) fail(loaded.error(), 2);
    stack = std::move(*loaded);
  }
  const stack::FunctionDecl* decl = nullptr;
  for (const auto& f : stack.functions)
    if (f.name == options.function || f.arn == options.function) decl = &f;
  if (!decl) {
    std::string names;
    for (const auto& f : stack.functions) names += (names.empty() ? "" : ", ") + f.name;
    fail("no function " + options.function + " in the stack (declared: " + names + ")", 2);
  }
  std::ifstream in(options.event_file, std::ios::binary);
  if (!in) fail("cannot read " + options.event_file, 2);
  std::stringstream event;
  event << in.rdbuf();

  events::InvokeResult result;
  if (decl->builtin == "image-processor") {
    store::Store::Options store_options;
    store_options.data_dir = options.data_dir;
    auto store = store::Store::open(store_options);
    if (!store)
      fail("cannot open the data dir " + options.data_dir + " (is a server running on it?): " +
           store.error().effective_message());
    events::ImageProcessorFunction function(**store, decl->environment, nullptr);
    result = function.invoke(event.str(), {});
  } else {
    std::string key = stack.credentials.empty() ? "" : stack.credentials.front().access_key;
    std::string secret = stack.credentials.empty() ? "" : stack.credentials.front().secret_key;
    auto support = std::filesystem::path(options.data_dir) / "functions";
    if (auto ok = events::write_command_support(support, stack.region); !ok) fail(ok.error());
    events::CommandFunction function({decl->command,
                                      events::command_environment(decl->environment, options.endpoint, key, secret,
                                                                  stack.region, decl->name, support),
                                      decl->timeout_s * 1000});
    result = function.invoke(event.str(), {});
  }
  if (!result) fail(decl->name + " failed: " + result.error());
  std::cout << *result << "\n";
}

}  // namespace

void add_invoke_command(CLI::App& app) {
  auto options = std::make_shared<InvokeOptions>();
  auto* cmd = app.add_subcommand("invoke", "Run a stack function on an S3 event file (no queue, no retries)");
  cmd->add_option("FUNCTION", options->function, "Function name or ARN, e.g. ThumbLambda")->required();
  cmd->add_option("--event", options->event_file, "S3 event JSON, e.g. fixtures/events/example.json")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--stack", options->stack_file, "Stack JSON file (default: the embedded stack)")->check(CLI::ExistingFile);
  cmd->add_option("--data-dir", options->data_dir, "Data dir the builtin reads and writes")->capture_default_str();
  cmd->add_option("--endpoint", options->endpoint, "Server a command function talks to")->capture_default_str();
  cmd->callback([options] { invoke(*options); });
}

}  // namespace cli
