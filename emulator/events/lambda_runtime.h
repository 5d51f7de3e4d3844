// Lambda runtimes: run an AWS Lambda handler unchanged as a command function.
//
// A Lambda function (runtime, handler, code directory) becomes a CommandFunction whose argv
// is a small runner script written by minicloud: `node lambda-node.cjs CODE_DIR HANDLER`
// or `python3 -B lambda_python.py CODE_DIR HANDLER`. The runner keeps the command protocol
// (event JSON on stdin; exit 0 = success with the result on stdout; exit 1 = failure) and
// does what Lambda's runtime does around the handler:
// - chdir(CODE_DIR) and load the handler as Lambda does (Node: MODULE.FUNCTION, MODULE a
//   path relative to CODE_DIR, `.js`/`.mjs`/`.cjs`, ES modules by `import()` when the file
//   is .mjs or the nearest package.json says "type": "module"; Python: MODULE.FUNCTION,
//   MODULE dotted or with '/', CODE_DIR first on sys.path). The handler resolves its own
//   node_modules / vendored packages from CODE_DIR; the runner adds no SDK.
// - build the context object (function name, version, ARN, memory, request id (a UUID),
//   log group and stream, getRemainingTimeInMillis() / get_remaining_time_in_millis()
//   counting down from the process start by AWS_LAMBDA_FUNCTION_TIMEOUT seconds).
// - Node: async and promise-returning handlers, and callback style `(event, context,
//   callback)` with context.callbackWaitsForEmptyEventLoop; as on Lambda (nodejs20.x) a
//   handler that neither returns a promise nor calls the callback answers null once the
//   event loop is empty, and the process exits as soon as the result is known (Lambda
//   freezes it; timers or sockets left open do not keep it alive).
// - stdout carries only the result: the handler's console.log/print go to stderr (Lambda's
//   log), then the JSON result (or `null`) is written to the real stdout.
// - a failure prints Lambda's error object as the last line of stderr and exits 1: Node
//   `{"errorType","errorMessage","trace"}`, Python `{"errorMessage","errorType",
//   "requestId","stackTrace"}` (each runtime's own field names), kept under 1800
//   characters so it survives CommandFunction's stderr tail. Loading failures use
//   Lambda's types and messages: Runtime.ImportModuleError ("Error: Cannot find module
//   'index'..." / "Unable to import module 'index': No module named 'index'"),
//   Runtime.HandlerNotFound ("index.handler is undefined or not exported" / "Handler
//   'handler' missing on module 'index'"), Runtime.MalformedHandlerName,
//   Runtime.UserCodeSyntaxError, Runtime.MarshalError for an unserialisable result.
#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace events {

// Writes the runners `lambda-node.cjs` and `lambda_python.py` into support_dir (created
// if missing). Idempotent; each file is written to a temp name and renamed into place, so
// a running invocation never sees half a runner.
std::expected<void, std::string> write_lambda_runtimes(const std::filesystem::path& support_dir);

// The argv that runs `handler` of a function with `runtime` from code_dir:
// nodejs* -> {"node", support_dir/lambda-node.cjs, code_dir, handler};
// python3.* -> {"python3", "-B", support_dir/lambda_python.py, code_dir, handler} (-B: no
// __pycache__ written into the code, which Lambda keeps read-only).
// Any other runtime (java21, dotnet8, provided.al2023, go1.x, ruby3.3, python2.7) is an
// error naming it and listing the supported families. The handler string is passed as is:
// a malformed one fails at invoke with Lambda's Runtime.MalformedHandlerName, as on AWS.
// The host's node / python3 run every version (nodejs22.x runs on whatever node is on PATH).
std::expected<std::vector<std::string>, std::string> lambda_command(std::string_view runtime, std::string_view handler,
                                                                    const std::filesystem::path& code_dir,
                                                                    const std::filesystem::path& support_dir);

struct LambdaFunctionConfig {
  std::string function_name;
  std::string runtime;  // "nodejs20.x"
  std::string handler;  // "index.handler"
  std::filesystem::path code_dir;
  int memory_mb = 128;  // Lambda's defaults, also CloudFormation's when MemorySize/Timeout are absent
  int timeout_s = 3;
  std::string region = "us-east-1";
  std::string arn;  // empty: arn:aws:lambda:<region>:000000000000:function:<function_name>
  std::map<std::string, std::string> environment;  // the function's Environment.Variables
};

// The function's variables plus those Lambda sets: LAMBDA_TASK_ROOT (code_dir), _HANDLER,
// AWS_EXECUTION_ENV=AWS_Lambda_<runtime>, AWS_LAMBDA_FUNCTION_NAME, _MEMORY_SIZE,
// _VERSION ($LATEST), AWS_LAMBDA_LOG_GROUP_NAME (/aws/lambda/<name>),
// AWS_LAMBDA_LOG_STREAM_NAME (YYYY/MM/DD/[$LATEST]<32 hex>), AWS_LAMBDA_INITIALIZATION_TYPE,
// AWS_REGION / AWS_DEFAULT_REGION; and for the runners AWS_LAMBDA_FUNCTION_TIMEOUT
// (seconds, the name Lambda's runtime interface emulator reads) and
// MINICLOUD_LAMBDA_FUNCTION_ARN. Lambda's reserved names always win over the function's
// variables (AWS rejects a function that sets them; see reserved_environment_keys); LANG
// (en_US.UTF-8) and TZ (:UTC) are defaults the function may override, as on AWS.
// Pass the result as `function_env` to command_environment(), whose AWS_* variables for
// reaching minicloud (endpoint, keys, region, config file) then win over all of these.
std::map<std::string, std::string> lambda_environment(const LambdaFunctionConfig& config);

// The names in `variables` that Lambda reserves (AWS_REGION, AWS_ACCESS_KEY_ID,
// LAMBDA_TASK_ROOT, _HANDLER, ...): CreateFunction fails with "Lambda was unable to
// configure your environment variables because the environment variables you have
// provided contains reserved keys that are currently not supported for modification.
// Reserved keys used in this request: <names>". Empty when none.
std::vector<std::string> reserved_environment_keys(const std::map<std::string, std::string>& variables);

}  // namespace events
