// Throughput of the store alone, without HTTP. Hidden from the default run:
//   build-store/bin/unit_tests "[store-bench]"            (data dir under /tmp, real fsync)
//   MINICLOUD_BENCH_IN_MEMORY=1 build-store/bin/unit_tests "[store-bench]"   (/dev/shm)
//   MINICLOUD_BENCH_NO_SYNC=1 build-store/bin/unit_tests "[store-bench]"     (disk, sync=false)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <catch2/catch.hpp>

#include "store_test_support.h"

using namespace store_test;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Runs `op(thread, i)` `per_thread` times on each of `threads` threads; prints ops/s (wall)
// and the process CPU time per op, which stays meaningful on a busy machine.
template <typename Op>
void rate(const std::string& label, int threads, int per_thread, Op op) {
  auto start = std::chrono::steady_clock::now();
  double cpu_start = cpu_seconds();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) op(t, i);
    });
  for (auto& th : pool) th.join();
  const double n = threads * per_thread;
  std::printf("%-58s %9.0f /s  %7.1f us CPU/op\n", label.c_str(), n / seconds_since(start),
              (cpu_seconds() - cpu_start) / n * 1e6);
}

}  // namespace

TEST_CASE("store: throughput", "[.][store-bench]") {
  const bool in_memory = std::getenv("MINICLOUD_BENCH_IN_MEMORY") != nullptr;
  const bool sync = std::getenv("MINICLOUD_BENCH_NO_SYNC") == nullptr;
  TempDir dir;
  auto start = std::chrono::steady_clock::now();
  auto opened = store::Store::open({.data_dir = dir.path(), .in_memory = in_memory, .sync = sync});
  REQUIRE(opened);
  auto& s = **opened;
  std::cout << (in_memory ? "in-memory (/dev/shm)" : cat("disk (", dir.path().string(), ")"))
            << (sync ? ", sync" : ", no sync") << "\n";
  std::cout << "open (fresh, migrations):  " << seconds_since(start) * 1000 << " ms\n";
  REQUIRE(s.create_bucket("b", "private", "us-east-1"));
  const std::string body(4096, 'x');
  const std::string etag = md5_hex(body);
  std::atomic<int> errors{0};

  auto put4k = [&](int t, int i) {
    auto w = s.new_blob();
    if (!w || !w->write(body)) { ++errors; return; }
    store::ObjectMeta m;
    m.bucket = "b";
    m.key = cat("t", t, "/k", i);
    m.etag = etag;
    m.content_type = "application/octet-stream";
    if (!s.commit_object(std::move(m), std::move(*w))) ++errors;
  };
  rate("commit_object 4 KiB, 1 thread", 1, 500, put4k);
  rate("commit_object 4 KiB, 4 threads", 4, 250, [&](int t, int i) { put4k(t + 1, i); });
  rate("commit_object 4 KiB, 16 threads", 16, 100, [&](int t, int i) { put4k(t + 5, i + 1000); });

  auto head = [&](int, int i) {
    if (!s.head_object("b", cat("t0/k", i % 500))) ++errors;
  };
  rate("head_object, 1 thread", 1, 100'000, head);
  rate("head_object, 4 threads", 4, 50'000, head);

  std::vector<char> buf(8192);
  auto get = [&](int, int i) {
    auto got = s.get_object("b", cat("t0/k", i % 500));
    if (!got) { ++errors; return; }
    auto n = got->second.read(0, buf.data(), buf.size());
    if (!n || *n != 4096) ++errors;
  };
  rate("get_object + read 4 KiB, 1 thread", 1, 50'000, get);
  rate("get_object + read 4 KiB, 4 threads", 4, 25'000, get);

  auto list = [&](int, int) {
    auto r = s.list_objects("b", {.prefix = "t0/", .max_keys = 1000});
    if (!r || r->objects.size() != 500) ++errors;
  };
  rate("list_objects 500 keys, 1 thread", 1, 200, list);
  auto list_delim = [&](int, int) {
    auto r = s.list_objects("b", {.delimiter = "/", .max_keys = 1000});
    if (!r || r->common_prefixes.size() != 21) ++errors;
  };
  rate("list_objects delimiter (21 groups of 100-500), 1 thread", 1, 2000, list_delim);
  CHECK(errors.load() == 0);
}
