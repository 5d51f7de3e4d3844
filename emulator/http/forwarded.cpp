#include "http/forwarded.h"

namespace http {
namespace {

std::string_view first_value(std::string_view list) { return trim(list.substr(0, list.find(','))); }

}  // namespace

bool is_valid_authority(std::string_view authority) {
  if (authority.empty() || authority.size() > 255) return false;
  for (char c : authority) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

void apply_forwarded_headers(Request& request) {
  if (auto forwarded_host = request.header("X-Forwarded-Host")) {
    std::string host(first_value(*forwarded_host));
    if (is_valid_authority(host)) {
      std::erase_if(request.headers, [](const auto& header) { return iequals(header.first, "Host"); });
      request.headers.emplace_back("Host", std::move(host));
    }
  }
  if (auto forwarded_proto = request.header("X-Forwarded-Proto")) {
    std::string proto = to_lower(first_value(*forwarded_proto));
    if (proto == "http" || proto == "https") request.scheme = proto;
  }
}

}  // namespace http
