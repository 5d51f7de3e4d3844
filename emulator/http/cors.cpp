#include "http/cors.h"

#include <algorithm>

namespace http::cors {
namespace {

bool chars_equal(char a, char b, bool ignore_case) {
  if (!ignore_case) return a == b;
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  return lower(a) == lower(b);
}

bool equal_text(std::string_view a, std::string_view b, bool ignore_case) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!chars_equal(a[i], b[i], ignore_case)) return false;
  return true;
}

// The leftmost occurrence of `needle` (not empty) in `haystack`, or npos. Knuth-Morris-Pratt,
// so linear whatever the bytes: std::string_view::find compares again from each position.
std::size_t find_text(std::string_view haystack, std::string_view needle, bool ignore_case) {
  std::vector<std::size_t> border(needle.size(), 0);  // longest proper border of needle[0..i]
  for (std::size_t i = 1, k = 0; i < needle.size(); ++i) {
    while (k > 0 && !chars_equal(needle[i], needle[k], ignore_case)) k = border[k - 1];
    if (chars_equal(needle[i], needle[k], ignore_case)) ++k;
    border[i] = k;
  }
  for (std::size_t i = 0, k = 0; i < haystack.size(); ++i) {
    while (k > 0 && !chars_equal(haystack[i], needle[k], ignore_case)) k = border[k - 1];
    if (chars_equal(haystack[i], needle[k], ignore_case)) ++k;
    if (k == needle.size()) return i + 1 - k;
  }
  return std::string_view::npos;
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view value, bool ignore_case) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return wildcard_match(p, value, ignore_case); });
}

bool origin_allowed(const Rule& rule, std::string_view origin) { return any_matches(rule.allowed_origins, origin, false); }

