// aws-chunked decoding as a push state machine: every feed() walks the bytes it is given
// once, so splitting the body anywhere (even one byte at a time) gives the same result.
#include "auth/chunked.h"

#include <algorithm>
#include <cctype>

#include "auth/crypto.h"
#include "http/message.h"
#include "auth/sigv4.h"

namespace auth {

namespace {

using http::to_lower;
using http::trim;

using core::ErrorCode;

// A chunk header is "<hex>;chunk-signature=<64 hex>" (~90 bytes); trailer lines are short
// too. Anything longer is not aws-chunked and is refused instead of buffered.
constexpr std::size_t kMaxLine = 4096;
constexpr std::size_t kMaxTrailers = 16;

core::Error malformed(std::string what) {
  return core::make_error(ErrorCode::InvalidRequest, "Malformed aws-chunked body: " + std::move(what));
}

core::Error incomplete() {
  return core::make_error(ErrorCode::IncompleteBody,
                        "You did not provide the number of bytes specified by the "
                        "x-amz-decoded-content-length HTTP header.");
}

}  // namespace

struct ChunkedDecoder::State {
  enum class Step { ChunkHeader, ChunkData, ChunkDataEnd, FinalEnd, Trailer, Done };

  // Configuration.
  bool signed_chunks = false;
  bool signed_trailer = false;
  std::string amz_date, scope, signing_key;
  std::int64_t declared_length = -1;
  std::optional<ChecksumAlgorithm> trailer_checksum;

  // Progress.
  Step step = Step::ChunkHeader;
  std::string line;                 // partial header / trailer line, or partial CRLF
  std::uint64_t chunk_remaining = 0;
  std::string chunk_signature;      // claimed signature of the current chunk
  std::string previous_signature;   // chain: seed, then each chunk's
  Hasher chunk_hash = Hasher::sha256();
  std::optional<Hasher> payload_checksum;
  std::int64_t decoded = 0;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string canonical_trailers;   // "name:value\n" for each, as signed
  bool trailer_signature_seen = false;
  std::optional<std::pair<ChecksumAlgorithm, std::string>> verified;
  std::optional<core::Error> failure;

  core::Result<void> feed(std::string_view raw, std::string& out);
  core::Result<void> finish();

 private:
  // Appends bytes up to and including CRLF to `line`; returns true once a full line is
  // in `line` (without the CRLF). Consumes from `raw`.
  core::Result<bool> take_line(std::string_view& raw);
  core::Result<void> on_chunk_header(std::string_view header);
  core::Result<void> on_chunk_end();
  core::Result<void> on_trailer_line(std::string_view text);
  core::Result<void> verify_chunk_signature(std::string_view data_hash_hex);
  core::Result<void> verify_trailer_signature(std::string_view claimed);
  core::Result<void> check_trailer_checksum();
};

core::Result<bool> ChunkedDecoder::State::take_line(std::string_view& raw) {
  const std::size_t newline = raw.find('\n');
  const std::size_t take = newline == std::string_view::npos ? raw.size() : newline + 1;
  if (line.size() + take > kMaxLine) return std::unexpected(malformed("line too long"));
  line.append(raw.substr(0, take));
  raw.remove_prefix(take);
  if (newline == std::string_view::npos) return false;
  if (line.size() < 2 || line[line.size() - 2] != '\r') return std::unexpected(malformed("expected CRLF"));
  line.resize(line.size() - 2);
  return true;
}

core::Result<void> ChunkedDecoder::State::verify_chunk_signature(std::string_view data_hash_hex) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts.append(amz_date).append("\n").append(scope).append("\n").append(previous_signature).append("\n");
  sts.append(kEmptySha256).append("\n").append(data_hash_hex);
  const std::string expected = sign(signing_key, sts);
  if (!constant_time_equal(expected, chunk_signature)) {
    auto e = core::make_error(ErrorCode::SignatureDoesNotMatch,
                            "The request signature we calculated does not match the signature you "
                            "provided. Check your key and signing method.");
    e.details.emplace_back("StringToSign", sts);
    e.details.emplace_back("SignatureProvided", chunk_signature);
    return std::unexpected(e);
  }
  previous_signature = chunk_signature;
  return {};
}

