// Pure helpers behind the listings: encoding-type=url, the ListBuckets continuation token
// and the XML character references S3 writes for control characters.
#include <catch2/catch.hpp>

#include "core/xml.h"
#include "s3/listing.h"

TEST_CASE("encoding-type=url: space is %20, only unreserved characters and '/' stay", "[s3][listing]") {
  using s3::listing_url_encode;
  CHECK(listing_url_encode("quux ab/thud") == "quux%20ab/thud");
  CHECK(listing_url_encode("foo+1/") == "foo%2B1/");
  CHECK(listing_url_encode("AZaz09-._~/") == "AZaz09-._~/");
  CHECK(listing_url_encode("100%.csv") == "100%25.csv");
  CHECK(listing_url_encode("a&b=c?d#e*f") == "a%26b%3Dc%3Fd%23e%2Af");
  CHECK(listing_url_encode("\x01\t\n\r") == "%01%09%0A%0D");
  CHECK(listing_url_encode("\xed\x95\x9c/x") == "%ED%95%9C/x");  // UTF-8 bytes, upper-case hex
  CHECK(listing_url_encode("") == "");
}

TEST_CASE("ListBuckets continuation token round-trips and refuses foreign text", "[s3][listing]") {
  auto token = s3::bucket_continuation_token("my-bucket");
  CHECK(token.find("my-bucket") == std::string::npos);  // opaque, not the name itself
  CHECK(s3::bucket_after_token(token) == "my-bucket");
  CHECK_FALSE(s3::bucket_after_token(""));
  CHECK_FALSE(s3::bucket_after_token("not base64!"));
  CHECK_FALSE(s3::bucket_after_token("bXktYnVja2V0"));  // base64 of a bare name
  CHECK_FALSE(s3::bucket_after_token(s3::bucket_continuation_token("")));
}

TEST_CASE("XML output writes control characters as S3's hex references", "[s3][listing]") {
  using core::xml::aws_char_references;
  CHECK(aws_char_references("<K>a&#01;b&#31;c</K>") == "<K>a&#x1;b&#x1f;c</K>");
  CHECK(aws_char_references("<K>a\rb</K>") == "<K>a&#xd;b</K>");
  CHECK(aws_char_references("<K>&amp;#12;</K>") == "<K>&amp;#12;</K>");  // a literal "&#12;" stays text
  CHECK(aws_char_references("<K>plain</K>") == "<K>plain</K>");

  core::xml::Document doc("K", nullptr);
  doc.root().append_child(pugi::node_pcdata).set_value("tab\tnl\ncr\rbell\x07" "esc\x1b");
  CHECK(doc.str().find("<K>tab\tnl\ncr&#xd;bell&#x7;esc&#x1b;</K>") != std::string::npos);
}
