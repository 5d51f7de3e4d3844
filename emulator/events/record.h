// The S3 event message, exactly in AWS's shape (eventVersion 2.1):
//
// {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
//   "eventTime":"2026-11-29T08:00:00.123Z","eventName":"ObjectCreated:Put",
//   "userIdentity":{"principalId":"AWS:test"},
//   "requestParameters":{"sourceIPAddress":"127.0.0.1"},
//   "responseElements":{"x-amz-request-id":"...","x-amz-id-2":"..."},
//   "s3":{"s3SchemaVersion":"1.0","configurationId":"...",
//         "bucket":{"name":"b","ownerIdentity":{"principalId":"..."},"arn":"arn:aws:s3:::b"},
//         "object":{"key":"a+b.jpg","size":1,"eTag":"...","sequencer":"..."}}}]}
//
// ObjectRemoved records carry no size/eTag, as on AWS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "s3/service.h"

namespace events {

// The owner principal id records carry (one account, as in s3/context.h).
inline constexpr const char* kOwnerPrincipal = "A3NL1KOZZKExample";

// AWS's key encoding in event records: Java URLEncoder form encoding (space -> '+',
// A-Za-z0-9 . - * _ kept, everything else %XX uppercase), with '/' kept.
std::string encode_key(std::string_view key);
// The inverse, as handlers do: decodeURIComponent(key.replace(/\+/g, " ")).
std::string decode_key(std::string_view encoded);

// x-amz-id-2 for a request id: an opaque, stable base64-looking token.
std::string host_id(std::string_view request_id);

// One record. `sequencer` orders events of the same key (hex, compares as a string when
// the lengths are equal; see Sequencer).
nlohmann::json make_record(const s3::ObjectEvent& event, std::string_view region,
                           std::string_view configuration_id, std::string_view sequencer);
// {"Records":[record]}
nlohmann::json make_message(nlohmann::json record);

// Sequencer values: 16 uppercase hex digits of max(last + 1, time_ms * 4096), so they
// increase for every event of the process and, with a clock that does not go back,
// across restarts. Not thread-safe; the owner serialises calls.
class Sequencer {
 public:
  std::string next(std::int64_t time_ms);

 private:
  std::uint64_t last_ = 0;
};

}  // namespace events
