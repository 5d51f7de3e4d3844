// POST Object: the policy checker (auth/post_policy.h) and the streaming form reader
// (http/form_data.h), each on its own.
#include <catch2/catch.hpp>

#include <cctype>

#include "auth/crypto.h"
#include "auth/post_policy.h"
#include "http/form_data.h"
#include "http/message.h"

using auth::PostFormFields;
using core::ErrorCode;
using Clock = std::chrono::system_clock;

namespace {

constexpr const char* kExampleKey = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

auth::SecretLookup example_secrets() {
  return [](std::string_view key) -> std::optional<std::string> {
    if (key == kExampleKey) return std::string(kExampleSecret);
    return std::nullopt;
  };
}

Clock::time_point utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return Clock::time_point(std::chrono::sys_days(std::chrono::year(y) / mo / d)) + std::chrono::hours(h) +
         std::chrono::minutes(mi) + std::chrono::seconds(s);
}

std::string b64(std::string_view text) { return auth::base64_encode(text); }

auth::PostPolicy policy_of(const std::string& json) {
  auto policy = auth::parse_post_policy(b64(json));
  INFO(json);
  REQUIRE(policy);
  return *policy;
}

// The policy with these conditions (JSON text of the list's items), expiring in 2030.
auth::PostPolicy policy_with(const std::string& conditions) {
  return policy_of(R"({"expiration": "2030-01-01T00:00:00.000Z", "conditions": [)" + conditions + "]}");
}

const Clock::time_point kNow = utc(2029, 6, 1);

core::Result<void> check(const std::string& conditions, const PostFormFields& fields, std::string bucket = "photos") {
  return auth::check_post_policy(policy_with(conditions), fields, bucket, kNow);
}

std::string failure_of(const core::Result<void>& result) {
  REQUIRE_FALSE(result);
  return result.error().message;
}

std::string detail(const core::Error& e, const std::string& name) {
  for (const auto& [k, v] : e.details)
    if (k == name) return v;
  return "<absent>";
}

// ---- AWS's SigV4 example (sigv4-post-example): policy, credentials and signature as the
// page gives them; the policy has CRLF line ends.
constexpr const char* kAwsV4Policy =
    "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaW"
    "d2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJs"
    "aWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3"
    "MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQog"
    "ICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQU"
    "VTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAi"
    "QUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIj"
    "ogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
constexpr const char* kAwsV4Signature = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

