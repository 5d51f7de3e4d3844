#include "auth/checksum.h"

#include <isa-l/crc.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "auth/crypto.h"

namespace auth {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5, init and xorout all ones).
// The isa-l in Debian 12 (2.30) predates crc64_rocks_refl, and neither OpenSSL nor any
// other packaged library provides this polynomial, so this one CRC is table-driven here
// (slicing-by-8, tables computed at compile time). Checked against the standard check
// value in tests/unit/auth_checksum_test.cpp.
constexpr std::uint64_t kCrc64NvmePoly = 0x9A6C9329AC4BC9B5ULL;

using Crc64Tables = std::array<std::array<std::uint64_t, 256>, 8>;

constexpr Crc64Tables make_crc64_tables() {
  Crc64Tables t{};
  for (std::uint64_t i = 0; i < 256; ++i) {
    std::uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kCrc64NvmePoly : crc >> 1;
    t[0][i] = crc;
  }
  for (std::size_t i = 0; i < 256; ++i)
    for (std::size_t k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  return t;
}

constexpr Crc64Tables kCrc64Tables = make_crc64_tables();

// Raw (un-inverted) update: the caller keeps ~crc between calls.
std::uint64_t crc64_nvme_update(std::uint64_t crc, const unsigned char* p, std::size_t n) {
  while (n >= 8) {
    std::uint64_t word = 0;
    for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];  // little-endian load
    crc ^= word;
    crc = kCrc64Tables[7][crc & 0xff] ^ kCrc64Tables[6][(crc >> 8) & 0xff] ^
          kCrc64Tables[5][(crc >> 16) & 0xff] ^ kCrc64Tables[4][(crc >> 24) & 0xff] ^
          kCrc64Tables[3][(crc >> 32) & 0xff] ^ kCrc64Tables[2][(crc >> 40) & 0xff] ^
          kCrc64Tables[1][(crc >> 48) & 0xff] ^ kCrc64Tables[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = kCrc64Tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

std::string big_endian(std::uint64_t value, std::size_t bytes) {
  std::string out(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i)
    out[bytes - 1 - i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

struct AlgorithmInfo {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  std::string_view header;
  std::size_t size;
};

constexpr std::array<AlgorithmInfo, 5> kAlgorithms{{
    {ChecksumAlgorithm::CRC32, "CRC32", "x-amz-checksum-crc32", 4},
    {ChecksumAlgorithm::CRC32C, "CRC32C", "x-amz-checksum-crc32c", 4},
    {ChecksumAlgorithm::CRC64NVME, "CRC64NVME", "x-amz-checksum-crc64nvme", 8},
    {ChecksumAlgorithm::SHA1, "SHA1", "x-amz-checksum-sha1", 20},
    {ChecksumAlgorithm::SHA256, "SHA256", "x-amz-checksum-sha256", 32},
}};

const AlgorithmInfo& info(ChecksumAlgorithm algorithm) {
  return kAlgorithms[static_cast<std::size_t>(algorithm)];
}

// Digests fetched from OpenSSL's provider once (EVP_md5() and friends are looked up again
// on every EVP_DigestInit_ex, which shows when a hasher is reset per aws-chunked chunk).
// Initialised once, never changed.
const EVP_MD* fetched_md(ChecksumAlgorithm algorithm) {
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm == ChecksumAlgorithm::SHA1 ? sha1 : sha256;
}

const EVP_MD* fetched_md5() {
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return md5;
}

}  // namespace

std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name) {
  for (const auto& a : kAlgorithms)
    if (iequals(a.name, name)) return a.algorithm;
  return std::nullopt;
}

std::string_view checksum_name(ChecksumAlgorithm algorithm) { return info(algorithm).name; }
std::string_view checksum_header(ChecksumAlgorithm algorithm) { return info(algorithm).header; }
std::size_t checksum_size(ChecksumAlgorithm algorithm) { return info(algorithm).size; }

std::optional<ChecksumAlgorithm> checksum_from_header(std::string_view header_name) {
  for (const auto& a : kAlgorithms)
    if (iequals(a.header, header_name)) return a.algorithm;
  return std::nullopt;
}

const std::vector<ChecksumAlgorithm>& all_checksum_algorithms() {
  static const std::vector<ChecksumAlgorithm> all{
      ChecksumAlgorithm::CRC32, ChecksumAlgorithm::CRC32C, ChecksumAlgorithm::CRC64NVME,
      ChecksumAlgorithm::SHA1, ChecksumAlgorithm::SHA256};
  return all;
}

// ---- Hasher ---------------------------------------------------------------------------

struct Hasher::State {
  enum class Kind { Evp, Crc32, Crc32c, Crc64Nvme } kind = Kind::Evp;
  const EVP_MD* md = nullptr;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{nullptr, &EVP_MD_CTX_free};
  std::uint64_t crc = 0;

  void reset() {
    switch (kind) {
      case Kind::Evp:
        if (!ctx) ctx.reset(EVP_MD_CTX_new());
        EVP_DigestInit_ex(ctx.get(), md, nullptr);
        break;
      case Kind::Crc32: crc = 0; break;                      // crc32_gzip_refl inverts itself
      case Kind::Crc32c: crc = 0xFFFFFFFFu; break;           // crc32_iscsi does not
      case Kind::Crc64Nvme: crc = ~std::uint64_t{0}; break;  // neither does ours
    }
  }
};

Hasher::Hasher(std::unique_ptr<State> state) : state_(std::move(state)) { state_->reset(); }
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

Hasher Hasher::md5() {
  auto s = std::make_unique<State>();
  s->md = fetched_md5();
  return Hasher(std::move(s));
}

Hasher Hasher::sha256() {
  auto s = std::make_unique<State>();
  s->md = fetched_md(ChecksumAlgorithm::SHA256);
  return Hasher(std::move(s));
}

Hasher Hasher::checksum(ChecksumAlgorithm algorithm) {
  auto s = std::make_unique<State>();
  switch (algorithm) {
    case ChecksumAlgorithm::CRC32: s->kind = State::Kind::Crc32; break;
    case ChecksumAlgorithm::CRC32C: s->kind = State::Kind::Crc32c; break;
    case ChecksumAlgorithm::CRC64NVME: s->kind = State::Kind::Crc64Nvme; break;
    case ChecksumAlgorithm::SHA1: s->md = fetched_md(ChecksumAlgorithm::SHA1); break;
    case ChecksumAlgorithm::SHA256: s->md = fetched_md(ChecksumAlgorithm::SHA256); break;
  }
  return Hasher(std::move(s));
}

void Hasher::reset() { state_->reset(); }

void Hasher::update(std::string_view data) {
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  std::size_t n = data.size();
  switch (state_->kind) {
    case State::Kind::Evp: EVP_DigestUpdate(state_->ctx.get(), p, n); break;
    case State::Kind::Crc32:
      state_->crc = crc32_gzip_refl(static_cast<std::uint32_t>(state_->crc), p, n);
      break;
    case State::Kind::Crc32c:
      // crc32_iscsi takes an int length: feed it in pieces well under INT_MAX.
      while (n > 0) {
        const std::size_t piece = std::min<std::size_t>(n, std::size_t{1} << 30);
        state_->crc = crc32_iscsi(p, static_cast<int>(piece), static_cast<unsigned>(state_->crc));
        p += piece;
        n -= piece;
      }
      break;
    case State::Kind::Crc64Nvme: state_->crc = crc64_nvme_update(state_->crc, p, n); break;
  }
}

std::string Hasher::digest() {
  std::string out;
  switch (state_->kind) {
    case State::Kind::Evp: {
      std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
      unsigned int size = 0;
      EVP_DigestFinal_ex(state_->ctx.get(), md.data(), &size);
      out.assign(reinterpret_cast<const char*>(md.data()), size);
      break;
    }
    case State::Kind::Crc32: out = big_endian(state_->crc, 4); break;
    case State::Kind::Crc32c: out = big_endian(~state_->crc & 0xFFFFFFFFu, 4); break;
    case State::Kind::Crc64Nvme: out = big_endian(~state_->crc, 8); break;
  }
  state_->reset();
  return out;
}

std::string checksum_of(ChecksumAlgorithm algorithm, std::string_view data) {
  Hasher h = Hasher::checksum(algorithm);
  h.update(data);
  return h.digest();
}

std::string composite_checksum(ChecksumAlgorithm algorithm,
                               const std::vector<std::string>& raw_part_checksums) {
  Hasher h = Hasher::checksum(algorithm);
  for (const auto& part : raw_part_checksums) h.update(part);
  return base64_encode(h.digest()) + "-" + std::to_string(raw_part_checksums.size());
}

core::Result<void> verify_checksum(ChecksumAlgorithm algorithm, std::string_view expected_base64,
                                 std::string_view computed_raw) {
  const auto expected = base64_decode(expected_base64);
  if (!expected || expected->size() != checksum_size(algorithm)) {
    return std::unexpected(core::make_error(
        core::ErrorCode::InvalidRequest,
        "Value for " + std::string(checksum_header(algorithm)) + " header is invalid."));
  }
  if (!constant_time_equal(*expected, computed_raw)) {
    return std::unexpected(core::make_error(
        core::ErrorCode::BadDigest,
        "The " + std::string(checksum_name(algorithm)) +
            " you specified did not match the calculated checksum."));
  }
  return {};
}

core::Result<void> verify_content_md5(std::string_view header_value, std::string_view computed_raw_md5) {
  const auto expected = base64_decode(header_value);
  if (!expected || expected->size() != 16) {
    return std::unexpected(
        core::make_error(core::ErrorCode::InvalidDigest, "The Content-MD5 you specified was invalid."));
  }
  if (!constant_time_equal(*expected, computed_raw_md5)) {
    return std::unexpected(core::make_error(
        core::ErrorCode::BadDigest, "The Content-MD5 you specified did not match what we received."));
  }
  return {};
}

}  // namespace auth