core::Result<void> ChunkedDecoder::State::on_chunk_header(std::string_view header) {
  const std::size_t semicolon = header.find(';');
  const std::string_view size_text = trim(header.substr(0, semicolon));
  if (size_text.empty() || size_text.size() > 15 ||
      !std::all_of(size_text.begin(), size_text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    return std::unexpected(malformed("bad chunk size"));
  }
  chunk_remaining = std::stoull(std::string(size_text), nullptr, 16);

  chunk_signature.clear();
  if (signed_chunks) {
    constexpr std::string_view kKey = "chunk-signature=";
    const std::string_view ext = semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
    if (!ext.starts_with(kKey)) return std::unexpected(malformed("missing chunk-signature"));
    chunk_signature = trim(ext.substr(kKey.size()));
  }

  if (declared_length >= 0 && decoded + static_cast<std::int64_t>(chunk_remaining) > declared_length) {
    return std::unexpected(core::make_error(ErrorCode::IncompleteBody,
                                          "The aws-chunked body is longer than x-amz-decoded-content-length."));
  }

  if (chunk_remaining > 0) {
    step = Step::ChunkData;
    return {};
  }
  // The final, empty chunk: signed like any other, then the trailer or the closing CRLF.
  if (signed_chunks) {
    if (auto ok = verify_chunk_signature(kEmptySha256); !ok) return ok;
  }
  step = (signed_trailer || !signed_chunks) ? Step::Trailer : Step::FinalEnd;
  return {};
}

core::Result<void> ChunkedDecoder::State::on_chunk_end() {
  if (signed_chunks) {
    if (auto ok = verify_chunk_signature(to_hex(chunk_hash.digest())); !ok) return ok;
  }
  step = Step::ChunkHeader;
  return {};
}

core::Result<void> ChunkedDecoder::State::verify_trailer_signature(std::string_view claimed) {
  std::string sts = "AWS4-HMAC-SHA256-TRAILER\n";
  sts.append(amz_date).append("\n").append(scope).append("\n").append(previous_signature).append("\n");
  sts.append(sha256_hex(canonical_trailers));
  if (!constant_time_equal(sign(signing_key, sts), claimed)) {
    auto e = core::make_error(ErrorCode::SignatureDoesNotMatch,
                            "The request signature we calculated does not match the signature you "
                            "provided. Check your key and signing method.");
    e.details.emplace_back("StringToSign", sts);
    e.details.emplace_back("SignatureProvided", std::string(claimed));
    return std::unexpected(e);
  }
  trailer_signature_seen = true;
  return {};
}

core::Result<void> ChunkedDecoder::State::on_trailer_line(std::string_view text) {
  if (text.empty()) {
    // A blank line ends the trailer section once something was in it; a blank line before
    // any trailer is the "0\r\n\r\n" some clients put before the trailer, or the end of a
    // body that has no trailer at all (finish() accepts both).
    if (!trailers.empty() || trailer_signature_seen) step = Step::Done;
    return {};
  }
  if (trailer_signature_seen) return std::unexpected(malformed("trailer after x-amz-trailer-signature"));
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::unexpected(malformed("bad trailer line"));
  const std::string name = to_lower(trim(text.substr(0, colon)));
  const std::string value(trim(text.substr(colon + 1)));
  if (name == "x-amz-trailer-signature") {
    if (!signed_trailer) return std::unexpected(malformed("unexpected x-amz-trailer-signature"));
    return verify_trailer_signature(value);
  }
  if (trailers.size() >= kMaxTrailers) return std::unexpected(malformed("too many trailers"));
  if (auto algorithm = checksum_from_header(name); algorithm && algorithm != trailer_checksum) {
    return std::unexpected(core::make_error(ErrorCode::InvalidRequest,
                                          "The trailer " + name + " was not declared in x-amz-trailer."));
  }
  canonical_trailers += name + ":" + value + "\n";
  trailers.emplace_back(name, value);
  return {};
}

core::Result<void> ChunkedDecoder::State::feed(std::string_view raw, std::string& out) {
  while (!raw.empty()) {
    switch (step) {
      case Step::ChunkHeader: {
        auto full = take_line(raw);
        if (!full) return std::unexpected(full.error());
        if (*full) {
          const std::string header = std::move(line);
          line.clear();
          if (auto ok = on_chunk_header(header); !ok) return ok;
        }
        break;
      }
      case Step::ChunkData: {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_remaining, raw.size()));
        const std::string_view data = raw.substr(0, take);
        if (signed_chunks) chunk_hash.update(data);
        if (payload_checksum) payload_checksum->update(data);
        out.append(data);
        decoded += static_cast<std::int64_t>(take);
        chunk_remaining -= take;
        raw.remove_prefix(take);
        if (chunk_remaining == 0) step = Step::ChunkDataEnd;
        break;
      }
      case Step::ChunkDataEnd:
      case Step::FinalEnd: {
        // Exactly "\r\n", possibly split across feeds.
        const std::size_t take = std::min<std::size_t>(2 - line.size(), raw.size());
        line.append(raw.substr(0, take));
        raw.remove_prefix(take);
        if (line.size() < 2) break;
        if (line != "\r\n") return std::unexpected(malformed("expected CRLF after chunk"));
        line.clear();
        if (step == Step::FinalEnd) {
          step = Step::Done;
        } else if (auto ok = on_chunk_end(); !ok) {
          return ok;
        }
        break;
      }
      case Step::Trailer: {
        auto full = take_line(raw);
        if (!full) return std::unexpected(full.error());
        if (*full) {
          const std::string text = std::move(line);
          line.clear();
          if (auto ok = on_trailer_line(text); !ok) return ok;
        }
        break;
      }
      case Step::Done:
        return std::unexpected(malformed("data after the end of the aws-chunked body"));
    }
  }
  return {};
}

