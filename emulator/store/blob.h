// Object bodies as files. A body is written to a temp file (BlobWriter), made durable and
// renamed into place under a random id (BlobFiles::install), and read back through an open
// file descriptor (BlobReader). Files are named by id, never by key, and are immutable once
// installed, so hard links can share them and an open reader never sees a torn body.
//
// Layout under the data dir:
//   tmp/<32 hex>            bodies being written (removed at startup)
//   blobs/<2 hex>/<30 hex>  installed bodies, id = the 32 hex digits
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace store {

// An owned file descriptor; closes on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { int fd = fd_; fd_ = -1; return fd; }
  void reset();

 private:
  int fd_ = -1;
};

// A body being written: a temp file in the data dir. write() appends; the caller hashes.
// Move-only. The destructor removes the temp file unless the blob was installed.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&&) noexcept;
  BlobWriter& operator=(BlobWriter&&) noexcept;
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  ~BlobWriter();

  // Appends all of `data` (retries short writes). InternalError with the errno text.
  core::Result<void> write(std::string_view data);
  std::int64_t size() const { return size_; }

 private:
  friend class BlobFiles;
  BlobWriter(UniqueFd fd, std::filesystem::path temp_path);
  void discard();  // close and unlink the temp file, if any

  UniqueFd fd_;
  std::filesystem::path temp_path_;  // empty once installed or moved from
  std::int64_t size_ = 0;
};

// Streams an installed body with pread. Move-only; keeps the file open, so a concurrent
// overwrite or delete of the object (which unlinks the file) does not break a read in
// progress. Safe to call read() from several threads at once.
class BlobReader {
 public:
  BlobReader(BlobReader&&) noexcept = default;
  BlobReader& operator=(BlobReader&&) noexcept = default;
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;

  // Reads up to `len` bytes at `offset`; returns the count, 0 at or past the end.
  core::Result<std::size_t> read(std::int64_t offset, char* buf, std::size_t len) const;
  std::int64_t size() const { return size_; }

 private:
  friend class BlobFiles;
  BlobReader(UniqueFd fd, std::int64_t size) : fd_(std::move(fd)), size_(size) {}

  UniqueFd fd_;
  std::int64_t size_ = 0;
};

// The blob directory layout and the file operations on it. Thread-safe (no mutable state
// besides the file system).
class BlobFiles {
 public:
  // sync=false skips the fsyncs in install()/duplicate(): still safe against kill -9 (the
  // kernel keeps the written pages), no longer against power loss. For benchmarks/tests.
  explicit BlobFiles(std::filesystem::path data_dir, bool sync = true);

  // Creates tmp/, blobs/ and the 256 fan-out directories.
  core::Result<void> create_dirs() const;

  // A random 128-bit id as 32 lowercase hex digits.
  static std::string new_id();
  static bool is_valid_id(std::string_view id);

  core::Result<BlobWriter> new_writer() const;

  // Makes the written body durable (fsync file), renames it to a new id (then fsyncs the
  // directory, so the name survives a crash as well) and returns the id. The writer is
  // consumed either way; on failure the temp file is removed.
  core::Result<std::string> install(BlobWriter&& writer) const;

  // A second name for an installed body under a new id (hard link; a copy if the file
  // system refuses links). NoSuchKey if `source_id` does not exist.
  core::Result<std::string> duplicate(const std::string& source_id) const;

  // Opens an installed body. NoSuchKey if it does not exist (e.g. removed by an overwrite).
  core::Result<BlobReader> open(const std::string& id) const;

  // Best-effort unlink; a missing file is not an error (removal is idempotent).
  void remove(const std::string& id) const;

  // Removes every temp file, and every blob file whose id `is_referenced` rejects (and any
  // stray file in blobs/). Only call while no writer is active (at startup). Returns how
  // many files were removed.
  std::size_t remove_orphans(const std::function<bool(const std::string&)>& is_referenced) const;

  std::filesystem::path path_of(const std::string& id) const;
  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  std::filesystem::path data_dir_, tmp_dir_, blob_dir_;
  bool sync_ = true;
};

// Guards a data dir against a second process (flock on data_dir/LOCK, released on close).
class DirLock {
 public:
  // InternalError if the dir is locked by someone else, with a message saying so.
  static core::Result<DirLock> acquire(const std::filesystem::path& data_dir);

 private:
  explicit DirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace store
