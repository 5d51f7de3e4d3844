#include <catch2/catch.hpp>

#include "store_test_support.h"

using namespace store_test;
using core::ErrorCode;

TEST_CASE("store: bucket lifecycle and errors", "[store]") {
  TempDir dir;
  FakeClock clock;
  auto s = open_store(dir.path(), clock.fn());

  auto created = s->create_bucket("photos", "public-read", "us-east-1");
  REQUIRE(created);
  CHECK(created->created_ms == clock.now->load());
  CHECK(created->acl == "public-read");

  auto again = s->create_bucket("photos", "private", "us-east-1");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::BucketAlreadyOwnedByYou);

  REQUIRE(s->create_bucket("assets.example.com", "", "eu-west-1"));
  REQUIRE(s->create_bucket("a-first", "private", "us-east-1"));
  auto all = s->list_buckets();
  REQUIRE(all.size() == 3);
  CHECK(all[0].name == "a-first");
  CHECK(all[1].name == "assets.example.com");
  CHECK(all[1].acl == "private");  // empty acl defaults to private
  CHECK(all[1].region == "eu-west-1");
  CHECK(all[2].name == "photos");

  auto got = s->get_bucket("photos");
  REQUIRE(got);
  CHECK(got->region == "us-east-1");
  CHECK(s->get_bucket("nope").error().code == ErrorCode::NoSuchBucket);

  REQUIRE(s->set_bucket_acl("photos", "private"));
  CHECK(s->get_bucket("photos")->acl == "private");
  CHECK(s->set_bucket_acl("nope", "private").error().code == ErrorCode::NoSuchBucket);

  SECTION("delete refuses a bucket with objects, then succeeds once empty") {
    REQUIRE(put(*s, "photos", "a.jpg", "x"));
    CHECK(s->delete_bucket("photos").error().code == ErrorCode::BucketNotEmpty);
    REQUIRE(s->delete_object("photos", "a.jpg"));
    REQUIRE(s->delete_bucket("photos"));
    CHECK(s->get_bucket("photos").error().code == ErrorCode::NoSuchBucket);
    CHECK(s->delete_bucket("photos").error().code == ErrorCode::NoSuchBucket);
  }
  SECTION("delete refuses a bucket with an upload in progress") {
    auto up = s->create_upload("photos", "big", {}, "");
    REQUIRE(up);
    CHECK(s->delete_bucket("photos").error().code == ErrorCode::BucketNotEmpty);
    REQUIRE(s->abort_upload(up->upload_id));
    REQUIRE(s->delete_bucket("photos"));
  }
  SECTION("a deleted bucket can be created again, empty") {
    REQUIRE(s->delete_bucket("a-first"));
    REQUIRE(s->create_bucket("a-first", "private", "us-east-1"));
    auto list = s->list_objects("a-first", {});
    REQUIRE(list);
    CHECK(list->objects.empty());
  }
  CHECK(s->stats().buckets >= 2);
}

TEST_CASE("store: bucket documents by kind", "[store]") {
  TempDir dir;
  auto s = open_store(dir.path());
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));

  auto none = s->get_bucket_config("b", "cors");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  const std::string cors = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                           "</CORSRule></CORSConfiguration>";
  REQUIRE(s->put_bucket_config("b", "cors", cors));
  REQUIRE(s->put_bucket_config("b", "notification", "<NotificationConfiguration/>"));
  CHECK(s->get_bucket_config("b", "cors")->value() == cors);
  REQUIRE(s->put_bucket_config("b", "cors", "<x/>"));  // replaces
  CHECK(s->get_bucket_config("b", "cors")->value() == "<x/>");

  REQUIRE(s->delete_bucket_config("b", "cors"));
  CHECK_FALSE(s->get_bucket_config("b", "cors")->has_value());
  REQUIRE(s->delete_bucket_config("b", "cors"));  // deleting again is fine
  CHECK(s->get_bucket_config("b", "notification")->value() == "<NotificationConfiguration/>");

  CHECK(s->get_bucket_config("nope", "cors").error().code == ErrorCode::NoSuchBucket);
  CHECK(s->put_bucket_config("nope", "cors", "x").error().code == ErrorCode::NoSuchBucket);

  // Deleting the bucket drops its documents: a new bucket of that name starts clean.
  REQUIRE(s->delete_bucket("b"));
  REQUIRE(s->create_bucket("b", "private", "us-east-1"));
  CHECK_FALSE(s->get_bucket_config("b", "notification")->has_value());
}
