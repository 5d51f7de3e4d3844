// STS: the temporary credentials store and the API through rpc::Front.
#include <catch2/catch.hpp>

#include <atomic>
#include <pugixml.hpp>

#include "sts/api.h"
#include "sts/credentials.h"
#include "rpc_test_support.h"

namespace {

struct Fixture {
  std::atomic<std::int64_t> clock{rpc_test::now_ms()};
  sts::CredentialStore store{[this] { return clock.load(); }};
  rpc::Service api = sts::make_api(store);
  rpc::Front front{{.secrets = [this](std::string_view key) -> std::optional<auth::Secret> {
                      if (key == "test") return auth::Secret("test");
                      return store.secret_for(key);
                    },
                    .now_ms = [this] { return clock.load(); },
                    .max_body_bytes = 1 << 20}};

  // The <{Action}Result> element (copied out), or the error code.
  struct Reply {
    int status = 0;
    pugi::xml_document doc;
    pugi::xml_node result;
    std::string code, message;
  };
  std::unique_ptr<Reply> call(const std::string& body, const std::string& key = "test",
                              const std::string& secret = "test", const std::string& token = {}) {
    http::Request r = rpc_test::post("application/x-www-form-urlencoded; charset=utf-8");
    rpc_test::sign(r, body, key, secret, "sts", token,
                   std::chrono::system_clock::time_point(std::chrono::milliseconds(clock.load())));
    auto response = rpc_test::run(front, api, r, body);
    auto reply = std::make_unique<Reply>();
    reply->status = response.status;
    REQUIRE(reply->doc.load_string(response.body.c_str()));
    if (auto error = reply->doc.child("ErrorResponse").child("Error")) {
      reply->code = error.child_value("Code");
      reply->message = error.child_value("Message");
    } else {
      reply->result = reply->doc.first_child().first_child();
    }
    return reply;
  }
};

std::string text(pugi::xml_node node, const char* path) { return node.first_element_by_path(path).child_value(); }

}  // namespace

TEST_CASE("credentials: ASIA keys, found until long after expiry, with their token", "[sts]") {
  std::int64_t now = 1'000'000;
  sts::CredentialStore store([&] { return now; });
  auto c = store.issue("arn:aws:sts::000000000000:assumed-role/r/s", "AROAX:s", 900);
  CHECK(c.access_key_id.size() == 20);
  CHECK(c.access_key_id.starts_with("ASIA"));
  CHECK(c.access_key_id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == std::string::npos);
  CHECK(c.secret_access_key.size() == 40);
  CHECK(c.session_token.size() == 128);
  CHECK(c.expiration_ms == now + 900'000);
  CHECK(store.issue("a", "b", 900).access_key_id != c.access_key_id);
  auto secret = store.secret_for(c.access_key_id);
  REQUIRE(secret);
  CHECK(secret->secret_key == c.secret_access_key);
  CHECK(secret->session_token == c.session_token);
  CHECK(secret->expires == std::chrono::system_clock::time_point(std::chrono::milliseconds(c.expiration_ms)));
  CHECK_FALSE(store.secret_for("ASIANOTHING"));
  CHECK(store.find(c.access_key_id)->arn == "arn:aws:sts::000000000000:assumed-role/r/s");

  now += 3600'000;  // expired, still known (ExpiredToken, not an unknown key)
  store.issue("x", "y", 900);
  CHECK(store.find(c.access_key_id));
  now += 25 * 3600'000;  // a day after expiry it goes at the next issue
  store.issue("x", "y", 900);
  CHECK_FALSE(store.find(c.access_key_id));
}

TEST_CASE("GetCallerIdentity: the stack's key is root, UserId the key", "[sts]") {
  Fixture f;
  auto reply = f.call("Action=GetCallerIdentity&Version=2011-06-15");
  REQUIRE(reply->code == "");
  CHECK(std::string(reply->result.name()) == "GetCallerIdentityResult");
  CHECK(text(reply->result, "Account") == "000000000000");
  CHECK(text(reply->result, "Arn") == "arn:aws:iam::000000000000:root");
  CHECK(text(reply->result, "UserId") == "test");
  CHECK(std::string(reply->doc.first_child().attribute("xmlns").value()) == "https://sts.amazonaws.com/doc/2011-06-15/");
}

TEST_CASE("AssumeRole issues credentials that act as the role, only with their token", "[sts]") {
  Fixture f;
  auto reply = f.call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fcdk%2F"
                      "cdk-deploy-role&RoleSessionName=aws-cdk-me&DurationSeconds=900&ExternalId=ext");
  REQUIRE(reply->code == "");
  const std::string key = text(reply->result, "Credentials/AccessKeyId");
  const std::string secret = text(reply->result, "Credentials/SecretAccessKey");
  const std::string token = text(reply->result, "Credentials/SessionToken");
  CHECK(key.starts_with("ASIA"));
  CHECK(text(reply->result, "Credentials/Expiration") == "2026-01-15T12:15:00Z");
  const std::string arn = "arn:aws:sts::000000000000:assumed-role/cdk-deploy-role/aws-cdk-me";
  CHECK(text(reply->result, "AssumedRoleUser/Arn") == arn);
  const std::string role_id = text(reply->result, "AssumedRoleUser/AssumedRoleId");
  CHECK(role_id.starts_with("AROA"));
  CHECK(role_id.ends_with(":aws-cdk-me"));

  auto me = f.call("Action=GetCallerIdentity", key, secret, token);
  REQUIRE(me->code == "");
  CHECK(text(me->result, "Arn") == arn);
  CHECK(text(me->result, "UserId") == role_id);

  CHECK(f.call("Action=GetCallerIdentity", key, secret)->code == "InvalidClientTokenId");
  CHECK(f.call("Action=GetCallerIdentity", key, secret, token + "x")->code == "InvalidClientTokenId");
  CHECK(f.call("Action=GetCallerIdentity", key, "wrong", token)->code == "SignatureDoesNotMatch");
  f.clock += 900'000;
  auto expired = f.call("Action=GetCallerIdentity", key, secret, token);
  CHECK(expired->code == "ExpiredToken");
  CHECK(expired->status == 403);
  CHECK(expired->message == "The security token included in the request is expired");
}

