#include "s3/xml.h"

#include <ctime>
#include <sstream>

namespace s3::xml {

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

Result<pugi::xml_document> parse(std::string_view body, const char* root_name) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return std::unexpected(make_error(ErrorCode::MalformedXML));
  auto root = doc.document_element();
  if (std::string_view(root.name()) != root_name) return std::unexpected(make_error(ErrorCode::MalformedXML));
  return doc;
}

std::string child_text(pugi::xml_node node, const char* name) { return node.child(name).text().as_string(); }

std::string iso8601_ms(std::int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // sized for any int fields, so -Wformat-truncation has nothing to say
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(epoch_ms % 1000));
  return buf;
}

std::string http_date(std::int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  std::string s(text);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y",
                             "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S"}) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), format, &tm);
    if (end && (*end == '\0' || *end == '.' || *end == 'Z')) return static_cast<std::int64_t>(timegm(&tm)) * 1000;
  }
  return std::nullopt;
}

}  // namespace s3::xml
