// Function code: zips made by Python's zipfile (well-formed and hostile ones) extracted
// with extract_zip, and CloudFormation's inline code.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "events/function_code.h"
#include "store_test_support.h"

using store_test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The bytes of zips built by `bodies`, one Python process for all (it starts slowly on a
// busy machine): each body runs with `z` an open ZipFile (deflated), `add` (kAddWithMode),
// `zipfile` and `struct`; `out` is the zip's path, for patching it after z.close().
std::vector<std::string> make_zips(const TempDir& dir, const std::vector<std::string>& bodies);

std::string make_zip(const TempDir& dir, const std::string& body) { return make_zips(dir, {body}).at(0); }

// Adds an entry with a unix mode (zipfile keeps external_attr as given).
constexpr const char* kAddWithMode = R"py(
def add(name, data, mode):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)
)py";

std::vector<std::string> make_zips(const TempDir& dir, const std::vector<std::string>& bodies) {
  fs::path script = dir.path() / "make_zip.py";
  std::ofstream py(script);
  py << "import struct, sys, zipfile\n";
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    std::string indented;
    std::istringstream lines(std::string(kAddWithMode) + bodies[i]);
    for (std::string line; std::getline(lines, line);) indented += "    " + line + "\n";
    py << "def make_" << i << "(out):\n    z = zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED)\n"
       << indented << "    if z.fp: z.close()\n"
       << "make_" << i << "(sys.argv[1] + '/code-" << i << ".zip')\n";
  }
  py.close();
  std::string command = "python3 '" + script.string() + "' '" + dir.path().string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  std::vector<std::string> zips;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    fs::path zip = dir.path() / ("code-" + std::to_string(i) + ".zip");
    zips.push_back(slurp(zip));
    fs::remove(zip);
  }
  fs::remove(script);
  return zips;
}

int permissions(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Nothing but `dest` (when expected) in its parent: no staging directory left behind.
void require_clean_parent(const fs::path& parent, bool dest_expected) {
  if (!fs::exists(parent)) {
    REQUIRE(!dest_expected);
    return;
  }
  auto count = std::distance(fs::directory_iterator(parent), fs::directory_iterator());
  REQUIRE(count == (dest_expected ? 1 : 0));
}

}  // namespace

TEST_CASE("a deployment package extracts with its directories, exec bits and inner symlinks", "[function-code]") {
  TempDir dir;
  auto zip = make_zip(dir, R"py(
add('index.js', 'exports.handler = async () => 1;\n', 0o100644)
add('bin/tool', '#!/bin/sh\necho hi\n', 0o100755)
add('node_modules/sharp/package.json', '{"name":"sharp"}', 0o100600)
add('empty/', '', 0o040755)
add('./lib//util.js', 'module.exports = 1;\n', 0o100644)
add('node_modules/.bin/tool', '../../bin/tool', 0o120777)
z.writestr('plain.txt', 'zipfile defaults')
)py");
  fs::path dest = dir.path() / "functions" / "ThumbLambda";
  auto ok = events::extract_zip(zip, dest);
  INFO((ok ? "" : ok.error()));
  REQUIRE(ok);
  CHECK(slurp(dest / "index.js") == "exports.handler = async () => 1;\n");
  CHECK(permissions(dest / "index.js") == 0644);
  CHECK(permissions(dest / "bin" / "tool") == 0755);
  CHECK(permissions(dest / "node_modules" / "sharp" / "package.json") == 0600);
  CHECK(fs::is_directory(dest / "empty"));
  CHECK(slurp(dest / "lib" / "util.js") == "module.exports = 1;\n");
  CHECK(fs::is_symlink(dest / "node_modules" / ".bin" / "tool"));
  CHECK(slurp(dest / "node_modules" / ".bin" / "tool") == "#!/bin/sh\necho hi\n");
  CHECK(slurp(dest / "plain.txt") == "zipfile defaults");
  CHECK((permissions(dest) & 0755) == 0755);
  require_clean_parent(dest.parent_path(), true);

  // Extracting again replaces the whole tree: nothing of the old one is left.
  auto second = make_zip(dir, "z.writestr('app.py', 'def handler(e, c): return 1\\n')");
  REQUIRE(events::extract_zip(second, dest));
  CHECK(fs::exists(dest / "app.py"));
  CHECK(!fs::exists(dest / "index.js"));
  require_clean_parent(dest.parent_path(), true);
}

