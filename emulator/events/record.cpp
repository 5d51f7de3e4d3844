#include "events/record.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>

#include "core/time.h"

namespace events {

std::string encode_key(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_' || c == '/') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string decode_key(std::string_view encoded) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < encoded.size() && hex(encoded[i + 1]) >= 0 &&
               hex(encoded[i + 2]) >= 0) {
      out += static_cast<char>(hex(encoded[i + 1]) * 16 + hex(encoded[i + 2]));
      i += 2;
    } else {
      out += c;  // a stray '%' stays literal rather than failing the whole event
    }
  }
  return out;
}

std::string host_id(std::string_view request_id) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(request_id.data()), request_id.size(), digest);
  std::string out;
  for (int i = 0; i < 56; ++i) out += kAlphabet[(digest[i % SHA256_DIGEST_LENGTH] + i / SHA256_DIGEST_LENGTH * 29) & 63];
  return out + "=";
}

nlohmann::json make_record(const s3::ObjectEvent& event, std::string_view region, std::string_view configuration_id,
                           std::string_view sequencer) {
  using nlohmann::json;
  const auto& bucket = event.object.bucket;
  json object = {{"key", encode_key(event.object.key)}};
  if (event.event_name.starts_with("ObjectCreated")) {
    object["size"] = event.object.size;
    object["eTag"] = event.object.etag;
  }
  object["sequencer"] = sequencer;
  return json{
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"awsRegion", region},
      {"eventTime", core::iso8601_ms(event.time_ms)},
      {"eventName", event.event_name},
      {"userIdentity", {{"principalId", event.access_key.empty() ? "Anonymous" : "AWS:" + event.access_key}}},
      {"requestParameters", {{"sourceIPAddress", event.source_ip}}},
      {"responseElements", {{"x-amz-request-id", event.request_id}, {"x-amz-id-2", host_id(event.request_id)}}},
      {"s3",
       {{"s3SchemaVersion", "1.0"},
        {"configurationId", configuration_id},
        {"bucket", {{"name", bucket}, {"ownerIdentity", {{"principalId", kOwnerPrincipal}}}, {"arn", "arn:aws:s3:::" + bucket}}},
        {"object", object}}},
  };
}

nlohmann::json make_message(nlohmann::json record) { return nlohmann::json{{"Records", nlohmann::json::array({std::move(record)})}}; }

std::string Sequencer::next(std::int64_t time_ms) {
  std::uint64_t candidate = static_cast<std::uint64_t>(std::max<std::int64_t>(time_ms, 0)) * 4096;
  last_ = std::max(last_ + 1, candidate);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(last_));
  return buf;
}

}  // namespace events
