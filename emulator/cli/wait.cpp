// `minicloud wait s3://bucket/key`: poll (signed HEAD, every 100 ms) until the object
// exists, for tests and scripts waiting for a function's output. Exit 0 when it exists, 1
// on timeout, 2 for bad arguments or credentials the server refuses.
#include <httplib.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "auth/presign.h"
#include "cli/commands.h"

namespace cli {
namespace {

struct WaitOptions {
  std::string uri;
  double timeout_s = 30;
  std::string endpoint = "http://127.0.0.1:4566";
  std::string access_key = "test";
  std::string secret_key = "test";
  std::string region = "us-east-1";
};

[[noreturn]] void fail(const std::string& message, int code) {
  std::cerr << "minicloud wait: " << message << "\n";
  throw CLI::RuntimeError(code);
}

void wait_for(const WaitOptions& options) {
  constexpr std::string_view kScheme = "s3://";
  if (!options.uri.starts_with(kScheme)) fail("expected s3://BUCKET/KEY, got '" + options.uri + "'", 2);
  std::string rest = options.uri.substr(kScheme.size());
  auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= rest.size())
    fail("expected s3://BUCKET/KEY, got '" + options.uri + "'", 2);
  if (!options.endpoint.starts_with("http://") && !options.endpoint.starts_with("https://"))
    fail("--endpoint must be an http(s) URL", 2);
  auto origin_end = options.endpoint.find('/', options.endpoint.find("://") + 3);
  std::string origin = options.endpoint.substr(0, origin_end);

  httplib::Client client(origin);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(options.timeout_s);
  std::string last = "no answer";
  for (;;) {
    auth::PresignRequest request;
    request.method = "HEAD";
    request.endpoint = origin;
    request.bucket = rest.substr(0, slash);
    request.key = rest.substr(slash + 1);
    request.region = options.region;
    request.access_key = options.access_key;
    request.secret_key = options.secret_key;
    request.expires_s = 60;
    request.now = std::chrono::system_clock::now();
    std::string url = auth::presign_url(request);
    auto response = client.Head(url.substr(origin.size()));
    if (response) {
      if (response->status == 200) {
        std::cout << options.uri << " exists (" << response->get_header_value("Content-Length") << " bytes)\n";
        return;
      }
      if (response->status == 403) fail("the server refused the credentials (HTTP 403)", 2);
      last = "HTTP " + std::to_string(response->status);
    } else {
      last = httplib::to_string(response.error());
    }
    if (std::chrono::steady_clock::now() >= deadline)
      fail(options.uri + " did not appear within " + std::to_string(options.timeout_s) + " s (last: " + last + ")", 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

void add_wait_command(CLI::App& app) {
  auto options = std::make_shared<WaitOptions>();
  if (const char* e = std::getenv("AWS_ENDPOINT_URL")) options->endpoint = e;
  auto* cmd = app.add_subcommand("wait", "Wait until an object exists (e.g. a processed avatar)");
  cmd->add_option("URI", options->uri, "s3://BUCKET/KEY")->required();
  cmd->add_option("--timeout", options->timeout_s, "Seconds")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--endpoint", options->endpoint, "Server (default $AWS_ENDPOINT_URL or http://127.0.0.1:4566)")
      ->capture_default_str();
  cmd->add_option("--access-key", options->access_key)->capture_default_str();
  cmd->add_option("--secret-key", options->secret_key)->capture_default_str();
  cmd->add_option("--region", options->region)->capture_default_str();
  cmd->callback([options] { wait_for(*options); });
}

}  // namespace cli
