// Shared by the fuzz targets: the input as text, a request head split into its parts, and
// a deterministic way to cut a body into pieces (the streaming parsers must give the same
// answer however the socket splits the bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A failed property: print it and abort, so libFuzzer records the input as a crash.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}
#define FUZZ_CHECK(condition) \
  do {                        \
    if (!(condition)) ::fuzz::fail(#condition); \
  } while (0)

// "METHOD target HTTP/1.1\r\nName: value\r\n...\r\n\r\nbody" (LF alone accepted). A line
// without ':' is skipped; the target is split at the first '?'.
struct RequestHead {
  std::string method, raw_path, raw_query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
};

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline RequestHead split_request(std::string_view text) {
  RequestHead head;
  bool first = true;
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      first = false;
      auto space = line.find(' ');
      head.method = line.substr(0, space);
      auto target = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
      target = target.substr(0, target.find(' '));
      auto q = target.find('?');
      head.raw_path = target.substr(0, q);
      if (q != std::string_view::npos) head.raw_query = target.substr(q + 1);
      continue;
    }
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    head.headers.emplace_back(std::string(line.substr(0, colon)), std::string(trim_ows(line.substr(colon + 1))));
  }
  head.body = text;
  return head;
}

// Splits `data` into pieces whose lengths come from `seed` (1..16 bytes, then the rest in
// one piece), so one input explores both tiny and whole feeds.
inline std::vector<std::string_view> pieces(std::string_view data, std::uint8_t seed) {
  std::vector<std::string_view> out;
  if (seed == 0) {
    out.push_back(data);
    return out;
  }
  std::size_t step = 1 + seed % 16;
  while (!data.empty()) {
    auto n = std::min(step, data.size());
    out.push_back(data.substr(0, n));
    data.remove_prefix(n);
    step = 1 + (step * 7 + seed) % 31;
  }
  return out;
}

}  // namespace fuzz
