#include "rpc/service.h"

#include <cctype>
#include <charconv>

namespace rpc {
namespace {

// "RoleArn" -> "roleArn": AWS's validation messages name members in lower camel case.
std::string lower_camel(std::string_view member) {
  std::string out(member);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

core::Error wrong_type(std::string_view member, std::string_view expected) {
  return core::make_error(core::ErrorCode::SerializationException,
                          "Unexpected value type for member " + std::string(member) + ": expected " +
                              std::string(expected) + ".");
}

}  // namespace

core::Error Call::invalid(std::string message) const {
  return core::make_error(
      protocol == Protocol::Json ? core::ErrorCode::ValidationException : core::ErrorCode::ValidationError,
      std::move(message));
}

core::Error Call::missing(std::string_view member) const {
  return invalid("1 validation error detected: Value null at '" + lower_camel(member) +
                 "' failed to satisfy constraint: Member must not be null");
}

core::Error Call::violation(std::string_view member, std::string_view value, std::string_view constraint) const {
  return invalid("1 validation error detected: Value '" + std::string(value) + "' at '" + lower_camel(member) +
                 "' failed to satisfy constraint: " + std::string(constraint));
}

core::Result<std::optional<std::string>> Call::string(std::string_view member) const {
  if (protocol == Protocol::Query) return params.get(member);
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return std::unexpected(wrong_type(member, "a string"));
  return std::optional<std::string>{it->get<std::string>()};
}

core::Result<std::string> Call::required_string(std::string_view member) const {
  auto value = string(member);
  if (!value) return std::unexpected(value.error());
  if (!*value) return std::unexpected(missing(member));
  return std::move(**value);
}

core::Result<std::optional<std::int64_t>> Call::integer(std::string_view member) const {
  if (protocol == Protocol::Query) {
    auto text = params.get(member);
    if (!text) return std::optional<std::int64_t>{};
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc() || end != text->data() + text->size())
      return std::unexpected(violation(member, *text, "Member must be a number"));
    return std::optional<std::int64_t>{value};
  }
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) return std::optional<std::int64_t>{};
  if (it->is_number_integer()) return std::optional<std::int64_t>{it->get<std::int64_t>()};
  if (it->is_number_float() && it->get<double>() == static_cast<double>(static_cast<std::int64_t>(it->get<double>())))
    return std::optional<std::int64_t>{static_cast<std::int64_t>(it->get<double>())};
  return std::unexpected(wrong_type(member, "an integer"));
}

core::Result<std::optional<bool>> Call::boolean(std::string_view member) const {
  if (protocol == Protocol::Query) {
    auto text = params.get(member);
    if (!text) return std::optional<bool>{};
    if (*text == "true") return std::optional<bool>{true};
    if (*text == "false") return std::optional<bool>{false};
    return std::unexpected(violation(member, *text, "Member must be true or false"));
  }
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) return std::optional<bool>{};
  if (!it->is_boolean()) return std::unexpected(wrong_type(member, "a boolean"));
  return std::optional<bool>{it->get<bool>()};
}

}  // namespace rpc