// The example's form, with the field names in the case the page's form uses.
PostFormFields aws_v4_form() {
  return {{"key", "user/user1/photo.jpg"},
          {"acl", "public-read"},
          {"success_action_redirect", "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
          {"Content-Type", "image/jpeg"},
          {"x-amz-meta-uuid", "14365123651274"},
          {"x-amz-server-side-encryption", "AES256"},
          {"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
          {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
          {"X-Amz-Date", "20151229T000000Z"},
          {"x-amz-meta-tag", ""},
          {"Policy", kAwsV4Policy},
          {"X-Amz-Signature", kAwsV4Signature}};
}

// ---- The SigV2 example's policy (HTTPPOSTExamples, bucket "johnsmith" inside). The page's
// signature is a placeholder; this one is base64 HMAC-SHA1 under the example secret,
// computed separately (Python's hmac module).
constexpr const char* kAwsV2Policy =
    "eyAiZXhwaXJhdGlvbiI6ICIyMDA3LTEyLTAxVDEyOjAwOjAwLjAwMFoiLAogICJjb25kaXRpb25zIjogWwogICAgeyJidWNrZXQiOiAiam9obn"
    "NtaXRoIn0sCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci9lcmljLyJdLAogICAgeyJhY2wiOiAicHVibGljLXJlYWQifSwKICAg"
    "IHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL2pvaG5zbWl0aC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLm"
    "h0bWwifSwKICAgIFsic3RhcnRzLXdpdGgiLCAiJENvbnRlbnQtVHlwZSIsICJpbWFnZS8iXSwKICAgIHsieC1hbXotbWV0YS11dWlkIjogIjE0"
    "MzY1MTIzNjUxMjc0In0sCiAgICBbInN0YXJ0cy13aXRoIiwgIiR4LWFtei1tZXRhLXRhZyIsICIiXQogIF0KfQo=";
constexpr const char* kAwsV2Signature = "gp42sMsv4L5xLO0OjT+56V64o+A=";

PostFormFields aws_v2_form() {
  return {{"key", "user/eric/MyPicture.jpg"},
          {"acl", "public-read"},
          {"success_action_redirect", "http://johnsmith.s3.amazonaws.com/successful_upload.html"},
          {"Content-Type", "image/jpeg"},
          {"x-amz-meta-uuid", "14365123651274"},
          {"x-amz-meta-tag", "Some,Tag,For,Picture"},
          {"AWSAccessKeyId", kExampleKey},
          {"Policy", kAwsV2Policy},
          {"Signature", kAwsV2Signature}};
}

void set_field(PostFormFields& fields, std::string_view name, std::string value) {
  for (auto& [n, v] : fields)
    if (n == name) v = std::move(value);
}

void drop_field(PostFormFields& fields, std::string_view name) {
  std::erase_if(fields, [&](const auto& field) { return field.first == name; });
}

}  // namespace

// ---- Signatures ------------------------------------------------------------------------------

TEST_CASE("a SigV4 form signed as in AWS's example is accepted and its policy holds", "[post_policy]") {
  auto form = aws_v4_form();
  auto authorization = auth::authenticate_post_form(form, example_secrets(), kNow);
  REQUIRE(authorization);
  CHECK_FALSE(authorization->anonymous);
  CHECK(authorization->access_key == kExampleKey);
  REQUIRE(authorization->policy);
  CHECK(authorization->policy->conditions.size() == 11);
  CHECK(auth::check_post_policy(*authorization->policy, form, "sigv4examplebucket", utc(2015, 12, 29, 10)));
  // The policy expired at noon on 2015-12-30.
  auto expired = auth::check_post_policy(*authorization->policy, form, "sigv4examplebucket", utc(2015, 12, 30, 12, 0, 1));
  CHECK(failure_of(expired) == "Invalid according to Policy: Policy expired.");
  CHECK(expired.error().code == ErrorCode::AccessDenied);
  CHECK(expired.error().http_status() == 403);
}

TEST_CASE("a form signed with temporary credentials needs their x-amz-security-token field", "[post_policy]") {
  // The example form's key as if STS had issued it, expiring after kNow.
  auth::SecretLookup temporary = [](std::string_view key) -> std::optional<auth::Secret> {
    if (key == kExampleKey) return auth::Secret(kExampleSecret, "the-token", kNow + std::chrono::hours(1));
    return std::nullopt;
  };
  auto form = aws_v4_form();
  CHECK(auth::authenticate_post_form(form, temporary, kNow).error().code == ErrorCode::InvalidToken);
  form.emplace_back("x-amz-security-token", "other");
  CHECK(auth::authenticate_post_form(form, temporary, kNow).error().code == ErrorCode::InvalidToken);
  form.back().second = "the-token";
  CHECK(auth::authenticate_post_form(form, temporary, kNow));
  CHECK(auth::authenticate_post_form(form, temporary, kNow + std::chrono::hours(2)).error().code ==
        ErrorCode::ProvidedTokenExpired);
  CHECK(auth::authenticate_post_form(aws_v2_form(), temporary, kNow).error().code == ErrorCode::InvalidToken);
}

TEST_CASE("the SigV4 signature is checked over the policy text as sent", "[post_policy]") {
  auto form = aws_v4_form();
  SECTION("a tampered policy") {
    std::string tampered = std::string(kAwsV4Policy);
    tampered.replace(tampered.size() - 4, 4, "fQ==");  // still base64, different text
    set_field(form, "Policy", tampered);
    auto result = auth::authenticate_post_form(form, example_secrets(), kNow);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::SignatureDoesNotMatch);
    CHECK(result.error().http_status() == 403);
    CHECK(detail(result.error(), "StringToSign") == tampered);
    CHECK(detail(result.error(), "SignatureProvided") == kAwsV4Signature);
    CHECK(detail(result.error(), "AWSAccessKeyId") == kExampleKey);
    CHECK(detail(result.error(), "StringToSignBytes").substr(0, 8) == "65 79 41");  // "eyA"
  }
  SECTION("another signature") {
    set_field(form, "X-Amz-Signature", std::string(64, '0'));
    CHECK(auth::authenticate_post_form(form, example_secrets(), kNow).error().code == ErrorCode::SignatureDoesNotMatch);
  }
  SECTION("upper-case hex is the same signature") {
    std::string upper = kAwsV4Signature;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    set_field(form, "X-Amz-Signature", upper);
    CHECK(auth::authenticate_post_form(form, example_secrets(), kNow));
  }
  SECTION("a key the stack does not know") {
    set_field(form, "X-Amz-Credential", "NOSUCHKEY/20151229/us-east-1/s3/aws4_request");
    auto result = auth::authenticate_post_form(form, example_secrets(), kNow);
    CHECK(result.error().code == ErrorCode::InvalidAccessKeyId);
    CHECK(detail(result.error(), "AWSAccessKeyId") == "NOSUCHKEY");
  }
  SECTION("a signing key from another day") {
    set_field(form, "X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151230/us-east-1/s3/aws4_request");
    CHECK(auth::authenticate_post_form(form, example_secrets(), kNow).error().code == ErrorCode::SignatureDoesNotMatch);
  }
  SECTION("a malformed credential or date") {
    set_field(form, "X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229");
    auto result = auth::authenticate_post_form(form, example_secrets(), kNow);
    CHECK(result.error().code == ErrorCode::InvalidArgument);
    CHECK(detail(result.error(), "ArgumentName") == "X-Amz-Credential");
    form = aws_v4_form();
    set_field(form, "X-Amz-Date", "2015-12-29");
    result = auth::authenticate_post_form(form, example_secrets(), kNow);
    CHECK(result.error().message == "X-Amz-Date must be formated via ISO8601 Long format");
  }
  SECTION("another algorithm") {
    set_field(form, "X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256");
    CHECK(auth::authenticate_post_form(form, example_secrets(), kNow).error().code == ErrorCode::InvalidRequest);
  }
}

TEST_CASE("botocore's generate_presigned_post form verifies (offline vector)", "[post_policy]") {
  // Clock at 2015-12-29T00:00:00Z, the example credentials, us-east-1, key user/user1/photo.jpg.
  PostFormFields form{
      {"key", "user/user1/photo.jpg"},
      {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
      {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
      {"x-amz-date", "20151229T000000Z"},
      {"policy",
       "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2"
       "V0In0sIHsia2V5IjogInVzZXIvdXNlcjEvcGhvdG8uanBnIn0sIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwgeyJ4"
       "LWFtei1jcmVkZW50aWFsIjogIkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTUxMjI5L3VzLWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSwgeyJ4LW"
       "Ftei1kYXRlIjogIjIwMTUxMjI5VDAwMDAwMFoifV19"},
      {"x-amz-signature", "3364624b39010d9b06f5d9b8c9a18a6e478d261c048159c92f2fd6fa885f14e6"}};
  auto authorization = auth::authenticate_post_form(form, example_secrets(), kNow);
  REQUIRE(authorization);
  CHECK(auth::check_post_policy(*authorization->policy, form, "sigv4examplebucket", utc(2015, 12, 29, 0, 30)));
  CHECK(failure_of(auth::check_post_policy(*authorization->policy, form, "otherbucket", utc(2015, 12, 29, 0, 30))) ==
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "sigv4examplebucket"])");
  CHECK(failure_of(auth::check_post_policy(*authorization->policy, form, "sigv4examplebucket", utc(2015, 12, 29, 1, 0, 1))) ==
        "Invalid according to Policy: Policy expired.");
}

TEST_CASE("a SigV2 form: base64 HMAC-SHA1 of the policy under the secret", "[post_policy]") {
  CHECK(auth::base64_encode(auth::hmac_sha1(kExampleSecret, kAwsV2Policy)) == kAwsV2Signature);
  auto form = aws_v2_form();
  auto authorization = auth::authenticate_post_form(form, example_secrets(), kNow);
  REQUIRE(authorization);
  CHECK(authorization->access_key == kExampleKey);
  CHECK(auth::check_post_policy(*authorization->policy, form, "johnsmith", utc(2007, 12, 1, 11, 59)));

  set_field(form, "Signature", "0RavWzkygo6QX9caELEqKi9kDbU=");  // the page's placeholder
  auto wrong = auth::authenticate_post_form(form, example_secrets(), kNow);
  CHECK(wrong.error().code == ErrorCode::SignatureDoesNotMatch);
  CHECK(detail(wrong.error(), "StringToSign") == kAwsV2Policy);

  form = aws_v2_form();
  set_field(form, "AWSAccessKeyId", "foo");
  CHECK(auth::authenticate_post_form(form, example_secrets(), kNow).error().code == ErrorCode::InvalidAccessKeyId);
}

TEST_CASE("signature fields without their companions name the missing one", "[post_policy]") {
  auto message = [](PostFormFields form) {
    auto result = auth::authenticate_post_form(form, example_secrets(), kNow);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::InvalidArgument);
    CHECK(result.error().http_status() == 400);
    return detail(result.error(), "ArgumentName");
  };
  auto v4 = aws_v4_form();
  drop_field(v4, "X-Amz-Signature");
  CHECK(message(v4) == "X-Amz-Signature");
  CHECK(auth::authenticate_post_form(v4, example_secrets(), kNow).error().message ==
        "Bucket POST must contain a field named 'X-Amz-Signature'.  If it is specified, please check the order of "
        "the fields.");
  v4 = aws_v4_form();
  drop_field(v4, "X-Amz-Algorithm");
  drop_field(v4, "X-Amz-Credential");
  CHECK(message(v4) == "X-Amz-Algorithm");
  v4 = aws_v4_form();
  drop_field(v4, "Policy");
  CHECK(message(v4) == "Policy");
  auto v2 = aws_v2_form();
  drop_field(v2, "Signature");
  CHECK(message(v2) == "Signature");
  v2 = aws_v2_form();
  drop_field(v2, "AWSAccessKeyId");
  CHECK(message(v2) == "AWSAccessKeyId");
}

TEST_CASE("a form without signature fields is anonymous, a policy notwithstanding", "[post_policy]") {
  PostFormFields form{{"key", "a.txt"}, {"policy", kAwsV2Policy}, {"acl", "public-read"}};
  auto authorization = auth::authenticate_post_form(form, example_secrets(), kNow);
  REQUIRE(authorization);
  CHECK(authorization->anonymous);
  CHECK_FALSE(authorization->policy);
}

TEST_CASE("field names are case-insensitive for the signature fields too", "[post_policy]") {
  auto form = aws_v4_form();
  for (auto& [name, value] : form) name = http::to_lower(name);
  CHECK(auth::authenticate_post_form(form, example_secrets(), kNow));
  auto v2 = aws_v2_form();
  for (auto& [name, value] : v2) name = http::to_lower(name);
  CHECK(auth::authenticate_post_form(v2, example_secrets(), kNow));
}

// ---- The policy document ------------------------------------------------------------------

TEST_CASE("malformed policies are InvalidPolicyDocument with S3's reason", "[post_policy]") {
  auto reason = [](std::string_view policy_base64) {
    auto result = auth::parse_post_policy(policy_base64);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::InvalidPolicyDocument);
    CHECK(result.error().http_status() == 400);
    return result.error().message;
  };
  auto json = [&](const std::string& text) { return reason(b64(text)); };
  const std::string exp = R"("expiration": "2030-01-01T00:00:00Z")";
  CHECK(reason("not base64!") == "Invalid Policy: invalid Base64 encoding.");
  CHECK(json("{\"expiration\": ") == "Invalid Policy: Invalid JSON.");
  CHECK(json("[]") == "Invalid Policy: Invalid JSON.");
  CHECK(json("{" + exp + R"(, "conditions": [], "Statement": []})") == "Invalid Policy: Unexpected: 'statement'");
  CHECK(json(R"({"conditions": []})") == "Invalid Policy: Policy missing expiration.");
  CHECK(json("{" + exp + "}") == "Invalid Policy: Policy missing conditions.");
  CHECK(json(R"({"EXPIRATION": "2030-01-01T00:00:00Z", "conditions": []})") == "Invalid Policy: Unexpected: 'expiration'");
  CHECK(json(R"({"expiration": "2011-09-13T07:52:58+02:00", "conditions": []})") ==
        "Invalid Policy: Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'");
  CHECK(json(R"({"expiration": "2015-10-17 03:15:59 UTC", "conditions": []})") ==
        "Invalid Policy: Invalid 'expiration' value: '2015-10-17 03:15:59 UTC'");
  CHECK(json(R"({"expiration": "2015-02-30T00:00:00Z", "conditions": []})") ==
        "Invalid Policy: Invalid 'expiration' value: '2015-02-30T00:00:00Z'");
  CHECK(json("{" + exp + R"(, "conditions": {}})") == "Invalid Policy: Invalid 'conditions' value: must be a List.");
  auto condition = [&](const std::string& item) { return json("{" + exp + R"(, "conditions": [)" + item + "]}"); };
  CHECK(condition(R"({"bucket": "b", "key": "k"})") ==
        "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.");
  CHECK(condition("{}") ==
        "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.");
  CHECK(condition(R"({"Content-Length": 6199034})") == "Invalid Policy: Invalid Simple-Condition: value must be a string.");
  CHECK(condition(R"({"success_action_redirect": null})") == "Invalid Policy: Invalid JSON.");
  CHECK(condition("[]") == "Invalid Policy: Invalid Condition: missing operation identifier.");
  CHECK(condition(R"(["ends-with", "$key", "x"])") == "Invalid Policy: Invalid Condition: unknown operation 'ends-with'.");
  CHECK(condition(R"(["eq", "$key"])") == "Invalid Policy: Invalid eq: wrong number of arguments.");
  CHECK(condition(R"(["starts-with", "$key", 5])") == "Invalid Policy: Invalid JSON.");
  CHECK(condition(R"(["content-length-range", 0])") == "Invalid Policy: Invalid content-length-range: wrong number of arguments.");
  CHECK(condition(R"(["content-length-range", 0, 512.0])") == "Invalid Policy: Invalid JSON.");
  CHECK(condition(R"(["content-length-range", -1, 0])").starts_with("Invalid Policy: Invalid content-length-range"));
  CHECK(condition("\"key\"") == "Invalid Policy: Invalid condition test: must be a List or Object.");
}

