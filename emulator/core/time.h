// Timestamps as AWS writes them in responses and headers, and HTTP dates as clients send
// them. Epoch milliseconds in, strings out (and back); UTC throughout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace core {

std::string iso8601_ms(std::int64_t epoch_ms);   // 2026-11-29T08:00:00.000Z
std::string http_date(std::int64_t epoch_ms);    // Sun, 29 Nov 2026 08:00:00 GMT
// Parses RFC 1123 / RFC 850 / asctime HTTP dates and ISO 8601; nullopt when invalid.
std::optional<std::int64_t> parse_http_date(std::string_view text);
// Milliseconds since the epoch, from the system clock.
std::int64_t system_now_ms();

}  // namespace core
