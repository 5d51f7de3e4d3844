// Shared helpers for the store unit tests: a temp dir per test, an md5 helper, and a
// one-call PUT.
#pragma once

#include <openssl/evp.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <filesystem>
#include <string>

#include "store/store.h"

namespace store_test {

// A fresh directory, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "store-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Concatenation without `"literal" + std::string`, which GCC 12 at -O3 flags with a
// false -Wrestrict (GCC bug 105329), fatal under -Werror.
inline void append_part(std::string& out, std::string_view part) { out.append(part); }
inline void append_part(std::string& out, long long n) { out.append(std::to_string(n)); }
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (append_part(out, parts), ...);
  return out;
}

inline std::string md5_binary(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

inline std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

inline std::string md5_hex(std::string_view data) { return hex(md5_binary(data)); }

// A clock the test moves by hand.
struct FakeClock {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(1'700'000'000'000);
  std::function<std::int64_t()> fn() const {
    auto n = now;
    return [n] { return n->load(); };
  }
};

inline std::unique_ptr<store::Store> open_store(const std::filesystem::path& dir,
                                                std::function<std::int64_t()> clock = {}) {
  auto s = store::Store::open({.data_dir = dir, .in_memory = false, .now_ms = std::move(clock)});
  if (!s) FAIL("Store::open: " << s.error().effective_message());
  return std::move(*s);
}

inline core::Result<store::ObjectMeta> put(store::Store& s, const std::string& bucket,
                                            const std::string& key, std::string_view body,
                                            store::ObjectMeta meta = {}) {
  auto w = s.new_blob();
  if (!w) return std::unexpected(w.error());
  if (auto r = w->write(body); !r) return std::unexpected(r.error());
  meta.bucket = bucket;
  meta.key = key;
  meta.etag = md5_hex(body);
  return s.commit_object(std::move(meta), std::move(*w));
}

// The whole body of an object, read through get_object in small chunks.
inline std::string read_all(const store::BlobReader& r, std::size_t chunk = 4096) {
  std::string out, buf(chunk, '\0');
  for (std::int64_t off = 0;;) {
    auto n = r.read(off, buf.data(), buf.size());
    REQUIRE(n);
    if (*n == 0) break;
    out.append(buf.data(), *n);
    off += static_cast<std::int64_t>(*n);
  }
  return out;
}

inline std::string get_body(store::Store& s, const std::string& bucket, const std::string& key) {
  auto got = s.get_object(bucket, key);
  if (!got) FAIL("get_object " << key << ": " << got.error().effective_message());
  return read_all(got->second);
}

inline std::size_t count_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) ++n;
  return n;
}

}  // namespace store_test