TEST_CASE("expiration: with or without milliseconds, valid up to the instant itself", "[post_policy]") {
  auto policy = policy_of(R"({"expiration": "2030-01-01T12:00:00Z", "conditions": []})");
  CHECK(policy.expiration == utc(2030, 1, 1, 12));
  CHECK(policy_of(R"({"expiration": "2030-01-01T12:00:00.250Z", "conditions": []})").expiration ==
        utc(2030, 1, 1, 12) + std::chrono::milliseconds(250));
  CHECK(auth::check_post_policy(policy, {}, "b", utc(2030, 1, 1, 12)));
  CHECK(failure_of(auth::check_post_policy(policy, {}, "b", utc(2030, 1, 1, 12) + std::chrono::milliseconds(1))) ==
        "Invalid according to Policy: Policy expired.");
}

TEST_CASE("expiration: years beyond the clock's range neither overflow nor wrap", "[post_policy]") {
  // system_clock counts nanoseconds (years 1678-2261); converting year 9999 overflowed.
  auto far = policy_of(R"({"expiration": "9999-12-31T23:59:59.999Z", "conditions": []})");
  CHECK(far.expiration == Clock::time_point::max());
  CHECK(auth::check_post_policy(far, {}, "b", kNow));
  auto long_ago = policy_of(R"({"expiration": "0000-01-01T00:00:00Z", "conditions": []})");
  CHECK(long_ago.expiration == Clock::time_point::min());
  CHECK(failure_of(auth::check_post_policy(long_ago, {}, "b", kNow)) == "Invalid according to Policy: Policy expired.");
  CHECK(policy_of(R"({"expiration": "2261-12-31T23:59:59Z", "conditions": []})").expiration == utc(2261, 12, 31, 23, 59, 59));
}

