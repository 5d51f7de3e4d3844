#include "events/topic.h"

#include <sys/random.h>

#include <httplib.h>

#include <cstdio>

#include "core/time.h"

namespace events {

std::string random_uuid() {
  unsigned char b[16] = {};
  std::size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = ::getrandom(b + got, sizeof b - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

nlohmann::json sns_envelope(const std::string& topic_arn, const std::string& message_id, const std::string& message,
                            std::int64_t now_ms) {
  return {{"Type", "Notification"},
          {"MessageId", message_id},
          {"TopicArn", topic_arn},
          {"Subject", "Amazon S3 Notification"},
          {"Message", message},
          {"Timestamp", core::iso8601_ms(now_ms)},
          {"SignatureVersion", "1"},
          {"Signature", ""},
          {"SigningCertURL", ""},
          {"UnsubscribeURL", ""}};
}

InvokeResult post_to_subscription(const std::string& endpoint, const nlohmann::json& envelope, int timeout_ms) {
  auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos || !(endpoint.starts_with("http://") || endpoint.starts_with("https://")))
    return std::unexpected("not an http(s) URL: " + endpoint);
  auto slash = endpoint.find('/', scheme_end + 3);
  std::string origin = slash == std::string::npos ? endpoint : endpoint.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : endpoint.substr(slash);
  httplib::Client client(origin);
  client.set_connection_timeout(std::chrono::milliseconds(timeout_ms));
  client.set_read_timeout(std::chrono::milliseconds(timeout_ms));
  client.set_write_timeout(std::chrono::milliseconds(timeout_ms));
  httplib::Headers headers = {{"x-amz-sns-message-type", "Notification"},
                              {"x-amz-sns-message-id", envelope.value("MessageId", "")},
                              {"x-amz-sns-topic-arn", envelope.value("TopicArn", "")},
                              {"User-Agent", "Amazon Simple Notification Service Agent"}};
  auto response = client.Post(path, headers, envelope.dump(), "text/plain; charset=UTF-8");
  if (!response) return std::unexpected("POST " + endpoint + ": " + httplib::to_string(response.error()));
  if (response->status < 200 || response->status > 299)
    return std::unexpected("POST " + endpoint + ": HTTP " + std::to_string(response->status));
  return "POST " + endpoint + ": HTTP " + std::to_string(response->status);
}

}  // namespace events
