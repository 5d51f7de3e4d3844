// SSM Parameter Store: the store (names, versions, paths, persistence) and the JSON API
// through rpc::Front.
#include <catch2/catch.hpp>

#include <atomic>
#include <nlohmann/json.hpp>

#include "ssm/api.h"
#include "ssm/parameter_store.h"
#include "rpc_test_support.h"
#include "store_test_support.h"

using core::ErrorCode;
using ssm::Parameter;
using ssm::ParameterStore;

namespace {

Parameter param(std::string name, std::string value, std::string type = "String") {
  Parameter p;
  p.name = std::move(name);
  p.value = std::move(value);
  p.type = std::move(type);
  return p;
}

std::vector<std::string> names(const core::Result<std::vector<Parameter>>& r) {
  REQUIRE(r);
  std::vector<std::string> out;
  for (const auto& p : *r) out.push_back(p.name);
  return out;
}

ErrorCode name_error(std::string_view name) {
  auto r = ParameterStore::validate_name(name);
  return r ? ErrorCode::InternalError : r.error().code;
}

struct Fixture {
  store_test::TempDir dir;
  std::atomic<std::int64_t> clock{1'700'000'000'123};
  std::unique_ptr<ParameterStore> store = open();
  rpc::Service api = ssm::make_api(*store);
  rpc::Front front{{.secrets = [](std::string_view key) -> std::optional<auth::Secret> {
                      if (key == "test") return auth::Secret("test");
                      return std::nullopt;
                    },
                    .now_ms = rpc_test::now_ms,
                    .max_body_bytes = 1 << 20}};

  std::unique_ptr<ParameterStore> open() {
    auto s = ParameterStore::open(dir.path() / "ssm.sqlite", "eu-west-1", [this] { return clock.load(); });
    REQUIRE(s);
    return std::move(*s);
  }

  // {"status": N, "body": {...}}
  nlohmann::json call(const std::string& action, const nlohmann::json& input) {
    const std::string body = input.dump();
    auto response = rpc_test::run(front, api, rpc_test::json_request("AmazonSSM." + action, body), body);
    return {{"status", response.status}, {"body", nlohmann::json::parse(response.body)}};
  }
};

}  // namespace

TEST_CASE("parameter names are validated as SSM does", "[ssm]") {
  for (const char* ok : {"plain", "/a/b/c", "/my_app/db-host.v2", "A1", "/cdk-bootstrap/hnb659fds/version"})
    CHECK(ParameterStore::validate_name(ok));
  CHECK(name_error("") == ErrorCode::ValidationException);
  CHECK(name_error(std::string(2049, 'a')) == ErrorCode::ValidationException);
  CHECK(ParameterStore::validate_name(std::string(2048, 'a')));
  CHECK(name_error("a b") == ErrorCode::ValidationException);
  CHECK(name_error("a:b") == ErrorCode::ValidationException);
  CHECK(name_error("awsThing") == ErrorCode::ValidationException);
  CHECK(name_error("/SSM/x") == ErrorCode::ValidationException);
  CHECK(name_error("a/b") == ErrorCode::ValidationException);  // a path must be fully qualified
  CHECK(ParameterStore::validate_name("a/b").error().message == "Parameter name must be a fully qualified name.");
  CHECK(name_error("/a//b") == ErrorCode::ValidationException);
  CHECK(name_error("/a/") == ErrorCode::ValidationException);
  CHECK(ParameterStore::validate_name("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15"));
  CHECK(name_error("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16") == ErrorCode::HierarchyLevelLimitExceeded);
}

