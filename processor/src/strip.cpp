// Strip metadata: the output carries pixels only.
#include <string>
#include <vector>

#include "steps.h"

namespace processor::detail {

vips::VImage strip_metadata(vips::VImage image) {
  vips::VImage copy = image.copy();
  char** fields = vips_image_get_fields(copy.get_image());
  std::vector<std::string> names;
  for (char** field = fields; *field != nullptr; ++field) names.emplace_back(*field);
  g_strfreev(fields);
  // Header fields (width, bands, ...) are not metadata; vips_image_remove() skips them.
  for (const std::string& name : names) copy.remove(name.c_str());
  return copy;
}

}  // namespace processor::detail
