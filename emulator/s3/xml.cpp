#include "s3/xml.h"

namespace s3::xml {

std::string error_body(const S3Error& error, std::string_view request_id, std::string_view host_id) {
  Document doc("Error", nullptr);
  auto root = doc.root();
  add(root, "Code", error.code_name());
  add(root, "Message", error.effective_message());
  for (const auto& [name, value] : error.details) add(root, name.c_str(), value);
  if (!error.resource.empty()) add(root, "Resource", error.resource);
  add(root, "RequestId", request_id);
  add(root, "HostId", host_id);
  return doc.str();
}

}  // namespace s3::xml
