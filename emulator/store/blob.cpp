#include "store/blob.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

namespace store {
namespace fs = std::filesystem;
namespace {

core::Error io_error(std::string_view what, const fs::path& path, int err = errno) {
  return core::make_error(core::ErrorCode::InternalError,
                        std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// fsync a directory so a rename/creation inside it survives a crash of the machine.
core::Result<void> sync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return std::unexpected(io_error("open dir", dir));
  if (::fsync(fd.get()) != 0) return std::unexpected(io_error("fsync dir", dir));
  return {};
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

// ---- UniqueFd

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() { reset(); }

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// ---- BlobWriter

BlobWriter::BlobWriter(UniqueFd fd, fs::path temp_path)
    : fd_(std::move(fd)), temp_path_(std::move(temp_path)) {}

BlobWriter::BlobWriter(BlobWriter&& other) noexcept
    : fd_(std::move(other.fd_)),
      temp_path_(std::exchange(other.temp_path_, {})),
      size_(std::exchange(other.size_, 0)) {}

BlobWriter& BlobWriter::operator=(BlobWriter&& other) noexcept {
  if (this != &other) {
    discard();
    fd_ = std::move(other.fd_);
    temp_path_ = std::exchange(other.temp_path_, {});
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

BlobWriter::~BlobWriter() { discard(); }

void BlobWriter::discard() {
  fd_.reset();
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

core::Result<void> BlobWriter::write(std::string_view data) {
  if (!fd_.valid())
    return std::unexpected(core::make_error(core::ErrorCode::InternalError, "write to a closed blob"));
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("write", temp_path_));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    size_ += n;
  }
  return {};
}

// ---- BlobReader

core::Result<std::size_t> BlobReader::read(std::int64_t offset, char* buf, std::size_t len) const {
  if (offset < 0)
    return std::unexpected(core::make_error(core::ErrorCode::InternalError, "negative read offset"));
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd_.get(), buf + done, len - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(core::make_error(core::ErrorCode::InternalError,
                                            std::string("read blob: ") + std::strerror(errno)));
    }
    if (n == 0) break;  // end of file
    done += static_cast<std::size_t>(n);
  }
  return done;
}

// ---- BlobFiles

BlobFiles::BlobFiles(fs::path data_dir, bool sync)
    : data_dir_(std::move(data_dir)),
      tmp_dir_(data_dir_ / "tmp"),
      blob_dir_(data_dir_ / "blobs"),
      sync_(sync) {}

core::Result<void> BlobFiles::create_dirs() const {
  std::error_code ec;
  fs::create_directories(tmp_dir_, ec);
  if (ec) return std::unexpected(io_error("create", tmp_dir_, ec.value()));
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    fs::path sub = blob_dir_ / std::string{kHex[i >> 4], kHex[i & 15]};
    fs::create_directories(sub, ec);
    if (ec) return std::unexpected(io_error("create", sub, ec.value()));
  }
  return {};
}

std::string BlobFiles::new_id() {
  std::array<unsigned char, 16> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::terminate();  // the kernel's RNG cannot fail on Linux >= 3.17 after boot
    }
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

bool BlobFiles::is_valid_id(std::string_view id) { return id.size() == 32 && is_hex(id); }

fs::path BlobFiles::path_of(const std::string& id) const {
  return blob_dir_ / id.substr(0, 2) / id.substr(2);
}

core::Result<BlobWriter> BlobFiles::new_writer() const {
  fs::path path = tmp_dir_ / new_id();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return std::unexpected(io_error("create", path));
  return BlobWriter(std::move(fd), std::move(path));
}

core::Result<std::string> BlobFiles::install(BlobWriter&& writer) const {
  BlobWriter w = std::move(writer);  // consumed: its destructor cleans up on any failure
  if (!w.fd_.valid() || w.temp_path_.empty())
    return std::unexpected(core::make_error(core::ErrorCode::InternalError, "install of a spent blob"));
  if (sync_ && ::fsync(w.fd_.get()) != 0) return std::unexpected(io_error("fsync", w.temp_path_));
  w.fd_.reset();
  std::string id = new_id();
  fs::path target = path_of(id);
  if (::rename(w.temp_path_.c_str(), target.c_str()) != 0)
    return std::unexpected(io_error("rename to", target));
  w.temp_path_.clear();  // now installed: no longer ours to remove
  if (!sync_) return id;
  if (auto r = sync_dir(target.parent_path()); !r) {
    remove(id);
    return std::unexpected(r.error());
  }
  return id;
}

core::Result<std::string> BlobFiles::duplicate(const std::string& source_id) const {
  if (!is_valid_id(source_id)) return std::unexpected(core::make_error(core::ErrorCode::NoSuchKey));
  fs::path source = path_of(source_id);
  std::string id = new_id();
  fs::path target = path_of(id);
  if (::link(source.c_str(), target.c_str()) == 0) {
    if (!sync_) return id;
    if (auto r = sync_dir(target.parent_path()); !r) {
      remove(id);
      return std::unexpected(r.error());
    }
    return id;
  }
  if (errno == ENOENT) return std::unexpected(core::make_error(core::ErrorCode::NoSuchKey));
  // No hard links here (EPERM, EXDEV, EMLINK, ...): copy through a temp file.
  auto reader = open(source_id);
  if (!reader) return std::unexpected(reader.error());
  auto writer = new_writer();
  if (!writer) return std::unexpected(writer.error());
  std::vector<char> buf(1 << 20);
  for (std::int64_t offset = 0; offset < reader->size();) {
    auto n = reader->read(offset, buf.data(), buf.size());
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
    if (auto w = writer->write({buf.data(), *n}); !w) return std::unexpected(w.error());
    offset += static_cast<std::int64_t>(*n);
  }
  return install(std::move(*writer));
}

core::Result<BlobReader> BlobFiles::open(const std::string& id) const {
  if (!is_valid_id(id)) return std::unexpected(core::make_error(core::ErrorCode::NoSuchKey));
  fs::path path = path_of(id);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::unexpected(core::make_error(core::ErrorCode::NoSuchKey));
    return std::unexpected(io_error("open", path));
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected(io_error("stat", path));
  return BlobReader(std::move(fd), static_cast<std::int64_t>(st.st_size));
}

void BlobFiles::remove(const std::string& id) const {
  if (is_valid_id(id)) ::unlink(path_of(id).c_str());
}

std::size_t BlobFiles::remove_orphans(
    const std::function<bool(const std::string&)>& is_referenced) const {
  std::size_t removed = 0;
  std::error_code ec;
  auto unlink_counted = [&](const fs::path& p) {
    if (::unlink(p.c_str()) == 0) ++removed;
  };
  for (fs::directory_iterator it(tmp_dir_, ec), end; !ec && it != end; it.increment(ec))
    unlink_counted(it->path());
  for (fs::directory_iterator sub(blob_dir_, ec), end; !ec && sub != end; sub.increment(ec)) {
    const std::string prefix = sub->path().filename().string();
    if (!sub->is_directory(ec) || prefix.size() != 2 || !is_hex(prefix)) continue;
    std::error_code ec2;
    for (fs::directory_iterator it(sub->path(), ec2), end2; !ec2 && it != end2; it.increment(ec2)) {
      const std::string id = prefix + it->path().filename().string();
      if (!is_valid_id(id) || !is_referenced(id)) unlink_counted(it->path());
    }
  }
  return removed;
}

// ---- DirLock

core::Result<DirLock> DirLock::acquire(const fs::path& data_dir) {
  fs::path path = data_dir / "LOCK";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return std::unexpected(io_error("open", path));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return std::unexpected(core::make_error(
          core::ErrorCode::InternalError,
          "data dir " + data_dir.string() + " is in use by another minicloud process"));
    return std::unexpected(io_error("lock", path));
  }
  return DirLock(std::move(fd));
}

}  // namespace store
