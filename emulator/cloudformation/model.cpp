#include "cloudformation/model.h"

namespace cloudformation {

bool is_settled(const std::string& status) {
  return status == "REVIEW_IN_PROGRESS" || !status.ends_with("_IN_PROGRESS");
}

bool is_live(const std::string& status) {
  return status != "DELETE_COMPLETE" && status != "REVIEW_IN_PROGRESS";
}

}  // namespace cloudformation
