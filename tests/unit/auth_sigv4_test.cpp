// SigV4 verification against AWS's published examples: the SigV4 test suite
// (service "service", AKIDEXAMPLE, 20150830T123600Z) for the canonical-request rules, and
// the S3 API reference examples (examplebucket, AKIAIOSFODNN7EXAMPLE, 20130524T000000Z)
// end to end through authenticate(). Then every way a request can be refused.
#include <catch2/catch.hpp>

#include <functional>

#include "auth/authenticate.h"
#include "auth/crypto.h"
#include "auth/presign.h"
#include "auth/signing_key_cache.h"
#include "auth/sigv4.h"

using namespace auth;
using core::ErrorCode;

namespace {

constexpr std::string_view kExampleKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::chrono::system_clock::time_point at(std::string_view amz_date) { return *parse_amz_date(amz_date); }

const auto kExampleTime = at("20130524T000000Z");

SecretLookup example_secrets() {
  return [](std::string_view key) -> std::optional<std::string> {
    if (key == kExampleKey) return std::string(kExampleSecret);
    if (key == "test") return std::string("test");
    return std::nullopt;
  };
}

std::string example_authorization(std::string_view signed_headers, std::string_view signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=" +
         std::string(signed_headers) + ",Signature=" + std::string(signature);
}

// The S3 example "GET Object" (first 10 bytes, Range header).
RequestView get_object_example() {
  RequestView r;
  r.method = "GET";
  r.raw_path = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Range", "bytes=0-9"},
               {"x-amz-content-sha256", std::string(kEmpty)},
               {"x-amz-date", "20130524T000000Z"},
               {"Authorization", example_authorization("host;range;x-amz-content-sha256;x-amz-date",
                                                       "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")}};
  return r;
}

// The S3 example "GET Object" as a presigned URL (X-Amz-Expires 86400).
RequestView presigned_example() {
  RequestView r;
  r.method = "GET";
  r.raw_path = "/test.txt";
  r.raw_query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
      "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  return r;
}

