#include "auth/sigv4.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "auth/crypto.h"

namespace auth {

namespace {

// AWS's unreserved set, A-Z a-z 0-9 - . _ ~, as a table: this runs for every byte of every
// path and query on the hot path, where std::isalnum's locale lookup shows up in profiles.
constexpr std::array<bool, 256> make_unreserved_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<std::size_t>(c)] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                     c == '-' || c == '.' || c == '_' || c == '~';
  }
  return t;
}
constexpr std::array<bool, 256> kUnreserved = make_unreserved_table();

bool is_unreserved(unsigned char c) { return kUnreserved[c]; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parse exactly `width` decimal digits at s[pos..]; -1 if any is not a digit.
int digits(std::string_view s, std::size_t pos, std::size_t width) {
  if (pos + width > s.size()) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

std::optional<std::chrono::system_clock::time_point> make_time(int y, int mo, int d, int h, int mi, int s) {
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  // The clock counts nanoseconds, which end in April 2262: a later year would overflow, and
  // so would the skew (now - t) of one long before 1970 or an expiry (t + 7 days) in 2262.
  if (!ymd.ok() || y < 1970 || y > 2261 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
}

}  // namespace

std::string uri_encode(std::string_view raw, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto plain = [encode_slash](unsigned char c) { return is_unreserved(c) || (c == '/' && !encode_slash); };
  if (std::all_of(raw.begin(), raw.end(), plain)) return std::string(raw);
  std::string out;
  out.reserve(raw.size() * 3 / 2);
  for (unsigned char c : raw) {
    if (is_unreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  while (true) {
    const std::size_t pct = text.find('%', start);
    out.append(text.substr(start, pct == std::string_view::npos ? std::string_view::npos : pct - start));
    if (pct == std::string_view::npos) return out;
    if (pct + 2 >= text.size()) return std::nullopt;
    const int hi = hex_digit(text[pct + 1]);
    const int lo = hex_digit(text[pct + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
    start = pct + 3;
  }
}

std::optional<std::string> canonical_uri(std::string_view raw_path) {
  if (raw_path.empty()) return std::string("/");
  std::string out;
  out.reserve(raw_path.size() + 8);
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = raw_path.find('/', start);
    const std::string_view segment =
        raw_path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    const auto decoded = percent_decode(segment);
    if (!decoded) return std::nullopt;
    out += uri_encode(*decoded, true);
    if (slash == std::string_view::npos) break;
    out.push_back('/');
    start = slash + 1;
  }
  return out;
}

std::optional<std::string> canonical_query(std::string_view raw_query, std::string_view exclude,
                                           bool plus_is_space) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    const std::size_t amp = std::min(raw_query.find('&', start), raw_query.size());
    const std::string_view item = raw_query.substr(start, amp - start);
    start = amp + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    std::string name(item.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1));
    if (plus_is_space) {
      std::replace(name.begin(), name.end(), '+', ' ');
      std::replace(value.begin(), value.end(), '+', ' ');
    }
    auto decoded_name = percent_decode(name);
    if (!decoded_name) return std::nullopt;
    if (!exclude.empty() && *decoded_name == exclude) continue;
    auto decoded_value = percent_decode(value);
    if (!decoded_value) return std::nullopt;
    params.emplace_back(uri_encode(*decoded_name, true), uri_encode(*decoded_value, true));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string canonical_headers(const HeaderList& headers, const std::vector<std::string>& signed_headers,
                              std::string* missing) {
  std::string out;
  for (const auto& name : signed_headers) {
    std::string joined;
    bool found = false;
    for (const auto& [header_name, header_value] : headers) {
      if (lowercase(header_name) != name) continue;
      if (found) joined.push_back(',');
      joined += canonical_header_value(header_value);
      found = true;
    }
    if (!found && missing != nullptr && missing->empty()) *missing = name;
    out += name;
    out.push_back(':');
    out += joined;
    out.push_back('\n');
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::string_view canonical_headers,
                              std::string_view signed_headers_joined, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() + canonical_headers.size() +
              signed_headers_joined.size() + payload_hash.size() + 8);
  out.append(method).append("\n");
  out.append(canonical_uri).append("\n");
  out.append(canonical_query).append("\n");
  out.append(canonical_headers).append("\n");
  out.append(signed_headers_joined).append("\n");
  out.append(payload_hash);
  return out;
}

std::string credential_scope(std::string_view date, std::string_view region, std::string_view service) {
  std::string out(date);
  out.append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.append("\n").append(amz_date).append("\n").append(scope).append("\n");
  out.append(sha256_hex(canonical_request));
  return out;
}

std::string derive_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                               std::string_view service) {
  const std::string k_date = hmac_sha256("AWS4" + std::string(secret), date);
  const std::string k_region = hmac_sha256(k_date, region);
  const std::string k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

std::string sign(std::string_view signing_key, std::string_view string_to_sign) {
  return to_hex(hmac_sha256(signing_key, string_to_sign));
}

std::string format_amz_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day_point = floor<days>(secs);
  const year_month_day ymd{day_point};
  const hh_mm_ss hms{secs - day_point};
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf.data();
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text) {
  // yyyymmddThhmmssZ
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const int y = digits(text, 0, 4), mo = digits(text, 4, 2), d = digits(text, 6, 2);
  const int h = digits(text, 9, 2), mi = digits(text, 11, 2), s = digits(text, 13, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  return make_time(y, mo, d, h, mi, s);
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  // "Fri, 24 May 2013 00:00:00 GMT", or "+0000" for GMT as S3's SigV2 examples write it.
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const bool gmt = text.size() == 29 && text.substr(25) == " GMT";
  const bool utc = text.size() == 31 && text.substr(25) == " +0000";
  if ((!gmt && !utc) || text[3] != ',') return std::nullopt;
  const int d = digits(text, 5, 2), y = digits(text, 12, 4);
  const int h = digits(text, 17, 2), mi = digits(text, 20, 2), s = digits(text, 23, 2);
  const auto month_it = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (d < 0 || y < 0 || h < 0 || mi < 0 || s < 0 || month_it == kMonths.end()) return std::nullopt;
  if (text[7] != ' ' || text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':')
    return std::nullopt;
  return make_time(y, static_cast<int>(month_it - kMonths.begin()) + 1, d, h, mi, s);
}

}  // namespace auth
