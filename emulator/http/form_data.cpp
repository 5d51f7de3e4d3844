#include "http/form_data.h"

#include <algorithm>
#include <utility>

#include "http/message.h"

namespace http {
namespace {

using core::ErrorCode;

// The reader starts with a CRLF of its own in front of the body, so that a body opening
// with "--boundary" (what every client sends) matches the one delimiter "\r\n--boundary".
constexpr std::string_view kVirtualCrlf = "\r\n";
// Whitespace allowed between a delimiter and its CRLF (RFC 2046 transport padding).
constexpr std::size_t kMaxPadding = 256;

core::Error malformed() { return core::make_error(ErrorCode::MalformedPOSTRequest); }

bool is_padding(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t') return false;
  return true;
}

struct Disposition {
  std::string type;  // lowercased: "form-data"
  std::optional<std::string> name, filename;
};

// `form-data; name="a"; filename="b.jpg"`. Parameter names are case-insensitive; values are
// tokens or quoted strings. Inside quotes only \" and \\ are escapes: browsers never
// backslash-escape (they write %22 for a quote), and a Windows path in a filename
// ("C:\dir\photo.jpg") must keep its backslashes for S3's ${filename} basename rule.
Disposition parse_disposition(std::string_view value) {
  Disposition d;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
  };
  skip_space();
  std::size_t type_end = value.find(';', i);
  d.type = to_lower(trim(value.substr(i, type_end == std::string_view::npos ? std::string_view::npos : type_end - i)));
  i = type_end == std::string_view::npos ? value.size() : type_end + 1;
  while (i < value.size()) {
    skip_space();
    std::size_t name_start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ';') ++i;
    std::string name = to_lower(trim(value.substr(name_start, i - name_start)));
    std::string param;
    if (i < value.size() && value[i] == '=') {
      ++i;
      skip_space();
      if (i < value.size() && value[i] == '"') {
        ++i;
        while (i < value.size() && value[i] != '"') {
          if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == '"' || value[i + 1] == '\\')) ++i;
          param.push_back(value[i++]);
        }
        if (i < value.size()) ++i;  // closing quote
        while (i < value.size() && value[i] != ';') ++i;
      } else {
        std::size_t start = i;
        while (i < value.size() && value[i] != ';') ++i;
        param = std::string(trim(value.substr(start, i - start)));
      }
    }
    if (i < value.size() && value[i] == ';') ++i;
    if (name == "name" && !d.name) d.name = std::move(param);
    else if (name == "filename" && !d.filename) d.filename = std::move(param);
  }
  return d;
}

}  // namespace

bool is_form_data(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  return iequals(trim(content_type.substr(0, semicolon)), "multipart/form-data");
}

core::Result<std::string> form_data_boundary(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  if (semicolon == std::string_view::npos) return std::unexpected(malformed());
  std::string_view rest = content_type.substr(semicolon + 1);
  while (!rest.empty()) {
    auto next = rest.find(';');
    std::string_view item = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || !iequals(trim(item.substr(0, eq)), "boundary")) continue;
    std::string_view value = trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (value.empty() || value.size() > 70) return std::unexpected(malformed());
    return std::string(value);
  }
  return std::unexpected(malformed());
}

FormDataReader::FormDataReader(std::string boundary, FileStart on_file_start, FileData on_file_data,
                               std::size_t max_pre_file_bytes)
    : delimiter_("\r\n--" + boundary),
      on_file_start_(std::move(on_file_start)),
      on_file_data_(std::move(on_file_data)),
      max_pre_file_bytes_(max_pre_file_bytes),
      buffer_(kVirtualCrlf) {}

std::string_view FormDataReader::pending() const { return std::string_view(buffer_).substr(pos_); }

