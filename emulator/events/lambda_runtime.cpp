#include "events/lambda_runtime.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>

namespace events {
namespace {

// The runners. Kept here (not as files installed beside the binary) so one minicloud
// binary is all a machine needs; write_lambda_runtimes() puts them in the data dir.
constexpr const char* kNodeRunner = R"js(// Written by minicloud: runs one invocation of an AWS Lambda Node.js handler, as Lambda's
// runtime does. Usage: node lambda-node.cjs CODE_DIR MODULE.FUNCTION < event.json
// stdout gets only the JSON result (or null); the handler's own output goes to stderr (on
// Lambda, to its log). A failure prints Lambda's error object as the last line of stderr
// and exits 1. See emulator/events/lambda_runtime.h.
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const { pathToFileURL } = require("url");

// Anything written through process.stdout (console.log, console.info, ...) goes to stderr,
// so nothing but the result reaches the real stdout (fd 1, written directly at the end).
process.stdout.write = process.stderr.write.bind(process.stderr);

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// fd 1 and 2 may be non-blocking pipes: a write can be partial or EAGAIN.
function writeAll(fd, text) {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += fs.writeSync(fd, bytes, offset);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      sleep(1);
    }
  }
}

function readStdin() {
  const chunks = [];
  const buffer = Buffer.alloc(65536);
  for (;;) {
    let n;
    try {
      n = fs.readSync(0, buffer, 0, buffer.length, null);
    } catch (e) {
      if (e.code === "EAGAIN") { sleep(2); continue; }
      if (e.code === "EOF" || e.code === "EBADF") break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}

// An error named as Lambda's runtime names its own (errorType "Runtime.ImportModuleError").
function runtimeError(type, message, cause) {
  const error = new Error(message);
  error.name = type;
  // The frames of the user's code only (not this runner's, not node's internals).
  const frames = (cause && typeof cause.stack === "string" ? cause.stack : "")
    .split("\n")
    .filter((l) => /^\s+at /.test(l) && !l.includes(__filename) && !l.includes("node:internal"));
  error.stack = [`${type}: ${message}`, ...frames].join("\n");
  return error;
}

// Lambda's error object for a thrown value or a callback's error argument.
function errorObject(error) {
  try {
    if (error instanceof Error || (error && typeof error.message === "string" && typeof error.stack === "string")) {
      return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split("\n") };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch (_) {
    return { errorType: "handled", errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack" };
  }
}

let finished = false;

function fail(error) {
  if (finished) return;
  finished = true;
  const object = errorObject(error);
  // CommandFunction keeps the last 2000 characters of stderr: the line must fit whole.
  let line = JSON.stringify(object);
  while (line.length > 1800 && object.trace && object.trace.length > 1) {
    object.trace.pop();
    line = JSON.stringify(object);
  }
  if (line.length > 1800) {
    object.errorMessage = String(object.errorMessage).slice(0, 1000) + "...";
    object.trace = (object.trace || []).slice(0, 1).map((l) => l.slice(0, 300));
    line = JSON.stringify(object);
  }
  writeAll(2, line + "\n");
  process.exit(1);
}

function succeed(result) {
  if (finished) return;
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch (e) {
    return fail(runtimeError("Runtime.MarshalError", `Unable to stringify response body: ${e.message}`));
  }
  finished = true;
  writeAll(1, body === undefined ? "null" : body);
  process.exit(0);
}

// Lambda's lookup (aws-lambda-nodejs-runtime-interface-client): an extensionless file,
// then .js by require unless package.json says "type": "module", then .js (ESM) / .mjs
// by import(), .cjs by require, and last a module name resolved from CODE_DIR.
function nearestPackageIsModule(dir) {
  for (;;) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      try {
        return JSON.parse(fs.readFileSync(file, "utf8")).type === "module";
      } catch (_) {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  const exists = (file) => fs.existsSync(file);
  if (exists(base)) return require(base);
  const isModule = nearestPackageIsModule(path.dirname(base));
  if (!isModule && exists(base + ".js")) return require(base + ".js");
  if (isModule && exists(base + ".js")) return import(pathToFileURL(base + ".js").href);
  if (exists(base + ".mjs")) return import(pathToFileURL(base + ".mjs").href);
  if (exists(base + ".cjs")) return require(base + ".cjs");
  return require(require.resolve(moduleName, { paths: [appRoot, path.resolve(appRoot, moduleRoot)] }));
}

async function loadHandler(appRoot, fullHandler) {
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match) throw runtimeError("Runtime.MalformedHandlerName", "Bad handler");
  const [, moduleName, functionPath] = match;
  let userModule;
  try {
    userModule = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw runtimeError("Runtime.UserCodeSyntaxError", String(e), e);
    if (e && (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND")) throw runtimeError("Runtime.ImportModuleError", String(e), e);
    throw e;
  }
  const handler = functionPath.split(".").reduce((object, key) => (object == null ? undefined : object[key]), userModule);
  if (typeof handler !== "function") throw runtimeError("Runtime.HandlerNotFound", `${fullHandler} is undefined or not exported`);
  return handler;
}

function makeContext(requestId, deadline) {
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME || "",
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION || "$LATEST",
    invokedFunctionArn: env.MINICLOUD_LAMBDA_FUNCTION_ARN || "",
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || "128",
    awsRequestId: requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME || "",
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME || "",
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - Date.now())),
    // The legacy completion methods: they answer at once.
    succeed: (result) => succeed(result),
    fail: (error) => fail(error == null ? "handled" : error),
    done: (error, result) => (error == null ? succeed(result) : fail(error)),
  };
}

async function main() {
  const [codeDir, fullHandler] = process.argv.slice(2);
  if (!codeDir || !fullHandler) throw new Error("usage: node lambda-node.cjs CODE_DIR MODULE.FUNCTION < event.json");
  const timeoutSeconds = Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT) || 3;
  const deadline = performance.timeOrigin + timeoutSeconds * 1000;
  const input = readStdin();
  const event = input.trim() === "" ? {} : JSON.parse(input);
  process.chdir(codeDir);
  const handler = await loadHandler(process.cwd(), fullHandler);
  const context = makeContext(crypto.randomUUID(), deadline);

  // Callback style: with callbackWaitsForEmptyEventLoop (the default) the answer goes out
  // once the event loop is empty, as on Lambda; a handler that never answers gets null then.
  let pending = null;
  process.on("beforeExit", () => succeed(pending));
  const callback = (error, result) => {
    if (error !== undefined && error !== null) return fail(error);
    if (context.callbackWaitsForEmptyEventLoop) pending = result === undefined ? null : result;
    else succeed(result);
  };
  const returned = handler(event, context, callback);
  if (returned && typeof returned.then === "function") returned.then(succeed, fail);
}

process.on("uncaughtException", (error) => fail(error));
process.on("unhandledRejection", (reason) => {
  fail(runtimeError("Runtime.UnhandledPromiseRejection", String(reason && reason.stack ? `${reason.name}: ${reason.message}` : reason), reason));
});
main().catch(fail);
)js";

constexpr const char* kPythonRunner = R"py(# Written by minicloud: runs one invocation of an AWS Lambda Python handler, as Lambda's
# runtime does. Usage: python3 -B lambda_python.py CODE_DIR MODULE.FUNCTION < event.json
# stdout gets only the JSON result (or null); the handler's own output goes to stderr (on
# Lambda, to its log). A failure prints Lambda's error object as the last line of stderr
# and exits 1. See emulator/events/lambda_runtime.h.
import importlib
import json
import os
import sys
import time
import traceback
import uuid

STARTED = time.time()


class LambdaError(Exception):
    """A failure Lambda's runtime reports under its own type (Runtime.ImportModuleError)."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.trace = trace


class LambdaContext:
    def __init__(self, request_id, deadline_ms):
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env.get("MINICLOUD_LAMBDA_FUNCTION_ARN", "")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def load_handler(handler):
    """Lambda's lookup (awslambdaric): MODULE.FUNCTION, MODULE dotted or with '/'."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise LambdaError("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler, e))
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise LambdaError("Runtime.BuiltInModuleConflict",
                          "Cannot use built-in module {} as a handler module".format(module_name))
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise LambdaError("Runtime.ImportModuleError", "Unable to import module '{}': {}".format(module_name, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise LambdaError("Runtime.UserCodeSyntaxError", "Syntax error in module '{}': {}".format(module_name, e), trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise LambdaError("Runtime.HandlerNotFound",
                          "Handler '{}' missing on module '{}'".format(function_name, module_name))


def error_object(error, request_id):
    if isinstance(error, LambdaError):
        error_type, trace = error.error_type, error.trace or []
    else:
        error_type = type(error).__name__
        frames = traceback.extract_tb(error.__traceback__)
        while frames and frames[0].filename == __file__:  # the runner's own frames
            frames.pop(0)
        trace = traceback.format_list(frames)
    return {"errorMessage": str(error), "errorType": error_type, "requestId": request_id, "stackTrace": trace}


def fail(error, request_id):
    sys.stderr.flush()
    obj = error_object(error, request_id)
    # CommandFunction keeps the last 2000 characters of stderr: the line must fit whole.
    line = json.dumps(obj)
    while len(line) > 1800 and len(obj["stackTrace"]) > 1:
        obj["stackTrace"].pop(0)  # the innermost frames are the useful ones
        line = json.dumps(obj)
    if len(line) > 1800:
        obj["errorMessage"] = obj["errorMessage"][:1000] + "..."
        obj["stackTrace"] = [frame[:300] for frame in obj["stackTrace"][-1:]]
        line = json.dumps(obj)
    os.write(2, (line + "\n").encode())
    os._exit(1)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: python3 lambda_python.py CODE_DIR MODULE.FUNCTION < event.json")
    code_dir, handler_name = sys.argv[1], sys.argv[2]
    # fd 1 becomes stderr, so print(), logging and child processes never reach the result;
    # the result goes to a copy of the original stdout.
    result_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    request_id = str(uuid.uuid4())
    try:
        raw = sys.stdin.buffer.read().decode("utf-8")
        event = json.loads(raw) if raw.strip() else {}
        os.chdir(code_dir)
        sys.path[0] = os.getcwd()  # the handler's directory, not this runner's
        handler = load_handler(handler_name)
        timeout_s = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)
        result = handler(event, LambdaContext(request_id, (STARTED + timeout_s) * 1000))
        try:
            body = json.dumps(result)
        except (TypeError, ValueError) as e:
            raise LambdaError("Runtime.MarshalError", "Unable to marshal response: {}".format(e))
    except BaseException as e:  # noqa: BLE001 - every failure (sys.exit too) is reported as Lambda does
        fail(e, request_id)
    sys.stderr.flush()
    data = body.encode()
    while data:
        data = data[os.write(result_fd, data):]
    # Exit now, as Lambda freezes the process: threads the handler left do not keep it alive.
    os._exit(0)


main()
)py";

std::expected<void, std::string> write_file(const std::filesystem::path& path, std::string_view content) {
  auto temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) return std::unexpected("cannot write " + temp.string());
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return std::unexpected("cannot write " + path.string() + ": " + ec.message());
  return {};
}

bool is_node(std::string_view runtime) { return runtime.starts_with("nodejs"); }
bool is_python(std::string_view runtime) { return runtime.starts_with("python3."); }

// Lambda's stream names: "2024/01/31/[$LATEST]" + 32 hex digits.
std::string log_stream_name() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 16> date{};
  std::strftime(date.data(), date.size(), "%Y/%m/%d", &utc);
  std::random_device random;
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) hex += kHex[random() & 15];
  return std::string(date.data()) + "/[$LATEST]" + hex;
}

