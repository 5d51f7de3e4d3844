#include "auth/post_policy.h"

#include <nlohmann/json.hpp>

#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "http/message.h"

namespace auth {
namespace {

using http::iequals;
using http::to_lower;
using Json = nlohmann::json;
using core::ErrorCode;
using Clock = std::chrono::system_clock;

core::Error invalid_policy(std::string_view reason) {
  return core::make_error(ErrorCode::InvalidPolicyDocument, "Invalid Policy: " + std::string(reason));
}

core::Error denied_by_policy(std::string_view reason) {
  return core::make_error(ErrorCode::AccessDenied, "Invalid according to Policy: " + std::string(reason));
}

core::Error missing_field(std::string_view name) {
  auto e = core::make_error(ErrorCode::InvalidArgument,
                          "Bucket POST must contain a field named '" + std::string(name) +
                              "'.  If it is specified, please check the order of the fields.");
  e.details.emplace_back("ArgumentName", std::string(name));
  e.details.emplace_back("ArgumentValue", "");
  return e;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

int digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// "2007-12-01T12:00:00.000Z" or without the fraction (botocore, aws-sdk-js). UTC only: S3
// refuses an offset and a space for the 'T'.
std::optional<Clock::time_point> parse_expiration(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s.back() != 'Z')
    return std::nullopt;
  int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  int h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::chrono::milliseconds fraction{0};
  std::string_view rest = s.substr(19, s.size() - 20);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2) return std::nullopt;
    int scale = 100;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      fraction += std::chrono::milliseconds((c - '0') * scale);
      scale /= 10;
    }
  }
  std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                   std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  // In milliseconds first: the clock's nanoseconds only reach the years 1678-2261, and a
  // policy may say 9999. Past either end it never expires, or always has.
  const std::chrono::milliseconds since_epoch = std::chrono::sys_days(date).time_since_epoch() + std::chrono::hours(h) +
                                                std::chrono::minutes(mi) + std::chrono::seconds(sec) + fraction;
  constexpr auto kLatest = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max().time_since_epoch());
  constexpr auto kEarliest = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::min().time_since_epoch());
  if (since_epoch >= kLatest) return Clock::time_point::max();
  if (since_epoch <= kEarliest) return Clock::time_point::min();
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(since_epoch));
}

// A content-length-range bound: a non-negative integer, or a string of digits (S3 accepts
// ["content-length-range", "5", "10"]); any other string makes the condition fail.
core::Result<std::optional<std::int64_t>> length_bound(const Json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      auto v = value.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::unexpected(invalid_policy("Invalid JSON."));
      return static_cast<std::int64_t>(v);
    }
    auto v = value.get<std::int64_t>();
    if (v < 0) return std::unexpected(invalid_policy("Invalid content-length-range: bounds must not be negative."));
    return v;
  }
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.empty() || s.size() > 18) return std::optional<std::int64_t>{};
    std::int64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::optional<std::int64_t>{};
      v = v * 10 + (c - '0');
    }
    return v;
  }
  return std::unexpected(invalid_policy("Invalid JSON."));  // floats, booleans, null, ...
}

std::string quote_condition(const std::vector<std::string>& elements) {
  std::string out = "[";
  for (std::size_t i = 0; i < elements.size(); ++i) out += (i ? ", " : "") + elements[i];
  return out + "]";
}

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

// "$key" -> "key"; a name without '$' names no field (the condition then fails, as on S3).
std::string condition_field(std::string_view name) {
  return starts_with(name, "$") ? to_lower(name.substr(1)) : std::string{};
}

