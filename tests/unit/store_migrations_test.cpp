#include <catch2/catch.hpp>

#include "cli/commands.h"
#include "store/db.h"
#include "store/migrations.h"
#include "store_test_support.h"

using namespace store_test;
using core::ErrorCode;

namespace {

std::vector<int> versions(store::Database& db) {
  std::vector<int> out;
  auto applied = store::Migrations().applied(db);  // named: value() refers into it
  for (const auto& a : applied.value()) out.push_back(a.version);
  return out;
}

bool table_exists(store::Database& db, const std::string& name) {
  auto st = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  st->bind(1, name);
  return st->step().value();
}

}  // namespace

TEST_CASE("store: migrations apply in order, each once, forward only", "[store]") {
  TempDir dir;
  auto db = store::Database::open(dir.path() / "metadata.db");
  REQUIRE(db);
  store::Migrations m;
  REQUIRE(m.latest() == static_cast<int>(m.steps().size()));
  CHECK(m.current_version(*db).value() == 0);

  auto first = m.migrate(*db, 1, 1000);
  REQUIRE(first);
  CHECK(*first == std::vector<int>{1});
  CHECK(m.current_version(*db).value() == 1);
  CHECK(table_exists(*db, "buckets"));
  CHECK_FALSE(table_exists(*db, "objects"));

  auto back = m.migrate(*db, 0, 2000);
  REQUIRE_FALSE(back);
  CHECK(back.error().code == ErrorCode::InvalidArgument);
  CHECK(m.migrate(*db, m.latest() + 1, 2000).error().code == ErrorCode::InvalidArgument);

  auto rest = m.migrate(*db, m.latest(), 3000);
  REQUIRE(rest);
  CHECK(rest->front() == 2);
  CHECK(rest->back() == m.latest());
  CHECK(m.migrate(*db, m.latest(), 4000).value().empty());  // nothing re-runs
  CHECK(versions(*db).size() == static_cast<std::size_t>(m.latest()));

  auto history = m.applied(*db).value();
  CHECK(history[0].applied_at_ms == 1000);
  CHECK(history[1].applied_at_ms == 3000);
  CHECK(history[0].description == m.steps()[0].description);
}

TEST_CASE("store: open finishes a partly migrated database and never re-runs a step", "[store]") {
  TempDir dir;
  {
    auto db = store::Database::open(dir.path() / "metadata.db");
    REQUIRE(store::Migrations().migrate(*db, 1, 42));
  }
  FakeClock clock;
  {
    auto s = open_store(dir.path(), clock.fn());
    REQUIRE(s->create_bucket("b", "private", "us-east-1"));
    REQUIRE(put(*s, "b", "k", "v"));
  }
  { auto s = open_store(dir.path(), clock.fn()); }  // a second open does nothing
  auto db = store::Database::open(dir.path() / "metadata.db");
  auto history = store::Migrations().applied(*db).value();
  REQUIRE(history.size() == static_cast<std::size_t>(store::Migrations().latest()));
  CHECK(history[0].applied_at_ms == 42);
  CHECK(history[1].applied_at_ms == clock.now->load());
}

TEST_CASE("store: a failing step rolls back alone; gaps and newer schemas are refused", "[store]") {
  TempDir dir;
  auto db = store::Database::open(dir.path() / "metadata.db");
  REQUIRE(db);
  store::Migrations broken({{1, "one", "CREATE TABLE t1 (x)"},
                            {2, "two", "CREATE TABLE t2 (x); THIS IS NOT SQL"},
                            {3, "three", "CREATE TABLE t3 (x)"}});
  auto r = broken.migrate(*db, 3, 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("migration 2") != std::string::npos);
  CHECK(versions(*db) == std::vector<int>{1});
  CHECK(table_exists(*db, "t1"));
  CHECK_FALSE(table_exists(*db, "t2"));  // the step's first statement was rolled back too

  store::Migrations gap({{1, "one", "CREATE TABLE t1 (x)"}, {3, "three", "CREATE TABLE t3 (x)"}});
  CHECK_FALSE(gap.migrate(*db, 3, 1));
  CHECK(versions(*db) == std::vector<int>{1});

  store::Migrations fixed({{1, "one", "CREATE TABLE t1 (x)"},
                           {2, "two", "CREATE TABLE t2 (x)"},
                           {3, "three", "CREATE TABLE t3 (x)"}});
  REQUIRE(fixed.migrate(*db, 3, 1).value() == std::vector<int>{2, 3});
  store::Migrations older({{1, "one", "CREATE TABLE t1 (x)"}});
  auto newer = older.migrate(*db, 1, 1);
  REQUIRE_FALSE(newer);
  CHECK(newer.error().message.find("newer") != std::string::npos);
}