// ---- Conditions ---------------------------------------------------------------------------

TEST_CASE("bucket: exact match against the bucket addressed", "[post_policy]") {
  CHECK(check(R"({"bucket": "photos"})", {}));
  CHECK(check(R"(["eq", "$bucket", "photos"])", {}));
  CHECK(failure_of(check(R"({"bucket": "photos"})", {}, "other")) ==
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "photos"])");
  // A bucket form field does not move the upload: the addressed bucket is what counts.
  CHECK_FALSE(check(R"({"bucket": "photos"})", {{"bucket", "photos"}}, "other"));
  CHECK(check(R"({"bucket": "photos"})", {{"bucket", "photos"}}));
}

TEST_CASE("key: exact, starts-with, and an empty prefix for anything", "[post_policy]") {
  CHECK(check(R"({"key": "uploads/a.jpg"})", {{"key", "uploads/a.jpg"}}));
  CHECK(failure_of(check(R"({"key": "uploads/a.jpg"})", {{"key", "uploads/b.jpg"}})) ==
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$key", "uploads/a.jpg"])");
  CHECK(check(R"(["starts-with", "$key", "uploads/"])", {{"key", "uploads/a.jpg"}}));
  CHECK(failure_of(check(R"(["starts-with", "$key", "uploads/"])", {{"key", "private/a.jpg"}})) ==
        R"(Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"])");
  CHECK_FALSE(check(R"(["starts-with", "$key", "uploads/"])", {{"key", "Uploads/a.jpg"}}));  // values: exact case
  CHECK(check(R"(["starts-with", "$key", ""])", {{"key", "anything"}}));
}

TEST_CASE("a condition on a field the form does not carry fails, even starts-with \"\"", "[post_policy]") {
  CHECK(failure_of(check(R"(["starts-with", "$Content-Type", ""])", {})) ==
        R"(Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", ""])");
  CHECK_FALSE(check(R"({"x-amz-meta-uuid": "1"})", {}));
  // A name without '$' names no field.
  CHECK_FALSE(check(R"(["eq", "key", "a"])", {{"key", "a"}}));
}

