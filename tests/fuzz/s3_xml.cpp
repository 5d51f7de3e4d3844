// Every XML document S3 accepts in a request body: CreateBucketConfiguration,
// AccessControlPolicy, Delete, CompleteMultipartUpload, CORSConfiguration,
// ServerSideEncryptionConfiguration, NotificationConfiguration. Each parser checks its
// root element, so every input goes to all of them. A document that parses is written
// back (as Get* answers it) and must parse again to the same rules.
// Input: an XML document.
#include "events/rules.h"
#include "fuzz_support.h"
#include "http/cors.h"
#include "s3/cors.h"
#include "s3/documents.h"
#include "s3/encryption.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view document = fuzz::as_text(data, size);

  (void)s3::parse_create_bucket_xml(document);
  (void)s3::parse_acl_xml(document);
  if (auto request = s3::parse_delete_xml(document)) FUZZ_CHECK(!request->keys.empty() && request->keys.size() <= 1000);
  if (auto parts = s3::parse_complete_multipart_xml(document)) {
    for (const auto& part : *parts) FUZZ_CHECK(part.part_number >= 1 && part.part_number <= 10000);
  }

  if (auto rules = s3::parse_cors_xml(document)) {
    auto again = s3::parse_cors_xml(s3::cors_xml(*rules));
    FUZZ_CHECK(again && again->size() == rules->size());
    if (!rules->empty()) {
      (void)http::cors::match_request(*rules, "https://a.example.com", "GET");
      (void)http::cors::problem_with(*rules);
    }
  }

  if (auto encryption = s3::parse_encryption_xml(document)) {
    auto again = s3::parse_encryption_xml(s3::encryption_xml(*encryption));
    FUZZ_CHECK(again && again->algorithm == encryption->algorithm && again->kms_key_id == encryption->kms_key_id &&
               again->bucket_key_enabled == encryption->bucket_key_enabled);
  }

  if (auto rules = events::parse_notification_xml(document)) {
    auto again = events::parse_notification_xml(events::notification_xml(*rules));
    FUZZ_CHECK(again && again->size() == rules->size());
    (void)events::validate_rules(*rules, [](events::TargetKind, const std::string&) { return true; });
    for (const auto& rule : *rules) (void)events::rule_matches(rule, "ObjectCreated:Put", "avatars/a.jpg");
  }
  return 0;
}
