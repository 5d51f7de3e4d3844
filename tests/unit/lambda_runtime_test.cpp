// Lambda runtimes: real node and python3 run small handlers through the runners, as a
// CommandFunction built from lambda_command() and lambda_environment() would in serve.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "events/functions.h"
#include "events/lambda_runtime.h"
#include "store_test_support.h"

using nlohmann::json;
using store_test::TempDir;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.flush());
}

// One function's code directory and the support dir its runner lives in.
struct LambdaFixture {
  TempDir dir;
  fs::path code = dir.path() / "code";
  fs::path support = dir.path() / "support";

  LambdaFixture() {
    fs::create_directories(code);
    REQUIRE(events::write_command_support(support, "us-east-1"));
    REQUIRE(events::write_lambda_runtimes(support));
  }

  events::InvokeResult invoke(const std::string& runtime, const std::string& handler, const std::string& event = "{}") {
    auto argv = events::lambda_command(runtime, handler, code, support);
    REQUIRE(argv);
    events::LambdaFunctionConfig config;
    config.function_name = "ThumbLambda";
    config.runtime = runtime;
    config.handler = handler;
    config.code_dir = code;
    config.timeout_s = 30;
    config.environment = {{"FOLDER_OUTPUT", "avatars"}};
    auto env = events::command_environment(events::lambda_environment(config), "http://localhost:1", "test", "test",
                                           "us-east-1", config.function_name, support);
    events::CommandFunction function({*argv, env, 30000});
    return function.invoke(event, {});
  }
};

// The error object the runner printed as the last line of stderr, from a failure message.
json error_object(const std::string& failure) {
  auto start = failure.rfind("\n{\"error");
  start = start == std::string::npos ? failure.find("{\"error") : start + 1;
  REQUIRE(start != std::string::npos);
  auto parsed = json::parse(failure.substr(start), nullptr, false);
  INFO(failure);
  REQUIRE(!parsed.is_discarded());
  return parsed;
}

}  // namespace