TEST_CASE("AssumeRole validates as AWS does", "[sts]") {
  Fixture f;
  const std::string role = "&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr";
  auto error = [&](const std::string& params) {
    auto reply = f.call("Action=AssumeRole" + params);
    CHECK(reply->status >= 400);
    return reply->code + ": " + reply->message;
  };
  CHECK(error("&RoleSessionName=s1") ==
        "ValidationError: 1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member "
        "must not be null");
  CHECK(error(role) == "ValidationError: 1 validation error detected: Value null at 'roleSessionName' failed to "
                       "satisfy constraint: Member must not be null");
  CHECK(error(role + "&RoleSessionName=s") ==
        "ValidationError: 1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 2");
  CHECK(error(role + "&RoleSessionName=a+b") ==
        "ValidationError: 1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  CHECK(error(role + "&RoleSessionName=ok&DurationSeconds=899") ==
        "ValidationError: 1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 900");
  CHECK(error(role + "&RoleSessionName=ok&DurationSeconds=43201") ==
        "ValidationError: 1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value less than or equal to 43200");
  CHECK(error("&RoleArn=arn%3Aaws%3As3%3A%3A%3Amy-bucket-name&RoleSessionName=ok") ==
        "ValidationError: Request ARN is invalid");
  CHECK(error("&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=ok") ==
        "AccessDenied: User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on "
        "resource: arn:aws:iam::123456789012:role/r");
  auto ok = f.call("Action=AssumeRole" + role + "&RoleSessionName=ok&Policy=%7B%7D");
  CHECK(ok->code == "");
  CHECK(text(ok->result, "Credentials/Expiration") == "2026-01-15T13:00:00Z");  // default 3600 s
}

TEST_CASE("GetSessionToken: long-term keys only", "[sts]") {
  Fixture f;
  auto reply = f.call("Action=GetSessionToken");
  REQUIRE(reply->code == "");
  CHECK(text(reply->result, "Credentials/Expiration") == "2026-01-16T00:00:00Z");  // default 12 h
  const std::string key = text(reply->result, "Credentials/AccessKeyId");
  const std::string secret = text(reply->result, "Credentials/SecretAccessKey");
  const std::string token = text(reply->result, "Credentials/SessionToken");
  auto me = f.call("Action=GetCallerIdentity", key, secret, token);
  CHECK(text(me->result, "Arn") == "arn:aws:iam::000000000000:root");
  CHECK(text(me->result, "UserId") == "test");
  CHECK(f.call("Action=GetSessionToken", key, secret, token)->code == "AccessDenied");
  CHECK(f.call("Action=Nope&Version=2011-06-15")->message == "Could not find operation Nope for version 2011-06-15");
}
