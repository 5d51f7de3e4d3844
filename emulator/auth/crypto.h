// Small cryptographic and encoding primitives for the auth layer, all backed by OpenSSL.
// Every function is pure: no global state, safe to call from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace auth {

// Lowercase hex of raw bytes ("\x01\xab" -> "01ab").
std::string to_hex(std::string_view bytes);
// "01 ab": lowercase hex, one space between bytes, as S3 writes StringToSignBytes.
std::string to_spaced_hex(std::string_view bytes);
// Inverse of to_hex; accepts either case. nullopt on odd length or a non-hex character.
std::optional<std::string> from_hex(std::string_view hex);

// Standard base64 with padding (RFC 4648 section 4), as S3 uses for Content-MD5 and
// x-amz-checksum-* values.
std::string base64_encode(std::string_view bytes);
// Strict: padding required, no whitespace, nullopt on anything malformed.
std::optional<std::string> base64_decode(std::string_view text);

// Raw 32-byte SHA-256 digest, and its lowercase hex form.
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
// Raw 32-byte HMAC-SHA256(key, data).
std::string hmac_sha256(std::string_view key, std::string_view data);
// Raw 20-byte HMAC-SHA1(key, data): SigV2, which S3 still accepts for POST form uploads.
std::string hmac_sha1(std::string_view key, std::string_view data);

// Constant-time equality (CRYPTO_memcmp). Different lengths compare unequal; the length
// itself is not secret.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace auth
