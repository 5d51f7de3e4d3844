// The stack file (serve --stack): JSON, every section and its validation.
// Input: a stack document.
#include "fuzz_support.h"
#include "stack/stack.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (auto stack = stack::parse_stack(fuzz::as_text(data, size))) {
    for (const auto& credential : stack->credentials) (void)stack->secret_for(credential.access_key);
  }
  return 0;
}
