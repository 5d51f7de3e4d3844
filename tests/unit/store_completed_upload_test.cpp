// Completed uploads: part boundaries kept with the object, and the completion remembered
// for a resent CompleteMultipartUpload.
#include <catch2/catch.hpp>

#include "store_test_support.h"

using namespace store_test;
using core::ErrorCode;

namespace {

core::Result<store::PartInfo> upload_part(store::Store& s, const std::string& upload_id, int number,
                                        const std::string& body) {
  auto w = s.new_blob();
  if (!w) return std::unexpected(w.error());
  if (auto r = w->write(body); !r) return std::unexpected(r.error());
  return s.commit_part(upload_id, number, md5_hex(body), {}, std::move(*w));
}

}  // namespace

TEST_CASE("store: effective_parts reads a Complete list as S3 does", "[store]") {
  using Parts = std::vector<store::CompletedPart>;
  auto numbers = [](const Parts& parts) {
    std::vector<std::pair<int, std::string>> out;
    for (const auto& p : parts) out.emplace_back(p.part_number, p.etag);
    return out;
  };
  CHECK(numbers(store::effective_parts({{1, "\"a\""}, {3, "b"}}).value()) ==
        std::vector<std::pair<int, std::string>>{{1, "a"}, {3, "b"}});
  // Listed twice (a re-sent part): once, with the ETag listed last.
  CHECK(numbers(store::effective_parts({{1, "old"}, {1, "new"}, {2, "c"}}).value()) ==
        std::vector<std::pair<int, std::string>>{{1, "new"}, {2, "c"}});
  CHECK(store::effective_parts({{2, "a"}, {1, "b"}}).error().code == ErrorCode::InvalidPartOrder);
  CHECK(store::effective_parts({{1, "a"}, {2, "b"}, {2, "c"}, {1, "d"}}).error().code == ErrorCode::InvalidPartOrder);
  CHECK(store::effective_parts({}).error().code == ErrorCode::MalformedXML);
}

TEST_CASE("store: a completed upload keeps its part sizes and answers a resent complete", "[store]") {
  TempDir dir;
  FakeClock clock;
  auto s = open_store(dir.path(), clock.fn());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  store::ObjectMeta tmpl;
  tmpl.content_type = "text/plain";
  tmpl.sse_algorithm = "aws:kms";
  tmpl.checksums = {{"CRC32", "AAAAAA=="}};
  auto up = s->create_upload("b", "k", tmpl, "");
  REQUIRE(up);
  const std::string big(5 * 1024 * 1024, 'x'), tail = "tail";
  REQUIRE(upload_part(*s, up->upload_id, 2, big));
  REQUIRE(upload_part(*s, up->upload_id, 5, tail));
  std::vector<store::CompletedPart> parts = {{2, md5_hex(big)}, {5, md5_hex(tail)}};
  auto done = s->complete_upload(up->upload_id, parts, tmpl);
  REQUIRE(done);
  CHECK(done->part_sizes == std::vector<std::int64_t>{5 * 1024 * 1024, 4});
  CHECK(s->head_object("b", "k")->part_sizes == done->part_sizes);

  auto again = s->completed_upload("b", "k", up->upload_id, {{2, "\"" + md5_hex(big) + "\""}, {5, md5_hex(tail)}});
  REQUIRE(again);
  CHECK(again->etag == done->etag);
  CHECK(again->size == done->size);
  CHECK(again->sse_algorithm == "aws:kms");
  CHECK(again->checksums == tmpl.checksums);
  CHECK(again->part_sizes == done->part_sizes);

  // Another part list, key or id: NoSuchUpload.
  CHECK(s->completed_upload("b", "k", up->upload_id, {{2, md5_hex(big)}}).error().code == ErrorCode::NoSuchUpload);
  CHECK(s->completed_upload("b", "k", up->upload_id, {{2, md5_hex(tail)}, {5, md5_hex(tail)}}).error().code ==
        ErrorCode::NoSuchUpload);
  CHECK(s->completed_upload("b", "other", up->upload_id, parts).error().code == ErrorCode::NoSuchUpload);
  CHECK(s->completed_upload("b", "k", "nope", parts).error().code == ErrorCode::NoSuchUpload);

  // The record survives a reopen, and expires after the retention.
  s.reset();
  s = open_store(dir.path(), clock.fn());
  CHECK(s->completed_upload("b", "k", up->upload_id, parts));
  *clock.now += store::Store::kCompletedUploadRetentionMs + 1;
  CHECK(s->completed_upload("b", "k", up->upload_id, parts).error().code == ErrorCode::NoSuchUpload);
}

TEST_CASE("store: a single-part object has no part sizes; a copy keeps them", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  auto up = s->create_upload("b", "mp", {}, "");
  REQUIRE(upload_part(*s, up->upload_id, 1, "only"));
  auto done = s->complete_upload(up->upload_id, {{1, md5_hex("only")}}, {});
  REQUIRE(done);
  CHECK(done->part_sizes == std::vector<std::int64_t>{4});
  auto copied = s->copy_object(*done, *done);  // COPY keeps the source's metadata
  REQUIRE(copied);
  CHECK(s->head_object("b", "mp")->part_sizes == std::vector<std::int64_t>{4});
  auto w = s->new_blob();
  REQUIRE(w->write("plain"));
  store::ObjectMeta plain;
  plain.bucket = "b";
  plain.key = "plain";
  REQUIRE(s->commit_object(plain, std::move(*w)));
  CHECK(s->head_object("b", "plain")->part_sizes.empty());
}
