// How the store's rows are written and read: the column lists, binary-safe pair lists,
// and the readers for object, upload and part rows. Internal to store/ (the Store's
// implementation files), not part of its interface.
#pragma once

#include <charconv>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/db.h"
#include "store/types.h"

namespace store {

inline core::Error err(core::ErrorCode code, std::string message = {}) {
  return core::make_error(code, std::move(message));
}

// ---- Pair lists as bytes: (u32 little-endian length, bytes) twice per pair. Binary-safe,
// unlike JSON, which rejects invalid UTF-8 and so could not keep values byte-exact.

inline void put_u32(std::string& out, std::size_t n) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

template <typename Pairs>
std::string encode_pairs(const Pairs& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    put_u32(out, name.size());
    out += name;
    put_u32(out, value.size());
    out += value;
  }
  return out;
}

// Stops at the first malformed entry (cannot happen for data we wrote).
inline std::vector<std::pair<std::string, std::string>> decode_pairs(std::string_view in) {
  std::vector<std::pair<std::string, std::string>> out;
  auto take = [&in](std::string& s) {
    if (in.size() < 4) return false;
    std::size_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<std::size_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(4);
    if (in.size() < n) return false;
    s.assign(in.substr(0, n));
    in.remove_prefix(n);
    return true;
  };
  while (!in.empty()) {
    std::string name, value;
    if (!take(name) || !take(value)) break;
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

inline std::map<std::string, std::string> decode_map(std::string_view in) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : decode_pairs(in)) out[std::move(k)] = std::move(v);
  return out;
}

// ---- The metadata columns shared by `objects` and `uploads`, in this order.
#define META_COLUMNS                                                                      \
  "content_type, content_encoding, content_disposition, content_language, cache_control, " \
  "expires, user_metadata, checksums, checksum_type, acl, sse_algorithm, sse_kms_key_id"

inline void bind_meta(Statement& st, int first, const ObjectMeta& m) {
  st.bind(first + 0, m.content_type)
      .bind(first + 1, m.content_encoding)
      .bind(first + 2, m.content_disposition)
      .bind(first + 3, m.content_language)
      .bind(first + 4, m.cache_control)
      .bind(first + 5, m.expires)
      .bind_blob(first + 6, encode_pairs(m.user_metadata))
      .bind_blob(first + 7, encode_pairs(m.checksums))
      .bind(first + 8, m.checksum_type)
      .bind(first + 9, m.acl)
      .bind(first + 10, m.sse_algorithm)
      .bind(first + 11, m.sse_kms_key_id);
}

inline void read_meta(const Statement& st, int first, ObjectMeta& m) {
  m.content_type = st.column_text(first + 0);
  m.content_encoding = st.column_text(first + 1);
  m.content_disposition = st.column_text(first + 2);
  m.content_language = st.column_text(first + 3);
  m.cache_control = st.column_text(first + 4);
  m.expires = st.column_text(first + 5);
  m.user_metadata = decode_pairs(st.column_text(first + 6));
  m.checksums = decode_map(st.column_text(first + 7));
  m.checksum_type = st.column_text(first + 8);
  m.acl = st.column_text(first + 9);
  m.sse_algorithm = st.column_text(first + 10);
  m.sse_kms_key_id = st.column_text(first + 11);
}

// part_sizes as stored: decimal sizes joined by ','.
inline std::string encode_sizes(const std::vector<std::int64_t>& sizes) {
  std::string out;
  for (std::int64_t size : sizes) {
    if (!out.empty()) out += ',';
    out += std::to_string(size);
  }
  return out;
}

inline std::vector<std::int64_t> decode_sizes(std::string_view in) {
  std::vector<std::int64_t> out;
  while (!in.empty()) {
    auto comma = in.find(',');
    auto item = in.substr(0, comma);
    std::int64_t size = 0;
    std::from_chars(item.data(), item.data() + item.size(), size);
    out.push_back(size);
    in = comma == std::string_view::npos ? std::string_view{} : in.substr(comma + 1);
  }
  return out;
}

// Object rows: SELECT kObjectColumns ... and read_object().
#define OBJECT_COLUMNS "key, size, etag, last_modified_ms, parts_count, blob_id, part_sizes, " META_COLUMNS

inline ObjectMeta read_object(const Statement& st, const std::string& bucket) {
  ObjectMeta m;
  m.bucket = bucket;
  m.key = st.column_text(0);
  m.size = st.column_int(1);
  m.etag = st.column_text(2);
  m.last_modified_ms = st.column_int(3);
  m.parts_count = static_cast<int>(st.column_int(4));
  m.blob_id = st.column_text(5);
  m.part_sizes = decode_sizes(st.column_text(6));
  read_meta(st, 7, m);
  return m;
}

#define UPLOAD_COLUMNS "upload_id, bucket, key, initiated_ms, checksum_algorithm, " META_COLUMNS

inline UploadInfo read_upload(const Statement& st) {
  UploadInfo u;
  u.upload_id = st.column_text(0);
  u.bucket = st.column_text(1);
  u.key = st.column_text(2);
  u.initiated_ms = st.column_int(3);
  u.checksum_algorithm = st.column_text(4);
  read_meta(st, 5, u.meta_template);
  u.meta_template.bucket = u.bucket;
  u.meta_template.key = u.key;
  return u;
}

#define PART_COLUMNS "part_number, size, etag, last_modified_ms, checksums, blob_id"

inline PartInfo read_part(const Statement& st) {
  PartInfo p;
  p.part_number = static_cast<int>(st.column_int(0));
  p.size = st.column_int(1);
  p.etag = st.column_text(2);
  p.last_modified_ms = st.column_int(3);
  p.checksums = decode_map(st.column_text(4));
  return p;
}

// The smallest string greater than every string starting with `prefix`; "" if none
// (prefix empty or all 0xff).
inline std::string prefix_successor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

inline std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

}  // namespace store
