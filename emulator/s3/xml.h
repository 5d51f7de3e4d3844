// S3's XML wire format: the generic builder and reader are core/xml.h; S3 adds its
// namespace as the default and its error body.
#pragma once

#include <string>
#include <string_view>

#include "core/xml.h"
#include "s3/error.h"

namespace s3::xml {

inline constexpr const char* kNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// A response document in S3's namespace unless told otherwise.
class Document : public core::xml::Document {
 public:
  explicit Document(const char* root_name, const char* xmlns = kNamespace) : core::xml::Document(root_name, xmlns) {}
};

using core::xml::add;
using core::xml::add_bool;
using core::xml::child_text;
using core::xml::parse;

// S3's error body: <Error><Code/><Message/>[details]<Resource/><RequestId/><HostId/></Error>.
std::string error_body(const S3Error& error, std::string_view request_id, std::string_view host_id);

}  // namespace s3::xml