TEST_CASE("Content-Type: starts-with applies to each comma-separated value", "[post_policy]") {
  const std::string images = R"(["starts-with", "$Content-Type", "image/"])";
  CHECK(check(images, {{"Content-Type", "image/jpeg"}}));
  CHECK(check(images, {{"Content-Type", "image/jpg,image/png,image/gif"}}));
  CHECK(check(images, {{"Content-Type", "image/jpg, image/png"}}));
  CHECK(failure_of(check(images, {{"Content-Type", "image/jpg,text/plain"}})) ==
        R"(Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"])");
  CHECK_FALSE(check(images, {{"Content-Type", "text/html"}}));
  CHECK(check(R"({"Content-Type": "text/plain"})", {{"Content-Type", "text/plain"}}));
  CHECK_FALSE(check(R"({"Content-Type": "text/plain"})", {{"Content-Type", "text/plain;charset=utf-8"}}));
  // Other fields are one string, commas included.
  CHECK(check(R"(["starts-with", "$x-amz-meta-tag", "a"])", {{"x-amz-meta-tag", "a,b"}}));
  CHECK(check(R"(["starts-with", "$Cache-Control", "max-age"])", {{"Cache-Control", "max-age=60, public"}}));
}

TEST_CASE("x-amz-meta-*, acl, success_action_* and the signature fields", "[post_policy]") {
  CHECK(check(R"({"x-amz-meta-uuid": "14365123651274"})", {{"x-amz-meta-uuid", "14365123651274"}}));
  CHECK_FALSE(check(R"({"x-amz-meta-uuid": "14365123651274"})", {{"x-amz-meta-uuid", "1"}}));
  CHECK(check(R"(["starts-with", "$x-amz-meta-tag", ""])", {{"x-amz-meta-tag", ""}}));
  CHECK(check(R"({"acl": "public-read"})", {{"acl", "public-read"}}));
  CHECK(failure_of(check(R"({"acl": "public-read"})", {{"acl", "private"}})) ==
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "public-read"])");
  CHECK(check(R"(["starts-with", "$acl", "public-"])", {{"acl", "public-read"}}));
  CHECK(check(R"({"success_action_status": "201"})", {{"success_action_status", "201"}}));
  CHECK_FALSE(check(R"({"success_action_status": "201"})", {{"success_action_status", "200"}}));
  CHECK(check(R"(["starts-with", "$success_action_redirect", "http://app/"])",
              {{"success_action_redirect", "http://app/done"}}));
  CHECK_FALSE(check(R"(["eq", "$success_action_redirect", "http://app/done"])",
                    {{"success_action_redirect", "HTTP://app/done"}}));
  CHECK(check(R"({"x-amz-date": "20151229T000000Z"})", {{"X-Amz-Date", "20151229T000000Z"}}));
  CHECK_FALSE(check(R"({"x-amz-date": "20151229T000000Z"})", {{"X-Amz-Date", "20151230T000000Z"}}));
  CHECK(check(R"({"x-amz-algorithm": "AWS4-HMAC-SHA256"})", {{"x-amz-algorithm", "AWS4-HMAC-SHA256"}}));
  CHECK(check(R"({"x-amz-credential": "K/20151229/us-east-1/s3/aws4_request"})",
              {{"x-amz-credential", "K/20151229/us-east-1/s3/aws4_request"}}));
  CHECK_FALSE(check(R"({"x-amz-credential": "K/20151229/us-east-1/s3/aws4_request"})",
                    {{"x-amz-credential", "L/20151229/us-east-1/s3/aws4_request"}}));
}

TEST_CASE("names compare case-insensitively, values exactly; the quote keeps the policy's spelling", "[post_policy]") {
  CHECK(check(R"({"bUcKeT": "photos"}, ["StArTs-WiTh", "$KeY", "foo"], {"AcL": "private"},
                 ["starts-with", "$CoNtEnT-TyPe", "text/plain"])",
              {{"kEy", "foo.txt"}, {"aCl", "private"}, {"content-type", "text/plain"}}));
  CHECK(check(R"(["eq", "$success_Action_REDIRECT", "http://a/"])", {{"success_action_redirect", "http://a/"}}));
  CHECK(failure_of(check(R"(["eq", "$Content-Disposition", "filename=\"test.png\""])",
                         {{"Content-Disposition", "filename=\"other.png\""}})) ==
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Disposition", "filename=\"test.png\""])");
}

TEST_CASE("several fields of one name are matched as their comma-joined values", "[post_policy]") {
  PostFormFields fields{{"x-amz-meta-tag", "Ninja"}, {"x-amz-meta-tag", "Stallman"}};
  CHECK(check(R"({"x-amz-meta-tag": "Ninja,Stallman"})", fields));
  CHECK_FALSE(check(R"({"x-amz-meta-tag": "Ninja"})", fields));
}

TEST_CASE("every field needs a condition except the signature fields, file and x-ignore-*", "[post_policy]") {
  PostFormFields fields{{"key", "a"}, {"Policy", "p"}, {"x-amz-signature", "s"}, {"Signature", "s"},
                        {"AWSAccessKeyId", "k"}, {"x-ignore-foo", "bar"}, {"X-Ignore-Bar", "x"}};
  CHECK(check(R"({"key": "a"})", fields));
  fields.emplace_back("StorageClass", "STANDARD");
  auto extra = check(R"({"key": "a"})", fields);
  CHECK(failure_of(extra) == "Invalid according to Policy: Extra input fields: StorageClass");
  CHECK(extra.error().code == ErrorCode::AccessDenied);
  // The bucket condition covers a bucket field (aws-sdk-js v3 sends one).
  CHECK(check(R"({"key": "a"}, {"bucket": "photos"})", {{"key", "a"}, {"bucket", "photos"}}));
  CHECK_FALSE(check(R"({"key": "a"})", {{"key", "a"}, {"bucket", "photos"}}));
  // A content-length-range covers no field.
  CHECK_FALSE(check(R"({"key": "a"}, ["content-length-range", 0, 10])", {{"key", "a"}, {"content-length-range", "5"}}));
}

