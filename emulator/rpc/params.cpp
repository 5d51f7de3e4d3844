#include "rpc/params.h"

#include <algorithm>
#include <charconv>

#include "http/message.h"

namespace rpc {

void Params::add_form(std::string_view text) {
  for (auto& item : http::parse_query(text, /*plus_is_space=*/true)) items_.push_back(std::move(item));
}

std::optional<std::string> Params::get(std::string_view name) const {
  for (const auto& [n, v] : items_)
    if (n == name) return v;
  return std::nullopt;
}

std::string Params::get_or(std::string_view name, std::string fallback) const {
  auto value = get(name);
  return value ? std::move(*value) : std::move(fallback);
}

bool Params::has(std::string_view name) const {
  for (const auto& [n, v] : items_) {
    if (n == name) return true;
    if (n.size() > name.size() && n.starts_with(name) && n[name.size()] == '.') return true;
  }
  return false;
}

std::map<long, Params> Params::numbered(std::string_view prefix) const {
  std::map<long, Params> groups;
  for (const auto& [n, v] : items_) {
    if (n.size() <= prefix.size() + 1 || !n.starts_with(prefix) || n[prefix.size()] != '.') continue;
    std::string_view rest = std::string_view(n).substr(prefix.size() + 1);
    const std::size_t dot = rest.find('.');
    const std::string_view digits = rest.substr(0, dot);
    long index = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || index < 1) continue;
    const std::string_view field = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    groups[index].items_.emplace_back(std::string(field), v);
  }
  return groups;
}

std::vector<std::string> Params::list(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [index, group] : numbered(std::string(name) + ".member"))
    if (auto value = group.get("")) out.push_back(std::move(*value));
  return out;
}

std::vector<Params> Params::structs(std::string_view name) const {
  std::vector<Params> out;
  for (auto& [index, group] : numbered(std::string(name) + ".member")) out.push_back(std::move(group));
  return out;
}

std::vector<std::pair<std::string, std::string>> Params::map(std::string_view name, std::string_view key_name,
                                                             std::string_view value_name) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [index, group] : numbered(std::string(name) + ".entry")) {
    auto key = group.get(key_name);
    if (key) out.emplace_back(std::move(*key), group.get_or(value_name));
  }
  return out;
}

Params Params::member(std::string_view name) const {
  Params out;
  for (const auto& [n, v] : items_)
    if (n.size() > name.size() + 1 && n.starts_with(name) && n[name.size()] == '.')
      out.items_.emplace_back(n.substr(name.size() + 1), v);
  return out;
}

}  // namespace rpc
