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
  return aws_char_references(out.str());
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

std::string aws_char_references(std::string_view xml) {
  if (xml.find("&#") == std::string_view::npos && xml.find('\r') == std::string_view::npos) return std::string(xml);
  static constexpr char kHex[] = "0123456789abcdef";
  auto hex_reference = [](unsigned value) {
    std::string out = "&#x";
    if (value >= 16) out += kHex[(value >> 4) & 15];
    out += kHex[value & 15];
    return out + ";";
  };
  std::string out;
  out.reserve(xml.size() + 16);
  for (std::size_t i = 0; i < xml.size(); ++i) {
    if (xml[i] == '\r') {
      out += hex_reference('\r');
      continue;
    }
    // pugixml writes "&#" only for a reference of its own (a literal '&' is "&amp;").
    if (xml.compare(i, 2, "&#") == 0 && i + 2 < xml.size() && xml[i + 2] >= '0' && xml[i + 2] <= '9') {
      std::size_t end = i + 2;
      unsigned value = 0;
      while (end < xml.size() && xml[end] >= '0' && xml[end] <= '9' && value < 256)
        value = value * 10 + static_cast<unsigned>(xml[end++] - '0');
      if (end < xml.size() && xml[end] == ';' && value < 256) {
        out += hex_reference(value);
        i = end;
        continue;
      }
    }
    out += xml[i];
  }
  return out;
}

}  // namespace core::xml
