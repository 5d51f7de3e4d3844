#include <catch2/catch.hpp>

#include "s3/header_values.h"

using core::ErrorCode;

TEST_CASE("s3: Content-Encoding is stored without aws-chunked", "[s3]") {
  CHECK(s3::stored_content_encoding("aws-chunked,gzip") == "gzip");
  CHECK(s3::stored_content_encoding("gzip, aws-chunked") == "gzip");
  CHECK(s3::stored_content_encoding("gzip,AWS-Chunked, br") == "gzip,br");
  CHECK(s3::stored_content_encoding("aws-chunked") == "");
  CHECK(s3::stored_content_encoding(" aws-chunked , ") == "");
  CHECK(s3::stored_content_encoding("gzip") == "gzip");
  CHECK(s3::stored_content_encoding("x-aws-chunked") == "x-aws-chunked");
}

TEST_CASE("s3: metadata values are read from headers as S3 reads them", "[s3]") {
  CHECK(s3::metadata_value_from_header("plain text") == "plain text");
  // RFC 2047 words are decoded (B and Q, any case); whitespace between two words is dropped.
  CHECK(s3::metadata_value_from_header("=?UTF-8?B?R3LDvMOfZQ==?=") == "Gr\xC3\xBC\xC3\x9F" "e");
  CHECK(s3::metadata_value_from_header("=?utf-8?q?Gr=C3=BC=C3=9Fe_Welt?=") == "Gr\xC3\xBC\xC3\x9F" "e Welt");
  CHECK(s3::metadata_value_from_header("=?UTF-8?Q?actually-ascii?=") == "actually-ascii");
  CHECK(s3::metadata_value_from_header("a =?UTF-8?B?YWJj?= =?UTF-8?B?ZGVm?= z") == "a abcdef z");
  CHECK(s3::metadata_value_from_header("=?ISO-8859-1?Q?caf=E9?=") == "caf\xC3\xA9");
  // Not words: kept as sent.
  CHECK(s3::metadata_value_from_header("=?UTF-8?B?not base64?=") == "=?UTF-8?B?not base64?=");
  CHECK(s3::metadata_value_from_header("=?UTF-8?X?abc?=") == "=?UTF-8?X?abc?=");
  CHECK(s3::metadata_value_from_header("=?koi8-r?B?YWJj?=") == "=?koi8-r?B?YWJj?=");
  CHECK(s3::metadata_value_from_header("1+1=?2") == "1+1=?2");
  // Raw bytes are ISO-8859-1: UTF-8 sent raw comes back as its Latin-1 reading.
  CHECK(s3::metadata_value_from_header("\xC3\xB6") == "\xC3\x83\xC2\xB6");
  // A word whose bytes are not UTF-8: U+FFFD for each bad byte.
  CHECK(s3::metadata_value_from_header("=?UTF-8?B?/2E=?=") == "\xEF\xBF\xBD" "a");
}

TEST_CASE("s3: metadata values are returned as S3 returns them", "[s3]") {
  CHECK(s3::metadata_value_for_header("plain ascii_=?!\t~") == "plain ascii_=?!\t~");
  CHECK(s3::metadata_value_for_header("\xC3\x84M\xC3\x84Z\xC3\x95\xC3\x91 S3") == "=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=");
  // S3's own example: '_', '?' and ' ' are encoded once the value needs encoding.
  CHECK(s3::metadata_value_for_header("test_\xE2\x80\x94_file%E2%80%94_\xC3\xA9_2?.pdf") ==
        "=?UTF-8?Q?test=5F=E2=80=94=5Ffile%E2%80%94=5F=C3=A9=5F2=3F.pdf?=");
  // Control characters and U+FFFD: base64.
  CHECK(s3::metadata_value_for_header(std::string("\x00\x01\x02\x03", 4)) == "=?UTF-8?B?AAECAw==?=");
  CHECK(s3::metadata_value_for_header("\xEF\xBF\xBD\xEF\xBF\xBD") == "=?UTF-8?B?77+977+9?=");
  CHECK(s3::metadata_value_for_header("\xC3\x83\xC2\x80") == "=?UTF-8?B?w4PCgA==?=");  // U+0080 is a control
  // Round trip of what a client encodes itself.
  CHECK(s3::metadata_value_for_header(s3::metadata_value_from_header("=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=")) ==
        "=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=");
}

TEST_CASE("s3: x-amz-copy-source-range is read as S3 reads it", "[s3]") {
  auto span = s3::parse_copy_source_range("bytes=1-3", 5);
  REQUIRE(span);
  CHECK(span->first == 1);
  CHECK(span->last == 3);
  CHECK(s3::parse_copy_source_range("bytes=0-4", 5)->last == 4);
  for (const char* improper : {"0-2", "bytes=0", "bytes=hello-world", "bytes=0-bar", "bytes=hello-", "bytes=0-2,3-5",
                               "bytes=3-1", "bytes=-2", "bytes=0-", "bytes= 0-2", "bytes=+0-2", "bytes=0-2 "}) {
    auto e = s3::parse_copy_source_range(improper, 5);
    REQUIRE_FALSE(e);
    CHECK(e.error().code == ErrorCode::InvalidArgument);
    CHECK(e.error().message.starts_with("The x-amz-copy-source-range value must be of the form bytes=first-last"));
  }
  for (const char* beyond : {"bytes=0-5", "bytes=0-21", "bytes=5-9"}) {
    auto e = s3::parse_copy_source_range(beyond, 5);
    REQUIRE_FALSE(e);
    CHECK(e.error().code == ErrorCode::InvalidArgument);
    CHECK(e.error().message == "Range specified is not valid for source object of size: 5");
  }
}
