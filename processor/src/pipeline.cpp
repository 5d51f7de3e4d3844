// process(): the pipeline, one named step after another.
#include "processor/processor.h"

namespace processor {

std::expected<Image, Error> process(std::string_view, const Spec&) {
  return std::unexpected(Error{ErrorCode::Internal, "process() is not implemented yet"});
}

}  // namespace processor