bool method_allowed(const Rule& rule, std::string_view method) {
  // Methods are exact: S3 rejects a rule with a lowercase or unknown method at PutBucketCors.
  return std::find(rule.allowed_methods.begin(), rule.allowed_methods.end(), method) != rule.allowed_methods.end();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The Access-Control-Allow-Origin value: "*" only when the rule allows any origin
// literally; otherwise the caller's origin, reflected.
std::string allow_origin_value(const Rule& rule, std::string_view origin) {
  bool literal_star = std::find(rule.allowed_origins.begin(), rule.allowed_origins.end(), "*") != rule.allowed_origins.end();
  return literal_star ? std::string("*") : std::string(origin);
}

void add_common(Response& response, const Rule& rule, std::string_view origin) {
  std::string allow_origin = allow_origin_value(rule, origin);
  response.set_header("Access-Control-Allow-Origin", allow_origin);
  response.set_header("Access-Control-Allow-Methods", join(rule.allowed_methods));
  if (!rule.expose_headers.empty()) response.set_header("Access-Control-Expose-Headers", join(rule.expose_headers));
  if (rule.max_age_seconds) response.set_header("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
  if (allow_origin != "*") response.set_header("Access-Control-Allow-Credentials", "true");
  response.set_header("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

bool has_two_wildcards(std::string_view s) {
  auto first = s.find('*');
  return first != std::string_view::npos && s.find('*', first + 1) != std::string_view::npos;
}

}  // namespace

std::optional<std::string> problem_with(const std::vector<Rule>& rules) {
  if (rules.empty()) return "A CORS configuration needs at least one CORSRule.";
  if (rules.size() > 100) return "The number of CORS rules should not exceed allowed limit of 100 rules.";
  for (const auto& rule : rules) {
    if (rule.allowed_origins.empty() || rule.allowed_methods.empty())
      return "Each CORSRule must have at least one AllowedOrigin and one AllowedMethod.";
    for (const auto& method : rule.allowed_methods) {
      if (method != "GET" && method != "PUT" && method != "POST" && method != "DELETE" && method != "HEAD")
        return "Found unsupported HTTP method in CORS config. Unsupported method is " + method;
    }
    for (const auto& origin : rule.allowed_origins)
      if (has_two_wildcards(origin)) return "AllowedOrigin \"" + origin + "\" can not have more than one wildcard.";
    for (const auto& header : rule.allowed_headers)
      if (has_two_wildcards(header)) return "AllowedHeader \"" + header + "\" can not have more than one wildcard.";
    if (rule.max_age_seconds && *rule.max_age_seconds < 0) return "MaxAgeSeconds must not be negative.";
  }
  return std::nullopt;
}

bool wildcard_match(std::string_view pattern, std::string_view value, bool ignore_case) {
  // The text before the first '*' must start the value and the text after the last '*' end
  // it; each piece between stars is then found leftmost in what lies between (leftmost is
  // exact when '*' is the only wildcard). Linear in pattern + value: backtracking to the
  // last '*' took |pattern| x |value| steps (25 ms for "*aaa...b" and a 10 KB Origin).
  const auto first = pattern.find('*');
  if (first == std::string_view::npos) return equal_text(pattern, value, ignore_case);
  const auto last = pattern.rfind('*');
  const std::string_view head = pattern.substr(0, first), tail = pattern.substr(last + 1);
  if (value.size() < head.size() + tail.size() || !equal_text(head, value.substr(0, head.size()), ignore_case) ||
      !equal_text(tail, value.substr(value.size() - tail.size()), ignore_case))
    return false;
  std::string_view rest = value.substr(head.size(), value.size() - head.size() - tail.size());
  std::string_view middle = pattern.substr(first + 1, last - first);  // pieces and stars, ending with '*'
  while (!middle.empty()) {
    const auto star = middle.find('*');
    const std::string_view piece = middle.substr(0, star);
    middle.remove_prefix(star + 1);
    if (piece.empty()) continue;
    const auto at = find_text(rest, piece, ignore_case);
    if (at == std::string_view::npos) return false;
    rest.remove_prefix(at + piece.size());
  }
  return true;
}

std::vector<std::string> split_list(std::string_view header_value) {
  std::vector<std::string> items;
  while (!header_value.empty()) {
    auto comma = header_value.find(',');
    auto item = trim(header_value.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    header_value.remove_prefix(comma + 1);
  }
  return items;
}

std::optional<Preflight> read_preflight(const Request& request) {
  auto origin = request.header("Origin");
  auto method = request.header("Access-Control-Request-Method");
  if (!origin || origin->empty() || !method || method->empty()) return std::nullopt;
  Preflight preflight{*origin, *method, {}};
  if (auto headers = request.header("Access-Control-Request-Headers")) preflight.request_headers = split_list(*headers);
  return preflight;
}

const Rule* match_preflight(const std::vector<Rule>& rules, const Preflight& preflight) {
  for (const auto& rule : rules) {
    if (!origin_allowed(rule, preflight.origin) || !method_allowed(rule, preflight.method)) continue;
    bool headers_ok = std::all_of(preflight.request_headers.begin(), preflight.request_headers.end(),
                                  [&](const std::string& h) { return any_matches(rule.allowed_headers, h, true); });
    if (headers_ok) return &rule;
  }
  return nullptr;
}

const Rule* match_request(const std::vector<Rule>& rules, std::string_view origin, std::string_view method) {
  for (const auto& rule : rules)
    if (origin_allowed(rule, origin) && method_allowed(rule, method)) return &rule;
  return nullptr;
}

void add_preflight_headers(Response& response, const Rule& rule, const Preflight& preflight) {
  add_common(response, rule, preflight.origin);
  if (!preflight.request_headers.empty()) {
    std::vector<std::string> lowered;
    for (const auto& h : preflight.request_headers) lowered.push_back(to_lower(h));
    response.set_header("Access-Control-Allow-Headers", join(lowered));
  }
}

void add_response_headers(Response& response, const Rule& rule, std::string_view origin) {
  add_common(response, rule, origin);
}

}  // namespace http::cors