TEST_CASE("store: minicloud migrate --to / --status / refuses going back", "[store]") {
  TempDir dir;
  auto run = [&](const std::string& args) {
    CLI::App app{"test"};
    cli::add_migrate_command(app);
    app.parse("migrate --data-dir " + dir.path().string() + " " + args, false);
  };
  REQUIRE_NOTHROW(run("--status"));  // no database yet: reported, not created
  CHECK_FALSE(std::filesystem::exists(dir.path() / "metadata.db"));
  REQUIRE_NOTHROW(run("--to 2"));
  {
    auto db = store::Database::open(dir.path() / "metadata.db");
    CHECK(store::Migrations().current_version(*db).value() == 2);
  }
  CHECK_THROWS_AS(run("--to 1"), CLI::RuntimeError);  // backwards
  CHECK_THROWS_AS(run("--to 99"), CLI::RuntimeError);
  REQUIRE_NOTHROW(run("--status"));
  REQUIRE_NOTHROW(run(""));
  REQUIRE_NOTHROW(run(""));  // already there: nothing to do
  {
    auto db = store::Database::open(dir.path() / "metadata.db");
    CHECK(store::Migrations().current_version(*db).value() == store::Migrations().latest());
  }
  // A running server holds the dir: migrate refuses to touch it.
  auto s = open_store(dir.path());
  CHECK_THROWS_AS(run(""), CLI::RuntimeError);
  CHECK_THROWS_AS(run("--status"), CLI::RuntimeError);
}

TEST_CASE("store: migration 4 keeps rows written at schema 3 and stores server-side encryption", "[store]") {
  TempDir dir;
  {
    // A database as minicloud left it before schema 4: one object and one upload.
    auto db = store::Database::open(dir.path() / "metadata.db");
    REQUIRE(db);
    REQUIRE(store::Migrations().migrate(*db, 3, 1));
    REQUIRE(db->exec("INSERT INTO buckets VALUES ('b', 1, 'private', 'us-east-1');"
                     "INSERT INTO objects VALUES ('b', 'old', 0, 'd41d8cd98f00b204e9800998ecf8427e', 5,"
                     " 'text/plain', '', '', '', '', '', x'', x'', '', 'private', 0, 'no-blob');"
                     "INSERT INTO uploads VALUES ('u1', 'b', 'up', 7, 'text/plain', '', '', '', '', '', x'', x'',"
                     " '', 'private', '');"));
  }
  auto s = open_store(dir.path());
  auto old = s->head_object("b", "old");
  REQUIRE(old);
  CHECK(old->content_type == "text/plain");
  CHECK(old->etag == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(old->sse_algorithm.empty());  // reported as S3's default, AES256, by the S3 layer
  CHECK(old->sse_kms_key_id.empty());
  auto old_upload = s->get_upload("b", "up", "u1");
  REQUIRE(old_upload);
  CHECK(old_upload->meta_template.sse_algorithm.empty());

  store::ObjectMeta kms;
  kms.sse_algorithm = "aws:kms";
  kms.sse_kms_key_id = "arn:aws:kms:us-east-1:000000000000:key/k1";
  REQUIRE(put(*s, "b", "new", "body", kms));
  auto read = s->head_object("b", "new");
  REQUIRE(read);
  CHECK(read->sse_algorithm == "aws:kms");
  CHECK(read->sse_kms_key_id == "arn:aws:kms:us-east-1:000000000000:key/k1");

  auto upload = s->create_upload("b", "mp", kms, "");
  REQUIRE(upload);
  auto again = s->get_upload("b", "mp", upload->upload_id);
  REQUIRE(again);
  CHECK(again->meta_template.sse_algorithm == "aws:kms");
  CHECK(again->meta_template.sse_kms_key_id == "arn:aws:kms:us-east-1:000000000000:key/k1");
}
