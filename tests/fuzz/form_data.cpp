// The multipart/form-data reader of POST Object, and the boundary of its Content-Type.
// Cutting the body into pieces must not change the outcome: same success or error code,
// same fields, same file bytes.
// Input: the Content-Type value, a line feed, then the body (CRLFs as sent).
#include "fuzz_support.h"
#include "http/form_data.h"

namespace {

struct Outcome {
  bool ok = true;
  core::ErrorCode code{};
  std::vector<std::pair<std::string, std::string>> fields;
  std::string file;
  bool file_seen = false, file_complete = false;
};

Outcome read_form(const std::string& boundary, const std::vector<std::string_view>& pieces) {
  Outcome outcome;
  auto on_start = [&](const std::vector<http::FormField>& fields, const http::FormFile& file) -> core::Result<void> {
    for (const auto& f : fields) outcome.fields.emplace_back(f.name, f.value);
    outcome.fields.emplace_back("<file>", file.filename.value_or("<none>") + "|" + file.content_type);
    return {};
  };
  auto on_data = [&](std::string_view piece) -> core::Result<void> {
    outcome.file.append(piece);
    return {};
  };
  // A small pre-file limit, so that the limit is reached by inputs of fuzzing size.
  http::FormDataReader reader(boundary, on_start, on_data, 512);
  core::Result<void> result;
  for (auto piece : pieces) {
    result = reader.feed(piece);
    if (!result) break;
  }
  if (result) result = reader.finish();
  if (!result) {
    outcome.ok = false;
    outcome.code = result.error().code;
  }
  outcome.file_seen = reader.file_seen();
  outcome.file_complete = reader.file_complete();
  if (outcome.ok) {
    FUZZ_CHECK(outcome.file_complete == outcome.file_seen);
    for (const auto& f : reader.fields()) outcome.fields.emplace_back(f.name, f.value);
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const auto newline = text.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string_view content_type = text.substr(0, newline);
  const std::string_view body = text.substr(newline + 1);
  (void)http::is_form_data(content_type);
  auto boundary = http::form_data_boundary(content_type);
  if (!boundary) return 0;
  FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);

  std::uint8_t seed = 1;
  for (char c : content_type) seed = static_cast<std::uint8_t>(seed * 31 + static_cast<unsigned char>(c));
  const Outcome whole = read_form(*boundary, {body});
  const Outcome split = read_form(*boundary, fuzz::pieces(body, seed | 1));
  FUZZ_CHECK(whole.ok == split.ok);
  if (whole.ok) {
    FUZZ_CHECK(whole.fields == split.fields);
    FUZZ_CHECK(whole.file == split.file);
  } else {
    FUZZ_CHECK(whole.code == split.code);
  }
  return 0;
}