TEST_CASE("put, overwrite, versions, remove, and the data survives a reopen", "[ssm]") {
  Fixture f;
  auto& s = *f.store;
  CHECK(s.put(param("/app/db", "v1"), false) == 1);
  CHECK(s.put(param("/app/db", "v2"), false).error().code == ErrorCode::ParameterAlreadyExists);
  f.clock += 5000;
  CHECK(s.put(param("/app/db", "v2", "SecureString"), true) == 2);
  auto p = s.get("/app/db");
  REQUIRE(p);
  CHECK(p->value == "v2");
  CHECK(p->type == "SecureString");
  CHECK(p->version == 2);
  CHECK(p->last_modified_ms == 1'700'000'005'123);
  CHECK(s.get("/app/db", 1)->value == "v1");
  CHECK(s.get("/app/db", 7).error().code == ErrorCode::ParameterVersionNotFound);
  CHECK(s.get("/app/db", 7).error().message ==
        "Systems Manager could not find version 7 of /app/db. Verify the version and try again.");
  CHECK(s.get("/nope").error().code == ErrorCode::ParameterNotFound);
  CHECK(s.get("/nope", 1).error().code == ErrorCode::ParameterNotFound);
  CHECK(s.arn("/app/db") == "arn:aws:ssm:eu-west-1:000000000000:parameter/app/db");
  CHECK(s.arn("plain") == "arn:aws:ssm:eu-west-1:000000000000:parameter/plain");
  REQUIRE(s.history("/app/db"));
  CHECK(s.history("/app/db")->size() == 2);

  f.store.reset();
  f.store = f.open();
  CHECK(f.store->get("/app/db")->value == "v2");
  CHECK(f.store->remove("/app/db"));
  CHECK(f.store->remove("/app/db").error().code == ErrorCode::ParameterNotFound);
  CHECK(f.store->get("/app/db").error().code == ErrorCode::ParameterNotFound);
  CHECK(f.store->put(param("/app/db", "again"), false) == 1);  // a new life starts at 1
}

TEST_CASE("only the newest 100 versions are kept", "[ssm]") {
  Fixture f;
  for (int i = 1; i <= 102; ++i) REQUIRE(f.store->put(param("p", std::to_string(i)), true) == i);
  auto h = f.store->history("p");
  REQUIRE(h);
  CHECK(h->size() == 100);
  CHECK(h->front().version == 3);
  CHECK(f.store->get("p", 2).error().code == ErrorCode::ParameterVersionNotFound);
}

TEST_CASE("listing by path: one level or recursive, in name order, paged", "[ssm]") {
  Fixture f;
  for (const char* n : {"/a/x", "/a/b/y", "/a/b/c/z", "/ab/w", "/a_/v", "/b/u", "plain"})
    REQUIRE(f.store->put(param(n, "1"), false));
  using V = std::vector<std::string>;
  CHECK(names(f.store->list_by_path("/a", false, "", 10)) == V{"/a/x"});
  CHECK(names(f.store->list_by_path("/a/", true, "", 10)) == V{"/a/b/c/z", "/a/b/y", "/a/x"});
  CHECK(names(f.store->list_by_path("/a", true, "/a/b/c/z", 10)) == V{"/a/b/y", "/a/x"});
  CHECK(names(f.store->list_by_path("/a", true, "", 2)) == V{"/a/b/c/z", "/a/b/y"});
  CHECK(names(f.store->list_by_path("/a_", false, "", 10)) == V{"/a_/v"});  // '_' is no wildcard
  CHECK(names(f.store->list_by_path("/", false, "", 10)).empty());
  CHECK(names(f.store->list_by_path("/", true, "", 10)).size() == 6);
  CHECK(names(f.store->list("", 100)).size() == 7);
}