// Lambda's reserved variables (Lambda developer guide, "Defined runtime environment
// variables"): a function cannot set them.
constexpr std::array<std::string_view, 18> kReserved = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR"};

}  // namespace

std::expected<void, std::string> write_lambda_runtimes(const std::filesystem::path& support_dir) {
  std::error_code ec;
  std::filesystem::create_directories(support_dir, ec);
  if (ec) return std::unexpected("cannot create " + support_dir.string() + ": " + ec.message());
  if (auto ok = write_file(support_dir / "lambda-node.cjs", kNodeRunner); !ok) return ok;
  return write_file(support_dir / "lambda_python.py", kPythonRunner);
}

std::expected<std::vector<std::string>, std::string> lambda_command(std::string_view runtime, std::string_view handler,
                                                                    const std::filesystem::path& code_dir,
                                                                    const std::filesystem::path& support_dir) {
  if (handler.empty()) return std::unexpected(std::string("the function has no handler"));
  if (is_node(runtime))
    return std::vector<std::string>{"node", (support_dir / "lambda-node.cjs").string(), code_dir.string(),
                                    std::string(handler)};
  if (is_python(runtime))
    return std::vector<std::string>{"python3", "-B", (support_dir / "lambda_python.py").string(), code_dir.string(),
                                    std::string(handler)};
  return std::unexpected("runtime " + std::string(runtime) +
                         " is not supported offline; minicloud runs nodejs* (nodejs18.x, nodejs20.x, nodejs22.x, "
                         "...) with node and python3.* (python3.9 ... python3.13) with python3");
}