TEST_CASE("content-length-range: inclusive bounds, S3's errors, numeric strings", "[post_policy]") {
  auto policy = policy_with(R"(["content-length-range", 5, 10])");
  CHECK(auth::check_post_policy(policy, {}, "b", kNow));
  CHECK(auth::check_post_content_length(policy, 5));
  CHECK(auth::check_post_content_length(policy, 10));
  auto large = auth::check_post_content_length(policy, 12);
  REQUIRE_FALSE(large);
  CHECK(large.error().code == ErrorCode::EntityTooLarge);
  CHECK(large.error().http_status() == 400);
  CHECK(large.error().message == "Your proposed upload exceeds the maximum allowed size");
  CHECK(detail(large.error(), "ProposedSize") == "12");
  CHECK(detail(large.error(), "MaxSizeAllowed") == "10");
  auto small = auth::check_post_content_length(policy, 1);
  REQUIRE_FALSE(small);
  CHECK(small.error().code == ErrorCode::EntityTooSmall);
  CHECK(small.error().message == "Your proposed upload is smaller than the minimum allowed size");
  CHECK(detail(small.error(), "MinSizeAllowed") == "5");
  CHECK(auth::post_max_content_length(policy) == 10);
  CHECK_FALSE(auth::post_max_content_length(policy_with(R"({"key": "a"})")));

  auto strings = policy_with(R"(["content-length-range", "5", "10"])");
  CHECK(auth::check_post_content_length(strings, 7));
  CHECK_FALSE(auth::check_post_content_length(strings, 11));
  CHECK(failure_of(auth::check_post_policy(policy_with(R"(["content-length-range", "test", "10"])"), {}, "b", kNow)) ==
        R"(Invalid according to Policy: Policy Condition failed: ["content-length-range", "test", "10"])");
  CHECK_FALSE(auth::check_post_content_length(policy_with(R"(["content-length-range", 0, 0])"), 3));
}

TEST_CASE("${filename} becomes the file's base name", "[post_policy]") {
  CHECK(auth::expand_filename("uploads/${filename}", std::string("photo.jpg")) == "uploads/photo.jpg");
  CHECK(auth::expand_filename("uploads/${filename}", std::string("C:\\Program Files\\dir\\file.txt")) ==
        "uploads/file.txt");
  CHECK(auth::expand_filename("${filename}-${filename}", std::string("a/b/c.png")) == "c.png-c.png");
  CHECK(auth::expand_filename("uploads/${filename}", std::string("")) == "uploads/");
  // A file part without a filename parameter leaves the variable as it is (as S3 does).
  CHECK(auth::expand_filename("uploads/${filename}", std::nullopt) == "uploads/${filename}");
  CHECK(auth::expand_filename("plain", std::string("x")) == "plain");
}

// ---- The form reader ------------------------------------------------------------------------

namespace {

struct Parsed {
  std::vector<http::FormField> fields;  // as passed at the file's start
  std::optional<http::FormFile> file;
  std::string content;
  int file_starts = 0;
  core::Result<void> result;  // first feed error, else finish()
};

// Feeds `body` in pieces of `piece` bytes (0 = all at once).
Parsed parse(std::string_view body, std::size_t piece = 0, std::string boundary = "XyZ",
             std::size_t limit = http::FormDataReader::kS3PreFileLimit) {
  Parsed out;
  http::FormDataReader reader(
      boundary,
      [&](const std::vector<http::FormField>& fields, const http::FormFile& file) -> core::Result<void> {
        out.fields = fields;
        out.file = file;
        ++out.file_starts;
        return {};
      },
      [&](std::string_view data) -> core::Result<void> {
        out.content.append(data);
        return {};
      },
      limit);
  if (piece == 0) piece = std::max<std::size_t>(body.size(), 1);
  for (std::size_t at = 0; at < body.size(); at += piece) {
    if (auto ok = reader.feed(body.substr(at, piece)); !ok) {
      out.result = ok;
      return out;
    }
  }
  out.result = reader.finish();
  return out;
}

// Feeds `body` in two pieces, cut at `cut`.
Parsed parse_in_two(std::string_view body, std::size_t cut,
                    std::size_t limit = http::FormDataReader::kS3PreFileLimit) {
  Parsed out;
  http::FormDataReader reader(
      "XyZ",
      [&](const std::vector<http::FormField>& fields, const http::FormFile& file) -> core::Result<void> {
        out.fields = fields;
        out.file = file;
        ++out.file_starts;
        return {};
      },
      [&](std::string_view data) -> core::Result<void> {
        out.content.append(data);
        return {};
      },
      limit);
  out.result = reader.feed(body.substr(0, cut));
  if (out.result) out.result = reader.feed(body.substr(cut));
  if (out.result) out.result = reader.finish();
  return out;
}

std::string part(std::string_view disposition, std::string_view value, std::string_view extra_headers = "") {
  return "--XyZ\r\nContent-Disposition: " + std::string(disposition) + "\r\n" + std::string(extra_headers) + "\r\n" +
         std::string(value) + "\r\n";
}

std::string field(std::string_view name, std::string_view value) {
  return part("form-data; name=\"" + std::string(name) + "\"", value);
}

const std::string kFileContent = "line one\r\n--XyX is not the boundary\r\n-\r\n--Xy\r\n\r\nx--XyZ end";

std::string sample_form() {
  return field("key", "uploads/${filename}") + field("Content-Type", "image/jpeg") +
         part("form-data; name=\"file\"; filename=\"photo.jpg\"", kFileContent, "Content-Type: image/png\r\n") +
         field("submit", "Upload") + "--XyZ--\r\n";
}

}  // namespace

TEST_CASE("form reader: fields before the file, the file streamed, fields after it ignored", "[post_policy]") {
  auto parsed = parse(sample_form());
  REQUIRE(parsed.result);
  CHECK(parsed.file_starts == 1);
  REQUIRE(parsed.fields.size() == 2);
  CHECK(parsed.fields[0].name == "key");
  CHECK(parsed.fields[0].value == "uploads/${filename}");
  CHECK(parsed.fields[1].name == "Content-Type");
  CHECK(parsed.fields[1].value == "image/jpeg");
  REQUIRE(parsed.file);
  CHECK(parsed.file->filename == "photo.jpg");
  CHECK(parsed.file->content_type == "image/png");
  CHECK(parsed.content == kFileContent);
}

