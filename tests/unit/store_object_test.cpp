#include <chrono>
#include <fstream>

#include <catch2/catch.hpp>

#include "store_test_support.h"

using namespace store_test;
using core::ErrorCode;
namespace fs = std::filesystem;

TEST_CASE("store: put, overwrite, delete", "[store]") {
  TempDir dir;
  FakeClock clock;
  auto s = open_store(dir.path(), clock.fn());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));

  auto first = put(*s, "b", "docs/readme.txt", "hello");
  REQUIRE(first);
  CHECK(first->size == 5);
  CHECK(first->etag == md5_hex("hello"));
  CHECK(first->last_modified_ms == clock.now->load());
  CHECK(store::BlobFiles::is_valid_id(first->blob_id));
  CHECK(get_body(*s, "b", "docs/readme.txt") == "hello");

  *clock.now += 5000;
  auto second = put(*s, "b", "docs/readme.txt", "hello, world");
  REQUIRE(second);
  CHECK(second->blob_id != first->blob_id);
  auto head = s->head_object("b", "docs/readme.txt");
  REQUIRE(head);
  CHECK(head->size == 12);
  CHECK(head->etag == md5_hex("hello, world"));
  CHECK(head->last_modified_ms == clock.now->load());
  CHECK(get_body(*s, "b", "docs/readme.txt") == "hello, world");
  // The replaced body is gone from disk: only the current one is left.
  CHECK(count_files(dir.path() / "blobs") == 1);
  // Metadata read before the overwrite no longer opens: its body was removed.
  CHECK(s->open_object(*first).error().code == ErrorCode::NoSuchKey);

  auto stats = s->stats();
  CHECK(stats.buckets == 1);
  CHECK(stats.objects == 1);
  CHECK(stats.bytes == 12);

  auto deleted = s->delete_object("b", "docs/readme.txt");
  REQUIRE(deleted);
  REQUIRE(deleted->has_value());
  CHECK((*deleted)->etag == md5_hex("hello, world"));
  CHECK(s->head_object("b", "docs/readme.txt").error().code == ErrorCode::NoSuchKey);
  CHECK(s->get_object("b", "docs/readme.txt").error().code == ErrorCode::NoSuchKey);
  CHECK(count_files(dir.path() / "blobs") == 0);

  auto missing = s->delete_object("b", "docs/readme.txt");  // as S3: success
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
  CHECK(s->delete_object("nope", "k").error().code == ErrorCode::NoSuchBucket);
  CHECK(s->head_object("nope", "k").error().code == ErrorCode::NoSuchBucket);

  SECTION("empty body") {
    auto empty = put(*s, "b", "empty", "");
    REQUIRE(empty);
    CHECK(empty->size == 0);
    CHECK(get_body(*s, "b", "empty").empty());
  }
  SECTION("acl") {
    REQUIRE(put(*s, "b", "k", "x"));
    CHECK(s->head_object("b", "k")->acl == "private");
    REQUIRE(s->set_object_acl("b", "k", "public-read"));
    CHECK(s->head_object("b", "k")->acl == "public-read");
    CHECK(s->set_object_acl("b", "missing", "private").error().code == ErrorCode::NoSuchKey);
    CHECK(s->set_object_acl("nope", "k", "private").error().code == ErrorCode::NoSuchBucket);
  }
}

