#include "core/xml.h"

#include <sstream>

namespace core::xml {

Document::Document(const char* root_name, const char* xmlns) {
  auto decl = doc_.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  root_ = doc_.append_child(root_name);
  if (xmlns && *xmlns) root_.append_attribute("xmlns") = xmlns;
}

std::string Document::str() const {
  std::ostringstream out;
  doc_.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  return out.str();
}

pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view value) {
  auto node = parent.append_child(name);
  node.append_child(pugi::node_pcdata).set_value(std::string(value).c_str());
  return node;
}

pugi::xml_node add(pugi::xml_node parent, const char* name, std::int64_t value) {
  return add(parent, name, std::to_string(value));
}

pugi::xml_node add_bool(pugi::xml_node parent, const char* name, bool value) {
  return add(parent, name, value ? "true" : "false");
}

Result<pugi::xml_document> parse(std::string_view body, const char* root_name) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return std::unexpected(make_error(ErrorCode::MalformedXML));
  auto root = doc.document_element();
  if (std::string_view(root.name()) != root_name) return std::unexpected(make_error(ErrorCode::MalformedXML));
  return doc;
}

std::string child_text(pugi::xml_node node, const char* name) { return node.child(name).text().as_string(); }

}  // namespace core::xml
