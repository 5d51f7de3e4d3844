#include "cloudformation/names.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace cloudformation {

std::string random_string(std::size_t length, std::string_view alphabet) {
  std::vector<unsigned char> bytes(length);
  if (length && RAND_bytes(bytes.data(), static_cast<int>(length)) != 1)
    throw std::runtime_error("OpenSSL's random generator failed");
  std::string out(length, '\0');
  // Modulo bias over a 36-letter alphabet is irrelevant for names that only need to differ.
  for (std::size_t i = 0; i < length; ++i) out[i] = alphabet[bytes[i] % alphabet.size()];
  return out;
}

std::string random_upper(std::size_t length, std::string prefix) {
  prefix += random_string(length, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
  return prefix;
}
std::string random_lower(std::size_t length, std::string prefix) {
  prefix += random_string(length, "abcdefghijklmnopqrstuvwxyz0123456789");
  return prefix;
}

std::string random_uuid() {
  std::string hex = random_string(32, "0123456789abcdef");
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string generated_name(std::string_view stack_name, std::string_view logical_id, std::size_t max_length,
                           bool lower_case) {
  std::string suffix = lower_case ? random_lower(13) : random_upper(13);
  // Room for "<stack>-<logical>-": shorten both halves evenly, as CloudFormation does.
  std::size_t room = max_length > suffix.size() + 2 ? max_length - suffix.size() - 2 : 0;
  std::string stack(stack_name), logical(logical_id);
  while (stack.size() + logical.size() > room) {
    if (stack.size() >= logical.size()) stack.pop_back();
    else logical.pop_back();
  }
  std::string name = stack + "-" + logical + "-" + suffix;
  if (lower_case) std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

std::string stack_arn(std::string_view region, std::string_view stack_name) {
  return "arn:aws:cloudformation:" + std::string(region) + ":000000000000:stack/" + std::string(stack_name) + "/" +
         random_uuid();
}

std::string change_set_arn(std::string_view region, std::string_view change_set_name) {
  return "arn:aws:cloudformation:" + std::string(region) + ":000000000000:changeSet/" + std::string(change_set_name) +
         "/" + random_uuid();
}

bool is_arn(std::string_view text) { return text.starts_with("arn:"); }

std::string name_from_arn(std::string_view name_or_arn) {
  if (!is_arn(name_or_arn)) return std::string(name_or_arn);
  // ...:stack/<name>/<uuid>
  auto slash = name_or_arn.find('/');
  if (slash == std::string_view::npos) return std::string(name_or_arn);
  auto rest = name_or_arn.substr(slash + 1);
  return std::string(rest.substr(0, rest.find('/')));
}

}  // namespace cloudformation