TEST_CASE("store: metadata round-trips byte-exact, UTF-8 included", "[store]") {
  TempDir dir;
  store::ObjectMeta meta;
  meta.content_type = "image/jpeg";
  meta.content_encoding = "gzip";
  meta.content_disposition = "attachment; filename=\"caf\xC3\xA9.jpg\"";
  meta.content_language = "fr-CA";
  meta.cache_control = "public, max-age=31536000";
  meta.expires = "Thu, 01 Dec 2030 16:00:00 GMT";
  meta.user_metadata = {{"author", "Zo\xC3\xAB \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"},
                        {"empty", ""},
                        {"a", "  spaces kept  "},
                        {"binary", std::string("\x01\xff\xfe", 3)}};  // not UTF-8, still exact
  meta.checksums = {{"CRC32", "AAAAAA=="}, {"SHA256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}};
  meta.checksum_type = "FULL_OBJECT";
  meta.acl = "public-read";
  {
    auto s = open_store(dir.path());
    REQUIRE(s->create_bucket("b", "private", "us-east-1"));
    REQUIRE(put(*s, "b", "\xE5\x86\x99\xE7\x9C\x9F/\xF0\x9F\x93\xB7.jpg", "jpeg bytes", meta));
  }
  // Reopened: everything came from disk.
  auto s = open_store(dir.path());
  auto got = s->head_object("b", "\xE5\x86\x99\xE7\x9C\x9F/\xF0\x9F\x93\xB7.jpg");
  REQUIRE(got);
  CHECK(got->content_type == meta.content_type);
  CHECK(got->content_encoding == meta.content_encoding);
  CHECK(got->content_disposition == meta.content_disposition);
  CHECK(got->content_language == meta.content_language);
  CHECK(got->cache_control == meta.cache_control);
  CHECK(got->expires == meta.expires);
  CHECK(got->user_metadata == meta.user_metadata);  // order kept too
  CHECK(got->checksums == meta.checksums);
  CHECK(got->checksum_type == "FULL_OBJECT");
  CHECK(got->acl == "public-read");
  CHECK(got->parts_count == 0);
  CHECK(got->bucket == "b");
}

TEST_CASE("store: copy shares the body and takes the target's metadata", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("src", "private", "us-east-1"));
  REQUIRE(s->create_bucket("dst", "private", "us-east-1"));
  store::ObjectMeta meta;
  meta.content_type = "text/plain";
  meta.checksums = {{"CRC32", "abc="}};
  auto source = put(*s, "src", "a", "copy me", meta);
  REQUIRE(source);

  store::ObjectMeta target;
  target.bucket = "dst";
  target.key = "b";
  target.content_type = "application/octet-stream";  // REPLACE directive
  auto copied = s->copy_object(*source, target);
  REQUIRE(copied);
  CHECK(copied->size == 7);
  CHECK(copied->etag == source->etag);
  CHECK(copied->checksums == meta.checksums);
  CHECK(copied->blob_id != source->blob_id);
  CHECK(s->head_object("dst", "b")->content_type == "application/octet-stream");
  CHECK(get_body(*s, "dst", "b") == "copy me");

  // Deleting the source leaves the copy intact.
  REQUIRE(s->delete_object("src", "a"));
  CHECK(get_body(*s, "dst", "b") == "copy me");

  // A stale source (overwritten or deleted since it was read) is refused.
  CHECK(s->copy_object(*source, target).error().code == ErrorCode::NoSuchKey);
  // Copy onto itself works (the REPLACE-metadata idiom).
  auto self = s->head_object("dst", "b");
  auto again = s->copy_object(*self, *self);
  REQUIRE(again);
  CHECK(get_body(*s, "dst", "b") == "copy me");
  CHECK(count_files(dir.path() / "blobs") == 1);
  target.bucket = "nope";
  CHECK(s->copy_object(*again, target).error().code == ErrorCode::NoSuchBucket);
  CHECK(count_files(dir.path() / "blobs") == 1);
}

TEST_CASE("store: a failed or abandoned PUT leaves nothing behind", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  {
    auto w = s->new_blob();
    REQUIRE(w);
    REQUIRE(w->write("half a body"));
    CHECK(count_files(dir.path() / "tmp") == 1);
    // The client disconnected: the writer is dropped without commit.
  }
  CHECK(count_files(dir.path() / "tmp") == 0);
  CHECK(s->head_object("b", "k").error().code == ErrorCode::NoSuchKey);

  // Committing into a bucket that is gone fails and removes the body.
  auto w = s->new_blob();
  REQUIRE(w);
  REQUIRE(w->write("x"));
  store::ObjectMeta meta;
  meta.bucket = "gone";
  meta.key = "k";
  CHECK(s->commit_object(meta, std::move(*w)).error().code == ErrorCode::NoSuchBucket);
  CHECK(count_files(dir.path() / "tmp") == 0);
  CHECK(count_files(dir.path() / "blobs") == 0);
}

TEST_CASE("store: a reader keeps its version while the key is overwritten or deleted", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  const std::string v1(100'000, 'a');
  REQUIRE(put(*s, "b", "k", v1));
  auto got = s->get_object("b", "k");
  REQUIRE(got);
  REQUIRE(put(*s, "b", "k", std::string(50, 'b')));
  CHECK(read_all(got->second) == v1);
  REQUIRE(s->delete_object("b", "k"));
  CHECK(read_all(got->second) == v1);
  CHECK(got->second.size() == 100'000);
  // Reads past the end return 0; ranges work.
  char buf[10];
  CHECK(got->second.read(100'000, buf, sizeof buf).value() == 0);
  CHECK(got->second.read(99'995, buf, sizeof buf).value() == 5);
}

TEST_CASE("store: persistence across reopen", "[store]") {
  TempDir dir;
  {
    auto s = open_store(dir.path());
    REQUIRE(s->create_bucket("b", "public-read", "eu-central-1"));
    REQUIRE(s->put_bucket_config("b", "cors", "<CORS/>"));
    for (int i = 0; i < 20; ++i) REQUIRE(put(*s, "b", cat("k", i), cat("body ", i)));
    REQUIRE(s->delete_object("b", "k3"));
  }
  auto s = open_store(dir.path());
  CHECK(s->get_bucket("b")->acl == "public-read");
  CHECK(s->get_bucket("b")->region == "eu-central-1");
  CHECK(s->get_bucket_config("b", "cors")->value() == "<CORS/>");
  CHECK(s->stats().objects == 19);
  CHECK(get_body(*s, "b", "k7") == "body 7");
  CHECK(s->head_object("b", "k3").error().code == ErrorCode::NoSuchKey);
}

TEST_CASE("store: open removes orphan temp and blob files, keeps referenced ones", "[store]") {
  TempDir dir;
  std::string kept_id;
  {
    auto s = open_store(dir.path());
    REQUIRE(s->create_bucket("b", "private", "us-east-1"));
    kept_id = put(*s, "b", "kept", "kept body")->blob_id;
    auto up = s->create_upload("b", "mp", {}, "");
    auto w = s->new_blob();
    REQUIRE(w->write("part"));
    REQUIRE(s->commit_part(up->upload_id, 1, md5_hex("part"), {}, std::move(*w)));
  }
  // What a kill -9 leaves: a temp file mid-write, a body renamed but never committed,
  // and a stray file.
  auto write_file = [](const fs::path& p, std::string_view data) {
    std::ofstream(p, std::ios::binary) << data;
  };
  write_file(dir.path() / "tmp" / store::BlobFiles::new_id(), "interrupted");
  const std::string orphan = store::BlobFiles::new_id();
  write_file(dir.path() / "blobs" / orphan.substr(0, 2) / orphan.substr(2), "never committed");
  write_file(dir.path() / "blobs" / "ab" / "not-an-id", "stray");
  CHECK(count_files(dir.path() / "blobs") == 4);

  auto s = open_store(dir.path());
  CHECK(count_files(dir.path() / "tmp") == 0);
  CHECK(count_files(dir.path() / "blobs") == 2);  // the object and the part
  CHECK_FALSE(fs::exists(dir.path() / "blobs" / orphan.substr(0, 2) / orphan.substr(2)));
  CHECK(get_body(*s, "b", "kept") == "kept body");
  CHECK(s->head_object("b", "kept")->blob_id == kept_id);
  auto uploads = s->list_uploads("b", "");
  REQUIRE(uploads->size() == 1);
  CHECK(s->list_parts(uploads->front().upload_id)->size() == 1);
}

TEST_CASE("store: one process per data dir; in-memory stores leave nothing", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  auto second = store::Store::open({.data_dir = dir.path()});
  REQUIRE_FALSE(second);
  CHECK(second.error().effective_message().find("in use") != std::string::npos);

  fs::path mem_dir;
  {
    auto mem = store::Store::open({.in_memory = true});
    REQUIRE(mem);
    mem_dir = (*mem)->data_dir();
    CHECK(fs::exists(mem_dir / "metadata.db"));
    REQUIRE((*mem)->create_bucket("b", "private", "us-east-1"));
    REQUIRE(put(**mem, "b", "k", "in ram"));
    CHECK(get_body(**mem, "b", "k") == "in ram");
  }
  CHECK_FALSE(fs::exists(mem_dir));

  // A RAM dir left by a killed process (unlocked, old) goes at the next in-memory open; a
  // fresh one (maybe being set up by another process) stays.
  if (fs::is_directory("/dev/shm")) {
    std::string old_tmpl = "/dev/shm/minicloud-XXXXXX", new_tmpl = old_tmpl;
    REQUIRE(::mkdtemp(old_tmpl.data()));
    REQUIRE(::mkdtemp(new_tmpl.data()));
    std::ofstream(fs::path(old_tmpl) / "metadata.db") << "x";
    fs::last_write_time(old_tmpl, fs::file_time_type::clock::now() - std::chrono::hours(1));
    auto mem = store::Store::open({.in_memory = true});
    REQUIRE(mem);
    CHECK_FALSE(fs::exists(old_tmpl));
    CHECK(fs::exists(new_tmpl));
    fs::remove_all(new_tmpl);
  }
}