TEST_CASE("path traversal, absolute paths and escaping symlinks are refused; nothing is written", "[function-code]") {
  TempDir dir;
  fs::path dest = dir.path() / "out" / "fn";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"add('index.js', 'x', 0o100644)\nadd('../evil', 'x', 0o100644)", "\"..\" component"},
      {"add('a/../../evil', 'x', 0o100644)", "\"..\" component"},
      {"add('/tmp/evil', 'x', 0o100644)", "absolute path"},
      {"add('link', '/etc/passwd', 0o120777)", "points outside"},
      {"add('sub/link', '../../evil', 0o120777)", "points outside"},
      // Each link alone stays inside; followed through each other they escape.
      {"add('d/x', '..', 0o120777)\nadd('d/y', 'x/../..', 0o120777)", "points outside"},
      {"add('d', '.', 0o120777)\nadd('d/evil', 'x', 0o120777)", "symlinked directory"},
      {"add('fifo', '', 0o010644)", "not a file, directory or symlink"},
  };
  std::vector<std::string> bodies;
  for (const auto& [body, expected] : cases) bodies.push_back(body);
  auto zips = make_zips(dir, bodies);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto ok = events::extract_zip(zips[i], dest);
    REQUIRE(!ok);
    INFO(ok.error());
    CHECK(ok.error().find(cases[i].second) != std::string::npos);
    CHECK(!fs::exists(dest));
    CHECK(!fs::exists(dir.path() / "evil"));
    CHECK(!fs::exists(dir.path() / "out" / "evil"));
    require_clean_parent(dest.parent_path(), false);
  }
}

TEST_CASE("corrupt, truncated and oversized zips are refused with a reason", "[function-code]") {
  TempDir dir;
  fs::path dest = dir.path() / "fn";
  // Made once (Catch runs the body again for each section).
  static const std::vector<std::string> zips = make_zips(dir, {
      "z.writestr('index.js', 'exports.handler = async () => ' + '1 + ' * 2000 + '1;')",
      // The central directory claims 4 GB for a tiny entry.
      R"py(z.writestr('big.bin', 'x')
z.close()
data = bytearray(open(out, 'rb').read())
cd = data.rfind(b'PK\x01\x02')
data[cd + 24:cd + 28] = struct.pack('<I', 0xFFFFFFF0)
open(out, 'wb').write(bytes(data)))py",
      // 1 MiB of zeros declared as 10 bytes (local and central headers).
      R"py(z.writestr('bomb.bin', b'\0' * (1 << 20))
z.close()
data = bytearray(open(out, 'rb').read())
data[22:26] = struct.pack('<I', 10)
cd = data.rfind(b'PK\x01\x02')
data[cd + 24:cd + 28] = struct.pack('<I', 10)
open(out, 'wb').write(bytes(data)))py",
      "for i in range(11): z.writestr('f%d.txt' % i, 'x' * 100)",
  });
  const std::string& good = zips[0];

  SECTION("not a zip, empty, truncated") {
    CHECK(events::extract_zip("hello, not a zip", dest).error().find("not a valid zip") != std::string::npos);
    CHECK(events::extract_zip("", dest).error().find("empty") != std::string::npos);
    for (std::size_t size : {good.size() / 2, good.size() - 10, std::size_t{30}}) {
      auto ok = events::extract_zip(std::string_view(good).substr(0, size), dest);
      CHECK(!ok);
    }
  }
  SECTION("a damaged deflate stream or CRC") {
    std::string bad = good;
    for (std::size_t i = 40; i < 60; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);  // inside the data
    auto ok = events::extract_zip(bad, dest);
    REQUIRE(!ok);
    CHECK(ok.error().find("index.js") != std::string::npos);
  }
  SECTION("an entry declaring more than Lambda's 250 MB") {
    auto ok = events::extract_zip(zips[1], dest);
    REQUIRE(!ok);
    CHECK(ok.error().find("over the limit of 262144000 bytes") != std::string::npos);
  }
  SECTION("an entry inflating past its declared size stops at the limit") {
    auto ok = events::extract_zip(zips[2], dest, {.max_bytes = 64 * 1024, .max_entries = 100});
    REQUIRE(!ok);
    CHECK(!fs::exists(dest));
  }
  SECTION("more bytes or entries than the limits") {
    const std::string& eleven = zips[3];
    CHECK(events::extract_zip(eleven, dest, {.max_bytes = 1000, .max_entries = 100}).error().find("over the limit of 1000 bytes") !=
          std::string::npos);
    CHECK(events::extract_zip(eleven, dest, {.max_bytes = 1 << 20, .max_entries = 10}).error().find("11 entries") !=
          std::string::npos);
    CHECK(events::extract_zip(eleven, dest, {.max_bytes = 1100, .max_entries = 11}));
  }
  SECTION("a failed extraction leaves the previous code in place") {
    REQUIRE(events::extract_zip(good, dest));
    CHECK(!events::extract_zip(std::string_view(good).substr(0, good.size() / 2), dest));
    CHECK(fs::exists(dest / "index.js"));
  }
}

