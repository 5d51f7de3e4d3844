// Bucket and key naming rules, and ETag quoting.
#include <cctype>

#include "s3/context.h"

namespace s3 {

Result<void> validate_bucket_name(const std::string& name) {
  auto invalid = [&](const std::string& why) {
    S3Error e = make_error(ErrorCode::InvalidBucketName, "The specified bucket is not valid: " + why);
    e.details.emplace_back("BucketName", name);
    return std::unexpected(e);
  };
  if (name.size() < 3 || name.size() > 63) return invalid("names are 3 to 63 characters long");
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '-'))
      return invalid("only lowercase letters, digits, dots and hyphens are allowed");
  }
  if (!std::isalnum(static_cast<unsigned char>(name.front())) || !std::isalnum(static_cast<unsigned char>(name.back())))
    return invalid("names begin and end with a letter or digit");
  if (name.find("..") != std::string::npos || name.find(".-") != std::string::npos ||
      name.find("-.") != std::string::npos)
    return invalid("adjacent periods or a period next to a hyphen are not allowed");
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : name) {
    dots += c == '.';
    digits_and_dots &= std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  }
  if (digits_and_dots && dots == 3) return invalid("names must not be formatted as an IP address");
  if (name.starts_with("xn--") || name.starts_with("sthree-") || name.ends_with("-s3alias") ||
      name.ends_with("--ol-s3"))
    return invalid("reserved prefix or suffix");
  return {};
}

Result<void> validate_key(const std::string& key) {
  if (key.size() > 1024) {
    S3Error e = make_error(ErrorCode::KeyTooLongError);
    e.details.emplace_back("MaxSizeAllowed", "1024");
    e.details.emplace_back("Size", std::to_string(key.size()));
    return std::unexpected(e);
  }
  return {};
}

http::Response xml_response(const xml::Document& doc) {
  http::Response response;
  response.body = doc.str();
  response.content_type = "application/xml";
  return response;
}

void add_owner(pugi::xml_node parent, const char* element) {
  auto owner = parent.append_child(element);
  xml::add(owner, "ID", kOwnerId);
  xml::add(owner, "DisplayName", kOwnerName);
}

std::string quote_etag(const std::string& etag) { return "\"" + etag + "\""; }

std::string unquote_etag(std::string_view etag) {
  while (!etag.empty() && (etag.front() == ' ')) etag.remove_prefix(1);
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

}  // namespace s3