std::map<std::string, std::string> lambda_environment(const LambdaFunctionConfig& config) {
  std::map<std::string, std::string> env = config.environment;
  // Defaults a function may override, as on AWS.
  env.try_emplace("LANG", "en_US.UTF-8");
  env.try_emplace("TZ", ":UTC");
  // Reserved: always Lambda's.
  env["LAMBDA_TASK_ROOT"] = config.code_dir.string();
  env["_HANDLER"] = config.handler;
  env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + config.runtime;
  env["AWS_LAMBDA_FUNCTION_NAME"] = config.function_name;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(config.memory_mb);
  env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + config.function_name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream_name();
  env["AWS_REGION"] = config.region;
  env["AWS_DEFAULT_REGION"] = config.region;
  // For the runners (not Lambda's): the timeout behind getRemainingTimeInMillis(), the ARN.
  env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = std::to_string(config.timeout_s);
  env["MINICLOUD_LAMBDA_FUNCTION_ARN"] =
      config.arn.empty() ? "arn:aws:lambda:" + config.region + ":000000000000:function:" + config.function_name
                         : config.arn;
  return env;
}

std::vector<std::string> reserved_environment_keys(const std::map<std::string, std::string>& variables) {
  std::vector<std::string> found;
  for (const auto& [name, value] : variables)
    for (std::string_view reserved : kReserved)
      if (name == reserved) found.push_back(name);
  return found;
}

}  // namespace events