TEST_CASE("form reader: any split of the body gives the same result", "[post_policy]") {
  const std::string body = sample_form();
  for (std::size_t piece : {1, 2, 3, 5, 7, 13, 64}) {
    INFO("piece " << piece);
    auto parsed = parse(body, piece);
    REQUIRE(parsed.result);
    CHECK(parsed.fields.size() == 2);
    CHECK(parsed.content == kFileContent);
  }
  // Every two-piece split, so each delimiter is cut at each of its bytes once.
  for (std::size_t cut = 1; cut < body.size(); ++cut) {
    Parsed out;
    http::FormDataReader reader(
        "XyZ", [&](const auto& fields, const auto&) -> core::Result<void> { out.fields = fields; return {}; },
        [&](std::string_view data) -> core::Result<void> { out.content.append(data); return {}; });
    REQUIRE(reader.feed(std::string_view(body).substr(0, cut)));
    REQUIRE(reader.feed(std::string_view(body).substr(cut)));
    REQUIRE(reader.finish());
    INFO("cut " << cut);
    CHECK(out.fields.size() == 2);
    CHECK(out.content == kFileContent);
  }
}

TEST_CASE("form reader: a preamble split anywhere, its first piece included, is not too large", "[post_policy]") {
  // A first piece of delimiter-length-minus-two bytes ("\r\n--XyZ" is 7; "hello" is 5)
  // made the reader consume one byte, under its virtual CRLF, and the pre-file count wrap.
  const std::string body = "hello preamble\r\n" + sample_form();
  for (std::size_t cut = 1; cut < body.size(); ++cut) {
    INFO("cut " << cut);
    auto parsed = parse_in_two(body, cut);
    REQUIRE(parsed.result);
    CHECK(parsed.fields.size() == 2);
    CHECK(parsed.content == kFileContent);
  }
}

TEST_CASE("form reader: transport padding split anywhere, between its CR and LF too", "[post_policy]") {
  // A piece ending in "--XyZ \t\r" was refused: the padding check saw the CR without its LF.
  const std::string body = "--XyZ \t\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n"
                           "--XyZ\t\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--XyZ--";
  for (std::size_t cut = 1; cut < body.size(); ++cut) {
    INFO("cut " << cut);
    auto parsed = parse_in_two(body, cut);
    REQUIRE(parsed.result);
    CHECK(parsed.fields.size() == 1);
    CHECK(parsed.content == "x");
  }
  // Padding is limited however it arrives.
  const std::string long_padding = "--XyZ" + std::string(300, ' ') + "\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--XyZ--";
  CHECK(parse(long_padding).result.error().code == ErrorCode::MalformedPOSTRequest);
  CHECK(parse(long_padding, 100).result.error().code == ErrorCode::MalformedPOSTRequest);
}

TEST_CASE("form reader: a header block after the file is limited however the body is split", "[post_policy]") {
  // The limit used to apply only to a block still incomplete at the end of a piece, so the
  // same body passed whole and failed split.
  const std::size_t limit = 100;
  const std::string before = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--XyZ\r\n";
  auto body_with_block = [&](std::size_t block_size) {
    std::string block = "Content-Disposition: form-data; name=\"after\"\r\nX: ";
    block.append(block_size - block.size(), 'h');
    return before + block + "\r\n\r\nignored\r\n--XyZ--";
  };
  const std::string fits = body_with_block(limit), too_long = body_with_block(limit + 1);
  CHECK(parse(fits, 0, "XyZ", limit).result);
  CHECK(parse(too_long, 0, "XyZ", limit).result.error().code == ErrorCode::MalformedPOSTRequest);
  for (std::size_t cut = before.size(); cut < fits.size(); ++cut) {
    INFO("cut " << cut);
    CHECK(parse_in_two(fits, cut, limit).result);
    auto refused = parse_in_two(too_long, cut, limit);
    REQUIRE_FALSE(refused.result);
    CHECK(refused.result.error().code == ErrorCode::MalformedPOSTRequest);
  }
}

TEST_CASE("form reader: fields sent as file parts are fields; the name decides", "[post_policy]") {
  // requests' files= sends every part with filename=<its name> (ceph s3-tests do).
  std::string body = part("form-data; name=\"key\"; filename=\"key\"", "foo.txt") +
                     part("form-data; name=\"acl\"; filename=\"acl\"", "private", "Content-Type: text/plain\r\n") +
                     part("form-data; name=\"File\"; filename=\"file\"", "bar") + "--XyZ--";
  auto parsed = parse(body);
  REQUIRE(parsed.result);
  REQUIRE(parsed.fields.size() == 2);
  CHECK(parsed.fields[0].value == "foo.txt");
  CHECK(parsed.fields[1].name == "acl");
  CHECK(parsed.content == "bar");
  // A file part without a filename parameter is still the file.
  auto no_name = parse(field("key", "k") + field("file", "text area content") + "--XyZ--");
  REQUIRE(no_name.result);
  CHECK_FALSE(no_name.file->filename);
  CHECK(no_name.content == "text area content");
  // Only a form-data part named file is the file.
  auto other_type = parse(part("attachment; name=\"file\"", "x") + "--XyZ--");
  REQUIRE(other_type.result);
  CHECK(other_type.file_starts == 0);
}

