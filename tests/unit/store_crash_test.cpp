// kill -9 in the middle of a stream of PUTs: every acknowledged write must be there after
// reopening, with its exact body, and nothing half-written may be visible. The writer is
// this same test binary, re-executed to run the hidden "[store-crash-child]" case.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <catch2/catch.hpp>

#include "store_test_support.h"

extern char** environ;

using namespace store_test;

namespace {

constexpr const char* kDirVariable = "MINICLOUD_STORE_CRASH_DIR";

// Deterministic, distinct per key and of varying size, so a torn or mixed-up body shows.
std::string body_for(int i) {
  std::string body = cat("object ", i, ":");
  body.resize(static_cast<std::size_t>(1000 + (i * 977) % 70'000), static_cast<char>('a' + i % 26));
  return body;
}

}  // namespace

TEST_CASE("store crash child: PUT forever, acknowledging each on stdout", "[.][store-crash-child]") {
  const char* dir = std::getenv(kDirVariable);
  REQUIRE(dir != nullptr);
  auto s = open_store(dir);
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  for (int i = 0;; ++i) {
    // A second body in flight at every moment, as from a client cut off mid-upload.
    auto partial = s->new_blob();
    REQUIRE(partial);
    REQUIRE(partial->write(body_for(i + 1).substr(0, 500)));
    REQUIRE(put(*s, "b", cat("k", i), body_for(i)));
    std::printf("ack %d\n", i);
    std::fflush(stdout);
  }
}

TEST_CASE("store: writes acknowledged before kill -9 survive it, nothing else shows", "[store]") {
  TempDir dir;
  int out[2];
  REQUIRE(::pipe(out) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  env_strings.push_back(cat(kDirVariable, "=", dir.path().string()));
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe", tag = "[store-crash-child]";
  char* argv[] = {exe.data(), tag.data(), nullptr};
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv, envp.data()) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);

  // Read acknowledgements until enough have arrived, then kill without warning.
  std::set<int> acked;
  std::string pending;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (acked.size() < 40 && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{out[0], POLLIN, 0};
    if (::poll(&pfd, 1, 1000) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      int i = -1;
      if (std::sscanf(pending.c_str(), "ack %d", &i) == 1) acked.insert(i);
    }
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out[0]);
  CHECK(WIFSIGNALED(status));
  REQUIRE(acked.size() >= 40);

  auto s = open_store(dir.path());
  for (int i : acked) {
    INFO("key k" << i);
    auto got = s->get_object("b", cat("k", i));
    REQUIRE(got);
    CHECK(got->first.etag == md5_hex(body_for(i)));
    CHECK(read_all(got->second) == body_for(i));
  }
  // At most the one write in flight at the kill may have landed beyond the last ack, and
  // if it did, it is complete.
  auto listed = s->list_objects("b", {});
  REQUIRE(listed);
  CHECK(listed->objects.size() <= acked.size() + 1);
  for (const auto& o : listed->objects) {
    int i = std::stoi(o.key.substr(1));
    CHECK(get_body(*s, "b", o.key) == body_for(i));
  }
  // The half-written bodies and any body renamed but not committed are gone.
  CHECK(count_files(dir.path() / "tmp") == 0);
  CHECK(count_files(dir.path() / "blobs") == listed->objects.size());
}