TEST_CASE("a CommonJS async handler: its console.log stays out of the result; it exits with timers open",
          "[lambda-runtime]") {
  LambdaFixture f;
  write(f.code / "index.js", R"js(
    exports.handler = async (event, context) => {
      console.log("log line", { noisy: true });
      process.stdout.write("raw write\n");
      setInterval(() => {}, 1000);  // Lambda freezes the process; the runner must exit
      return { key: event.Records[0].s3.object.key, name: context.functionName,
               left: context.getRemainingTimeInMillis(), arn: context.invokedFunctionArn,
               id: context.awsRequestId, memory: context.memoryLimitInMB, cwd: process.cwd(),
               folder: process.env.FOLDER_OUTPUT, root: process.env.LAMBDA_TASK_ROOT };
    };)js");
  auto started = std::chrono::steady_clock::now();
  auto result = f.invoke("nodejs20.x", "index.handler", R"({"Records":[{"s3":{"object":{"key":"me.jpg"}}}]})");
  auto elapsed = std::chrono::steady_clock::now() - started;
  INFO((result ? *result : result.error()));
  REQUIRE(result);
  auto out = json::parse(*result);
  CHECK(out["key"] == "me.jpg");
  CHECK(out["name"] == "ThumbLambda");
  CHECK(out["left"].get<int>() > 0);
  CHECK(out["left"].get<int>() <= 30000);
  CHECK(out["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:ThumbLambda");
  CHECK(out["id"].get<std::string>().size() == 36);
  CHECK(out["memory"] == "128");
  CHECK(out["cwd"] == f.code.string());
  CHECK(out["folder"] == "avatars");
  CHECK(out["root"] == f.code.string());
  CHECK(elapsed < std::chrono::seconds(10));
}

TEST_CASE("Node callback style, sync handlers and nested export paths behave as on Lambda", "[lambda-runtime]") {
  LambdaFixture f;
  write(f.code / "index.js", R"js(
    exports.later = (event, context, callback) => { setTimeout(() => callback(null, { cb: event.n }), 20); };
    exports.now = (event, context, callback) => callback(null, "at once");
    exports.error = (event, context, callback) => callback(new RangeError("out of range"));
    exports.noWait = (event, context, callback) => {
      context.callbackWaitsForEmptyEventLoop = false;
      setInterval(() => {}, 1000);
      callback(null, "no wait");
    };
    exports.plain = () => ({ ignored: true });  // nodejs20.x ignores a sync return value
    exports.promise = () => Promise.resolve([1, 2]);
    exports.nested = { deeper: { fn: async () => "nested" } };)js");
  CHECK(f.invoke("nodejs20.x", "index.later", R"({"n":7})").value() == R"({"cb":7})");
  CHECK(f.invoke("nodejs20.x", "index.now").value() == R"("at once")");
  CHECK(f.invoke("nodejs22.x", "index.noWait").value() == R"("no wait")");
  CHECK(f.invoke("nodejs18.x", "index.plain").value() == "null");
  CHECK(f.invoke("nodejs20.x", "index.promise").value() == "[1,2]");
  CHECK(f.invoke("nodejs20.x", "index.nested.deeper.fn").value() == R"("nested")");
  auto error = f.invoke("nodejs20.x", "index.error");
  REQUIRE(!error);
  auto object = error_object(error.error());
  CHECK(object["errorType"] == "RangeError");
  CHECK(object["errorMessage"] == "out of range");
}

TEST_CASE("ES modules load by import(): .mjs, package.json type module, nested paths", "[lambda-runtime]") {
  LambdaFixture f;
  write(f.code / "index.mjs", R"js(
    import path from "node:path";
    export const handler = async (event) => ({ esm: path.basename("/a/b.txt"), tz: process.env.TZ });)js");
  CHECK(f.invoke("nodejs20.x", "index.handler").value() == R"({"esm":"b.txt","tz":":UTC"})");

  write(f.code / "src" / "package.json", R"({"type": "module"})");
  write(f.code / "src" / "app.js", R"js(
    import { helper } from "./helper.js";
    export const handler = async () => helper();)js");
  write(f.code / "src" / "helper.js", "export const helper = () => 'type module';\n");
  CHECK(f.invoke("nodejs20.x", "src/app.handler").value() == R"("type module")");

  write(f.code / "lib" / "legacy.cjs", "module.exports.handler = async () => 'cjs';\n");
  CHECK(f.invoke("nodejs20.x", "lib/legacy.handler").value() == R"("cjs")");
}

TEST_CASE("the handler resolves its own node_modules from the code directory", "[lambda-runtime]") {
  LambdaFixture f;
  write(f.code / "node_modules" / "greeter" / "package.json", R"({"name":"greeter","main":"main.js"})");
  write(f.code / "node_modules" / "greeter" / "main.js", "module.exports = (n) => 'hello ' + n;\n");
  write(f.code / "index.js", "const greet = require('greeter');\nexports.handler = async (e) => greet(e.name);\n");
  CHECK(f.invoke("nodejs20.x", "index.handler", R"({"name":"cruddur"})").value() == R"("hello cruddur")");
}

TEST_CASE("Node failures are reported as Lambda reports them", "[lambda-runtime]") {
  LambdaFixture f;
  write(f.code / "index.js", R"js(
    exports.handler = async () => { console.log("before"); throw new TypeError("bad avatar"); };
    exports.text = async () => { throw "just a string"; };
    exports.notAFunction = 42;)js");
  write(f.code / "broken.js", "exports.handler = async () => { return 1 +; };\n");
  write(f.code / "needs.js", "require('not-installed');\nexports.handler = async () => 1;\n");

  auto thrown = f.invoke("nodejs20.x", "index.handler");
  REQUIRE(!thrown);
  CHECK(thrown.error().starts_with("exit status 1; stderr: "));
  CHECK(thrown.error().find("before\n") != std::string::npos);
  auto object = error_object(thrown.error());
  CHECK(object["errorType"] == "TypeError");
  CHECK(object["errorMessage"] == "bad avatar");
  CHECK(object["trace"][0] == "TypeError: bad avatar");

  object = error_object(f.invoke("nodejs20.x", "index.text").error());
  CHECK(object["errorType"] == "string");
  CHECK(object["errorMessage"] == "just a string");

  object = error_object(f.invoke("nodejs20.x", "index.notAFunction").error());
  CHECK(object["errorType"] == "Runtime.HandlerNotFound");
  CHECK(object["errorMessage"] == "index.notAFunction is undefined or not exported");
  object = error_object(f.invoke("nodejs20.x", "index.missing").error());
  CHECK(object["errorMessage"] == "index.missing is undefined or not exported");

  object = error_object(f.invoke("nodejs20.x", "app.handler").error());
  CHECK(object["errorType"] == "Runtime.ImportModuleError");
  CHECK(object["errorMessage"].get<std::string>().starts_with("Error: Cannot find module 'app'"));
  CHECK(object["trace"][0] == "Runtime.ImportModuleError: Error: Cannot find module 'app'");

  object = error_object(f.invoke("nodejs20.x", "needs.handler").error());
  CHECK(object["errorType"] == "Runtime.ImportModuleError");
  CHECK(object["errorMessage"].get<std::string>().starts_with("Error: Cannot find module 'not-installed'"));

  object = error_object(f.invoke("nodejs20.x", "broken.handler").error());
  CHECK(object["errorType"] == "Runtime.UserCodeSyntaxError");

  object = error_object(f.invoke("nodejs20.x", "index").error());
  CHECK(object["errorType"] == "Runtime.MalformedHandlerName");
  CHECK(object["errorMessage"] == "Bad handler");
}

TEST_CASE("a long stack trace still leaves the whole error object in the stderr tail", "[lambda-runtime]") {
  LambdaFixture f;
  write(f.code / "index.js", R"js(
    const deep = (n) => { if (n === 0) throw new Error("x".repeat(3000)); return deep(n - 1); };
    exports.handler = async () => { console.error("y".repeat(5000)); deep(50); };)js");
  auto object = error_object(f.invoke("nodejs20.x", "index.handler").error());
  CHECK(object["errorType"] == "Error");
  CHECK(object["errorMessage"].get<std::string>().starts_with("xxxx"));
}

TEST_CASE("a Python handler: module path, context, print() out of the result, Lambda's errors", "[lambda-runtime]") {
  LambdaFixture f;
  write(f.code / "pkg" / "__init__.py", "");
  write(f.code / "pkg" / "thumbs.py", R"py(
import os
import subprocess

def handler(event, context):
    print("processing", event["key"])
    subprocess.run(["echo", "child output"])
    return {"key": event["key"], "name": context.function_name, "id": context.aws_request_id,
            "left": context.get_remaining_time_in_millis(), "cwd": os.getcwd(),
            "arn": context.invoked_function_arn, "memory": context.memory_limit_in_mb}

def fails(event, context):
    raise ValueError("no such avatar")

def unserialisable(event, context):
    return {1, 2}
)py");
  auto result = f.invoke("python3.12", "pkg.thumbs.handler", R"({"key":"me.jpg"})");
  INFO((result ? *result : result.error()));
  REQUIRE(result);
  auto out = json::parse(*result);
  CHECK(out["key"] == "me.jpg");
  CHECK(out["name"] == "ThumbLambda");
  CHECK(out["id"].get<std::string>().size() == 36);
  CHECK(out["left"].get<int>() > 0);
  CHECK(out["cwd"] == f.code.string());
  CHECK(out["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:ThumbLambda");
  CHECK(out["memory"] == "128");
  CHECK(f.invoke("python3.12", "pkg/thumbs.handler", R"({"key":"k"})").has_value());
  CHECK(!fs::exists(f.code / "pkg" / "__pycache__"));

  auto thrown = f.invoke("python3.11", "pkg.thumbs.fails");
  REQUIRE(!thrown);
  auto object = error_object(thrown.error());
  CHECK(object["errorType"] == "ValueError");
  CHECK(object["errorMessage"] == "no such avatar");
  CHECK(object["stackTrace"].size() == 1);  // the handler's frame, not the runner's

  object = error_object(f.invoke("python3.12", "index.handler").error());
  CHECK(object["errorType"] == "Runtime.ImportModuleError");
  CHECK(object["errorMessage"] == "Unable to import module 'index': No module named 'index'");
  object = error_object(f.invoke("python3.12", "pkg.thumbs.nothing").error());
  CHECK(object["errorType"] == "Runtime.HandlerNotFound");
  CHECK(object["errorMessage"] == "Handler 'nothing' missing on module 'pkg.thumbs'");
  object = error_object(f.invoke("python3.12", "pkg.thumbs.unserialisable").error());
  CHECK(object["errorType"] == "Runtime.MarshalError");
}

TEST_CASE("runtimes other than Node.js and Python 3 are refused by name", "[lambda-runtime]") {
  for (const char* runtime : {"java21", "dotnet8", "provided.al2023", "go1.x", "ruby3.3", "python2.7"}) {
    auto argv = events::lambda_command(runtime, "index.handler", "/code", "/support");
    REQUIRE(!argv);
    CHECK(argv.error().find(runtime) != std::string::npos);
    CHECK(argv.error().find("nodejs") != std::string::npos);
    CHECK(argv.error().find("python3") != std::string::npos);
  }
  CHECK(events::lambda_command("nodejs20.x", "index.handler", "/code", "/s").value() ==
        std::vector<std::string>{"node", "/s/lambda-node.cjs", "/code", "index.handler"});
  CHECK(events::lambda_command("python3.13", "app.main", "/code", "/s").value() ==
        std::vector<std::string>{"python3", "-B", "/s/lambda_python.py", "/code", "app.main"});
}

TEST_CASE("Lambda's variables: reserved ones cannot be overridden by the function, LANG and TZ can",
          "[lambda-runtime]") {
  events::LambdaFunctionConfig config;
  config.function_name = "ThumbLambda";
  config.runtime = "nodejs20.x";
  config.handler = "index.handler";
  config.code_dir = "/data/functions/ThumbLambda";
  config.memory_mb = 512;
  config.region = "eu-west-1";
  config.environment = {{"DEST_BUCKET_NAME", "assets"}, {"AWS_REGION", "us-west-2"}, {"TZ", "Europe/Paris"}};
  auto env = events::lambda_environment(config);
  CHECK(env.at("DEST_BUCKET_NAME") == "assets");
  CHECK(env.at("AWS_REGION") == "eu-west-1");
  CHECK(env.at("TZ") == "Europe/Paris");
  CHECK(env.at("LANG") == "en_US.UTF-8");
  CHECK(env.at("LAMBDA_TASK_ROOT") == "/data/functions/ThumbLambda");
  CHECK(env.at("_HANDLER") == "index.handler");
  CHECK(env.at("AWS_EXECUTION_ENV") == "AWS_Lambda_nodejs20.x");
  CHECK(env.at("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") == "512");
  CHECK(env.at("AWS_LAMBDA_FUNCTION_VERSION") == "$LATEST");
  CHECK(env.at("AWS_LAMBDA_FUNCTION_TIMEOUT") == "3");
  CHECK(env.at("AWS_LAMBDA_LOG_GROUP_NAME") == "/aws/lambda/ThumbLambda");
  const auto& stream = env.at("AWS_LAMBDA_LOG_STREAM_NAME");
  CHECK(stream.size() == 10 + 10 + 32);
  CHECK(stream.substr(10, 10) == "/[$LATEST]");
  CHECK(env.at("MINICLOUD_LAMBDA_FUNCTION_ARN") == "arn:aws:lambda:eu-west-1:000000000000:function:ThumbLambda");

  // command_environment's variables for reaching minicloud win over everything.
  auto command = events::command_environment(env, "http://localhost:4566", "k", "s", "eu-west-1", "ThumbLambda", "/s");
  CHECK(command.at("AWS_ENDPOINT_URL") == "http://localhost:4566");
  CHECK(command.at("AWS_ACCESS_KEY_ID") == "k");
  CHECK(command.at("LAMBDA_TASK_ROOT") == "/data/functions/ThumbLambda");

  CHECK(events::reserved_environment_keys(config.environment) == std::vector<std::string>{"AWS_REGION"});
  CHECK(events::reserved_environment_keys({{"_HANDLER", "x"}, {"LANG", "C"}, {"AWS_ACCESS_KEY_ID", "k"}}) ==
        std::vector<std::string>{"AWS_ACCESS_KEY_ID", "_HANDLER"});
}

TEST_CASE("writing the runners twice is harmless", "[lambda-runtime]") {
  TempDir dir;
  REQUIRE(events::write_lambda_runtimes(dir.path() / "support"));
  REQUIRE(events::write_lambda_runtimes(dir.path() / "support"));
  CHECK(fs::file_size(dir.path() / "support" / "lambda-node.cjs") > 1000);
  CHECK(fs::file_size(dir.path() / "support" / "lambda_python.py") > 1000);
  CHECK(!fs::exists(dir.path() / "support" / "lambda-node.cjs.tmp"));
}
