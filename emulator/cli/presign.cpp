// `minicloud presign {get|put} s3://bucket/key`: print one presigned URL (SigV4 query auth)
// for the emulator, e.g. to try an upload with curl. Signing is auth::presign_url; this
// file only turns arguments into a PresignRequest and explains bad ones.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "auth/presign.h"
#include "auth/sigv4.h"
#include "cli/commands.h"

namespace cli {
namespace {

struct PresignOptions {
  std::string method;
  std::string uri;
  std::int64_t expires = 3600;
  std::string content_type;
  std::string endpoint = "http://127.0.0.1:4566";
  std::string access_key = "test";
  std::string secret_key = "test";
  std::string region = "us-east-1";
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "minicloud presign: " << message << "\n";
  throw CLI::RuntimeError(2);
}

struct S3Location {
  std::string bucket, key;
};

// "s3://bucket/key/with/slashes" -> {bucket, key}. The key is taken verbatim (not
// percent-decoded), as the aws CLI does.
std::optional<S3Location> parse_s3_uri(const std::string& uri) {
  constexpr std::string_view kScheme = "s3://";
  if (!uri.starts_with(kScheme)) return std::nullopt;
  const std::string rest = uri.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= rest.size()) return std::nullopt;
  return S3Location{rest.substr(0, slash), rest.substr(slash + 1)};
}

void presign(const PresignOptions& options) {
  std::string method = options.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (method != "GET" && method != "PUT") fail("the method must be get or put, not '" + options.method + "'");

  const auto location = parse_s3_uri(options.uri);
  if (!location) fail("expected s3://BUCKET/KEY, got '" + options.uri + "'");

  if (options.expires < 1 || options.expires > auth::kMaxPresignExpires) {
    fail("--expires must be between 1 and 604800 seconds (7 days), got " + std::to_string(options.expires));
  }
  if (!options.endpoint.starts_with("http://") && !options.endpoint.starts_with("https://")) {
    fail("--endpoint must be an http:// or https:// URL, got '" + options.endpoint + "'");
  }
  if (options.access_key.empty() || options.secret_key.empty()) fail("--access-key and --secret-key must not be empty");
  if (options.region.empty()) fail("--region must not be empty");

  auth::PresignRequest request;
  request.method = method;
  request.endpoint = options.endpoint;
  request.bucket = location->bucket;
  request.key = location->key;
  request.region = options.region;
  request.access_key = options.access_key;
  request.secret_key = options.secret_key;
  request.expires_s = options.expires;
  request.now = std::chrono::system_clock::now();
  if (!options.content_type.empty()) request.signed_headers.emplace_back("content-type", options.content_type);
  std::cout << auth::presign_url(request) << "\n";
}

}  // namespace

void add_presign_command(CLI::App& app) {
  auto options = std::make_shared<PresignOptions>();
  CLI::App* cmd = app.add_subcommand(
      "presign",
      "Print a presigned URL (SigV4 query auth) for a GET or PUT of one object. A URL made with "
      "--content-type must be used with exactly that Content-Type header.");
  cmd->add_option("method", options->method, "get or put")->required();
  cmd->add_option("uri", options->uri, "s3://BUCKET/KEY")->required();
  cmd->add_option("--expires", options->expires, "validity in seconds, 1..604800 (default 3600)");
  cmd->add_option("--content-type", options->content_type, "Content-Type the URL binds (signed header)");
  cmd->add_option("--endpoint", options->endpoint, "emulator URL (default http://127.0.0.1:4566)");
  cmd->add_option("--access-key", options->access_key, "access key id (default test)");
  cmd->add_option("--secret-key", options->secret_key, "secret access key (default test)");
  cmd->add_option("--region", options->region, "region in the credential scope (default us-east-1)");
  cmd->callback([options] { presign(*options); });
}

}  // namespace cli
