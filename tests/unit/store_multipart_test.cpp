#include <catch2/catch.hpp>

#include "store_test_support.h"

using namespace store_test;
using core::ErrorCode;

namespace {

constexpr std::int64_t kMiB = 1024 * 1024;

std::string pattern(std::size_t size, char seed) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>(seed + (i * 7) % 251);
  return out;
}

core::Result<store::PartInfo> upload_part(store::Store& s, const std::string& upload_id, int number,
                                        const std::string& body) {
  auto w = s.new_blob();
  if (!w) return std::unexpected(w.error());
  // Written in pieces, as the HTTP layer streams it.
  for (std::size_t off = 0; off < body.size(); off += 100'000)
    if (auto r = w->write(std::string_view(body).substr(off, 100'000)); !r) return std::unexpected(r.error());
  return s.commit_part(upload_id, number, md5_hex(body), {{"CRC32", cat("part", number)}},
                       std::move(*w));
}

}  // namespace

TEST_CASE("store: multipart upload end to end", "[store]") {
  TempDir dir;
  FakeClock clock;
  auto s = open_store(dir.path(), clock.fn());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));

  store::ObjectMeta tmpl;
  tmpl.content_type = "video/mp4";
  tmpl.user_metadata = {{"title", "f\xC3\xAAte"}};
  tmpl.acl = "public-read";
  auto up = s->create_upload("b", "movies/big.mp4", tmpl, "CRC32");
  REQUIRE(up);
  CHECK(up->upload_id.size() == 32);
  CHECK(up->initiated_ms == clock.now->load());

  auto fetched = s->get_upload("b", "movies/big.mp4", up->upload_id);
  REQUIRE(fetched);
  CHECK(fetched->meta_template.content_type == "video/mp4");
  CHECK(fetched->meta_template.user_metadata == tmpl.user_metadata);
  CHECK(fetched->meta_template.acl == "public-read");
  CHECK(fetched->checksum_algorithm == "CRC32");
  CHECK(s->get_upload("b", "other", up->upload_id).error().code == ErrorCode::NoSuchUpload);
  CHECK(s->get_upload("b", "movies/big.mp4", "nope").error().code == ErrorCode::NoSuchUpload);

  const std::string p1 = pattern(5 * kMiB, 'a');
  const std::string p2 = pattern(5 * kMiB + 3, 'b');
  const std::string p3 = pattern(1234, 'c');
  REQUIRE(upload_part(*s, up->upload_id, 1, pattern(10, 'x')));  // replaced below
  REQUIRE(upload_part(*s, up->upload_id, 3, p3));
  REQUIRE(upload_part(*s, up->upload_id, 2, p2));
  REQUIRE(upload_part(*s, up->upload_id, 1, p1));
  REQUIRE(upload_part(*s, up->upload_id, 7, "unused part"));

  auto parts = s->list_parts(up->upload_id);
  REQUIRE(parts);
  REQUIRE(parts->size() == 4);
  CHECK((*parts)[0].part_number == 1);
  CHECK((*parts)[0].size == 5 * kMiB);
  CHECK((*parts)[0].etag == md5_hex(p1));
  CHECK((*parts)[0].checksums.at("CRC32") == "part1");
  CHECK((*parts)[1].part_number == 2);
  CHECK((*parts)[2].part_number == 3);
  CHECK((*parts)[3].part_number == 7);

  auto uploads = s->list_uploads("b", "movies/");
  REQUIRE(uploads->size() == 1);
  CHECK(s->list_uploads("b", "other/")->empty());

  std::vector<store::CompletedPart> complete = {
      {1, md5_hex(p1)}, {2, "\"" + md5_hex(p2) + "\""}, {3, md5_hex(p3)}};
  store::ObjectMeta final_meta = fetched->meta_template;
  *clock.now += 1000;
  auto obj = s->complete_upload(up->upload_id, complete, final_meta);
  REQUIRE(obj);

  // The ETag, computed independently: md5 over the binary md5 of each part, then "-N".
  const std::string expected_etag =
      md5_hex(md5_binary(p1) + md5_binary(p2) + md5_binary(p3)) + "-3";
  CHECK(obj->etag == expected_etag);
  CHECK(obj->parts_count == 3);
  CHECK(obj->size == static_cast<std::int64_t>(p1.size() + p2.size() + p3.size()));
  CHECK(obj->last_modified_ms == clock.now->load());
  CHECK(obj->bucket == "b");
  CHECK(obj->key == "movies/big.mp4");

  auto head = s->head_object("b", "movies/big.mp4");
  REQUIRE(head);
  CHECK(head->etag == expected_etag);
  CHECK(head->content_type == "video/mp4");
  CHECK(head->user_metadata == tmpl.user_metadata);
  CHECK(get_body(*s, "b", "movies/big.mp4") == p1 + p2 + p3);

  // The upload and every part file (the unused part 7 too) are gone.
  CHECK(s->list_uploads("b", "")->empty());
  CHECK(s->list_parts(up->upload_id).error().code == ErrorCode::NoSuchUpload);
  CHECK(count_files(dir.path() / "blobs") == 1);
  CHECK(s->complete_upload(up->upload_id, complete, final_meta).error().code ==
        ErrorCode::NoSuchUpload);
  CHECK(store::multipart_etag({md5_hex(p1), md5_hex(p2), md5_hex(p3)}).value() == expected_etag);
}

TEST_CASE("store: multipart validation", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  auto up = s->create_upload("b", "k", {}, "");
  REQUIRE(up);
  const std::string big = pattern(5 * kMiB, 'a');
  const std::string small = "small part";
  REQUIRE(upload_part(*s, up->upload_id, 1, small));
  REQUIRE(upload_part(*s, up->upload_id, 2, big));
  REQUIRE(upload_part(*s, up->upload_id, 3, small));

  auto complete = [&](std::vector<store::CompletedPart> parts) {
    return s->complete_upload(up->upload_id, parts, {});
  };
  SECTION("order") {
    CHECK(complete({{2, md5_hex(big)}, {1, md5_hex(small)}}).error().code == ErrorCode::InvalidPartOrder);
    CHECK(complete({{1, md5_hex(small)}, {3, md5_hex(small)}, {2, md5_hex(big)}}).error().code ==
          ErrorCode::InvalidPartOrder);
  }
  SECTION("a part listed twice counts once, with the ETag listed last") {
    CHECK(complete({{2, md5_hex(small)}, {2, md5_hex(big)}, {3, md5_hex(big)}}).error().code == ErrorCode::InvalidPart);
    auto ok = complete({{2, md5_hex(small)}, {2, md5_hex(big)}, {3, md5_hex(small)}});
    REQUIRE(ok);
    CHECK(ok->parts_count == 2);
    CHECK(ok->etag == md5_hex(md5_binary(big) + md5_binary(small)) + "-2");
  }
  SECTION("missing part or wrong etag") {
    CHECK(complete({{2, md5_hex(big)}, {4, md5_hex(small)}}).error().code == ErrorCode::InvalidPart);
    CHECK(complete({{2, md5_hex(small)}}).error().code == ErrorCode::InvalidPart);
    CHECK(complete({}).error().code == ErrorCode::MalformedXML);
  }
  SECTION("every part but the last is at least 5 MiB") {
    CHECK(complete({{1, md5_hex(small)}, {2, md5_hex(big)}}).error().code == ErrorCode::EntityTooSmall);
    auto ok = complete({{2, md5_hex(big)}, {3, md5_hex(small)}});  // small last part is fine
    REQUIRE(ok);
    CHECK(ok->etag == md5_hex(md5_binary(big) + md5_binary(small)) + "-2");
    CHECK(get_body(*s, "b", "k") == big + small);
  }
  SECTION("a single small part is fine") {
    auto ok = complete({{3, md5_hex(small)}});
    REQUIRE(ok);
    CHECK(ok->etag == md5_hex(md5_binary(small)) + "-1");
  }
  // A failed complete changes nothing: the upload and its parts remain.
  if (s->list_uploads("b", "")->size() == 1) CHECK(s->list_parts(up->upload_id)->size() == 3);
}

TEST_CASE("store: abort removes the upload and its parts", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  auto up = s->create_upload("b", "k", {}, "");
  auto other = s->create_upload("b", "k", {}, "");  // two uploads for one key
  REQUIRE(upload_part(*s, up->upload_id, 1, "one"));
  REQUIRE(upload_part(*s, up->upload_id, 2, "two"));
  REQUIRE(upload_part(*s, other->upload_id, 1, "other"));
  CHECK(s->list_uploads("b", "k")->size() == 2);

  REQUIRE(s->abort_upload(up->upload_id));
  CHECK(s->abort_upload(up->upload_id).error().code == ErrorCode::NoSuchUpload);
  CHECK(s->list_parts(up->upload_id).error().code == ErrorCode::NoSuchUpload);
  CHECK(upload_part(*s, up->upload_id, 3, "late").error().code == ErrorCode::NoSuchUpload);
  CHECK(count_files(dir.path() / "blobs") == 1);  // only the other upload's part
  CHECK(count_files(dir.path() / "tmp") == 0);
  CHECK(s->head_object("b", "k").error().code == ErrorCode::NoSuchKey);
  auto left = s->list_uploads("b", "");
  REQUIRE(left->size() == 1);
  CHECK(left->front().upload_id == other->upload_id);
  CHECK(s->create_upload("nope", "k", {}, "").error().code == ErrorCode::NoSuchBucket);
}
