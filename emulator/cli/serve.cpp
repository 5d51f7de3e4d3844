// `minicloud serve`: start the stack on one port until SIGINT/SIGTERM.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/serve_stack.h"
#include "http/forwarded.h"
#include "http/server.h"
#include "s3/service.h"
#include "stack/runtime.h"
#include "stack/stack.h"

namespace cli {
namespace {

constexpr int kMallocArenas = 2;

struct ServeOptions {
  StackArguments stack;
  std::string data_dir = ".minicloud";
  std::string host = "127.0.0.1";
  int port = 4566;
  std::string ready_file;
  bool in_memory = false;
  int threads = 256;
  double header_timeout = 10;  // seconds
  bool quiet = false;
  bool cdn_no_cache = false;
  bool test_clock = false;
  std::string public_url;  // origin of the presign routes' URLs
  bool trust_proxy = false;
};

// Written to a temp name and renamed, so a reader never sees half a file.
bool write_ready_file(const std::string& path, const nlohmann::json& content) {
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) return false;
    out << content.dump(2) << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  return !ec;
}

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "minicloud serve: " << message << "\n";
  throw CLI::RuntimeError(code);
}

// --public-url: "http(s)://host[:port]" with no path (the presigned path is /bucket/key).
std::string public_url_origin(std::string url) {
  if (url.empty()) return url;
  while (url.ends_with('/')) url.pop_back();
  std::string_view rest = url;
  if (rest.starts_with("https://")) rest.remove_prefix(8);
  else if (rest.starts_with("http://")) rest.remove_prefix(7);
  else fail("--public-url must start with http:// or https://, got " + url, 2);
  if (!http::is_valid_authority(rest)) fail("--public-url must be scheme://host[:port] with no path, got " + url, 2);
  return url;
}

// With the other start-up lines: where each presign route listens and how to get a token.
void print_presign_routes(const stack::Stack& stack, const std::string& origin) {
  bool first_with_secret = true;  // `minicloud token` picks that one without --route
  for (const auto& route : stack.presign_routes) {
    std::printf("presign route: %s %s%s -> s3://%s/%s (%d s)\n", route.method.c_str(), origin.c_str(),
                route.path.c_str(), route.bucket.c_str(), route.key.c_str(), route.expires_s);
    if (!route.auth.hs256_secret.empty()) {
      std::string command = "minicloud token --sub UUID" + (first_with_secret ? "" : " --route " + route.path);
      std::printf("  HS256 secret: %s (a dev token: %s)\n", route.auth.hs256_secret.c_str(), command.c_str());
      first_with_secret = false;
    }
    if (!route.auth.jwks_file.empty()) std::printf("  RS256 keys: %s\n", route.auth.jwks_file.c_str());
  }
}

