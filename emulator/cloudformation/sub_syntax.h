// Fn::Sub's string syntax, read in one place for the checks, the dependency walk and the
// evaluator: "${Name}" and "${Resource.Attr}" are variables, "${!Literal}" is the text
// "${Literal}", and a "${" without its "}" is plain text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cloudformation {

struct SubPart {
  bool is_variable = false;
  std::string text;  // the literal text, or the variable's name (without ${ })
};

std::vector<SubPart> split_sub(std::string_view format);

}  // namespace cloudformation
