#include "sts/api.h"

#include <cctype>

#include "auth/crypto.h"
#include "core/time.h"

namespace sts {
namespace {

using core::ErrorCode;

// Whom a request's credentials act for.
struct Caller {
  std::string arn, user_id;
  bool temporary = false;
};

Caller caller_of(const CredentialStore& store, const rpc::Call& call) {
  if (auto c = store.find(call.identity.access_key)) return {c->arn, c->user_id, true};
  return {"arn:aws:iam::" + std::string(kAccount) + ":root", call.identity.access_key, false};
}

// "2026-11-29T08:00:00Z": STS writes Expiration without fractions.
std::string iso8601_seconds(std::int64_t epoch_ms) {
  std::string text = core::iso8601_ms(epoch_ms);  // 2026-11-29T08:00:00.000Z
  return text.substr(0, 19) + "Z";
}

rpc::Answer credentials(const TemporaryCredentials& c) {
  return {{"AccessKeyId", c.access_key_id},
          {"SecretAccessKey", c.secret_access_key},
          {"SessionToken", c.session_token},
          {"Expiration", iso8601_seconds(c.expiration_ms)}};
}

core::Result<std::int64_t> duration(const rpc::Call& call, std::int64_t min, std::int64_t max, std::int64_t fallback) {
  auto value = call.integer("DurationSeconds");
  if (!value) return std::unexpected(value.error());
  if (!*value) return fallback;
  const std::int64_t d = **value;
  if (d < min)
    return std::unexpected(call.violation("DurationSeconds", std::to_string(d),
                                          "Member must have value greater than or equal to " + std::to_string(min)));
  if (d > max)
    return std::unexpected(call.violation("DurationSeconds", std::to_string(d),
                                          "Member must have value less than or equal to " + std::to_string(max)));
  return d;
}

core::Result<void> check_length(const rpc::Call& call, std::string_view member, std::string_view value,
                                std::size_t min, std::size_t max) {
  if (value.size() < min)
    return std::unexpected(call.violation(member, value,
                                          "Member must have length greater than or equal to " + std::to_string(min)));
  if (value.size() > max)
    return std::unexpected(call.violation(member, value,
                                          "Member must have length less than or equal to " + std::to_string(max)));
  return {};
}

// RoleSessionName's pattern [\w+=,.@-]*.
bool valid_session_name(std::string_view name) {
  for (char c : name) {
    const bool word = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    if (!word && std::string_view("+=,.@-").find(c) == std::string_view::npos) return false;
  }
  return true;
}

struct Role {
  std::string account, name;
};

// arn:<partition>:iam::<account>:role/[<path>/]<name>
std::optional<Role> parse_role_arn(std::string_view arn) {
  std::vector<std::string_view> parts;
  for (int i = 0; i < 5; ++i) {
    const std::size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(0, colon));
    arn.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn" || parts[1].empty() || parts[2] != "iam" || !parts[3].empty() || parts[4].size() != 12 ||
      !arn.starts_with("role/"))
    return std::nullopt;
  for (char c : parts[4])
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  const std::string_view name = arn.substr(arn.rfind('/') + 1);
  if (name.empty()) return std::nullopt;
  return Role{std::string(parts[4]), std::string(name)};
}

// A role's unique id, "AROA" + 17 characters, stable for a role ARN as on AWS.
std::string role_id(std::string_view role_arn) {
  static constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const std::string digest = auth::sha256(role_arn);
  std::string id = "AROA";
  for (std::size_t i = 0; i < 17; ++i) id.push_back(kBase32[static_cast<unsigned char>(digest[i]) & 31]);
  return id;
}

core::Result<rpc::Answer> assume_role(CredentialStore& store, rpc::Call& call) {
  auto role_arn = call.required_string("RoleArn");
  if (!role_arn) return std::unexpected(role_arn.error());
  auto session = call.required_string("RoleSessionName");
  if (!session) return std::unexpected(session.error());
  if (auto ok = check_length(call, "RoleArn", *role_arn, 20, 2048); !ok) return std::unexpected(ok.error());
  if (auto ok = check_length(call, "RoleSessionName", *session, 2, 64); !ok) return std::unexpected(ok.error());
  if (!valid_session_name(*session))
    return std::unexpected(
        call.violation("RoleSessionName", *session, "Member must satisfy regular expression pattern: [\\w+=,.@-]*"));
  auto external_id = call.string("ExternalId");
  if (!external_id) return std::unexpected(external_id.error());
  if (*external_id)
    if (auto ok = check_length(call, "ExternalId", **external_id, 2, 1224); !ok) return std::unexpected(ok.error());
  auto seconds = duration(call, 900, 43200, 3600);
  if (!seconds) return std::unexpected(seconds.error());

  const auto role = parse_role_arn(*role_arn);
  if (!role) return std::unexpected(call.invalid("Request ARN is invalid"));
  if (role->account != kAccount)
    return std::unexpected(core::make_error(ErrorCode::AccessDenied, "User: " + caller_of(store, call).arn +
                                                                         " is not authorized to perform: "
                                                                         "sts:AssumeRole on resource: " +
                                                                         *role_arn));
  const std::string arn = "arn:aws:sts::" + std::string(kAccount) + ":assumed-role/" + role->name + "/" + *session;
  const std::string user_id = role_id(*role_arn) + ":" + *session;
  const TemporaryCredentials issued = store.issue(arn, user_id, *seconds);
  return rpc::Answer{{"Credentials", credentials(issued)},
                     {"AssumedRoleUser", {{"AssumedRoleId", user_id}, {"Arn", arn}}}};
}

core::Result<rpc::Answer> get_session_token(CredentialStore& store, rpc::Call& call) {
  auto seconds = duration(call, 900, 129600, 43200);
  if (!seconds) return std::unexpected(seconds.error());
  const Caller caller = caller_of(store, call);
  if (caller.temporary)
    return std::unexpected(
        core::make_error(ErrorCode::AccessDenied, "Cannot call GetSessionToken with session credentials"));
  return rpc::Answer{{"Credentials", credentials(store.issue(caller.arn, caller.user_id, *seconds))}};
}

}  // namespace

rpc::Service make_api(CredentialStore& store) {
  rpc::Service service({.signing_name = "sts",
                        .xml_namespace = "https://sts.amazonaws.com/doc/2011-06-15/",
                        .version = "2011-06-15",
                        .json_target_prefix = {}});
  service.add("GetCallerIdentity", [&store](rpc::Call& call) -> core::Result<rpc::Answer> {
    const Caller caller = caller_of(store, call);
    return rpc::Answer{{"Arn", caller.arn}, {"UserId", caller.user_id}, {"Account", kAccount}};
  });
  service.add("AssumeRole", [&store](rpc::Call& call) { return assume_role(store, call); });
  service.add("GetSessionToken", [&store](rpc::Call& call) { return get_session_token(store, call); });
  return service;
}

}  // namespace sts
