#include "events/function_code.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace events {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int error) { return std::strerror(error); }

// A directory being built beside its final place; removed unless committed.
class StagingDir {
 public:
  static std::expected<StagingDir, std::string> create(const fs::path& dest) {
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) return std::unexpected("cannot create " + dest.parent_path().string() + ": " + ec.message());
    std::string pattern = (dest.parent_path() / ("." + dest.filename().string() + ".tmp-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
      return std::unexpected("cannot create a directory beside " + dest.string() + ": " + errno_text(errno));
    StagingDir staging(pattern);
    // mkdtemp makes it 0700; a code directory is 0755 like the ones inside it.
    if (::chmod(pattern.c_str(), 0755) != 0) return std::unexpected("cannot chmod " + pattern + ": " + errno_text(errno));
    return staging;
  }
  StagingDir(StagingDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  StagingDir& operator=(StagingDir&&) = delete;
  ~StagingDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

  // Renames the staged tree to dest: one atomic swap when dest exists (the old tree is then
  // removed), else a plain rename.
  std::expected<void, std::string> commit(const fs::path& dest) {
    if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) == 0) {
      path_.clear();
      return {};
    }
    if (errno == EEXIST && ::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, dest.c_str(), RENAME_EXCHANGE) == 0)
      return {};  // path_ now holds the old tree, removed by the destructor
    if (errno != EINVAL && errno != ENOSYS) return std::unexpected("cannot rename into " + dest.string() + ": " + errno_text(errno));
    // A filesystem without renameat2 flags: move the old tree aside first.
    std::string aside = (dest.parent_path() / ("." + dest.filename().string() + ".old-XXXXXX")).string();
    if (::mkdtemp(aside.data()) == nullptr) return std::unexpected("cannot replace " + dest.string() + ": " + errno_text(errno));
    std::error_code ec;
    bool had_old = fs::exists(dest, ec);
    if (had_old && ::rename(dest.c_str(), aside.c_str()) != 0) {
      int saved = errno;
      fs::remove(aside, ec);
      return std::unexpected("cannot replace " + dest.string() + ": " + errno_text(saved));
    }
    if (::rename(path_.c_str(), dest.c_str()) != 0) {
      int saved = errno;
      if (had_old) ::rename(aside.c_str(), dest.c_str());
      fs::remove_all(aside, ec);
      return std::unexpected("cannot rename into " + dest.string() + ": " + errno_text(saved));
    }
    path_.clear();
    fs::remove_all(aside, ec);
    return {};
  }

 private:
  explicit StagingDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

fs::path normalized_dest(const fs::path& dest) {
  fs::path clean = fs::absolute(dest).lexically_normal();
  if (clean.filename().empty()) clean = clean.parent_path();
  return clean;
}

// An entry name as a relative path inside the tree: no absolute path, no "..". "./" and
// empty components (a//b) are dropped. An empty result is the root itself.
std::expected<fs::path, std::string> entry_path(std::string_view name) {
  if (name.starts_with('/')) return std::unexpected("entry \"" + std::string(name) + "\" has an absolute path");
  fs::path out;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part == "..") return std::unexpected("entry \"" + std::string(name) + "\" has a \"..\" component");
    if (!part.empty() && part != ".") out /= std::string(part);
    start = end + 1;
  }
  return out;
}

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using Archive = std::unique_ptr<zip_t, ZipCloser>;
using ZipFile = std::unique_ptr<zip_file_t, ZipFileCloser>;

enum class Kind { kFile, kDirectory, kSymlink };

struct Entry {
  zip_uint64_t index = 0;
  std::string name;
  fs::path path;
  Kind kind = Kind::kFile;
  mode_t mode = 0644;
  std::uint64_t size = 0;
};

std::string archive_error(zip_t* archive) { return zip_error_strerror(zip_get_error(archive)); }

// What an entry is, from its name and (for zips made on unix) its mode bits.
std::expected<Entry, std::string> describe(zip_t* archive, zip_uint64_t index) {
  Entry entry;
  entry.index = index;
  const char* name = zip_get_name(archive, index, ZIP_FL_ENC_RAW);
  if (name == nullptr) return std::unexpected("entry " + std::to_string(index) + ": " + archive_error(archive));
  entry.name = name;
  auto path = entry_path(entry.name);
  if (!path) return std::unexpected(path.error());
  entry.path = *path;
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive, index, ZIP_FL_ENC_RAW, &stat) != 0)
    return std::unexpected("entry \"" + entry.name + "\": " + archive_error(archive));
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
    return std::unexpected("entry \"" + entry.name + "\" is encrypted");
  entry.size = (stat.valid & ZIP_STAT_SIZE) ? stat.size : 0;
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  mode_t unix_mode = 0;
  if (zip_file_get_external_attributes(archive, index, 0, &opsys, &attributes) == 0 && opsys == ZIP_OPSYS_UNIX)
    unix_mode = static_cast<mode_t>(attributes >> 16);
  if (entry.name.ends_with('/') || S_ISDIR(unix_mode)) {
    entry.kind = Kind::kDirectory;
  } else if (S_ISLNK(unix_mode)) {
    entry.kind = Kind::kSymlink;
  } else if ((unix_mode & S_IFMT) != 0 && !S_ISREG(unix_mode)) {
    return std::unexpected("entry \"" + entry.name + "\" is not a file, directory or symlink");
  }
  if (entry.kind == Kind::kFile && (unix_mode & 0777) != 0) entry.mode = (unix_mode & 0777) | S_IRUSR;
  if (entry.path.empty() && entry.kind != Kind::kDirectory)
    return std::unexpected("entry \"" + entry.name + "\" has no file name");
  return entry;
}

