// rpc::Params: the parameters of a query-protocol request (awsQuery: CloudFormation, STS,
// IAM, SNS), a flat list of decoded name=value pairs from the form-urlencoded body and the
// URL's query. Nested shapes follow AWS's naming:
//   list     Capabilities.member.1=CAPABILITY_IAM&Capabilities.member.2=...
//            (an empty list is sent as "Capabilities=")
//   structs  Parameters.member.1.ParameterKey=K&Parameters.member.1.ParameterValue=V
//   map      Attributes.entry.1.key=K&Attributes.entry.1.value=V
//   struct   Config.Name=x&Config.Size=2
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rpc {

class Params {
 public:
  using Items = std::vector<std::pair<std::string, std::string>>;

  Params() = default;
  explicit Params(Items items) : items_(std::move(items)) {}

  // Appends the pairs of application/x-www-form-urlencoded text: split on '&', "name=value"
  // (a name without '=' has an empty value), '+' is a space, %XX decoded (a malformed
  // escape is kept as written). Empty pieces ("a=1&&b=2") are skipped.
  void add_form(std::string_view text);

  // The first value of `name`: a repeated name keeps the value it was first given.
  std::optional<std::string> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string fallback = {}) const;
  // True when `name` itself or anything under "name." was sent: tells an absent list from
  // an empty one ("Tags=").
  bool has(std::string_view name) const;

  // name.member.N in increasing N (N = 1, 2, ...; a gap is skipped, a repeated N keeps its
  // first value, a non-numeric N is ignored).
  std::vector<std::string> list(std::string_view name) const;
  // name.member.N.* as one Params per N, in increasing N, with names relative to the
  // member ("ParameterKey").
  std::vector<Params> structs(std::string_view name) const;
  // name.entry.N.<key_name> / .<value_name>, in increasing N; entries without a key are
  // skipped, a missing value is "".
  std::vector<std::pair<std::string, std::string>> map(std::string_view name, std::string_view key_name = "key",
                                                       std::string_view value_name = "value") const;
  // Everything under "name." with that prefix removed (a nested structure).
  Params member(std::string_view name) const;

  const Items& items() const { return items_; }

 private:
  // Items named "<prefix>.<N>" or "<prefix>.<N>.<rest>", grouped by N; each group holds
  // ("", value) for the former and (rest, value) for the latter.
  std::map<long, Params> numbered(std::string_view prefix) const;

  Items items_;
};

}  // namespace rpc