core::Result<void> FormDataReader::consume(std::size_t n) {
  pos_ += n;
  consumed_ += n;
  // consumed_ includes the virtual CRLF yet can be smaller than it (a preamble's first
  // step may consume one byte): compare without subtracting, which would wrap around.
  if (!file_seen_ && consumed_ > max_pre_file_bytes_ + kVirtualCrlf.size()) return std::unexpected(too_large());
  return {};
}

core::Error FormDataReader::too_large() const {
  auto e = core::make_error(ErrorCode::MaxPostPreDataLengthExceeded);
  e.details.emplace_back("MaxPostPreDataLengthBytes", std::to_string(max_pre_file_bytes_));
  return e;
}

core::Result<void> FormDataReader::feed(std::string_view piece) {
  if (failed_) return std::unexpected(malformed());
  buffer_.append(piece);
  auto result = run();
  buffer_.erase(0, pos_);
  pos_ = 0;
  if (!result) failed_ = true;
  return result;
}

core::Result<void> FormDataReader::run() {
  while (true) {
    auto step = next_step();
    if (!step) return std::unexpected(step.error());
    if (*step == Step::NeedMore) break;
  }
  // Everything still held is, before the file's content starts, part of the pre-file data
  // (a partial header block, the tail of a field value): it counts toward the limit, which
  // also bounds what a client can make us hold.
  if (!file_seen_ && consumed_ + pending().size() > max_pre_file_bytes_ + kVirtualCrlf.size())
    return std::unexpected(too_large());
  return {};
}

core::Result<FormDataReader::Step> FormDataReader::next_step() {
  switch (state_) {
    case State::Preamble: {
      std::string_view data = pending();
      auto at = data.find(delimiter_);
      if (at == std::string_view::npos) {
        // Keep only what could be the start of a delimiter.
        if (data.size() >= delimiter_.size()) {
          if (auto ok = consume(data.size() - delimiter_.size() + 1); !ok) return std::unexpected(ok.error());
        }
        return Step::NeedMore;
      }
      if (auto ok = consume(at + delimiter_.size()); !ok) return std::unexpected(ok.error());
      state_ = State::AfterDelimiter;
      return Step::Continue;
    }
    case State::AfterDelimiter: return after_delimiter();
    case State::Headers: return headers();
    case State::FieldValue:
    case State::FileContent:
    case State::SkippedPart: return part_content();
    case State::Epilogue:  // ignored, and not counted
      pos_ = buffer_.size();
      return Step::NeedMore;
  }
  return Step::NeedMore;
}

// After "\r\n--boundary": "--" closes the body; otherwise optional padding, then CRLF and
// the next part's headers.
core::Result<FormDataReader::Step> FormDataReader::after_delimiter() {
  std::string_view data = pending();
  if (data.size() < 2) return Step::NeedMore;
  if (data.substr(0, 2) == "--") {
    if (auto ok = consume(2); !ok) return std::unexpected(ok.error());
    state_ = State::Epilogue;
    return Step::Continue;
  }
  auto crlf = data.find("\r\n");
  // The padding before the CRLF; without a CRLF yet, the piece may end with its CR.
  std::string_view padding = crlf != std::string_view::npos ? data.substr(0, crlf)
                             : data.back() == '\r'            ? data.substr(0, data.size() - 1)
                                                              : data;
  if (!is_padding(padding) || padding.size() > kMaxPadding) return std::unexpected(malformed());
  if (crlf == std::string_view::npos) return Step::NeedMore;
  if (auto ok = consume(crlf + 2); !ok) return std::unexpected(ok.error());
  state_ = State::Headers;
  return Step::Continue;
}