void serve(const ServeOptions& options) {
  auto setup = read_stack_arguments(options.stack);
  if (!setup) fail(setup.error(), 2);

  // Block the stop signals in every thread; one thread waits for them with sigwait, so no
  // signal handler and no global flag are needed.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // glibc gives threads up to 8 malloc arenas per core, each keeping what its threads freed:
  // under 64 busy connections RSS climbed to ~360 MiB and stayed (scripts/bench soak); two
  // arenas held it flat near 140 MiB. MALLOC_ARENA_MAX in the environment still wins.
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, kMallocArenas);

  stack::RuntimeOptions runtime_options;
  runtime_options.data_dir = options.data_dir;
  runtime_options.in_memory = options.in_memory;
  runtime_options.cdn_caching = !options.cdn_no_cache;
  runtime_options.cdn_test_clock = options.test_clock;
  runtime_options.public_url = public_url_origin(options.public_url);
  runtime_options.assets = std::move(setup->assets);
  runtime_options.overlay = std::move(setup->overlay);
  runtime_options.ssm_fallback = std::move(setup->ssm_fallback);
  runtime_options.say = [](const std::string& message) { std::printf("%s\n", message.c_str()); };
  auto runtime = stack::Runtime::start(std::move(setup->base), runtime_options);
  if (!runtime) fail(runtime.error());
  // Deployed before the port opens: a client that sees the ready file sees the stack.
  auto deployed = deploy_stacks(**runtime, setup->deployments);
  if (!deployed) fail(deployed.error());
  for (const auto& s : *deployed) {
    std::printf("stack %s: %s\n", s["name"].get<std::string>().c_str(), s["status"].get<std::string>().c_str());
    for (const auto& [key, value] : s["outputs"].items())
      std::printf("  %s = %s\n", key.c_str(), value.get<std::string>().c_str());
  }

  http::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  server_options.log_requests = !options.quiet;
  server_options.trust_proxy = options.trust_proxy;
  server_options.head_timeout_ms = static_cast<int>(options.header_timeout * 1000);
  server_options.error_page = [](const core::Error& error, const http::Request& request) {
    return s3::Service::error_response(error, request);
  };
  auto* rt = runtime->get();
  http::Server server(server_options, [rt](http::Request& request, http::RequestBody& body) {
    return rt->handle(request, body);
  });
  auto port = server.bind();
  if (!port) fail(port.error());
  // Distributions with a port of their own: there the path is the bare object key.
  std::vector<std::unique_ptr<http::Server>> cdn_servers;
  nlohmann::json cdn_ports = nlohmann::json::object();
  for (const auto& d : rt->cdn().distributions()) {
    if (!d->port) continue;
    http::ServerOptions cdn_options = server_options;
    cdn_options.port = *d->port;
    auto& cdn_server = cdn_servers.emplace_back(std::make_unique<http::Server>(
        cdn_options, [rt, d](http::Request& request, http::RequestBody&) { return rt->handle_cdn(*d, request); }));
    auto cdn_port = cdn_server->bind();
    if (!cdn_port) fail("distribution " + d->id + ": " + cdn_port.error());
    cdn_ports[d->id] = *cdn_port;
  }

  std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::string base = "http://" + host + ":" + std::to_string(*port);
  // Command functions get http://localhost:PORT: SDKs address buckets virtual-hosted
  // (bucket.localhost), which the functions' support files make resolve (see
  // events::command_environment); an IP endpoint would give aws-sdk-js an invalid
  // bucket.127.0.0.1 URL.
  bool local = options.host == "127.0.0.1" || options.host == "0.0.0.0" || options.host == "localhost" ||
               options.host == "::" || options.host == "::1";
  rt->start_events(local ? "http://localhost:" + std::to_string(*port) : base);
  if (!options.ready_file.empty()) {
    nlohmann::json ready = {{"endpoint", base},       {"port", *port},
                            {"s3", base},             {"health", base + "/_health"},
                            {"pid", ::getpid()},      {"data_dir", options.in_memory ? "" : options.data_dir},
                            {"cdn_ports", cdn_ports}, {"api", base + "/_api"},
                            {"stacks", *deployed}};
    if (!write_ready_file(options.ready_file, ready)) fail("cannot write the ready file " + options.ready_file);
  }
  std::printf("minicloud listening on %s\n", base.c_str());
  print_presign_routes(rt->base_stack(), runtime_options.public_url.empty() ? base : runtime_options.public_url);
  std::fflush(stdout);

  std::vector<std::thread> cdn_threads;
  for (auto& s : cdn_servers) cdn_threads.emplace_back([&s] { s->run(); });
  std::thread watcher([&server, &cdn_servers, stop_signals] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    for (auto& s : cdn_servers) s->stop();
    server.stop();
  });
  server.run();  // returns after stop(); in-flight requests finish first
  for (auto& s : cdn_servers) s->stop();
  for (auto& t : cdn_threads) t.join();
  pthread_kill(watcher.native_handle(), SIGTERM);  // wake the watcher if run() ended on its own
  watcher.join();
  std::fprintf(stderr, "minicloud stopped\n");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the stack (S3, events, processor, CDN) on one port");
  cmd->add_option("--stack", options->stack.path,
                  "A minicloud stack JSON, a CloudFormation template (JSON/YAML) or a CDK cloud assembly (cdk.out) "
                  "(default: the embedded Cruddur stack)")
      ->check(CLI::ExistingPath);
  cmd->add_option("--stack-name", options->stack.stack_name,
                  "The CloudFormation stack name (a template: default its file name; a cdk.out: the one stack to run)");
  cmd->add_option("--parameter", options->stack.parameters, "A template parameter, KEY=VALUE (repeatable)");
  cmd->add_option("--overlay", options->stack.overlay_file,
                  "JSON: run a template's functions differently, e.g. {\"ThumbLambda\": {\"builtin\": \"image-processor\"}}")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--empty", options->stack.empty,
                "Start with no buckets, functions or distributions (keys test/test), e.g. for cdk bootstrap and cdk deploy");
  cmd->add_option("--data-dir", options->data_dir, "Where buckets and objects are kept")->capture_default_str();
  cmd->add_option("--host", options->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", options->port, "Port (0 = any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--ready-file", options->ready_file, "Write the endpoints as JSON here once listening");
  cmd->add_flag("--in-memory", options->in_memory, "Keep nothing on disk (RAM only, for tests)");
  cmd->add_option("--threads", options->threads, "Connections served at once, each on its own thread; more are answered 503 SlowDown")
      ->capture_default_str()->check(CLI::Range(4, 4096));
  cmd->add_option("--header-timeout", options->header_timeout,
                  "Seconds a request head may take to arrive whole; slower ones get 400 RequestTimeout")
      ->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  cmd->add_flag("--quiet", options->quiet, "Do not log one line per request");
  cmd->add_flag("--cdn-no-cache", options->cdn_no_cache,
                "CDN: fetch every request from the origin (development; X-Cache stays Miss)");
  cmd->add_flag("--test-clock", options->test_clock,
                "Tests only: POST /_cdn/_clock?advance=SECONDS moves the CDN's clock forward");
  cmd->add_option("--public-url", options->public_url,
                  "Origin of the URLs the presign routes return, e.g. https://4566-x.gitpod.io (default: the Host the caller used)");
  cmd->add_flag("--trust-proxy", options->trust_proxy,
                "Behind a proxy: take Host and scheme from X-Forwarded-Host / X-Forwarded-Proto");
  cmd->callback([options] { serve(*options); });
}

}  // namespace cli