core::Result<PostPolicyCondition> parse_condition(const Json& item) {
  PostPolicyCondition c;
  if (item.is_object()) {
    if (item.size() != 1)
      return std::unexpected(
          invalid_policy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."));
    auto only = item.begin();
    const std::string& name = only.key();
    const Json& value = only.value();
    if (value.is_null()) return std::unexpected(invalid_policy("Invalid JSON."));
    if (!value.is_string()) return std::unexpected(invalid_policy("Invalid Simple-Condition: value must be a string."));
    c.kind = PostPolicyCondition::Kind::Equals;
    c.field = to_lower(name);
    c.value = value.get<std::string>();
    c.text = quote_condition({"\"eq\"", dump("$" + name), dump(value)});
    return c;
  }
  if (!item.is_array()) return std::unexpected(invalid_policy("Invalid condition test: must be a List or Object."));
  if (item.empty() || !item[0].is_string())
    return std::unexpected(invalid_policy("Invalid Condition: missing operation identifier."));
  const std::string op = item[0].get<std::string>();
  std::vector<std::string> elements;
  for (const auto& element : item) elements.push_back(dump(element));
  c.text = quote_condition(elements);
  if (iequals(op, "content-length-range")) {
    if (item.size() != 3) return std::unexpected(invalid_policy("Invalid content-length-range: wrong number of arguments."));
    c.kind = PostPolicyCondition::Kind::ContentLengthRange;
    auto min = length_bound(item[1]);
    if (!min) return std::unexpected(min.error());
    auto max = length_bound(item[2]);
    if (!max) return std::unexpected(max.error());
    c.min = *min;
    c.max = *max;
    return c;
  }
  if (iequals(op, "eq")) c.kind = PostPolicyCondition::Kind::Equals;
  else if (iequals(op, "starts-with")) c.kind = PostPolicyCondition::Kind::StartsWith;
  else return std::unexpected(invalid_policy("Invalid Condition: unknown operation '" + op + "'."));
  if (item.size() != 3) return std::unexpected(invalid_policy("Invalid " + op + ": wrong number of arguments."));
  if (!item[1].is_string() || !item[2].is_string()) return std::unexpected(invalid_policy("Invalid JSON."));
  c.field = condition_field(item[1].get_ref<const std::string&>());
  c.value = item[2].get<std::string>();
  return c;
}

// starts-with on Content-Type treats a comma-separated value as a list: every entry must
// start with the prefix ("image/jpg,image/png" passes "image/", "image/jpg,text/plain" does
// not). Every other field is one string, commas included.
bool starts_with_condition_holds(const PostPolicyCondition& c, std::string_view value) {
  if (c.field != "content-type") return starts_with(value, c.value);
  while (true) {
    auto comma = value.find(',');
    std::string_view entry = value.substr(0, comma);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    if (!starts_with(entry, c.value)) return false;
    if (comma == std::string_view::npos) return true;
    value = value.substr(comma + 1);
  }
}

// Fields no condition needs to name.
bool exempt_from_conditions(std::string_view name) {
  for (std::string_view exempt : {"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"})
    if (iequals(name, exempt)) return true;
  return name.size() >= 9 && iequals(name.substr(0, 9), "x-ignore-");
}

// ---- Signatures ---------------------------------------------------------------------------

core::Error signature_mismatch(std::string_view access_key, std::string_view policy, std::string_view provided) {
  auto e = core::make_error(ErrorCode::SignatureDoesNotMatch,
                          "The request signature we calculated does not match the signature you provided. "
                          "Check your key and signing method.");
  e.details.emplace_back("AWSAccessKeyId", std::string(access_key));
  e.details.emplace_back("StringToSign", std::string(policy));
  e.details.emplace_back("SignatureProvided", std::string(provided));
  e.details.emplace_back("StringToSignBytes", to_spaced_hex(policy));
  return e;
}

core::Error unknown_key(std::string_view access_key) {
  auto e = core::make_error(ErrorCode::InvalidAccessKeyId);
  e.details.emplace_back("AWSAccessKeyId", std::string(access_key));
  return e;
}

core::Error invalid_argument(std::string message, std::string_view name, std::string_view value) {
  auto e = core::make_error(ErrorCode::InvalidArgument, std::move(message));
  e.details.emplace_back("ArgumentName", std::string(name));
  e.details.emplace_back("ArgumentValue", std::string(value));
  return e;
}

// SigV4: hex HMAC-SHA256 of the policy text under the signing key of the credential's scope.
core::Result<std::string> verify_v4(const PostFormFields& fields, const SecretLookup& secrets,
                                    std::optional<Secret>& secret) {
  auto algorithm = post_form_value(fields, "x-amz-algorithm");
  if (!algorithm) return std::unexpected(missing_field("X-Amz-Algorithm"));
  auto credential_text = post_form_value(fields, "x-amz-credential");
  if (!credential_text) return std::unexpected(missing_field("X-Amz-Credential"));
  auto amz_date = post_form_value(fields, "x-amz-date");
  if (!amz_date) return std::unexpected(missing_field("X-Amz-Date"));
  auto signature = post_form_value(fields, "x-amz-signature");
  if (!signature) return std::unexpected(missing_field("X-Amz-Signature"));
  auto policy = post_form_value(fields, "policy");
  if (!policy) return std::unexpected(missing_field("Policy"));

  if (*algorithm != kAlgorithm)
    return std::unexpected(core::make_error(ErrorCode::InvalidRequest,
                                          "The authorization mechanism you have provided is not supported. Please "
                                          "use AWS4-HMAC-SHA256."));
  auto credential = parse_credential(*credential_text, ErrorCode::InvalidArgument, "");
  if (!credential) {
    auto e = credential.error();
    e.details.emplace_back("ArgumentName", "X-Amz-Credential");
    e.details.emplace_back("ArgumentValue", *credential_text);
    return std::unexpected(e);
  }
  if (!parse_amz_date(*amz_date))
    return std::unexpected(
        invalid_argument("X-Amz-Date must be formated via ISO8601 Long format", "X-Amz-Date", *amz_date));
  secret = secrets(credential->access_key);
  if (!secret) return std::unexpected(unknown_key(credential->access_key));
  const std::string key =
      derive_signing_key(secret->secret_key, credential->date, credential->region, credential->service);
  if (!constant_time_equal(sign(key, *policy), to_lower(*signature)))
    return std::unexpected(signature_mismatch(credential->access_key, *policy, *signature));
  return credential->access_key;
}

// SigV2: base64 HMAC-SHA1 of the policy text under the secret itself.
core::Result<std::string> verify_v2(const PostFormFields& fields, const SecretLookup& secrets,
                                    std::optional<Secret>& secret) {
  auto access_key = post_form_value(fields, "awsaccesskeyid");
  if (!access_key) return std::unexpected(missing_field("AWSAccessKeyId"));
  auto signature = post_form_value(fields, "signature");
  if (!signature) return std::unexpected(missing_field("Signature"));
  auto policy = post_form_value(fields, "policy");
  if (!policy) return std::unexpected(missing_field("Policy"));
  secret = secrets(*access_key);
  if (!secret) return std::unexpected(unknown_key(*access_key));
  if (!constant_time_equal(base64_encode(hmac_sha1(secret->secret_key, *policy)), *signature))
    return std::unexpected(signature_mismatch(*access_key, *policy, *signature));
  return *access_key;
}

}  // namespace