TEST_CASE("SSM API: put, get, get_parameters, overwrite, delete", "[ssm]") {
  Fixture f;
  auto put = f.call("PutParameter", {{"Name", "/cfg/url"}, {"Value", "http://x"}, {"Type", "String"}});
  CHECK(put["body"] == nlohmann::json{{"Version", 1}, {"Tier", "Standard"}});
  auto got = f.call("GetParameter", {{"Name", "/cfg/url"}, {"WithDecryption", true}});
  REQUIRE(got["status"] == 200);
  auto p = got["body"]["Parameter"];
  CHECK(p["Name"] == "/cfg/url");
  CHECK(p["Value"] == "http://x");
  CHECK(p["Type"] == "String");
  CHECK(p["Version"] == 1);
  CHECK(p["DataType"] == "text");
  CHECK(p["ARN"] == "arn:aws:ssm:eu-west-1:000000000000:parameter/cfg/url");
  CHECK(p["LastModifiedDate"].get<double>() == Approx(1'700'000'000.123));

  auto again = f.call("PutParameter", {{"Name", "/cfg/url"}, {"Value", "y"}, {"Type", "String"}});
  CHECK(again["status"] == 400);
  CHECK(again["body"]["__type"] == "ParameterAlreadyExists");
  auto overwrite = f.call("PutParameter", {{"Name", "/cfg/url"}, {"Value", "y"}, {"Overwrite", true}});
  CHECK(overwrite["body"]["Version"] == 2);
  CHECK(f.call("GetParameter", {{"Name", "/cfg/url"}})["body"]["Parameter"]["Type"] == "String");  // kept
  auto v1 = f.call("GetParameter", {{"Name", "/cfg/url:1"}})["body"]["Parameter"];
  CHECK(v1["Value"] == "http://x");
  CHECK(v1["Selector"] == ":1");
  CHECK(v1["Name"] == "/cfg/url");

  auto missing = f.call("GetParameter", {{"Name", "/cfg/none"}});
  CHECK(missing["status"] == 400);
  CHECK(missing["body"] == nlohmann::json{{"__type", "ParameterNotFound"}});

  auto several = f.call("GetParameters", {{"Names", {"/cfg/url", "/cfg/none", "/cfg/url:9"}}})["body"];
  CHECK(several["Parameters"].size() == 1);
  CHECK(several["InvalidParameters"] == nlohmann::json{"/cfg/none", "/cfg/url:9"});

  CHECK(f.call("DeleteParameter", {{"Name", "/cfg/url"}})["body"] == nlohmann::json::object());
  CHECK(f.call("DeleteParameter", {{"Name", "/cfg/url"}})["body"]["__type"] == "ParameterNotFound");
  f.call("PutParameter", {{"Name", "a1"}, {"Value", "1"}, {"Type", "StringList"}});
  auto deleted = f.call("DeleteParameters", {{"Names", {"a1", "a2"}}})["body"];
  CHECK(deleted == nlohmann::json{{"DeletedParameters", {"a1"}}, {"InvalidParameters", {"a2"}}});
}

TEST_CASE("SSM API: validation", "[ssm]") {
  Fixture f;
  auto type_of = [&](const nlohmann::json& input) { return f.call("PutParameter", input)["body"]; };
  CHECK(type_of({{"Name", "/x"}, {"Value", "1"}})["message"] == "A parameter type is required when you create a parameter.");
  CHECK(type_of({{"Value", "1"}, {"Type", "String"}})["message"] ==
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
  CHECK(type_of({{"Name", "/x"}, {"Value", "1"}, {"Type", "Number"}})["message"] ==
        "1 validation error detected: Value 'Number' at 'type' failed to satisfy constraint: Member must satisfy "
        "enum value set: [SecureString, StringList, String]");
  CHECK(type_of({{"Name", "/aws/x"}, {"Value", "1"}, {"Type", "String"}})["__type"] == "ValidationException");
  CHECK(type_of({{"Name", "/x"}, {"Value", 1}, {"Type", "String"}})["__type"] == "SerializationException");
  CHECK(type_of({{"Name", "/x"}, {"Value", std::string(4097, 'v')}, {"Type", "String"}})["message"]
            .get<std::string>()
            .starts_with("Standard tier parameters support a maximum parameter value of 4096 characters."));
  CHECK(type_of({{"Name", "/x"}, {"Value", std::string(4096, 'v')}, {"Type", "String"}})["Tier"] == "Standard");
  CHECK(type_of({{"Name", "/y"}, {"Value", std::string(5000, 'v')}, {"Type", "String"}, {"Tier", "Advanced"}})["Tier"] ==
        "Advanced");
  CHECK(type_of({{"Name", "/z"}, {"Value", std::string(5000, 'v')}, {"Type", "String"}, {"Tier", "Intelligent-Tiering"}})
            ["Tier"] == "Advanced");
  CHECK(f.call("GetParameters", {{"Names", nlohmann::json::array()}})["body"]["__type"] == "ValidationException");
  CHECK(f.call("GetParametersByPath", {{"Path", "/x"}, {"MaxResults", 11}})["body"]["message"] ==
        "1 validation error detected: Value '11' at 'maxResults' failed to satisfy constraint: Member must have "
        "value less than or equal to 10");
  CHECK(f.call("GetParametersByPath", {{"Path", "/x"}, {"NextToken", "!!"}})["body"]["__type"] == "InvalidNextToken");
  CHECK(f.call("Nope", nlohmann::json::object())["body"]["__type"] == "UnknownOperationException");
}

TEST_CASE("SSM API: by path with NextToken, describe with filters, history", "[ssm]") {
  Fixture f;
  for (int i = 0; i < 12; ++i)
    f.call("PutParameter", {{"Name", "/app/k" + std::string(i < 10 ? "0" : "") + std::to_string(i)},
                            {"Value", "v"}, {"Type", i % 2 ? "SecureString" : "String"}});
  f.call("PutParameter", {{"Name", "/app/deep/k"}, {"Value", "v"}, {"Type", "String"}, {"Description", "d"}});
  auto first = f.call("GetParametersByPath", {{"Path", "/app"}})["body"];
  CHECK(first["Parameters"].size() == 10);
  REQUIRE(first.contains("NextToken"));
  auto second = f.call("GetParametersByPath", {{"Path", "/app"}, {"NextToken", first["NextToken"]}})["body"];
  CHECK(second["Parameters"].size() == 2);
  CHECK_FALSE(second.contains("NextToken"));
  CHECK(second["Parameters"][1]["Name"] == "/app/k11");
  auto recursive = f.call("GetParametersByPath", {{"Path", "/app/"}, {"Recursive", true}, {"MaxResults", 1}})["body"];
  CHECK(recursive["Parameters"][0]["Name"] == "/app/deep/k");

  auto all = f.call("DescribeParameters", nlohmann::json::object())["body"];
  CHECK(all["Parameters"].size() == 13);
  CHECK(all["Parameters"][0]["Description"] == "d");
  CHECK_FALSE(all["Parameters"][0].contains("Value"));
  auto secure = f.call("DescribeParameters",
                       {{"ParameterFilters", {{{"Key", "Type"}, {"Values", {"SecureString"}}}}}, {"MaxResults", 4}})["body"];
  CHECK(secure["Parameters"].size() == 4);
  CHECK(secure["Parameters"][0]["Name"] == "/app/k01");
  auto rest = f.call("DescribeParameters", {{"ParameterFilters", {{{"Key", "Type"}, {"Values", {"SecureString"}}}}},
                                            {"NextToken", secure["NextToken"]}})["body"];
  CHECK(rest["Parameters"].size() == 2);
  auto named = f.call("DescribeParameters", {{"Filters", {{{"Key", "Name"}, {"Values", {"/app/k03"}}}}}})["body"];
  CHECK(named["Parameters"].size() == 1);
  auto begins = f.call("DescribeParameters",
                       {{"ParameterFilters", {{{"Key", "Name"}, {"Option", "BeginsWith"}, {"Values", {"/app/k1"}}}}}})["body"];
  CHECK(begins["Parameters"].size() == 2);
  auto path = f.call("DescribeParameters", {{"ParameterFilters", {{{"Key", "Path"}, {"Values", {"/app/deep"}}}}}})["body"];
  CHECK(path["Parameters"].size() == 1);

  f.call("PutParameter", {{"Name", "/app/k00"}, {"Value", "w"}, {"Overwrite", true}});
  auto history = f.call("GetParameterHistory", {{"Name", "/app/k00"}})["body"]["Parameters"];
  REQUIRE(history.size() == 2);
  CHECK(history[0]["Value"] == "v");
  CHECK(history[1]["Value"] == "w");
  CHECK(history[1]["Version"] == 2);
}