core::Result<void> ChunkedDecoder::State::check_trailer_checksum() {
  if (!trailer_checksum) return {};
  const auto header = checksum_header(*trailer_checksum);
  const auto it = std::find_if(trailers.begin(), trailers.end(), [&](const auto& t) { return t.first == header; });
  if (it == trailers.end()) {
    return std::unexpected(core::make_error(ErrorCode::InvalidRequest,
                                          "The trailer " + std::string(header) +
                                              " was declared in x-amz-trailer but not sent."));
  }
  if (auto ok = verify_checksum(*trailer_checksum, it->second, payload_checksum->digest()); !ok) return ok;
  verified.emplace(*trailer_checksum, it->second);
  return {};
}

core::Result<void> ChunkedDecoder::State::finish() {
  // A last trailer line without its CRLF still counts (some clients end the body there).
  if (step == Step::Trailer && !line.empty()) {
    const std::string text = std::move(line);
    line.clear();
    if (text.back() == '\r') return std::unexpected(incomplete());
    if (auto ok = on_trailer_line(text); !ok) return ok;
  }
  const bool ended = step == Step::Done || (step == Step::FinalEnd && line.empty()) ||
                     (step == Step::Trailer && line.empty());
  if (!ended) return std::unexpected(incomplete());
  if (signed_trailer && !trailers.empty() && !trailer_signature_seen) {
    return std::unexpected(core::make_error(ErrorCode::SignatureDoesNotMatch,
                                          "The trailer was not signed (x-amz-trailer-signature missing)."));
  }
  if (declared_length >= 0 && decoded != declared_length) return std::unexpected(incomplete());
  return check_trailer_checksum();
}

// ---- ChunkedDecoder ----------------------------------------------------------------------

ChunkedDecoder::ChunkedDecoder(const Identity& identity, std::int64_t decoded_content_length,
                               std::optional<ChecksumAlgorithm> trailer_checksum)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.signed_chunks = identity.payload == PayloadMode::StreamingSigned ||
                    identity.payload == PayloadMode::StreamingSignedTrailer;
  s.signed_trailer = identity.payload == PayloadMode::StreamingSignedTrailer;
  s.amz_date = identity.amz_date;
  s.scope = identity.scope;
  s.signing_key = identity.signing_key;
  s.previous_signature = identity.seed_signature;
  s.declared_length = decoded_content_length;
  s.trailer_checksum = trailer_checksum;
  if (trailer_checksum) s.payload_checksum.emplace(Hasher::checksum(*trailer_checksum));
}

ChunkedDecoder::ChunkedDecoder(ChunkedDecoder&&) noexcept = default;
ChunkedDecoder& ChunkedDecoder::operator=(ChunkedDecoder&&) noexcept = default;
ChunkedDecoder::~ChunkedDecoder() = default;

core::Result<void> ChunkedDecoder::feed(std::string_view raw, std::string& out_payload) {
  if (state_->failure) return std::unexpected(*state_->failure);
  auto result = state_->feed(raw, out_payload);
  if (!result) state_->failure = result.error();
  return result;
}

core::Result<void> ChunkedDecoder::finish() {
  if (state_->failure) return std::unexpected(*state_->failure);
  auto result = state_->finish();
  if (!result) state_->failure = result.error();
  return result;
}

const std::vector<std::pair<std::string, std::string>>& ChunkedDecoder::trailers() const {
  return state_->trailers;
}

std::optional<std::pair<ChecksumAlgorithm, std::string>> ChunkedDecoder::verified_checksum() const {
  return state_->verified;
}

std::int64_t ChunkedDecoder::decoded_length() const { return state_->decoded; }

}  // namespace auth
