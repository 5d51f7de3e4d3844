// The aws-chunked decoder in its three modes. Whatever the way the body is cut into
// feed() calls, the outcome must be the same as feeding it whole: same success or error
// code, same decoded bytes.
// Input: byte 0 = options (bits 0-1 mode: 0 STREAMING-UNSIGNED-PAYLOAD-TRAILER,
// 1 STREAMING-AWS4-HMAC-SHA256-PAYLOAD, 2 its -TRAILER form; bit 2: an
// x-amz-checksum-crc32c trailer is declared; bit 3: x-amz-decoded-content-length is
// byte 1), byte 1 = how to cut the body, then the body. Signed modes chain from the seed
// signature of the S3 documentation's chunked PUT (AKIAIOSFODNN7EXAMPLE, 20130524), so
// seeds signed with that key get past the first chunk.
#include "auth/chunked.h"
#include "auth/sigv4.h"
#include "fuzz_support.h"

namespace {

auth::Identity identity_for(unsigned mode) {
  auth::Identity id;
  id.anonymous = false;
  id.access_key = "AKIAIOSFODNN7EXAMPLE";
  id.region = "us-east-1";
  id.service = "s3";
  id.date = "20130524";
  id.amz_date = "20130524T000000Z";
  id.scope = "20130524/us-east-1/s3/aws4_request";
  id.seed_signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  id.signing_key = auth::derive_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
  id.payload = mode == 1   ? auth::PayloadMode::StreamingSigned
               : mode == 2 ? auth::PayloadMode::StreamingSignedTrailer
                           : auth::PayloadMode::StreamingUnsignedTrailer;
  return id;
}

struct Outcome {
  bool ok = true;
  core::ErrorCode code{};
  std::string payload;
};

Outcome decode(const auth::Identity& identity, std::int64_t declared, std::optional<auth::ChecksumAlgorithm> checksum,
               const std::vector<std::string_view>& pieces) {
  auth::ChunkedDecoder decoder(identity, declared, checksum);
  Outcome outcome;
  for (auto piece : pieces) {
    if (auto fed = decoder.feed(piece, outcome.payload); !fed) {
      outcome.ok = false;
      outcome.code = fed.error().code;
      return outcome;
    }
  }
  if (auto done = decoder.finish(); !done) {
    outcome.ok = false;
    outcome.code = done.error().code;
    return outcome;
  }
  FUZZ_CHECK(decoder.decoded_length() == static_cast<std::int64_t>(outcome.payload.size()));
  if (checksum) FUZZ_CHECK(decoder.verified_checksum().has_value());
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned options = data[0];
  const unsigned mode = options % 4 == 3 ? 0 : options % 4;
  const std::int64_t declared = (options & 8) ? data[1] : -1;
  std::optional<auth::ChecksumAlgorithm> checksum;
  if ((options & 4) && mode != 1) checksum = auth::ChecksumAlgorithm::CRC32C;
  const std::string_view body = fuzz::as_text(data + 2, size - 2);
  const auth::Identity identity = identity_for(mode);

  const Outcome whole = decode(identity, declared, checksum, {body});
  const Outcome split = decode(identity, declared, checksum, fuzz::pieces(body, data[1] | 1));
  FUZZ_CHECK(whole.ok == split.ok);
  if (whole.ok) {
    FUZZ_CHECK(whole.payload == split.payload);
  } else {
    FUZZ_CHECK(whole.code == split.code);
  }
  return 0;
}
