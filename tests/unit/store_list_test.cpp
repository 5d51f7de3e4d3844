#include <algorithm>

#include <catch2/catch.hpp>

#include "store_test_support.h"

using namespace store_test;
using core::ErrorCode;

namespace {

std::vector<std::string> keys_of(const store::ListResult& r) {
  std::vector<std::string> out;
  for (const auto& o : r.objects) out.push_back(o.key);
  return out;
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE("store: listing", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  // Inserted out of order; includes UTF-8 (sorted by bytes, so after all ASCII), a key
  // that sorts between "photos/" and "photos0", and upper case (before lower case).
  const Keys keys = {"photos/2024/b.jpg", "photos/2024/a.jpg", "photos/2025/c.jpg",
                     "photos/top.jpg",    "photos0",           "README",
                     "a",                 "\xC3\xA9t\xC3\xA9/x", "z/\xE6\x97\xA5.jpg",
                     "photos/2024/"};
  for (const auto& k : keys) REQUIRE(put(*s, "b", k, cat("body of ", k)));

  SECTION("everything, in UTF-8 binary order") {
    auto r = s->list_objects("b", {});
    REQUIRE(r);
    Keys expected = keys;
    std::sort(expected.begin(), expected.end());  // std::string compares bytes unsigned
    CHECK(keys_of(*r) == expected);
    CHECK(expected.front() == "README");
    CHECK(expected.back() == "\xC3\xA9t\xC3\xA9/x");
    CHECK_FALSE(r->is_truncated);
    CHECK(r->common_prefixes.empty());
    CHECK(r->objects[0].size == static_cast<std::int64_t>(std::string("body of README").size()));
  }
  SECTION("prefix") {
    auto r = s->list_objects("b", {.prefix = "photos/"});
    CHECK(keys_of(*r) == Keys{"photos/2024/", "photos/2024/a.jpg", "photos/2024/b.jpg",
                              "photos/2025/c.jpg", "photos/top.jpg"});
    CHECK(keys_of(*s->list_objects("b", {.prefix = "nothing"})).empty());
    CHECK(keys_of(*s->list_objects("b", {.prefix = "\xC3\xA9"})) == Keys{"\xC3\xA9t\xC3\xA9/x"});
  }
  SECTION("delimiter rolls keys up into common prefixes") {
    auto r = s->list_objects("b", {.delimiter = "/"});
    CHECK(keys_of(*r) == Keys{"README", "a", "photos0"});
    CHECK(r->common_prefixes == Keys{"photos/", "z/", "\xC3\xA9t\xC3\xA9/"});
    auto sub = s->list_objects("b", {.prefix = "photos/", .delimiter = "/"});
    CHECK(keys_of(*sub) == Keys{"photos/top.jpg"});
    CHECK(sub->common_prefixes == Keys{"photos/2024/", "photos/2025/"});
    auto leaf = s->list_objects("b", {.prefix = "photos/2024/", .delimiter = "/"});
    CHECK(keys_of(*leaf) == Keys{"photos/2024/", "photos/2024/a.jpg", "photos/2024/b.jpg"});
    CHECK(leaf->common_prefixes.empty());
    auto multi = s->list_objects("b", {.delimiter = "/2"});  // multi-character delimiter
    CHECK(multi->common_prefixes == Keys{"photos/2"});
  }
  SECTION("start_after is exclusive") {
    auto r = s->list_objects("b", {.prefix = "photos/", .start_after = "photos/2024/a.jpg"});
    CHECK(keys_of(*r) == Keys{"photos/2024/b.jpg", "photos/2025/c.jpg", "photos/top.jpg"});
    auto before_prefix = s->list_objects("b", {.prefix = "photos/", .start_after = "A"});
    CHECK(before_prefix->objects.size() == 5);
    auto after_prefix = s->list_objects("b", {.prefix = "photos/", .start_after = "q"});
    CHECK(after_prefix->objects.empty());
    auto after_all = s->list_objects("b", {.start_after = "\xF4"});
    CHECK(after_all->objects.empty());
  }
  SECTION("max_keys counts objects and prefixes; pages chain through next_marker") {
    auto zero = s->list_objects("b", {.max_keys = 0});
    CHECK(zero->objects.empty());
    CHECK_FALSE(zero->is_truncated);

    auto exact = s->list_objects("b", {.max_keys = static_cast<int>(keys.size())});
    CHECK_FALSE(exact->is_truncated);

    // Page through with a delimiter, two entries at a time.
    Keys seen_keys, seen_prefixes;
    std::string marker;
    int pages = 0;
    for (;;) {
      auto page = s->list_objects("b", {.delimiter = "/", .start_after = marker, .max_keys = 2});
      REQUIRE(page);
      ++pages;
      CHECK(page->objects.size() + page->common_prefixes.size() <= 2);
      for (auto& o : page->objects) seen_keys.push_back(o.key);
      for (auto& p : page->common_prefixes) seen_prefixes.push_back(p);
      if (!page->is_truncated) break;
      marker = page->next_marker;
      REQUIRE(pages < 10);
    }
    CHECK(pages == 3);
    CHECK(seen_keys == Keys{"README", "a", "photos0"});
    CHECK(seen_prefixes == Keys{"photos/", "z/", "\xC3\xA9t\xC3\xA9/"});

    // Without a delimiter: one key per page visits every key once.
    Keys all;
    marker.clear();
    for (;;) {
      auto page = s->list_objects("b", {.start_after = marker, .max_keys = 1});
      for (auto& o : page->objects) all.push_back(o.key);
      if (!page->is_truncated) break;
      CHECK(page->next_marker == page->objects.back().key);
      marker = page->next_marker;
    }
    CHECK(all.size() == keys.size());
  }
  SECTION("a marker inside a rolled-up group skips the rest of the group") {
    auto r = s->list_objects("b", {.delimiter = "/", .start_after = "photos/2024/a.jpg"});
    CHECK(keys_of(*r) == Keys{"photos0"});
    CHECK(r->common_prefixes == Keys{"z/", "\xC3\xA9t\xC3\xA9/"});
  }
  SECTION("errors") {
    CHECK(s->list_objects("nope", {}).error().code == ErrorCode::NoSuchBucket);
  }
}

TEST_CASE("store: listing stays correct across many keys and groups", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  Keys expected_prefixes;
  for (int d = 0; d < 30; ++d) {
    std::string folder = cat("dir", 100 + d, "/");
    expected_prefixes.push_back(folder);
    for (int f = 0; f < 5; ++f) REQUIRE(put(*s, "b", cat(folder, "f", f), "x"));
  }
  REQUIRE(put(*s, "b", "zz-top-level", "x"));
  Keys prefixes, objects;
  std::string marker;
  for (;;) {
    auto page = s->list_objects("b", {.delimiter = "/", .start_after = marker, .max_keys = 7});
    for (auto& p : page->common_prefixes) prefixes.push_back(p);
    for (auto& o : page->objects) objects.push_back(o.key);
    if (!page->is_truncated) break;
    marker = page->next_marker;
  }
  CHECK(prefixes == expected_prefixes);
  CHECK(objects == Keys{"zz-top-level"});
}
