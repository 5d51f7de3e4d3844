// XML documents as AWS's XML protocols write and read them (pugixml): S3's REST-XML,
// CloudFront's, and the query protocol's responses (CloudFormation, STS, IAM).
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace core::xml {

// A response document: <?xml ...?><Root xmlns="...">...</Root> (no xmlns when null or empty).
class Document {
 public:
  Document(const char* root_name, const char* xmlns);
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

// Parses a request document; MalformedXML on failure or when the root is not `root_name`.
Result<pugi::xml_document> parse(std::string_view body, const char* root_name);

// Text of a child element ("" when absent).
std::string child_text(pugi::xml_node node, const char* name);

// Control characters as AWS writes them: pugixml's decimal references (&#01;) become S3's
// hex form (&#x1;), and a raw carriage return becomes &#xd; (a parser would turn it into a
// line feed). Characters XML 1.0 cannot carry thus stay references, invalid for strict
// parsers exactly as S3's are; clients avoid them with encoding-type=url. Document::str()
// applies it.
std::string aws_char_references(std::string_view xml);

}  // namespace core::xml
