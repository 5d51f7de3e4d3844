// aws-chunked body decoder (Content-Encoding: aws-chunked), for the three streaming
// payload modes. Body format:
//   signed:    <hex-size>;chunk-signature=<sig>\r\n<data>\r\n … 0;chunk-signature=<sig>\r\n
//              then "\r\n" (no trailer) or trailer lines + "x-amz-trailer-signature:<sig>\r\n\r\n"
//   unsigned:  <hex-size>\r\n<data>\r\n … 0\r\n<trailer lines>\r\n
//
// Streaming: feed() whatever bytes arrived; decoded bytes are appended at once, so they
// are PROVISIONAL until finish() succeeds — the caller must not commit an object unless
// every feed() and finish() returned ok. Memory is bounded: at most one chunk header or
// trailer line (a few KiB) is buffered, chunk data is hashed as it passes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authenticate.h"
#include "auth/checksum.h"
#include "core/error.h"

namespace auth {

class ChunkedDecoder {
 public:
  // `identity` must be in a streaming payload mode. `decoded_content_length` is
  // x-amz-decoded-content-length (-1: unknown, not enforced). `trailer_checksum` is the
  // algorithm declared in x-amz-trailer, if any: the decoder then hashes the payload and
  // verifies the trailer value at finish() (BadDigest on mismatch).
  ChunkedDecoder(const Identity& identity, std::int64_t decoded_content_length,
                 std::optional<ChecksumAlgorithm> trailer_checksum = std::nullopt);
  ChunkedDecoder(ChunkedDecoder&&) noexcept;
  ChunkedDecoder& operator=(ChunkedDecoder&&) noexcept;
  ~ChunkedDecoder();

  // Consume raw body bytes, append decoded payload bytes to `out_payload`.
  // Errors: SignatureDoesNotMatch (chunk or trailer signature), InvalidRequest
  // (malformed framing, undeclared trailer), IncompleteBody (more data than declared).
  // After an error the decoder stays failed.
  core::Result<void> feed(std::string_view raw, std::string& out_payload);

  // The body ended: the final 0-size chunk and the trailer (if any) must have been seen
  // (IncompleteBody otherwise), the decoded length must equal the declared one
  // (IncompleteBody), and a declared trailer checksum must match (BadDigest).
  core::Result<void> finish();

  // Trailer headers, names lowercased, x-amz-trailer-signature excluded.
  const std::vector<std::pair<std::string, std::string>>& trailers() const;

  // After a successful finish(): the verified trailer checksum (algorithm, base64).
  std::optional<std::pair<ChecksumAlgorithm, std::string>> verified_checksum() const;

  std::int64_t decoded_length() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace auth
