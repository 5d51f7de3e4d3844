// The POST Object policy: the policy document's JSON (base64-encoded here, so the fuzzer
// works on the JSON), its conditions against a form, the content-length-range bounds, and
// the form's signature fields (SigV4 and SigV2).
// Input: the policy JSON; optionally a line "--" followed by form fields, one
// "name: value" per line (the base64 policy is added as the "policy" field).
#include <chrono>

#include "auth/crypto.h"
#include "auth/post_policy.h"
#include "auth/sigv4.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const auto separator = text.find("\n--\n");
  const std::string_view policy_json = text.substr(0, separator);
  const std::string policy_base64 = auth::base64_encode(policy_json);
  const auto now = *auth::parse_amz_date("20200101T000000Z");

  auth::PostFormFields fields;
  if (separator != std::string_view::npos) {
    std::string_view rest = text.substr(separator + 4);
    while (!rest.empty()) {
      auto eol = rest.find('\n');
      auto line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      fields.emplace_back(std::string(line.substr(0, colon)), std::string(fuzz::trim_ows(line.substr(colon + 1))));
    }
  } else {
    fields = {{"key", "uploads/${filename}"}, {"bucket", "uploads"}, {"Content-Type", "image/jpeg"},
              {"x-amz-meta-tag", "v"}, {"success_action_status", "201"}};
  }
  for (auto& [name, value] : fields) value = auth::expand_filename(value, std::string("dir/a.jpg"));
  (void)auth::post_form_value(fields, "key");

  if (auto policy = auth::parse_post_policy(policy_base64)) {
    (void)auth::check_post_policy(*policy, fields, "uploads", now);
    for (std::int64_t length : {std::int64_t{0}, std::int64_t{1024}, std::int64_t{1} << 40})
      (void)auth::check_post_content_length(*policy, length);
    (void)auth::post_max_content_length(*policy);
  }

  fields.emplace_back("policy", policy_base64);
  auto secrets = [](std::string_view key) -> std::optional<auth::Secret> {
    if (key == "AKIAIOSFODNN7EXAMPLE") return auth::Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    return std::nullopt;
  };
  (void)auth::authenticate_post_form(fields, secrets, now);
  return 0;
}
