#include <catch2/catch.hpp>

#include "s3/encryption.h"

using core::ErrorCode;

namespace {

std::string config(std::string_view rule_body) {
  return "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>" +
         std::string(rule_body) + "</Rule></ServerSideEncryptionConfiguration>";
}

http::Request with_headers(http::Headers headers) {
  http::Request r;
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("bucket encryption documents parse as S3's schema allows", "[s3][encryption]") {
  auto kms = s3::parse_encryption_xml(config(
      "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:k</KMSMasterKeyID>"
      "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled>"));
  REQUIRE(kms);
  CHECK(kms->algorithm == "aws:kms");
  CHECK(kms->kms_key_id == "arn:k");
  CHECK(kms->bucket_key_enabled);

  auto aes = s3::parse_encryption_xml(
      config("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"));
  REQUIRE(aes);
  CHECK(aes->algorithm == "AES256");
  CHECK_FALSE(aes->bucket_key_enabled);
  CHECK(s3::parse_encryption_xml(config("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms:dsse</SSEAlgorithm>"
                                        "</ApplyServerSideEncryptionByDefault>")));

  // What S3 writes back reads back the same.
  auto again = s3::parse_encryption_xml(s3::encryption_xml(*kms));
  REQUIRE(again);
  CHECK(again->algorithm == "aws:kms");
  CHECK(again->kms_key_id == "arn:k");
  CHECK(again->bucket_key_enabled);
  CHECK(s3::encryption_xml(s3::BucketEncryption{}).find("<SSEAlgorithm>AES256</SSEAlgorithm>") != std::string::npos);
}

TEST_CASE("bucket encryption documents S3 refuses", "[s3][encryption]") {
  auto code = [](std::string_view doc) { return s3::parse_encryption_xml(doc).error().code; };
  CHECK(code("<ServerSideEncryptionConfiguration><Rule>") == ErrorCode::MalformedXML);
  CHECK(code("<Other/>") == ErrorCode::MalformedXML);
  CHECK(code("<ServerSideEncryptionConfiguration/>") == ErrorCode::MalformedXML);
  CHECK(code(config("")) == ErrorCode::MalformedXML);
  CHECK(code(config("<ApplyServerSideEncryptionByDefault/>")) == ErrorCode::MalformedXML);
  CHECK(code(config("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>DES</SSEAlgorithm>"
                    "</ApplyServerSideEncryptionByDefault>")) == ErrorCode::MalformedXML);
  CHECK(code(config("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><Extra/>"
                    "</ApplyServerSideEncryptionByDefault>")) == ErrorCode::MalformedXML);
  CHECK(code(config("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
                    "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>yes</BucketKeyEnabled>")) ==
        ErrorCode::MalformedXML);
  std::string one = "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>";
  CHECK(code("<ServerSideEncryptionConfiguration><Rule>" + one + "</Rule><Rule>" + one +
             "</Rule></ServerSideEncryptionConfiguration>") == ErrorCode::MalformedXML);

  auto key_with_aes = s3::parse_encryption_xml(config(
      "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID>"
      "</ApplyServerSideEncryptionByDefault>"));
  REQUIRE_FALSE(key_with_aes);
  CHECK(key_with_aes.error().code == ErrorCode::InvalidArgument);
  CHECK(key_with_aes.error().effective_message() ==
        "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse");
}

TEST_CASE("an upload's encryption headers", "[s3][encryption]") {
  store::ObjectMeta meta;
  REQUIRE(s3::read_encryption_headers(with_headers({}), meta));
  CHECK(meta.sse_algorithm.empty());

  REQUIRE(s3::read_encryption_headers(
      with_headers({{"x-amz-server-side-encryption", "aws:kms"}, {"x-amz-server-side-encryption-aws-kms-key-id", "k1"}}),
      meta));
  CHECK(meta.sse_algorithm == "aws:kms");
  CHECK(meta.sse_kms_key_id == "k1");

  auto unknown = s3::read_encryption_headers(with_headers({{"x-amz-server-side-encryption", "aws:kms:nope"}}), meta);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::InvalidArgument);
  CHECK(unknown.error().effective_message() == "The encryption method specified is not supported");

  for (const char* algorithm : {"", "AES256"}) {
    http::Headers headers{{"x-amz-server-side-encryption-aws-kms-key-id", "k1"}};
    if (*algorithm) headers.emplace_back("x-amz-server-side-encryption", algorithm);
    auto key_alone = s3::read_encryption_headers(with_headers(headers), meta);
    REQUIRE_FALSE(key_alone);
    CHECK(key_alone.error().code == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("objects report AES256 unless they recorded a choice; kms reports its key", "[s3][encryption]") {
  store::ObjectMeta old;  // stored before minicloud kept the choice
  http::Response plain;
  s3::add_encryption_headers(plain, old);
  CHECK(plain.header("x-amz-server-side-encryption") == "AES256");
  CHECK_FALSE(plain.header("x-amz-server-side-encryption-aws-kms-key-id"));

  store::ObjectMeta kms;
  kms.sse_algorithm = "aws:kms:dsse";
  kms.sse_kms_key_id = "arn:aws:kms:eu-west-1:000000000000:key/k";
  http::Response echoed;
  s3::add_encryption_headers(echoed, kms);
  CHECK(echoed.header("x-amz-server-side-encryption") == "aws:kms:dsse");
  CHECK(echoed.header("x-amz-server-side-encryption-aws-kms-key-id") == "arn:aws:kms:eu-west-1:000000000000:key/k");
}