std::optional<std::string> post_form_value(const PostFormFields& fields, std::string_view name) {
  std::optional<std::string> value;
  for (const auto& [field, field_value] : fields) {
    if (!iequals(field, name)) continue;
    if (value) *value += "," + field_value;
    else value = field_value;
  }
  return value;
}

std::string expand_filename(std::string_view value, const std::optional<std::string>& filename) {
  static constexpr std::string_view kVariable = "${filename}";
  if (!filename || value.find(kVariable) == std::string_view::npos) return std::string(value);
  std::string_view base = *filename;
  if (auto slash = base.find_last_of("/\\"); slash != std::string_view::npos) base = base.substr(slash + 1);
  std::string out;
  while (true) {
    auto at = value.find(kVariable);
    out += value.substr(0, at);
    if (at == std::string_view::npos) return out;
    out += base;
    value = value.substr(at + kVariable.size());
  }
}

core::Result<PostPolicy> parse_post_policy(std::string_view policy_base64) {
  // Clients may wrap long base64 lines; the signature covers the text as sent, the JSON
  // is what it encodes.
  std::string compact;
  for (char c : policy_base64)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') compact.push_back(c);
  auto text = base64_decode(compact);
  if (!text) return std::unexpected(invalid_policy("invalid Base64 encoding."));
  Json doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::unexpected(invalid_policy("Invalid JSON."));
  for (const auto& [name, value] : doc.items()) {
    if (name != "expiration" && name != "conditions")
      return std::unexpected(invalid_policy("Unexpected: '" + to_lower(name) + "'"));
  }
  if (!doc.contains("expiration")) return std::unexpected(invalid_policy("Policy missing expiration."));
  if (!doc.contains("conditions")) return std::unexpected(invalid_policy("Policy missing conditions."));
  const Json& expiration = doc["expiration"];
  std::optional<Clock::time_point> expires;
  if (expiration.is_string()) expires = parse_expiration(expiration.get_ref<const std::string&>());
  if (!expires) {
    std::string shown = expiration.is_string() ? expiration.get<std::string>() : dump(expiration);
    return std::unexpected(invalid_policy("Invalid 'expiration' value: '" + shown + "'"));
  }
  const Json& conditions = doc["conditions"];
  if (!conditions.is_array()) return std::unexpected(invalid_policy("Invalid 'conditions' value: must be a List."));
  PostPolicy policy;
  policy.expiration = *expires;
  for (const auto& item : conditions) {
    auto condition = parse_condition(item);
    if (!condition) return std::unexpected(condition.error());
    policy.conditions.push_back(std::move(*condition));
  }
  return policy;
}

