#include "cloudformation/sub_syntax.h"

namespace cloudformation {

std::vector<SubPart> split_sub(std::string_view format) {
  std::vector<SubPart> parts;
  std::string literal;
  std::size_t i = 0;
  while (i < format.size()) {
    auto open = format.find("${", i);
    if (open == std::string_view::npos) break;
    auto close = format.find('}', open + 2);
    if (close == std::string_view::npos) break;
    literal.append(format.substr(i, open - i));
    auto name = format.substr(open + 2, close - open - 2);
    if (!name.empty() && name.front() == '!') {
      literal.append("${").append(name.substr(1)).append("}");
    } else {
      if (!literal.empty()) parts.push_back({false, std::move(literal)});
      literal.clear();
      // AWS tolerates blanks around the name: "${ AWS::Region }".
      auto first = name.find_first_not_of(" \t");
      auto last = name.find_last_not_of(" \t");
      parts.push_back({true, first == std::string_view::npos
                                 ? std::string()
                                 : std::string(name.substr(first, last - first + 1))});
    }
    i = close + 1;
  }
  literal.append(format.substr(std::min(i, format.size())));
  if (!literal.empty()) parts.push_back({false, std::move(literal)});
  return parts;
}

}  // namespace cloudformation