core::Result<FormDataReader::Step> FormDataReader::headers() {
  std::string_view data = pending();
  std::string_view block;
  std::size_t length = 0;
  if (data.size() >= 2 && data.substr(0, 2) == "\r\n") {
    length = 2;  // a part with no header lines at all
  } else {
    auto end = data.find("\r\n\r\n");
    // After the file nothing else counts toward the limit, but a header block must still end
    // within as many bytes, whether it came whole or not (the last 3 bytes held may be the
    // start of its blank line).
    const std::size_t block_size_at_least =
        end != std::string_view::npos ? end : data.size() - std::min<std::size_t>(data.size(), 3);
    if (file_seen_ && block_size_at_least > max_pre_file_bytes_) return std::unexpected(malformed());
    if (end == std::string_view::npos) return Step::NeedMore;
    block = data.substr(0, end);
    length = end + 4;
  }
  if (auto ok = consume(length); !ok) return std::unexpected(ok.error());  // moves no bytes
  if (auto ok = start_part(block); !ok) return std::unexpected(ok.error());
  return Step::Continue;
}

core::Result<void> FormDataReader::start_part(std::string_view header_block) {
  std::optional<std::string> disposition, content_type;
  std::string* last = nullptr;
  while (!header_block.empty()) {
    auto eol = header_block.find("\r\n");
    std::string_view line = header_block.substr(0, eol);
    header_block = eol == std::string_view::npos ? std::string_view{} : header_block.substr(eol + 2);
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && last) {  // obsolete line folding
      last->append(" ").append(trim(line));
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::unexpected(malformed());
    std::string_view name = trim(line.substr(0, colon));
    std::string value(trim(line.substr(colon + 1)));
    last = nullptr;
    if (iequals(name, "Content-Disposition") && !disposition) last = &disposition.emplace(std::move(value));
    else if (iequals(name, "Content-Type") && !content_type) last = &content_type.emplace(std::move(value));
  }
  if (!disposition) return std::unexpected(malformed());
  Disposition d = parse_disposition(*disposition);
  if (!d.name) return std::unexpected(malformed());
  bool is_file = d.type == "form-data" && iequals(*d.name, "file");
  if (file_seen_) {
    if (is_file)
      return std::unexpected(core::make_error(ErrorCode::InvalidArgument, "POST requires exactly one file upload per request."));
    state_ = State::SkippedPart;
    return {};
  }
  if (is_file) {
    file_seen_ = true;
    state_ = State::FileContent;
    FormFile file{d.filename, content_type.value_or("")};
    return on_file_start_ ? on_file_start_(fields_, file) : core::Result<void>{};
  }
  current_field_ = FormField{std::move(*d.name), {}};
  state_ = State::FieldValue;
  return {};
}

// A part's content runs up to the next delimiter. Everything but a possible delimiter
// prefix at the end is delivered at once, so the file streams through in pieces.
core::Result<FormDataReader::Step> FormDataReader::part_content() {
  std::string_view data = pending();
  auto at = data.find(delimiter_);
  bool ends = at != std::string_view::npos;
  std::size_t deliverable = ends ? at : (data.size() >= delimiter_.size() ? data.size() - delimiter_.size() + 1 : 0);
  std::string_view content = data.substr(0, deliverable);
  if (state_ == State::FieldValue) {
    current_field_.value.append(content);
  } else if (state_ == State::FileContent && !content.empty() && on_file_data_) {
    if (auto ok = on_file_data_(content); !ok) return std::unexpected(ok.error());
  }
  if (auto ok = consume(deliverable); !ok) return std::unexpected(ok.error());
  if (!ends) return Step::NeedMore;
  if (auto ok = consume(delimiter_.size()); !ok) return std::unexpected(ok.error());
  if (state_ == State::FieldValue) fields_.push_back(std::move(current_field_));
  if (state_ == State::FileContent) file_complete_ = true;
  state_ = State::AfterDelimiter;
  return Step::Continue;
}

core::Result<void> FormDataReader::finish() {
  if (state_ == State::Epilogue && !failed_) return {};
  // A body cut off inside the file is an incomplete upload; anything else is not a form.
  if (!failed_ && state_ == State::FileContent) return std::unexpected(core::make_error(ErrorCode::IncompleteBody));
  return std::unexpected(malformed());
}

}  // namespace http
