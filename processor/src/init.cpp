// libvips start-up (once per process) and the ErrorCode names.
#include <algorithm>
#include <mutex>

#include "vips_support.h"

namespace processor {

namespace {

// The outcome of the one-time initialisation; written once inside call_once.
struct InitState {
  std::once_flag once;
  bool ok = false;
  std::string error;
};

InitState& init_state() {
  static InitState state;
  return state;
}

// libvips also prints warnings ("error in tile 0 x 240") straight to stderr. Every
// failure already comes back as an Error with the decoder's message, so the duplicate
// is dropped instead of interleaving with a server's structured log lines.
void ignore_vips_warning(const char*, GLogLevelFlags, const char*, void*) {}

void start_vips(InitState& state) {
  if (VIPS_INIT("minicloud") != 0) {
    state.error = std::string("libvips failed to start: ") + vips_error_buffer();
    vips_error_clear();
    return;
  }
  // No operation cache: a long-lived server must not keep decoded images around.
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
  // ImageMagick, PDF, SVG, FITS, ... must never see untrusted bytes. The loader
  // allow-list in load.cpp is the second fence.
  vips_block_untrusted_set(TRUE);
  g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, ignore_vips_warning, nullptr);
  state.ok = true;
}

}  // namespace

bool init(std::string* error) {
  InitState& state = init_state();
  std::call_once(state.once, start_vips, std::ref(state));
  if (!state.ok && error != nullptr) *error = state.error;
  return state.ok;
}

int set_threads_per_image(int threads) {
  if (!init()) return 0;
  const int previous = vips_concurrency_get();
  vips_concurrency_set(std::max(1, threads));
  return previous;
}

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::EmptyInput: return "EmptyInput";
    case ErrorCode::UnsupportedFormat: return "UnsupportedFormat";
    case ErrorCode::CorruptImage: return "CorruptImage";
    case ErrorCode::TooManyPixels: return "TooManyPixels";
    case ErrorCode::InvalidSpec: return "InvalidSpec";
    case ErrorCode::Internal: return "Internal";
  }
  return "Internal";
}

namespace detail {

std::expected<void, Error> ensure_init() {
  std::string message;
  if (!init(&message)) return std::unexpected(Error{ErrorCode::Internal, message});
  return {};
}

Error vips_failure(ErrorCode code, std::string_view context, const vips::VError& error) {
  std::string what = error.what();
  vips_error_clear();
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  // Several messages may be stacked, one per line; keep them on one line for logs.
  for (char& c : what)
    if (c == '\n') c = ';';
  std::string message(context);
  if (!what.empty()) message += ": " + what;
  return Error{code, message};
}

}  // namespace detail
}  // namespace processor