TEST_CASE("inline code (ZipFile) becomes index.js or index.py", "[function-code]") {
  TempDir dir;
  fs::path dest = dir.path() / "fn";
  REQUIRE(events::write_inline_code("nodejs20.x", "index.handler", "exports.handler = async () => 'inline';\n", dest));
  CHECK(slurp(dest / "index.js") == "exports.handler = async () => 'inline';\n");
  CHECK(permissions(dest / "index.js") == 0644);
  REQUIRE(events::write_inline_code("python3.12", "index.handler", "def handler(event, context):\n    return 1\n", dest));
  CHECK(fs::exists(dest / "index.py"));
  CHECK(!fs::exists(dest / "index.js"));
  auto refused = events::write_inline_code("java21", "Handler::handleRequest", "class X {}", dest);
  REQUIRE(!refused);
  CHECK(refused.error().find("java21") != std::string::npos);
  CHECK(fs::exists(dest / "index.py"));
}

TEST_CASE("randomly damaged zips are refused or extracted, never more", "[function-code]") {
  TempDir dir;
  auto good = make_zip(dir, R"py(
add('index.js', 'exports.handler = async () => 1;\n' * 50, 0o100644)
add('lib/a.js', 'module.exports = "a";\n' * 50, 0o100755)
add('lib/link.js', 'a.js', 0o120777)
)py");
  fs::create_directories(dir.path() / "out");
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  int extracted = 0;
  for (int round = 0; round < 400; ++round) {
    std::string damaged = good;
    int flips = 1 + static_cast<int>(next() % 4);
    for (int i = 0; i < flips; ++i) damaged[next() % damaged.size()] = static_cast<char>(next() >> 24);
    fs::path dest = dir.path() / "out" / "fn";
    (void)events::extract_zip(damaged, dest, {.max_bytes = 1 << 20, .max_entries = 100});
    for (const auto& entry : fs::directory_iterator(dir.path() / "out"))  // only dest, if anything
      CHECK(entry.path().filename() == "fn");
    extracted += fs::exists(dest) ? 1 : 0;
  }
  CHECK(extracted > 0);  // some damage lands where nothing checks it (e.g. a comment)
}