TEST_CASE("form reader: parameters quoted or not, escapes, preamble, padding, empty parts", "[post_policy]") {
  std::string body = "this preamble is ignored\r\n--XyZ  \t\r\n"
                     "content-disposition: FORM-DATA; NAME=key\r\n\r\nk\r\n"
                     "--XyZ\r\nContent-Disposition: form-data; name=\"x-amz-meta-q\\\"\"\r\n\r\n\r\n"
                     "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\dir\\a \\\"b\\\".jpg\"\r\n\r\n"
                     "\r\n--XyZ--\r\nepilogue";
  auto parsed = parse(body);
  REQUIRE(parsed.result);
  REQUIRE(parsed.fields.size() == 2);
  CHECK(parsed.fields[0].name == "key");
  CHECK(parsed.fields[0].value == "k");
  CHECK(parsed.fields[1].name == "x-amz-meta-q\"");
  CHECK(parsed.fields[1].value.empty());
  CHECK(parsed.file->filename == "C:\\dir\\a \"b\".jpg");
  CHECK(parsed.content.empty());
}

TEST_CASE("form reader: the fields before the file are limited", "[post_policy]") {
  auto big = parse(field("key", std::string(21 * 1024, 'a')) + part("form-data; name=\"file\"", "x") + "--XyZ--");
  REQUIRE_FALSE(big.result);
  CHECK(big.result.error().code == ErrorCode::MaxPostPreDataLengthExceeded);
  CHECK(big.result.error().effective_message() == "Your POST request fields preceeding the upload file was too large.");
  CHECK(big.result.error().http_status() == 400);
  CHECK(detail(big.result.error(), "MaxPostPreDataLengthBytes") == "20480");
  CHECK(big.file_starts == 0);

  // Everything before the file's content counts, its own headers included, and nothing after.
  std::string head = field("key", "k") + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
  std::string body = head + std::string(100, 'f') + "\r\n--XyZ--";
  CHECK(parse(body, 0, "XyZ", head.size()).result);
  CHECK(parse(body, 7, "XyZ", head.size()).result);
  auto over = parse(body, 0, "XyZ", head.size() - 1);
  CHECK(over.result.error().code == ErrorCode::MaxPostPreDataLengthExceeded);
  CHECK(parse(body, 3, "XyZ", head.size() - 1).result.error().code == ErrorCode::MaxPostPreDataLengthExceeded);
  // A header block that never ends is held no longer than the limit.
  auto endless = parse("--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\nX: " + std::string(30000, 'h'), 1000);
  CHECK(endless.result.error().code == ErrorCode::MaxPostPreDataLengthExceeded);
}

TEST_CASE("form reader: truncated and malformed bodies", "[post_policy]") {
  const std::string body = sample_form();
  auto cut_in_file = parse(body.substr(0, body.find("end")));
  REQUIRE_FALSE(cut_in_file.result);
  CHECK(cut_in_file.result.error().code == ErrorCode::IncompleteBody);
  CHECK(parse(body.substr(0, body.find("image/jpeg"))).result.error().code == ErrorCode::MalformedPOSTRequest);
  CHECK(parse(body.substr(0, body.size() - 4)).result.error().code == ErrorCode::MalformedPOSTRequest);  // no "--"
  CHECK(parse("").result.error().code == ErrorCode::MalformedPOSTRequest);
  CHECK(parse("no delimiter at all").result.error().code == ErrorCode::MalformedPOSTRequest);
  CHECK(parse("--XyZgarbage\r\n").result.error().code == ErrorCode::MalformedPOSTRequest);
  CHECK(parse("--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--").result.error().code ==
        ErrorCode::MalformedPOSTRequest);  // no Content-Disposition
  CHECK(parse("--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--").result.error().code ==
        ErrorCode::MalformedPOSTRequest);  // no name
  CHECK(parse("--XyZ\r\nnot a header\r\n\r\nv\r\n--XyZ--").result.error().code == ErrorCode::MalformedPOSTRequest);
  // A second file after the first.
  auto two = parse(field("key", "k") + field("file", "1") + field("file", "2") + "--XyZ--");
  CHECK(two.result.error().code == ErrorCode::InvalidArgument);
  CHECK(two.result.error().message == "POST requires exactly one file upload per request.");
  // No file at all is well-formed: the caller decides.
  auto none = parse(field("key", "k") + "--XyZ--");
  CHECK(none.result);
  CHECK(none.file_starts == 0);
}

TEST_CASE("form reader: an error from the file callbacks stops it", "[post_policy]") {
  int data_calls = 0;
  http::FormDataReader reader(
      "XyZ",
      [](const auto&, const auto&) -> core::Result<void> { return std::unexpected(core::make_error(ErrorCode::AccessDenied)); },
      [&](std::string_view) -> core::Result<void> { ++data_calls; return {}; });
  auto result = reader.feed(sample_form());
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::AccessDenied);
  CHECK(data_calls == 0);
  CHECK_FALSE(reader.feed("more"));
  CHECK_FALSE(reader.finish());
}

TEST_CASE("form reader: the Content-Type names the boundary", "[post_policy]") {
  CHECK(http::is_form_data("multipart/form-data; boundary=abc"));
  CHECK(http::is_form_data("Multipart/Form-Data;boundary=abc"));
  CHECK_FALSE(http::is_form_data("application/x-www-form-urlencoded"));
  CHECK_FALSE(http::is_form_data("multipart/mixed; boundary=abc"));
  CHECK(http::form_data_boundary("multipart/form-data; boundary=abc") == "abc");
  CHECK(http::form_data_boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"a b:c\"") == "a b:c");
  CHECK(http::form_data_boundary("multipart/form-data").error().code == ErrorCode::MalformedPOSTRequest);
  CHECK(http::form_data_boundary("multipart/form-data; boundary=").error().code == ErrorCode::MalformedPOSTRequest);
  CHECK(http::form_data_boundary("multipart/form-data; boundary=" + std::string(71, 'b')).error().code ==
        ErrorCode::MalformedPOSTRequest);
}
