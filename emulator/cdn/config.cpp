#include "cdn/config.h"

#include <nlohmann/json.hpp>

#include <set>

#include "stack/json_fields.h"

namespace cdn {
namespace {

using nlohmann::json;
using Error = std::unexpected<std::string>;
using stack::only_keys;

// Reads an optional field of type T into `out`; a wrong type is an error.
template <typename T>
std::expected<void, std::string> read(const json& object, const char* name, const std::string& where, T& out) {
  auto it = object.find(name);
  if (it == object.end()) return {};
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return Error(where + ": \"" + name + "\" must be a string");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return Error(where + ": \"" + name + "\" must be true or false");
  } else {
    if (!it->is_number_integer()) return Error(where + ": \"" + name + "\" must be an integer");
    if (it->template get<std::int64_t>() < 0) return Error(where + ": \"" + name + "\" must not be negative");
  }
  out = it->template get<T>();
  return {};
}

#define MC_TRY(expr)                                 \
  do {                                               \
    if (auto ok_ = (expr); !ok_) return Error(ok_.error()); \
  } while (0)

std::expected<Behavior, std::string> parse_behavior(const json& b, const std::string& where, bool needs_pattern) {
  std::set<std::string> keys{"cache_policy", "compress", "response_headers_policy"};
  if (needs_pattern) keys.insert("path_pattern");
  MC_TRY(only_keys(b, keys, where));
  Behavior behavior;
  if (needs_pattern) {
    if (!b.contains("path_pattern")) return Error(where + ": \"path_pattern\" is required");
    MC_TRY(read(b, "path_pattern", where, behavior.path_pattern));
    if (behavior.path_pattern.empty()) return Error(where + ": \"path_pattern\" must not be empty");
  }
  MC_TRY(read(b, "compress", where, behavior.compress));
  MC_TRY(read(b, "response_headers_policy", where, behavior.response_headers_policy));
  if (behavior.response_headers_policy != "SimpleCORS" && behavior.response_headers_policy != "None")
    return Error(where + ": \"response_headers_policy\" must be SimpleCORS or None");
  if (b.contains("cache_policy")) {
    const auto& p = b["cache_policy"];
    std::string pw = where + ".cache_policy";
    MC_TRY(only_keys(p, {"min_ttl", "default_ttl", "max_ttl", "query_strings"}, pw));
    auto& policy = behavior.cache_policy;
    MC_TRY(read(p, "min_ttl", pw, policy.min_ttl));
    MC_TRY(read(p, "default_ttl", pw, policy.default_ttl));
    MC_TRY(read(p, "max_ttl", pw, policy.max_ttl));
    MC_TRY(read(p, "query_strings", pw, policy.query_strings));
    // CloudFront's rule for cache policies: MinTTL <= DefaultTTL <= MaxTTL.
    if (!(policy.min_ttl <= policy.default_ttl && policy.default_ttl <= policy.max_ttl))
      return Error(pw + ": needs min_ttl <= default_ttl <= max_ttl");
  }
  return behavior;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool path_matches(std::string_view pattern, std::string_view path) {
  std::string normalized;
  if (!pattern.starts_with('/') && !pattern.starts_with('*')) {
    normalized = std::string("/") + std::string(pattern);
    pattern = normalized;
  }
  // Iterative glob with single-star backtracking: linear in practice, no recursion.
  std::size_t p = 0, s = 0, star = std::string_view::npos, resume = 0;
  while (s < path.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == path[s])) {
      ++p;
      ++s;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const Behavior& Distribution::behavior_for(std::string_view path) const {
  for (const auto& b : behaviors)
    if (path_matches(b.path_pattern, path)) return b;
  return default_behavior;
}

const CustomErrorResponse* Distribution::error_response_for(int status) const {
  for (const auto& e : custom_error_responses)
    if (e.error_code == status) return &e;
  return nullptr;
}

std::string Distribution::origin_key(std::string_view path) const {
  std::string key = origin_path.empty() ? std::string{} : origin_path.substr(1) + "/";
  if (path.starts_with('/')) path.remove_prefix(1);
  return key + std::string(path);
}

std::expected<std::vector<Distribution>, std::string> parse_distributions(const json& section) {
  if (!section.is_array()) return Error("stack: \"distributions\" must be an array");
  std::vector<Distribution> out;
  std::set<std::string> ids, hosts;
  for (std::size_t i = 0; i < section.size(); ++i) {
    const auto& d = section[i];
    std::string where = std::string("stack.distributions[") + std::to_string(i) + "]";
    MC_TRY(only_keys(d, {"id", "domain", "aliases", "origin", "default_root_object", "default_behavior", "behaviors",
                         "custom_error_responses", "port", "cache_bytes"},
                     where));
    Distribution dist;
    if (!d.contains("id")) return Error(where + ": \"id\" is required");
    MC_TRY(read(d, "id", where, dist.id));
    if (!valid_id(dist.id)) return Error(where + ": \"id\" must be 1-32 upper-case letters and digits (E1MINICLOUD)");
    if (!ids.insert(dist.id).second) return Error(where + ": duplicate id " + dist.id);
    dist.domain = lower(dist.id) + ".cloudfront.localhost";
    MC_TRY(read(d, "domain", where, dist.domain));
    dist.domain = lower(dist.domain);
    if (d.contains("aliases")) {
      if (!d["aliases"].is_array()) return Error(where + ": \"aliases\" must be an array of host names");
      for (const auto& a : d["aliases"]) {
        if (!a.is_string() || a.get<std::string>().empty())
          return Error(where + ": \"aliases\" must be an array of host names");
        dist.aliases.push_back(lower(a.get<std::string>()));
      }
    }
    for (const auto& host : dist.aliases)
      if (!hosts.insert(host).second) return Error(where + ": host " + host + " is used twice");
    if (!hosts.insert(dist.domain).second) return Error(where + ": host " + dist.domain + " is used twice");

    if (!d.contains("origin")) return Error(where + ": \"origin\" is required");
    std::string ow = where + ".origin";
    MC_TRY(only_keys(d["origin"], {"bucket", "path"}, ow));
    if (!d["origin"].contains("bucket")) return Error(ow + ": \"bucket\" is required");
    MC_TRY(read(d["origin"], "bucket", ow, dist.origin_bucket));
    MC_TRY(read(d["origin"], "path", ow, dist.origin_path));
    while (dist.origin_path.ends_with('/')) dist.origin_path.pop_back();
    if (!dist.origin_path.empty() && !dist.origin_path.starts_with('/'))
      return Error(ow + ": \"path\" must start with '/'");

    MC_TRY(read(d, "default_root_object", where, dist.default_root_object));
    if (dist.default_root_object.starts_with('/'))
      return Error(where + ": \"default_root_object\" is a key without a leading '/' (index.html)");
    if (d.contains("default_behavior")) {
      auto b = parse_behavior(d["default_behavior"], where + ".default_behavior", false);
      if (!b) return Error(b.error());
      dist.default_behavior = *b;
    }
    if (d.contains("behaviors")) {
      if (!d["behaviors"].is_array()) return Error(where + ": \"behaviors\" must be an array");
      for (std::size_t j = 0; j < d["behaviors"].size(); ++j) {
        auto b = parse_behavior(d["behaviors"][j], where + ".behaviors[" + std::to_string(j) + "]", true);
        if (!b) return Error(b.error());
        dist.behaviors.push_back(*b);
      }
    }
    if (d.contains("custom_error_responses")) {
      if (!d["custom_error_responses"].is_array()) return Error(where + ": \"custom_error_responses\" must be an array");
      for (std::size_t j = 0; j < d["custom_error_responses"].size(); ++j) {
        const auto& e = d["custom_error_responses"][j];
        std::string ew = where + ".custom_error_responses[" + std::to_string(j) + "]";
        MC_TRY(only_keys(e, {"error_code", "response_page_path", "response_code", "error_caching_min_ttl"}, ew));
        CustomErrorResponse r;
        std::int64_t code = 0, response_code = 0;
        if (!e.contains("error_code")) return Error(ew + ": \"error_code\" is required");
        MC_TRY(read(e, "error_code", ew, code));
        MC_TRY(read(e, "response_code", ew, response_code));
        MC_TRY(read(e, "response_page_path", ew, r.response_page_path));
        MC_TRY(read(e, "error_caching_min_ttl", ew, r.error_caching_min_ttl));
        if (code < 400 || code > 599) return Error(ew + ": \"error_code\" must be a 4xx or 5xx status");
        if (response_code != 0 && (response_code < 200 || response_code > 599))
          return Error(ew + ": \"response_code\" must be an HTTP status");
        if (!r.response_page_path.empty() && !r.response_page_path.starts_with('/'))
          return Error(ew + ": \"response_page_path\" must start with '/'");
        r.error_code = static_cast<int>(code);
        r.response_code = static_cast<int>(response_code);
        dist.custom_error_responses.push_back(r);
      }
    }
    if (d.contains("port")) {
      std::int64_t port = 0;
      MC_TRY(read(d, "port", where, port));
      if (port > 65535) return Error(where + ": \"port\" must be 0..65535");
      dist.port = static_cast<int>(port);
    }
    MC_TRY(read(d, "cache_bytes", where, dist.cache_bytes));
    out.push_back(std::move(dist));
  }
  return out;
}

Distribution default_distribution(std::string origin_bucket) {
  Distribution dist;
  dist.id = "E1MINICLOUD";
  dist.domain = "e1minicloud.cloudfront.localhost";
  dist.aliases = {"assets.localhost"};
  dist.origin_bucket = std::move(origin_bucket);
  return dist;
}

}  // namespace cdn
