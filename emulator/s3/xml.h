// S3's XML wire format: building responses and reading request documents (pugixml).
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "s3/error.h"

namespace s3::xml {

inline constexpr const char* kNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// A response document: <?xml ...?><Root xmlns="...">...</Root>.
class Document {
 public:
  explicit Document(const char* root_name, const char* xmlns = kNamespace);
  pugi::xml_node root() { return root_; }
  std::string str() const;

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

// <name>value</name> under parent; returns the new element.
pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view value);
pugi::xml_node add(pugi::xml_node parent, const char* name, std::int64_t value);
pugi::xml_node add_bool(pugi::xml_node parent, const char* name, bool value);

// S3's error body: <Error><Code/><Message/>[details]<Resource/><RequestId/><HostId/></Error>.
std::string error_body(const S3Error& error, std::string_view request_id, std::string_view host_id);

// Parses a request document; MalformedXML on failure or when the root is not `root_name`.
Result<pugi::xml_document> parse(std::string_view body, const char* root_name);

// Text of a child element ("" when absent).
std::string child_text(pugi::xml_node node, const char* name);

// Timestamps as S3 writes them.
std::string iso8601_ms(std::int64_t epoch_ms);   // 2026-11-29T08:00:00.000Z
std::string http_date(std::int64_t epoch_ms);    // Sun, 29 Nov 2026 08:00:00 GMT
// Parses RFC 1123 / RFC 850 / asctime HTTP dates and ISO 8601; nullopt when invalid.
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace s3::xml
