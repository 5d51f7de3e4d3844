// The query and JSON protocols (rpc/): parameters, answers and errors on the wire, and the
// front end to end.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "rpc/front.h"
#include "rpc/params.h"
#include "rpc/wire.h"
#include "rpc_test_support.h"

using core::ErrorCode;
using rpc::Params;
using rpc::Protocol;

namespace {

Params form(std::string_view text) {
  Params p;
  p.add_form(text);
  return p;
}

pugi::xml_document xml(const std::string& body) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));
  return doc;
}

}  // namespace

// ---- Params -------------------------------------------------------------------------------

TEST_CASE("query parameters: '+' is a space, %-escapes decode, the first of a repeated name wins", "[rpc]") {
  auto p = form("Action=CreateStack&StackName=my+stack%21&Empty=&Bare&Action=DeleteStack&&Bad=%zz%4");
  CHECK(p.get("Action") == "CreateStack");
  CHECK(p.get("StackName") == "my stack!");
  CHECK(p.get("Empty") == "");
  CHECK(p.get("Bare") == "");
  CHECK(p.get("Bad") == "%zz%4");
  CHECK_FALSE(p.get("Missing"));
  CHECK(p.get_or("Missing", "x") == "x");
  CHECK(form("a%2Bb=c%2Bd+e").get("a+b") == "c+d e");
}

TEST_CASE("query lists come in member order, whatever the order sent", "[rpc]") {
  auto p = form("Capabilities.member.2=CAPABILITY_NAMED_IAM&Capabilities.member.10=TEN&"
                "Capabilities.member.1=CAPABILITY_IAM&Capabilities.member.x=no&Capabilities.member.0=zero&"
                "Capabilities.member.1=again");
  CHECK(p.list("Capabilities") == std::vector<std::string>{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "TEN"});
  CHECK(p.has("Capabilities"));
  CHECK_FALSE(p.has("Capab"));
  CHECK(p.list("Other").empty());

  auto empty = form("Tags=&StackName=s");
  CHECK(empty.has("Tags"));
  CHECK(empty.list("Tags").empty());
  CHECK_FALSE(empty.has("NotificationARNs"));
}

TEST_CASE("query structs and maps", "[rpc]") {
  auto p = form("Parameters.member.2.ParameterKey=B&Parameters.member.2.UsePreviousValue=true&"
                "Parameters.member.1.ParameterKey=A&Parameters.member.1.ParameterValue=a+1&"
                "Tags.member.1.Key=team&Tags.member.1.Value=web&"
                "Attributes.entry.2.key=Policy&Attributes.entry.2.value=%7B%7D&"
                "Attributes.entry.1.key=DisplayName&Attributes.entry.3.value=orphan&"
                "Config.Name=n&Config.Sub.Size=2");
  auto params = p.structs("Parameters");
  REQUIRE(params.size() == 2);
  CHECK(params[0].get("ParameterKey") == "A");
  CHECK(params[0].get("ParameterValue") == "a 1");
  CHECK(params[1].get("ParameterKey") == "B");
  CHECK_FALSE(params[1].get("ParameterValue"));
  CHECK(params[1].get("UsePreviousValue") == "true");
  auto tags = p.structs("Tags");
  REQUIRE(tags.size() == 1);
  CHECK(tags[0].get("Key") == "team");
  auto attributes = p.map("Attributes");
  REQUIRE(attributes.size() == 2);
  CHECK(attributes[0] == std::pair<std::string, std::string>{"DisplayName", ""});
  CHECK(attributes[1] == std::pair<std::string, std::string>{"Policy", "{}"});
  auto config = p.member("Config");
  CHECK(config.get("Name") == "n");
  CHECK(config.member("Sub").get("Size") == "2");
}

// ---- Answers and errors on the wire ---------------------------------------------------------

