// CloudFormation template bodies (CreateStack's TemplateBody): JSON or YAML with the
// short-form tags, then the static checks and the Parameters block with no values given
// (defaults checked against AllowedValues, AllowedPattern, lengths and bounds).
// Input: a template body.
#include "cloudformation/template.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto tmpl = cloudformation::parse_template(fuzz::as_text(data, size));
  if (!tmpl) return 0;
  FUZZ_CHECK(tmpl->is_object());
  if (!cloudformation::validate_template(*tmpl)) return 0;
  (void)cloudformation::parameter_decls(*tmpl);
  cloudformation::Environment env;
  env.stack_name = "fuzz";
  env.ssm_parameter = [](std::string_view) -> std::optional<std::string> { return "value"; };
  (void)cloudformation::resolve_parameters(*tmpl, {}, env);
  return 0;
}
