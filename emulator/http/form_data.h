// A streaming multipart/form-data reader (RFC 7578 over RFC 2046 section 5.1), for S3's
// POST Object. The fields before the file part are kept in memory, within a byte limit;
// the file part's content goes to a callback piece by piece and is never buffered whole;
// the parts after it are read and dropped, as S3 ignores them.
//
// Feed it the body in pieces of any size (a delimiter split across two pieces is fine),
// then call finish(). Errors are S3's:
//  - MaxPostPreDataLengthExceeded: the bytes before the file's content (preamble,
//    delimiters, part headers, field values) exceed the limit (S3: 20 KB);
//  - MalformedPOSTRequest: a part without a form-data name, a header block that never ends,
//    garbage after a delimiter, a body that ends without the close delimiter;
//  - IncompleteBody: the body ends inside the file's content;
//  - InvalidArgument "POST requires exactly one file upload per request.": a second file
//    part after the first.
// A part is the file when its Content-Disposition is form-data and its name is "file"
// (any case); a part with a filename but another name is a plain field, as S3 treats the
// forms of clients that send every field as a file part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace http {

struct FormField {
  std::string name;  // as sent
  std::string value;
};

struct FormFile {
  std::optional<std::string> filename;  // the filename parameter as sent, if any
  std::string content_type;             // the part's Content-Type header, if any
};

// The boundary parameter of a "multipart/form-data; boundary=..." Content-Type (quoted or
// not). MalformedPOSTRequest when missing, empty or over RFC 2046's 70 characters.
core::Result<std::string> form_data_boundary(std::string_view content_type);

// True when the Content-Type's media type is multipart/form-data (case-insensitive).
bool is_form_data(std::string_view content_type);

class FormDataReader {
 public:
  // Called once, when the file part's headers have been read: `fields` holds every field
  // before it. An error stops the reader (and is returned by feed()).
  using FileStart = std::function<core::Result<void>(const std::vector<FormField>& fields, const FormFile& file)>;
  // The file's content, in order, in pieces of any size.
  using FileData = std::function<core::Result<void>(std::string_view piece)>;

  static constexpr std::size_t kS3PreFileLimit = 20 * 1024;

  FormDataReader(std::string boundary, FileStart on_file_start, FileData on_file_data,
                 std::size_t max_pre_file_bytes = kS3PreFileLimit);

  core::Result<void> feed(std::string_view piece);
  // At the end of the body: the close delimiter must have been seen.
  core::Result<void> finish();

  bool file_seen() const { return file_seen_; }
  bool file_complete() const { return file_complete_; }
  const std::vector<FormField>& fields() const { return fields_; }

 private:
  enum class State { Preamble, AfterDelimiter, Headers, FieldValue, FileContent, SkippedPart, Epilogue };
  enum class Step { Continue, NeedMore };

  core::Result<void> run();
  core::Result<Step> next_step();
  core::Result<Step> after_delimiter();
  core::Result<Step> headers();
  core::Result<Step> part_content();
  core::Result<void> start_part(std::string_view header_block);
  std::string_view pending() const;
  // Marks n pending bytes as read; before the file's content, checks the pre-file limit.
  core::Result<void> consume(std::size_t n);
  core::Error too_large() const;

  std::string delimiter_;  // "\r\n--" + boundary
  FileStart on_file_start_;
  FileData on_file_data_;
  std::size_t max_pre_file_bytes_;

  State state_ = State::Preamble;
  std::string buffer_;           // bytes received; those before pos_ are consumed
  std::size_t pos_ = 0;
  std::uint64_t consumed_ = 0;   // bytes consumed so far, the virtual leading CRLF included
  std::vector<FormField> fields_;
  FormField current_field_;
  bool file_seen_ = false;
  bool file_complete_ = false;
  bool failed_ = false;
};

}  // namespace http