TEST_CASE("query answers: Result element, member lists, ResponseMetadata", "[rpc]") {
  http::Request r = rpc_test::post("application/x-www-form-urlencoded");
  rpc::Answer answer{{"StackId", "arn:1"},
                     {"Capabilities", {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"}},
                     {"Outputs", {{{"OutputKey", "K"}, {"OutputValue", "V"}}}},
                     {"Skipped", nullptr},
                     {"Count", 3},
                     {"Flag", true}};
  auto response = rpc::success_response(Protocol::Query, "CreateStack", answer, r, "http://ns/");
  CHECK(response.status == 200);
  CHECK(response.content_type == "text/xml");
  CHECK(response.header("x-amzn-RequestId") == "REQ1");
  auto doc = xml(response.body);
  auto root = doc.child("CreateStackResponse");
  CHECK(std::string(root.attribute("xmlns").value()) == "http://ns/");
  auto result = root.child("CreateStackResult");
  CHECK(std::string(result.child_value("StackId")) == "arn:1");
  CHECK(std::string(result.first_child().name()) == "StackId");  // insertion order
  auto members = result.child("Capabilities").children("member");
  CHECK(std::distance(members.begin(), members.end()) == 2);
  CHECK(std::string(result.child("Capabilities").first_child().child_value()) == "CAPABILITY_IAM");
  CHECK(std::string(result.child("Outputs").child("member").child_value("OutputValue")) == "V");
  CHECK_FALSE(result.child("Skipped"));
  CHECK(std::string(result.child_value("Count")) == "3");
  CHECK(std::string(result.child_value("Flag")) == "true");
  CHECK(std::string(root.child("ResponseMetadata").child_value("RequestId")) == "REQ1");

  auto empty = rpc::success_response(Protocol::Query, "DeleteStack", nullptr, r, "http://ns/");
  CHECK_FALSE(xml(empty.body).child("DeleteStackResponse").child("DeleteStackResult"));
}

TEST_CASE("JSON answers are the object, in the version asked", "[rpc]") {
  http::Request r = rpc_test::post("application/x-amz-json-1.0", {{"X-Amz-Target", "X.Y"}});
  auto response = rpc::success_response(Protocol::Json, "Y", rpc::Answer{{"Version", 2}}, r, "");
  CHECK(response.content_type == "application/x-amz-json-1.0");
  CHECK(nlohmann::json::parse(response.body) == nlohmann::json{{"Version", 2}});
  CHECK(rpc::success_response(Protocol::Json, "Y", nullptr, r, "").body == "{}");
}

TEST_CASE("errors: query ErrorResponse and JSON __type, status from the code table", "[rpc]") {
  http::Request q = rpc_test::post("application/x-www-form-urlencoded");
  auto response = rpc::error_response(Protocol::Query, core::make_error(ErrorCode::ValidationError, "Stack x bad"), q,
                                      "http://cloudformation.amazonaws.com/doc/2010-05-15/");
  CHECK(response.status == 400);
  auto doc = xml(response.body);
  auto root = doc.child("ErrorResponse");
  CHECK(std::string(root.attribute("xmlns").value()) == "http://cloudformation.amazonaws.com/doc/2010-05-15/");
  CHECK(std::string(root.child("Error").child_value("Type")) == "Sender");
  CHECK(std::string(root.child("Error").child_value("Code")) == "ValidationError");
  CHECK(std::string(root.child("Error").child_value("Message")) == "Stack x bad");
  CHECK(std::string(root.child_value("RequestId")) == "REQ1");
  auto internal = rpc::error_response(Protocol::Query, core::make_error(ErrorCode::InternalFailure), q, "");
  CHECK(internal.status == 500);
  CHECK(std::string(xml(internal.body).child("ErrorResponse").child("Error").child_value("Type")) == "Receiver");

  http::Request j = rpc_test::post("application/x-amz-json-1.1", {{"X-Amz-Target", "AmazonSSM.GetParameter"}});
  auto json = rpc::error_response(Protocol::Json, core::make_error(ErrorCode::ParameterAlreadyExists), j, "");
  CHECK(json.status == 400);
  CHECK(json.content_type == "application/x-amz-json-1.1");
  CHECK(json.header("x-amzn-RequestId") == "REQ1");
  CHECK(json.header("x-amzn-ErrorType") == "ParameterAlreadyExists");
  auto body = nlohmann::json::parse(json.body);
  CHECK(body["__type"] == "ParameterAlreadyExists");
  CHECK(body["message"].get<std::string>().starts_with("The parameter already exists."));
  // AWS's ParameterNotFound carries no message.
  auto not_found = nlohmann::json::parse(rpc::error_response(Protocol::Json, core::make_error(ErrorCode::ParameterNotFound), j, "").body);
  CHECK(not_found == nlohmann::json{{"__type", "ParameterNotFound"}});
}

TEST_CASE("the protocol comes from X-Amz-Target or the Content-Type", "[rpc]") {
  CHECK(rpc::protocol_of(rpc_test::post("application/x-www-form-urlencoded")) == Protocol::Query);
  CHECK(rpc::protocol_of(rpc_test::post("application/x-amz-json-1.1")) == Protocol::Json);
  CHECK(rpc::protocol_of(rpc_test::post("text/plain", {{"X-Amz-Target", "A.B"}})) == Protocol::Json);
}

TEST_CASE("auth errors are named as the query and JSON services name them", "[rpc]") {
  auto name = [](Protocol p, ErrorCode c) { return std::string(rpc::from_auth_error(p, core::make_error(c)).code_name()); };
  CHECK(name(Protocol::Query, ErrorCode::InvalidAccessKeyId) == "InvalidClientTokenId");
  CHECK(name(Protocol::Json, ErrorCode::InvalidAccessKeyId) == "UnrecognizedClientException");
  CHECK(name(Protocol::Query, ErrorCode::InvalidToken) == "InvalidClientTokenId");
  CHECK(name(Protocol::Query, ErrorCode::ProvidedTokenExpired) == "ExpiredToken");
  CHECK(name(Protocol::Json, ErrorCode::ProvidedTokenExpired) == "ExpiredTokenException");
  CHECK(name(Protocol::Json, ErrorCode::SignatureDoesNotMatch) == "InvalidSignatureException");
  CHECK(name(Protocol::Query, ErrorCode::RequestTimeTooSkewed) == "SignatureDoesNotMatch");
  CHECK(name(Protocol::Query, ErrorCode::AuthorizationHeaderMalformed) == "IncompleteSignature");
  auto e = core::make_error(ErrorCode::SignatureDoesNotMatch);
  e.details = {{"StringToSign", "STS"}, {"CanonicalRequest", "CANON"}};
  auto translated = rpc::from_auth_error(Protocol::Query, e);
  CHECK(translated.http_status() == 403);
  CHECK_THAT(translated.message, Catch::Contains("should have been\n'CANON'") && Catch::Contains("'STS'"));
}

TEST_CASE("a service minicloud does not serve gets NotImplemented in its protocol", "[rpc]") {
  auto query = rpc::unsupported_service("sns", "s3, sts", rpc_test::post("application/x-www-form-urlencoded"));
  CHECK(query.status == 501);
  CHECK(std::string(xml(query.body).child("ErrorResponse").child("Error").child_value("Message")) ==
        "minicloud does not implement the sns service (it serves s3, sts)");
  http::Request rest;
  rest.request_id = "R";
  auto json = rpc::unsupported_service("lambda", "s3", rest);
  CHECK(json.header("x-amzn-ErrorType") == "NotImplemented");
  CHECK(nlohmann::json::parse(json.body)["__type"] == "NotImplemented");
}

// ---- The front ----------------------------------------------------------------------------

TEST_CASE("the front authenticates, parses and dispatches both protocols", "[rpc]") {
  rpc::Front front({.secrets = [](std::string_view key) -> std::optional<auth::Secret> {
                      if (key == "test") return auth::Secret("test");
                      return std::nullopt;
                    },
                    .now_ms = rpc_test::now_ms,
                    .max_body_bytes = 1024});
  rpc::Service echo({.signing_name = "sts", .xml_namespace = "http://ns/", .version = "2011-06-15",
                     .json_target_prefix = "Echo_20240101"});
  echo.add("Echo", [](rpc::Call& call) -> core::Result<rpc::Answer> {
    auto who = call.required_string("Who");
    if (!who) return std::unexpected(who.error());
    auto times = call.integer("Times");
    if (!times) return std::unexpected(times.error());
    return rpc::Answer{{"Who", *who}, {"Times", times->value_or(1)}, {"Key", call.identity.access_key},
                       {"List", call.params.list("L")}};
  });
  echo.add("Throw", [](rpc::Call&) -> core::Result<rpc::Answer> { throw std::runtime_error("boom"); });

  SECTION("query: body and URL parameters") {
    const std::string body = "Action=Echo&Version=2011-06-15&Who=a+b&L.member.2=y&L.member.1=x";
    auto response = rpc_test::run(front, echo, rpc_test::query_request(body), body);
    REQUIRE(response.status == 200);
    auto doc = xml(response.body);
    auto result = doc.child("EchoResponse").child("EchoResult");
    CHECK(std::string(result.child_value("Who")) == "a b");
    CHECK(std::string(result.child_value("Times")) == "1");
    CHECK(std::string(result.child_value("Key")) == "test");
    CHECK(std::string(result.child("List").first_child().child_value()) == "x");
  }
  SECTION("query: a missing member, a bad number") {
    std::string body = "Action=Echo";
    auto response = rpc_test::run(front, echo, rpc_test::query_request(body), body);
    CHECK(response.status == 400);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Message")) ==
          "1 validation error detected: Value null at 'who' failed to satisfy constraint: Member must not be null");
    body = "Action=Echo&Who=x&Times=many";
    response = rpc_test::run(front, echo, rpc_test::query_request(body), body);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) == "ValidationError");
  }
  SECTION("query: no Action, an unknown one") {
    std::string body = "Version=2011-06-15";
    auto response = rpc_test::run(front, echo, rpc_test::query_request(body), body);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) == "MissingAction");
    body = "Action=Nope&Version=2011-06-15";
    response = rpc_test::run(front, echo, rpc_test::query_request(body), body);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) == "InvalidAction");
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Message")) ==
          "Could not find operation Nope for version 2011-06-15");
  }
  SECTION("JSON: target, typed members") {
    const std::string body = R"({"Who": "j", "Times": 3})";
    auto response = rpc_test::run(front, echo, rpc_test::json_request("Echo_20240101.Echo", body, "sts"), body);
    REQUIRE(response.status == 200);
    CHECK(nlohmann::json::parse(response.body) ==
          nlohmann::json{{"Who", "j"}, {"Times", 3}, {"Key", "test"}, {"List", nlohmann::json::array()}});
    const std::string wrong = R"({"Who": 5})";
    response = rpc_test::run(front, echo, rpc_test::json_request("Echo_20240101.Echo", wrong, "sts"), wrong);
    CHECK(nlohmann::json::parse(response.body)["__type"] == "SerializationException");
  }
  SECTION("JSON: unknown target, malformed body") {
    auto response = rpc_test::run(front, echo, rpc_test::json_request("Other.Echo", "{}", "sts"), "{}");
    CHECK(nlohmann::json::parse(response.body)["__type"] == "UnknownOperationException");
    response = rpc_test::run(front, echo, rpc_test::json_request("Echo_20240101.Nope", "{}", "sts"), "{}");
    CHECK(nlohmann::json::parse(response.body)["__type"] == "UnknownOperationException");
    response = rpc_test::run(front, echo, rpc_test::json_request("Echo_20240101.Echo", "[1]", "sts"), "[1]");
    CHECK(nlohmann::json::parse(response.body)["__type"] == "SerializationException");
  }
  SECTION("a handler that throws answers InternalFailure") {
    const std::string body = "Action=Throw";
    auto response = rpc_test::run(front, echo, rpc_test::query_request(body), body);
    CHECK(response.status == 500);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) == "InternalFailure");
  }
  SECTION("authentication: a body that is not the one signed, an unknown key, no signature, too large") {
    auto response = rpc_test::run(front, echo, rpc_test::query_request("Action=Echo&Who=a"), "Action=Echo&Who=b");
    CHECK(response.status == 403);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) ==
          "SignatureDoesNotMatch");
    const std::string body = "Action=Echo&Who=a";
    response = rpc_test::run(front, echo, rpc_test::query_request(body, "sts", "nobody", "x"), body);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) ==
          "InvalidClientTokenId");
    response = rpc_test::run(front, echo, rpc_test::query_request(body, "ssm"), body);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Message")) ==
          "Credential should be scoped to correct service: 'sts'. ");
    response = rpc_test::run(front, echo, rpc_test::post("application/x-www-form-urlencoded"), body);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) ==
          "MissingAuthenticationToken");
    const std::string big = "Action=Echo&Who=" + std::string(2000, 'a');
    response = rpc_test::run(front, echo, rpc_test::query_request(big), big);
    CHECK(response.status == 400);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) == "EntityTooLarge");
  }
  SECTION("a JSON-only service refuses the query protocol") {
    rpc::Service json_only({.signing_name = "ssm", .xml_namespace = {}, .version = {}, .json_target_prefix = "AmazonSSM"});
    json_only.add("Echo", [](rpc::Call&) -> core::Result<rpc::Answer> { return rpc::Answer::object(); });
    const std::string body = "Action=Echo";
    auto response = rpc_test::run(front, json_only, rpc_test::query_request(body, "ssm"), body);
    CHECK(std::string(xml(response.body).child("ErrorResponse").child("Error").child_value("Code")) == "InvalidAction");
  }
}
