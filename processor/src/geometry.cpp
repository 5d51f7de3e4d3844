// Geometry of the resize, following sharp so the output matches the original Lambda.
#include <algorithm>

#include "steps.h"

namespace processor::detail {

Shrink resolve_shrink(int width, int height, const Spec& spec) {
  Shrink s{static_cast<double>(width) / spec.width, static_cast<double>(height) / spec.height};
  switch (spec.fit) {
    case Fit::Cover:
    case Fit::Outside:
      s.h = s.v = std::min(s.h, s.v);
      break;
    case Fit::Contain:
    case Fit::Inside:
      s.h = s.v = std::max(s.h, s.v);
      break;
    case Fit::Fill:
      break;
  }
  s.h = std::min(s.h, static_cast<double>(width));
  s.v = std::min(s.v, static_cast<double>(height));
  return s;
}

int jpeg_shrink_on_load(double shrink) {
  int factor = shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
  if (factor > 1 && static_cast<int>(shrink) == factor) factor /= 2;
  return factor;
}

int centre_crop_offset(int outer, int inner) { return std::max(0, (outer - inner + 1) / 2); }

int centre_embed_offset(int outer, int inner) { return std::max(0, (outer - inner) / 2); }

}  // namespace processor::detail