// Streams an entry's inflated bytes to `sink`, counting them against the limit.
template <typename Sink>
std::expected<void, std::string> read_entry(zip_t* archive, const Entry& entry, std::uint64_t& total,
                                            const ZipLimits& limits, Sink&& sink) {
  ZipFile file(zip_fopen_index(archive, entry.index, 0));
  if (!file) return std::unexpected("entry \"" + entry.name + "\": " + archive_error(archive));
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
    if (n < 0) return std::unexpected("entry \"" + entry.name + "\": " + zip_file_strerror(file.get()));
    if (n == 0) return {};
    total += static_cast<std::uint64_t>(n);
    if (total > limits.max_bytes)
      return std::unexpected("the unzipped code is over the limit of " + std::to_string(limits.max_bytes) +
                             " bytes (entry \"" + entry.name + "\" inflates past its declared size)");
    if (auto ok = sink(buffer.data(), static_cast<std::size_t>(n)); !ok) return ok;
  }
}

std::expected<void, std::string> write_entry_file(zip_t* archive, const Entry& entry, const fs::path& root,
                                                  std::uint64_t& total, const ZipLimits& limits) {
  fs::path target = root / entry.path;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return std::unexpected("entry \"" + entry.name + "\": cannot create its directory: " + ec.message());
  // No symlink exists yet (they are made last), and O_NOFOLLOW refuses one anyway.
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("entry \"" + entry.name + "\": " + errno_text(errno));
  auto result = read_entry(archive, entry, total, limits, [&](const char* data, std::size_t size) -> std::expected<void, std::string> {
    while (size > 0) {
      ssize_t w = ::write(fd, data, size);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return std::unexpected("writing \"" + entry.name + "\": " + errno_text(errno));
      data += w;
      size -= static_cast<std::size_t>(w);
    }
    return {};
  });
  if (result && ::fchmod(fd, entry.mode) != 0) result = std::unexpected("entry \"" + entry.name + "\": " + errno_text(errno));
  if (::close(fd) != 0 && result) result = std::unexpected("writing \"" + entry.name + "\": " + errno_text(errno));
  return result;
}

bool inside(const fs::path& root, const fs::path& path) {
  auto [root_end, path_it] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

std::expected<void, std::string> make_symlink(zip_t* archive, const Entry& entry, const fs::path& root,
                                              std::uint64_t& total, const ZipLimits& limits) {
  constexpr std::uint64_t kMaxTarget = 4096;
  if (entry.size > kMaxTarget) return std::unexpected("symlink \"" + entry.name + "\" has a target over 4096 bytes");
  std::string target;
  auto read = read_entry(archive, entry, total, limits, [&](const char* data, std::size_t size) -> std::expected<void, std::string> {
    if (target.size() + size > kMaxTarget) return std::unexpected("symlink \"" + entry.name + "\" has a target over 4096 bytes");
    target.append(data, size);
    return {};
  });
  if (!read) return read;
  auto outside = [&] { return std::unexpected("symlink \"" + entry.name + "\" points outside the code (" + target + ")"); };
  if (target.empty() || target.starts_with('/') || target.find('\0') != std::string::npos) return outside();
  fs::path resolved = (entry.path.parent_path() / target).lexically_normal();
  if (!resolved.empty() && *resolved.begin() == "..") return outside();
  // Its directory must be a real one: writing through an earlier symlink could land anywhere.
  fs::path dir = root;
  for (const auto& part : entry.path.parent_path()) {
    dir /= part;
    std::error_code ec;
    auto status = fs::symlink_status(dir, ec);
    if (status.type() == fs::file_type::not_found) {
      if (!fs::create_directory(dir, ec) && ec) return std::unexpected("entry \"" + entry.name + "\": " + ec.message());
    } else if (fs::is_symlink(status)) {
      return std::unexpected("entry \"" + entry.name + "\" is inside a symlinked directory");
    } else if (!fs::is_directory(status)) {
      return std::unexpected("entry \"" + entry.name + "\": " + part.string() + " is not a directory");
    }
  }
  fs::path link = root / entry.path;
  std::error_code ec;
  fs::remove(link, ec);  // a later entry replaces an earlier one of the same name
  if (::symlink(target.c_str(), link.c_str()) != 0)
    return std::unexpected("symlink \"" + entry.name + "\": " + errno_text(errno));
  return {};
}

// After every link exists: each one, followed through the others, stays inside the tree
// (one link may point into another, which the lexical check above cannot see).
std::expected<void, std::string> check_symlinks(const std::vector<const Entry*>& links, const fs::path& root) {
  std::error_code ec;
  fs::path canonical_root = fs::canonical(root, ec);
  if (ec) return std::unexpected("cannot resolve " + root.string() + ": " + ec.message());
  for (const Entry* entry : links) {
    fs::path resolved = fs::weakly_canonical(root / entry->path, ec);
    if (ec) return std::unexpected("symlink \"" + entry->name + "\": " + ec.message());
    if (!inside(canonical_root, resolved)) return std::unexpected("symlink \"" + entry->name + "\" points outside the code");
  }
  return {};
}

}  // namespace