void set_header(RequestView& r, std::string_view name, std::string value) {
  for (auto& [n, v] : r.headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  r.headers.emplace_back(std::string(name), std::move(value));
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
  const auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

ErrorCode code_of(const core::Result<Identity>& r) {
  REQUIRE_FALSE(r.has_value());
  return r.error().code;
}

std::string detail(const core::Error& e, std::string_view name) {
  for (const auto& [k, v] : e.details)
    if (k == name) return v;
  return "<absent>";
}

// Split a URL made by presign_url into the request a client would send with it.
RequestView request_from_url(std::string_view method, std::string_view url) {
  RequestView r;
  r.method = method;
  url.remove_prefix(url.find("://") + 3);
  const auto slash = url.find('/');
  r.headers = {{"Host", std::string(url.substr(0, slash))}};
  const auto rest = url.substr(slash);
  const auto q = rest.find('?');
  r.raw_path = rest.substr(0, q);
  r.raw_query = q == std::string_view::npos ? "" : rest.substr(q + 1);
  return r;
}

// The SigV4 test suite signs with these; they use the generic rules, which S3 shares as
// long as the path needs no normalisation.
std::string suite_signature(std::string_view method, std::string_view path, std::string_view query,
                            HeaderList headers) {
  headers.emplace_back("Host", "example.amazonaws.com");
  headers.emplace_back("X-Amz-Date", "20150830T123600Z");
  std::vector<std::string> names;
  for (const auto& [n, v] : headers) {
    std::string lower(n);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    names.push_back(lower);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string joined;
  for (const auto& n : names) joined += (joined.empty() ? "" : ";") + n;
  const std::string canonical = canonical_request(method, *canonical_uri(path), *canonical_query(query),
                                                  canonical_headers(headers, names), joined, kEmpty);
  const std::string scope = credential_scope("20150830", "us-east-1", "service");
  const std::string key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service");
  return sign(key, string_to_sign("20150830T123600Z", scope, canonical));
}

}  // namespace

// ---- Building blocks ---------------------------------------------------------------------

TEST_CASE("SigV4 test suite vectors", "[auth]") {
  CHECK(suite_signature("GET", "/", "", {}) == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  CHECK(suite_signature("GET", "/", "Param2=value2&Param1=value1", {}) ==
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  CHECK(suite_signature("GET", "/", "", {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}) ==
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
  CHECK(suite_signature("GET", "/", "",
                        {{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"},
                         {"My-Header1", "value2"}}) ==
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01");
  CHECK(suite_signature("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", {}) ==
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
}

TEST_CASE("canonical URI re-encodes each segment once and normalises nothing", "[auth]") {
  CHECK(canonical_uri("/test%24file.text") == "/test%24file.text");
  CHECK(canonical_uri("/test$file.text") == "/test%24file.text");
  CHECK(canonical_uri("/a%2fb/c") == "/a%2Fb/c");
  CHECK(canonical_uri("/%7euser/x%20y") == "/~user/x%20y");
  CHECK(canonical_uri("/b//./../k") == "/b//./../k");
  CHECK(canonical_uri("/caf%C3%A9") == "/caf%C3%A9");
  CHECK(canonical_uri("") == "/");
  CHECK_FALSE(canonical_uri("/bad%zz"));
}

TEST_CASE("canonical query sorts by encoded name then value and re-encodes", "[auth]") {
  CHECK(canonical_query("prefix=J&max-keys=2") == "max-keys=2&prefix=J");
  CHECK(canonical_query("lifecycle") == "lifecycle=");
  CHECK(canonical_query("b=2&a=2&a=1") == "a=1&a=2&b=2");
  CHECK(canonical_query("prefix=a%20b&delimiter=/") == "delimiter=%2F&prefix=a%20b");
  CHECK(canonical_query("k=a+b") == "k=a%2Bb");
  CHECK(canonical_query("k=a+b", {}, true) == "k=a%20b");
  CHECK(canonical_query("X-Amz-Signature=abc&a=1", "X-Amz-Signature") == "a=1");
  CHECK(canonical_query("") == "");
}

TEST_CASE("amz dates round-trip and HTTP dates parse", "[auth]") {
  CHECK(format_amz_date(kExampleTime) == "20130524T000000Z");
  CHECK(format_amz_date(at("20240229T235959Z")) == "20240229T235959Z");
  CHECK_FALSE(parse_amz_date("20130524T000000"));
  CHECK_FALSE(parse_amz_date("20130230T000000Z"));
  CHECK(parse_http_date("Fri, 24 May 2013 00:00:00 GMT") == kExampleTime);
  CHECK_FALSE(parse_http_date("Fri, 24 Foo 2013 00:00:00 GMT"));
  // Years 1970-2261 only: the clock's nanoseconds end in 2262 (found by tests/fuzz).
  CHECK_FALSE(parse_amz_date("99991231T235959Z"));
  CHECK_FALSE(parse_http_date("Tue, 27 Mar 6295 21:20:27 +0000"));
  CHECK_FALSE(parse_amz_date("16000101T000000Z"));
  CHECK(format_amz_date(at("22611231T235959Z")) == "22611231T235959Z");
  CHECK(format_amz_date(at("19700101T000000Z")) == "19700101T000000Z");
}

// ---- The S3 documentation examples -------------------------------------------------------

TEST_CASE("S3 example: GET Object with Range verifies", "[auth]") {
  auto id = authenticate(get_object_example(), example_secrets(), kExampleTime);
  REQUIRE(id);
  CHECK_FALSE(id->anonymous);
  CHECK_FALSE(id->presigned);
  CHECK(id->access_key == kExampleKey);
  CHECK(id->region == "us-east-1");
  CHECK(id->service == "s3");
  CHECK(id->date == "20130524");
  CHECK(id->scope == "20130524/us-east-1/s3/aws4_request");
  CHECK(id->payload == PayloadMode::Sha256);
  CHECK(id->payload_sha256 == kEmpty);
  CHECK(verify_payload_sha256(*id, sha256("")));
}

TEST_CASE("S3 example: PUT Object with a Date header and a $ in the key", "[auth]") {
  RequestView r;
  r.method = "PUT";
  r.raw_path = "/test%24file.text";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
               {"Authorization", example_authorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                                                       "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")}};
  auto id = authenticate(r, example_secrets(), kExampleTime);
  REQUIRE(id);
  CHECK(id->payload == PayloadMode::Sha256);
  CHECK(verify_payload_sha256(*id, sha256("Welcome to Amazon S3.")));
  auto tampered = verify_payload_sha256(*id, sha256("Welcome to Amazon S4."));
  REQUIRE_FALSE(tampered);
  CHECK(tampered.error().code == ErrorCode::XAmzContentSHA256Mismatch);

  SECTION("the same key sent unencoded verifies too") {
    r.raw_path = "/test$file.text";
    CHECK(authenticate(r, example_secrets(), kExampleTime));
  }
}

TEST_CASE("S3 examples: GET ?lifecycle and GET ?max-keys=2&prefix=J", "[auth]") {
  RequestView r;
  r.method = "GET";
  r.raw_path = "/";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-content-sha256", std::string(kEmpty)}};
  SECTION("lifecycle") {
    r.raw_query = "lifecycle";
    r.headers.emplace_back("Authorization", example_authorization("host;x-amz-content-sha256;x-amz-date",
                                                                  "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
    CHECK(authenticate(r, example_secrets(), kExampleTime));
  }
  SECTION("list objects, in either parameter order") {
    r.headers.emplace_back("Authorization", example_authorization("host;x-amz-content-sha256;x-amz-date",
                                                                  "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
    r.raw_query = "max-keys=2&prefix=J";
    CHECK(authenticate(r, example_secrets(), kExampleTime));
    r.raw_query = "prefix=J&max-keys=2";
    CHECK(authenticate(r, example_secrets(), kExampleTime));
    r.raw_query = "prefix=K&max-keys=2";
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::SignatureDoesNotMatch);
  }
}

TEST_CASE("S3 example: presigned GET verifies within its validity", "[auth]") {
  auto id = authenticate(presigned_example(), example_secrets(), kExampleTime + std::chrono::hours(1));
  REQUIRE(id);
  CHECK(id->presigned);
  CHECK(id->payload == PayloadMode::Unsigned);
  CHECK(id->access_key == kExampleKey);
  CHECK(authenticate(presigned_example(), example_secrets(), kExampleTime + std::chrono::seconds(86400)));
}

// ---- Refusals ----------------------------------------------------------------------------

TEST_CASE("no auth at all is anonymous", "[auth]") {
  RequestView r;
  r.method = "GET";
  r.raw_path = "/bucket/key";
  r.raw_query = "versionId=1";
  r.headers = {{"Host", "localhost"}};
  auto id = authenticate(r, example_secrets(), kExampleTime);
  REQUIRE(id);
  CHECK(id->anonymous);
}

TEST_CASE("wrong secret gives SignatureDoesNotMatch with AWS's details", "[auth]") {
  SecretLookup wrong = [](std::string_view) -> std::optional<std::string> { return "not-the-secret"; };
  auto r = authenticate(get_object_example(), wrong, kExampleTime);
  REQUIRE(code_of(r) == ErrorCode::SignatureDoesNotMatch);
  const auto& e = r.error();
  CHECK(detail(e, "AWSAccessKeyId") == kExampleKey);
  CHECK(detail(e, "SignatureProvided") == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(detail(e, "StringToSign").starts_with("AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"));
  CHECK(detail(e, "CanonicalRequest") ==
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:" +
            std::string(kEmpty) + "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
            std::string(kEmpty));
  CHECK(detail(e, "CanonicalRequestBytes").starts_with("47 45 54 0a"));
  CHECK(detail(e, "StringToSignBytes").starts_with("41 57 53 34"));
}

TEST_CASE("unknown access key gives InvalidAccessKeyId", "[auth]") {
  auto r = get_object_example();
  set_header(r, "Authorization", replace(r.header("Authorization").value(), "AKIAIOSFODNN7EXAMPLE", "AKIANOBODY"));
  auto result = authenticate(r, example_secrets(), kExampleTime);
  CHECK(code_of(result) == ErrorCode::InvalidAccessKeyId);
  CHECK(detail(result.error(), "AWSAccessKeyId") == "AKIANOBODY");
}

TEST_CASE("header auth allows 15 minutes of skew, then RequestTimeTooSkewed", "[auth]") {
  using namespace std::chrono;
  CHECK(authenticate(get_object_example(), example_secrets(), kExampleTime + minutes(15)));
  CHECK(authenticate(get_object_example(), example_secrets(), kExampleTime - minutes(15)));
  auto late = authenticate(get_object_example(), example_secrets(), kExampleTime + minutes(15) + seconds(1));
  REQUIRE(code_of(late) == ErrorCode::RequestTimeTooSkewed);
  CHECK(detail(late.error(), "RequestTime") == "20130524T000000Z");
  CHECK(detail(late.error(), "ServerTime") == "2013-05-24T00:15:01Z");
  CHECK(detail(late.error(), "MaxAllowedSkewMilliseconds") == "900000");
  CHECK(code_of(authenticate(get_object_example(), example_secrets(), kExampleTime - hours(1))) ==
        ErrorCode::RequestTimeTooSkewed);
}

namespace {

// Each case changes one thing in a copy of `base`; every one must be refused with `expected`.
using Mutation = std::pair<std::string_view, std::function<void(RequestView&)>>;

void check_all_refused(const RequestView& base, const std::vector<Mutation>& mutations, ErrorCode expected) {
  for (const auto& [name, mutate] : mutations) {
    INFO(name);
    RequestView r = base;
    mutate(r);
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == expected);
  }
}

}  // namespace

TEST_CASE("tampering with a header-signed request is refused", "[auth]") {
  check_all_refused(get_object_example(),
                    {{"method", [](RequestView& r) { r.method = "HEAD"; }},
                     {"path", [](RequestView& r) { r.raw_path = "/test2.txt"; }},
                     {"query", [](RequestView& r) { r.raw_query = "versionId=2"; }},
                     {"signed header", [](RequestView& r) { set_header(r, "Range", "bytes=0-99"); }},
                     {"signed header removed",
                      [](RequestView& r) { std::erase_if(r.headers, [](const auto& h) { return h.first == "Range"; }); }}},
                    ErrorCode::SignatureDoesNotMatch);
}

TEST_CASE("malformed Authorization headers", "[auth]") {
  auto r = get_object_example();
  SECTION("missing Signature") {
    set_header(r, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host");
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::AuthorizationHeaderMalformed);
  }
  SECTION("short credential") {
    set_header(r, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/s3, SignedHeaders=host, Signature=00");
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::AuthorizationHeaderMalformed);
  }
  SECTION("wrong terminator") {
    set_header(r, "Authorization", replace(r.header("Authorization").value(), "aws4_request", "aws5_request"));
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::AuthorizationHeaderMalformed);
  }
  SECTION("credential date differs from x-amz-date") {
    set_header(r, "Authorization", replace(r.header("Authorization").value(), "/20130524/", "/20130525/"));
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::AuthorizationHeaderMalformed);
  }
  SECTION("host not signed") {
    set_header(r, "Authorization", replace(r.header("Authorization").value(), "host;", ""));
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::AuthorizationHeaderMalformed);
  }
  SECTION("no date") {
    std::erase_if(r.headers, [](const auto& h) { return h.first == "x-amz-date"; });
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::AccessDenied);
  }
  SECTION("no x-amz-content-sha256") {
    std::erase_if(r.headers, [](const auto& h) { return h.first == "x-amz-content-sha256"; });
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::InvalidRequest);
  }
  SECTION("bad x-amz-content-sha256") {
    set_header(r, "x-amz-content-sha256", "abc");
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::InvalidArgument);
  }
  SECTION("unknown scheme") {
    set_header(r, "Authorization", "Bearer abc");
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("unsupported signature versions get a clear error", "[auth]") {
  RequestView r;
  r.method = "GET";
  r.raw_path = "/bucket/key";
  r.headers = {{"Host", "localhost"}};
  const std::vector<Mutation> versions{
      {"SigV2 header",
       [](RequestView& v) { v.headers.emplace_back("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="); }},
      {"SigV2 query",
       [](RequestView& v) { v.raw_query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&Signature=vjbyPxybd"; }},
      {"SigV4A header",
       [](RequestView& v) {
         v.headers.emplace_back("Authorization",
                                "AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/s3/aws4_request, "
                                "SignedHeaders=host, Signature=00");
       }},
      {"SigV4A query", [](RequestView& v) { v.raw_query = "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=a"; }},
  };
  check_all_refused(r, versions, ErrorCode::InvalidRequest);
  RequestView v2 = r;
  versions.front().second(v2);
  auto result = authenticate(v2, example_secrets(), kExampleTime);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("AWS4-HMAC-SHA256") != std::string::npos);
}

TEST_CASE("header and query auth together are refused", "[auth]") {
  auto r = presigned_example();
  r.headers.emplace_back("Authorization", get_object_example().header("Authorization").value());
  CHECK(code_of(authenticate(r, example_secrets(), kExampleTime)) == ErrorCode::InvalidArgument);
}

TEST_CASE("presigned URL past X-Amz-Expires: AccessDenied Request has expired", "[auth]") {
  auto r = authenticate(presigned_example(), example_secrets(), kExampleTime + std::chrono::seconds(86401));
  REQUIRE(code_of(r) == ErrorCode::AccessDenied);
  CHECK(r.error().message == "Request has expired");
  CHECK(detail(r.error(), "Expires") == "2013-05-25T00:00:00Z");
  CHECK(detail(r.error(), "ServerTime") == "2013-05-25T00:00:01Z");
}

TEST_CASE("presigned URL used long before its date is refused", "[auth]") {
  CHECK(code_of(authenticate(presigned_example(), example_secrets(), kExampleTime - std::chrono::hours(1))) ==
        ErrorCode::AccessDenied);
}

namespace {

// A mutation that replaces `from` with `to` in the query.
Mutation query_edit(std::string_view name, std::string from, std::string to) {
  return {name, [from, to](RequestView& r) { r.raw_query = replace(r.raw_query, from, to); }};
}

}  // namespace

TEST_CASE("X-Amz-Expires outside 1..604800 and missing parameters", "[auth]") {
  check_all_refused(presigned_example(),
                    {query_edit("over a week", "X-Amz-Expires=86400", "X-Amz-Expires=604801"),
                     query_edit("negative", "X-Amz-Expires=86400", "X-Amz-Expires=-5"),
                     query_edit("not a number", "X-Amz-Expires=86400", "X-Amz-Expires=soon"),
                     query_edit("missing date", "X-Amz-Date=20130524T000000Z&", ""),
                     query_edit("bad date", "X-Amz-Date=20130524T000000Z", "X-Amz-Date=2013-05-24"),
                     query_edit("bad algorithm", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
                     query_edit("bad credential", "%2Fus-east-1%2Fs3", "")},
                    ErrorCode::AuthorizationQueryParametersError);
}

TEST_CASE("X-Amz-Expires: S3's messages, and zero is expired on arrival", "[auth]") {
  auto refusal = [](std::string value) {
    auto r = presigned_example();
    r.raw_query = replace(r.raw_query, "X-Amz-Expires=86400", "X-Amz-Expires=" + value);
    auto result = authenticate(r, example_secrets(), kExampleTime);
    REQUIRE_FALSE(result);
    return std::pair{result.error().code, result.error().message};
  };
  using Refusal = std::pair<ErrorCode, std::string>;
  const auto query_error = ErrorCode::AuthorizationQueryParametersError;
  CHECK(refusal("soon") == Refusal{query_error, "X-Amz-Expires should be a number"});
  CHECK(refusal("") == Refusal{query_error, "X-Amz-Expires should be a number"});
  CHECK(refusal("99999999999999999999") == Refusal{query_error, "X-Amz-Expires should be a number"});
  CHECK(refusal("-5") == Refusal{query_error, "X-Amz-Expires must be non-negative"});
  CHECK(refusal("604801") ==
        Refusal{query_error, "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires "
                             "must be less than 604800 seconds"});
  CHECK(refusal("0") == Refusal{ErrorCode::AccessDenied, "Request has expired"});
  // A week is allowed: it passes the range check and fails only on the (edited) signature.
  CHECK(refusal("604800").first == ErrorCode::SignatureDoesNotMatch);
}

TEST_CASE("tampering with a presigned URL is refused", "[auth]") {
  check_all_refused(presigned_example(),
                    {{"method", [](RequestView& r) { r.method = "PUT"; }},
                     {"key", [](RequestView& r) { r.raw_path = "/test2.txt"; }},
                     {"added query parameter", [](RequestView& r) { r.raw_query += "&response-content-type=text%2Fhtml"; }},
                     query_edit("longer expiry", "X-Amz-Expires=86400", "X-Amz-Expires=86401"),
                     {"host", [](RequestView& r) { set_header(r, "Host", "otherbucket.s3.amazonaws.com"); }}},
                    ErrorCode::SignatureDoesNotMatch);
}

TEST_CASE("presigned URL with an unsigned x-amz-* header is refused", "[auth]") {
  auto r = presigned_example();
  r.headers.emplace_back("x-amz-acl", "public-read");
  auto result = authenticate(r, example_secrets(), kExampleTime);
  REQUIRE(code_of(result) == ErrorCode::AccessDenied);
  CHECK(detail(result.error(), "HeadersNotSigned") == "x-amz-acl");
}

// ---- presign_url -------------------------------------------------------------------------

TEST_CASE("presign_url reproduces the S3 documentation's presigned URL", "[auth]") {
  PresignRequest p;
  p.method = "GET";
  p.endpoint = "https://examplebucket.s3.amazonaws.com";
  p.key = "test.txt";
  p.access_key = kExampleKey;
  p.secret_key = kExampleSecret;
  p.expires_s = 86400;
  p.now = kExampleTime;
  CHECK(presign_url(p) ==
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
        "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&"
        "X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST_CASE("presign_url round-trips through authenticate", "[auth]") {
  PresignRequest p;
  p.method = "PUT";
  p.endpoint = "http://127.0.0.1:4566";
  p.bucket = "cruddur-uploaded-avatars";
  p.key = "avatars/ünïcode key+(1)~!.jpg";
  p.region = "ca-central-1";
  p.access_key = "test";
  p.secret_key = "test";
  p.expires_s = 300;
  p.now = kExampleTime;
  p.signed_headers = {{"Content-Type", "image/jpeg"}};
  const std::string url = presign_url(p);
  CHECK(url.starts_with("http://127.0.0.1:4566/cruddur-uploaded-avatars/avatars/%C3%BCn%C3%AFcode%20key%2B%281%29~%21.jpg?"));
  CHECK(url.find("X-Amz-SignedHeaders=content-type%3Bhost") != std::string::npos);

  RequestView r = request_from_url("PUT", url);
  r.headers.emplace_back("Content-Type", "image/jpeg");
  const auto later = kExampleTime + std::chrono::seconds(299);
  auto id = authenticate(r, example_secrets(), later);
  REQUIRE(id);
  CHECK(id->presigned);
  CHECK(id->region == "ca-central-1");
  CHECK(id->payload == PayloadMode::Unsigned);

  SECTION("a different content type is refused") {
    set_header(r, "Content-Type", "text/html");
    CHECK(code_of(authenticate(r, example_secrets(), later)) == ErrorCode::SignatureDoesNotMatch);
  }
  SECTION("a missing signed header is refused") {
    std::erase_if(r.headers, [](const auto& h) { return h.first == "Content-Type"; });
    CHECK(code_of(authenticate(r, example_secrets(), later)) == ErrorCode::SignatureDoesNotMatch);
  }
  SECTION("expired") {
    CHECK(code_of(authenticate(r, example_secrets(), kExampleTime + std::chrono::seconds(301))) ==
          ErrorCode::AccessDenied);
  }
  SECTION("used as GET") {
    r.method = "GET";
    CHECK(code_of(authenticate(r, example_secrets(), later)) == ErrorCode::SignatureDoesNotMatch);
  }
}

TEST_CASE("presigned URLs carrying a session token and SDK checksum parameters verify", "[auth]") {
  // aws-sdk-js v3 puts x-amz-checksum-crc32 and x-amz-sdk-checksum-algorithm in the query
  // of a presigned PUT; they are signed like any other parameter.
  PresignRequest p;
  p.method = "PUT";
  p.endpoint = "http://localhost:4566";
  p.bucket = "b";
  p.key = "k";
  p.access_key = "test";
  p.secret_key = "test";
  p.now = kExampleTime;
  p.session_token = "FQoGZXIvYXdzEXAMPLE/+=";
  RequestView r = request_from_url("PUT", presign_url(p));
  CHECK(authenticate(r, example_secrets(), kExampleTime));
  CHECK(r.query_param("X-Amz-Security-Token") == "FQoGZXIvYXdzEXAMPLE/+=");

  // Re-sign by hand with the two extra parameters in the canonical query.
  const std::string query_without_sig = r.raw_query.substr(0, r.raw_query.find("&X-Amz-Signature=")) +
                                        "&x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-sdk-checksum-algorithm=CRC32";
  const std::string canonical = canonical_request("PUT", "/b/k", *canonical_query(query_without_sig),
                                                  "host:localhost:4566\n", "host", kUnsignedPayload);
  const std::string scope = credential_scope("20130524", "us-east-1", "s3");
  const std::string sig = sign(derive_signing_key("test", "20130524", "us-east-1", "s3"),
                               string_to_sign("20130524T000000Z", scope, canonical));
  r.raw_query = query_without_sig + "&X-Amz-Signature=" + sig;
  CHECK(authenticate(r, example_secrets(), kExampleTime));
  // Signed, but not a checksum of the body (S3 ignores it; see expected_checksum).
  auto expected = expected_checksum(r);
  REQUIRE(expected);
  CHECK_FALSE(expected->has_value());
}

TEST_CASE("expected_checksum reads headers and x-amz-trailer", "[auth]") {
  RequestView r;
  r.method = "PUT";
  r.raw_path = "/b/k";
  CHECK_FALSE(expected_checksum(r).value().has_value());
  r.headers = {{"X-Amz-Checksum-Sha256", "abc="}, {"x-amz-sdk-checksum-algorithm", "SHA256"}};
  auto one = expected_checksum(r);
  REQUIRE(one);
  CHECK((*one)->algorithm == ChecksumAlgorithm::SHA256);
  CHECK_FALSE((*one)->in_trailer);

  r.headers = {{"x-amz-trailer", "x-amz-checksum-crc64nvme"}};
  auto trailer = expected_checksum(r);
  REQUIRE(trailer);
  CHECK((*trailer)->algorithm == ChecksumAlgorithm::CRC64NVME);
  CHECK((*trailer)->in_trailer);

  r.headers = {{"x-amz-checksum-crc32", "AAAAAA=="}, {"x-amz-checksum-crc32c", "AAAAAA=="}};
  CHECK(expected_checksum(r).error().code == ErrorCode::InvalidRequest);
  r.headers = {{"x-amz-checksum-crc32", "AAAAAA=="}, {"x-amz-sdk-checksum-algorithm", "SHA1"}};
  CHECK(expected_checksum(r).error().code == ErrorCode::InvalidRequest);
  r.headers = {{"x-amz-trailer", "x-amz-checksum-md5"}};
  CHECK(expected_checksum(r).error().code == ErrorCode::InvalidRequest);
}

TEST_CASE("SigningKeyCache gives derive_signing_key's keys and authenticate uses it", "[auth]") {
  SigningKeyCache cache(2);
  const std::string expected = derive_signing_key(kExampleSecret, "20130524", "us-east-1", "s3");
  CHECK(cache.get(kExampleSecret, "20130524", "us-east-1", "s3") == expected);
  CHECK(cache.get(kExampleSecret, "20130524", "us-east-1", "s3") == expected);
  CHECK(cache.size() == 1);
  CHECK(cache.get(kExampleSecret, "20130525", "us-east-1", "s3") != expected);
  CHECK(cache.get("other", "20130524", "us-east-1", "s3") != expected);  // full: starts over
  CHECK(cache.size() == 1);

  SigningKeyCache shared;
  CHECK(authenticate(get_object_example(), example_secrets(), kExampleTime, &shared));
  CHECK(authenticate(presigned_example(), example_secrets(), kExampleTime, &shared));
  CHECK(shared.size() == 1);
  SecretLookup wrong = [](std::string_view) -> std::optional<std::string> { return "not-the-secret"; };
  CHECK(code_of(authenticate(get_object_example(), wrong, kExampleTime, &shared)) == ErrorCode::SignatureDoesNotMatch);
}