core::Result<void> check_post_policy(const PostPolicy& policy, const PostFormFields& fields, std::string_view bucket,
                                   Clock::time_point now) {
  if (now > policy.expiration) return std::unexpected(denied_by_policy("Policy expired."));
  for (const auto& c : policy.conditions) {
    bool holds = false;
    if (c.kind == PostPolicyCondition::Kind::ContentLengthRange) {
      holds = c.min && c.max;  // the size itself is checked once the file is read
    } else {
      // The bucket is the one addressed; a "bucket" form field does not change it.
      std::optional<std::string> value =
          c.field == "bucket" ? std::optional<std::string>(bucket) : post_form_value(fields, c.field);
      if (!c.field.empty() && value) {
        holds = c.kind == PostPolicyCondition::Kind::Equals ? *value == c.value : starts_with_condition_holds(c, *value);
      }
    }
    if (!holds) return std::unexpected(denied_by_policy("Policy Condition failed: " + c.text));
  }
  for (const auto& [name, value] : fields) {
    if (exempt_from_conditions(name)) continue;
    bool named = false;
    for (const auto& c : policy.conditions) named = named || (!c.field.empty() && iequals(c.field, name));
    if (!named) return std::unexpected(denied_by_policy("Extra input fields: " + name));
  }
  return {};
}

core::Result<void> check_post_content_length(const PostPolicy& policy, std::int64_t size) {
  for (const auto& c : policy.conditions) {
    if (c.kind != PostPolicyCondition::Kind::ContentLengthRange || !c.min || !c.max) continue;
    if (size > *c.max) {
      auto e = core::make_error(ErrorCode::EntityTooLarge, "Your proposed upload exceeds the maximum allowed size");
      e.details.emplace_back("ProposedSize", std::to_string(size));
      e.details.emplace_back("MaxSizeAllowed", std::to_string(*c.max));
      return std::unexpected(e);
    }
    if (size < *c.min) {
      auto e = core::make_error(ErrorCode::EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size");
      e.details.emplace_back("ProposedSize", std::to_string(size));
      e.details.emplace_back("MinSizeAllowed", std::to_string(*c.min));
      return std::unexpected(e);
    }
  }
  return {};
}

std::optional<std::int64_t> post_max_content_length(const PostPolicy& policy) {
  std::optional<std::int64_t> smallest;
  for (const auto& c : policy.conditions) {
    if (c.kind == PostPolicyCondition::Kind::ContentLengthRange && c.max && (!smallest || *c.max < *smallest))
      smallest = c.max;
  }
  return smallest;
}

core::Result<PostAuthorization> authenticate_post_form(const PostFormFields& fields, const SecretLookup& secrets,
                                                       std::chrono::system_clock::time_point now) {
  auto has = [&](std::string_view name) { return post_form_value(fields, name).has_value(); };
  bool v4 = has("x-amz-algorithm") || has("x-amz-credential") || has("x-amz-signature") || has("x-amz-date");
  bool v2 = has("awsaccesskeyid") || has("signature");
  // Without signature fields the form is anonymous, a policy notwithstanding (S3 answers
  // such a form on a private bucket with AccessDenied).
  if (!v4 && !v2) return PostAuthorization{};
  std::optional<Secret> secret;
  auto access_key = v4 ? verify_v4(fields, secrets, secret) : verify_v2(fields, secrets, secret);
  if (!access_key) return std::unexpected(access_key.error());
  if (auto ok = check_session_token(*secret, post_form_value(fields, "x-amz-security-token"), now); !ok)
    return std::unexpected(ok.error());
  auto policy = parse_post_policy(*post_form_value(fields, "policy"));
  if (!policy) return std::unexpected(policy.error());
  return PostAuthorization{false, std::move(*access_key), std::move(*policy)};
}

}  // namespace auth