std::expected<void, std::string> extract_zip(std::string_view zip_bytes, const std::filesystem::path& dest_dir,
                                             const ZipLimits& limits) {
  if (zip_bytes.empty()) return std::unexpected(std::string("the zip is empty (0 bytes)"));
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &error);
  if (source == nullptr) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return std::unexpected("cannot read the zip: " + message);
  }
  Archive archive(zip_open_from_source(source, ZIP_RDONLY, &error));
  if (!archive) {
    zip_source_free(source);
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return std::unexpected("not a valid zip: " + message);
  }
  zip_error_fini(&error);

  zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  if (count < 0) return std::unexpected("not a valid zip: " + archive_error(archive.get()));
  if (static_cast<std::uint64_t>(count) > limits.max_entries)
    return std::unexpected("the zip has " + std::to_string(count) + " entries, over the limit of " +
                           std::to_string(limits.max_entries));
  std::vector<Entry> entries;
  entries.reserve(static_cast<std::size_t>(count));
  std::uint64_t declared = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    auto entry = describe(archive.get(), static_cast<zip_uint64_t>(i));
    if (!entry) return std::unexpected(entry.error());
    if (entry->size > limits.max_bytes - declared)
      return std::unexpected("the unzipped code would be over the limit of " + std::to_string(limits.max_bytes) +
                             " bytes (entry \"" + entry->name + "\" declares " + std::to_string(entry->size) + ")");
    declared += entry->size;
    entries.push_back(std::move(*entry));
  }

  fs::path dest = normalized_dest(dest_dir);
  auto staging = StagingDir::create(dest);
  if (!staging) return std::unexpected(staging.error());
  const fs::path& root = staging->path();
  std::uint64_t total = 0;
  std::vector<const Entry*> links;
  for (const Entry& entry : entries) {
    if (entry.kind == Kind::kSymlink) {
      links.push_back(&entry);
    } else if (entry.kind == Kind::kDirectory) {
      std::error_code ec;
      fs::create_directories(root / entry.path, ec);
      if (ec) return std::unexpected("entry \"" + entry.name + "\": " + ec.message());
    } else if (auto ok = write_entry_file(archive.get(), entry, root, total, limits); !ok) {
      return ok;
    }
  }
  for (const Entry* link : links)
    if (auto ok = make_symlink(archive.get(), *link, root, total, limits); !ok) return ok;
  if (auto ok = check_symlinks(links, root); !ok) return ok;
  return staging->commit(dest);
}

std::expected<void, std::string> write_inline_code(std::string_view runtime, std::string_view /*handler*/,
                                                   std::string_view source, const std::filesystem::path& dest_dir) {
  std::string file;
  if (runtime.starts_with("nodejs")) file = "index.js";
  else if (runtime.starts_with("python3.")) file = "index.py";
  else
    return std::unexpected("inline code (ZipFile) is supported for nodejs* and python3.* runtimes, not " +
                           std::string(runtime));
  fs::path dest = normalized_dest(dest_dir);
  auto staging = StagingDir::create(dest);
  if (!staging) return std::unexpected(staging.error());
  fs::path path = staging->path() / file;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected("cannot write " + path.string() + ": " + errno_text(errno));
  std::string_view left = source;
  while (!left.empty()) {
    ssize_t w = ::write(fd, left.data(), left.size());
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      int saved = errno;
      ::close(fd);
      return std::unexpected("cannot write " + path.string() + ": " + errno_text(saved));
    }
    left.remove_prefix(static_cast<std::size_t>(w));
  }
  bool ok = ::fchmod(fd, 0644) == 0;  // whatever the umask, as a zip's 0644 file would be
  ok = ::close(fd) == 0 && ok;
  if (!ok) return std::unexpected("cannot write " + path.string() + ": " + errno_text(errno));
  return staging->commit(dest);
}

}  // namespace events
