// SNS-style topic delivery: one HTTP POST of the SNS envelope to a subscription endpoint,
// as SNS does for an http/https subscription:
//   headers x-amz-sns-message-type: Notification, x-amz-sns-message-id, x-amz-sns-topic-arn
//   body {"Type":"Notification","MessageId":...,"TopicArn":...,"Subject":"Amazon S3 Notification",
//         "Message":"<the S3 event JSON as a string>","Timestamp":"...Z","SignatureVersion":"1",
//         "Signature":"","SigningCertURL":"","UnsubscribeURL":""}
// Messages are not signed (Signature is empty): there is no certificate offline.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "events/functions.h"

namespace events {

nlohmann::json sns_envelope(const std::string& topic_arn, const std::string& message_id, const std::string& message,
                            std::int64_t now_ms);

// POSTs the envelope; a 2xx answer is success (http, or https with a verified certificate).
InvokeResult post_to_subscription(const std::string& endpoint, const nlohmann::json& envelope, int timeout_ms);

// A random RFC 4122 version 4 UUID ("8c1f...-...").
std::string random_uuid();

}  // namespace events
