// `minicloud token --sub UUID`: a dev JWT for a presign route's HS256 secret, shaped like a
// Cognito access token (sub, username, token_use, client_id, iss, iat, exp), so the app's
// upload flow can run with no user pool. Signing is api::jwt::sign_hs256.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "api/jwt.h"
#include "cli/commands.h"
#include "stack/stack.h"

namespace cli {
namespace {

struct TokenOptions {
  std::string sub;
  std::int64_t ttl_s = 3600;
  std::string stack_file;
  std::string route;
  std::string username;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "minicloud token: " << message << "\n";
  throw CLI::RuntimeError(2);
}

const stack::PresignRouteDecl& pick_route(const stack::Stack& stack, const std::string& path) {
  for (const auto& route : stack.presign_routes) {
    if (!path.empty() && route.path != path) continue;
    if (!route.auth.hs256_secret.empty()) return route;
    if (!path.empty()) fail("the route " + path + " has no hs256_secret (its tokens come from the JWKS's issuer)");
  }
  if (!path.empty()) fail("no presign route with path " + path + " in the stack");
  fail("no presign route with an hs256_secret in the stack");
}

void token(const TokenOptions& options) {
  stack::Stack stack = stack::default_stack(stack::process_environment());
  if (!options.stack_file.empty()) {
    auto loaded = stack::load_stack_file(options.stack_file);
    if (!loaded) fail(loaded.error());
    stack = std::move(*loaded);
  }
  if (options.sub.empty()) fail("--sub must not be empty");
  const auto& route = pick_route(stack, options.route);
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string use = route.auth.token_use.empty() ? "access" : route.auth.token_use;
  const std::string username = options.username.empty() ? options.sub : options.username;
  nlohmann::json claims = {{"sub", options.sub}, {"token_use", use},  {"auth_time", now},
                           {"iat", now},         {"exp", now + options.ttl_s}};
  // Where Cognito puts the app client and the user name differs by token type.
  if (use == "access") {
    claims["username"] = username;
    if (!route.auth.audience.empty()) claims["client_id"] = route.auth.audience;
  } else {
    claims["cognito:username"] = username;
    if (!route.auth.audience.empty()) claims["aud"] = route.auth.audience;
  }
  if (!route.auth.issuer.empty()) claims["iss"] = route.auth.issuer;
  std::cout << api::jwt::sign_hs256(claims, route.auth.hs256_secret) << "\n";
}

}  // namespace

void add_token_command(CLI::App& app) {
  auto options = std::make_shared<TokenOptions>();
  CLI::App* cmd = app.add_subcommand(
      "token", "Print a dev JWT (HS256) for a presign route's secret, shaped like a Cognito access token");
  cmd->add_option("--sub", options->sub, "the user's id (sub claim), e.g. a UUID")->required();
  cmd->add_option("--ttl", options->ttl_s, "seconds until exp (default 3600; negative: an expired token, for tests)");
  cmd->add_option("--stack", options->stack_file, "Stack JSON file (default: the embedded Cruddur stack)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--route", options->route, "the route's path (default: the first route with an hs256_secret)");
  cmd->add_option("--username", options->username, "the username claim (default: the sub)");
  cmd->callback([options] { token(*options); });
}

}  // namespace cli
