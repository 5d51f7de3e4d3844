// Events: rule matching, notification XML, the event record (against golden JSON, field by
// field), the durable queue with an injected clock (retries, backoff, failure, restart,
// replay) and the pipeline (builtin processor, command failure, recursion stop).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "events/log.h"
#include "events/pipeline.h"
#include "events/record.h"
#include "events/rules.h"
#include "stack/stack.h"
#include "store_test_support.h"

using nlohmann::json;
using store_test::FakeClock;
using store_test::TempDir;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compares two JSON values member by member, naming the path of the first difference.
void require_same(const json& expected, const json& actual, const std::string& path = "") {
  INFO("at " << (path.empty() ? "/" : path));
  REQUIRE(expected.type_name() == std::string(actual.type_name()));
  if (expected.is_object()) {
    for (const auto& [k, v] : expected.items()) {
      INFO("missing member " << path << "/" << k);
      REQUIRE(actual.contains(k));
      require_same(v, actual[k], path + "/" + k);
    }
    for (const auto& [k, v] : actual.items()) {
      INFO("unexpected member " << path << "/" << k);
      REQUIRE(expected.contains(k));
    }
  } else if (expected.is_array()) {
    REQUIRE(expected.size() == actual.size());
    for (std::size_t i = 0; i < expected.size(); ++i) require_same(expected[i], actual[i], path + "/" + std::to_string(i));
  } else {
    REQUIRE(expected == actual);
  }
}

s3::ObjectEvent sample_event(std::string name) {
  s3::ObjectEvent e;
  e.event_name = std::move(name);
  e.object.bucket = "cruddur-uploaded-avatars";
  e.object.key = "my photo: été/data.jpg";
  e.object.size = 1024;
  e.object.etag = "d41d8cd98f00b204e9800998ecf8427e";
  e.request_id = "C3D13FE58DE4C810";
  e.source_ip = "127.0.0.1";
  e.access_key = "test";
  e.time_ms = 1795939200123;  // 2026-11-29T08:00:00.123Z
  return e;
}

std::string photo(const char* name) { return read_file(std::string(MINICLOUD_PHOTOS_DIR) + "/" + name); }

void put(store::Store& store, const std::string& bucket, const std::string& key, const std::string& bytes) {
  auto blob = store.new_blob();
  REQUIRE(blob);
  REQUIRE(blob->write(bytes));
  store::ObjectMeta meta;
  meta.bucket = bucket;
  meta.key = key;
  meta.etag = store_test::md5_hex(bytes);
  REQUIRE(store.commit_object(std::move(meta), std::move(*blob)));
}

}  // namespace

TEST_CASE("event patterns match S3's names and wildcards", "[events]") {
  CHECK(events::event_matches("s3:ObjectCreated:*", "ObjectCreated:Put"));
  CHECK(events::event_matches("s3:ObjectCreated:*", "ObjectCreated:CompleteMultipartUpload"));
  CHECK(events::event_matches("s3:ObjectCreated:Put", "ObjectCreated:Put"));
  CHECK_FALSE(events::event_matches("s3:ObjectCreated:Put", "ObjectCreated:Copy"));
  CHECK_FALSE(events::event_matches("s3:ObjectCreated:*", "ObjectRemoved:Delete"));
  CHECK(events::event_matches("s3:ObjectRemoved:*", "ObjectRemoved:Delete"));
  CHECK_FALSE(events::event_matches("s3:ObjectRemoved:Delete", "ObjectRemoved:DeleteMarkerCreated"));

  events::Rule rule{"id", events::TargetKind::Function, "arn", {"s3:ObjectCreated:*"}, "avatars/", ".jpg"};
  CHECK(events::rule_matches(rule, "ObjectCreated:Put", "avatars/a.jpg"));
  CHECK_FALSE(events::rule_matches(rule, "ObjectCreated:Put", "avatars/a.png"));
  CHECK_FALSE(events::rule_matches(rule, "ObjectCreated:Put", "other/a.jpg"));
  CHECK_FALSE(events::rule_matches(rule, "ObjectCreated:Put", "Avatars/a.jpg"));  // case-sensitive
  CHECK_FALSE(events::rule_matches(rule, "ObjectRemoved:Delete", "avatars/a.jpg"));
}

TEST_CASE("notification XML parses, validates and round-trips", "[events]") {
  const std::string xml =
      "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<CloudFunctionConfiguration><Id>thumbs</Id><CloudFunction>arn:f</CloudFunction>"
      "<Event>s3:ObjectCreated:Put</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>in/</Value></FilterRule>"
      "<FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration>"
      "<TopicConfiguration><Topic>arn:t</Topic><Event>s3:ObjectRemoved:*</Event></TopicConfiguration>"
      "</NotificationConfiguration>";
  auto rules = events::parse_notification_xml(xml);
  REQUIRE(rules);
  REQUIRE(rules->size() == 2);
  CHECK((*rules)[0].id == "thumbs");
  CHECK((*rules)[0].prefix == "in/");
  CHECK((*rules)[0].suffix == ".jpg");
  CHECK((*rules)[1].kind == events::TargetKind::Topic);
  CHECK_FALSE((*rules)[1].id.empty());
  auto again = events::parse_notification_xml(events::notification_xml(*rules));
  REQUIRE(again);
  REQUIRE(again->size() == 2);
  CHECK((*again)[1].prefix == "in/");  // functions are written after topics
  CHECK((*again)[1].events == std::vector<std::string>{"s3:ObjectCreated:Put"});

  auto all = [](events::TargetKind, const std::string&) { return true; };
  CHECK(events::validate_rules(*rules, all));
  auto none = [](events::TargetKind, const std::string&) { return false; };
  auto unknown = events::validate_rules(*rules, none);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == core::ErrorCode::InvalidArgument);
  CHECK(unknown.error().effective_message() == "Unable to validate the following destination configurations");

  SECTION("overlapping prefixes for the same event type are rejected") {
    std::vector<events::Rule> overlap = {{"a", events::TargetKind::Function, "arn:f", {"s3:ObjectCreated:*"}, "in/", ""},
                                         {"b", events::TargetKind::Function, "arn:f", {"s3:ObjectCreated:Put"}, "in/x", ""}};
    auto r = events::validate_rules(overlap, all);
    REQUIRE_FALSE(r);
    CHECK(r.error().effective_message().starts_with("Configurations overlap"));
    overlap[1].prefix = "out/";  // disjoint prefixes are fine
    CHECK(events::validate_rules(overlap, all));
    overlap[1].prefix = "in/";
    overlap[1].events = {"s3:ObjectRemoved:*"};  // different event types are fine
    CHECK(events::validate_rules(overlap, all));
  }
  SECTION("bad documents") {
    CHECK(events::parse_notification_xml("<NotificationConfiguration>").error().code == core::ErrorCode::MalformedXML);
    auto bad_event = events::parse_notification_xml(
        "<NotificationConfiguration><QueueConfiguration><Queue>q</Queue><Event>s3:ObjectCreated:Nope</Event>"
        "</QueueConfiguration></NotificationConfiguration>");
    REQUIRE_FALSE(bad_event);
    CHECK(bad_event.error().code == core::ErrorCode::InvalidArgument);
    auto bad_filter = events::parse_notification_xml(
        "<NotificationConfiguration><TopicConfiguration><Topic>t</Topic><Event>s3:ObjectCreated:*</Event>"
        "<Filter><S3Key><FilterRule><Name>middle</Name><Value>x</Value></FilterRule></S3Key></Filter>"
        "</TopicConfiguration></NotificationConfiguration>");
    REQUIRE_FALSE(bad_filter);
    CHECK(bad_filter.error().code == core::ErrorCode::InvalidArgument);
  }
}

TEST_CASE("keys are encoded as in AWS event records", "[events]") {
  CHECK(events::encode_key("avatars/a b.jpg") == "avatars/a+b.jpg");
  CHECK(events::encode_key("x+y=z:é") == "x%2By%3Dz%3A%C3%A9");
  CHECK(events::encode_key("A-z_0.9*") == "A-z_0.9*");
  for (std::string key : {"a b+c", "été/x y.jpg", "100%.png", "a%2"})
    CHECK(events::decode_key(events::encode_key(key)) == key);
  CHECK(events::decode_key("a+b%20c") == "a b c");
}

TEST_CASE("event records match the golden JSON field by field", "[events]") {
  const std::string dir = std::string(MINICLOUD_SOURCE_DIR) + "/fixtures/events/";
  SECTION("ObjectCreated:Put") {
    json golden = json::parse(read_file(dir + "object-created-put.json"));
    json actual = events::make_message(
        events::make_record(sample_event("ObjectCreated:Put"), "us-east-1", "ThumbLambda-uploads", "0000000000000001"));
    require_same(golden, actual);
  }
  SECTION("ObjectRemoved:Delete has no size or eTag") {
    json golden = json::parse(read_file(dir + "object-removed-delete.json"));
    json actual = events::make_message(
        events::make_record(sample_event("ObjectRemoved:Delete"), "us-east-1", "ThumbLambda-uploads", "0000000000000002"));
    require_same(golden, actual);
  }
}

TEST_CASE("sequencers increase for every event, also within one millisecond", "[events]") {
  events::Sequencer s;
  std::string a = s.next(1000), b = s.next(1000), c = s.next(999), d = s.next(5000);
  CHECK(a.size() == 16);
  CHECK(a < b);
  CHECK(b < c);  // a clock going back does not reorder
  CHECK(c < d);
}

TEST_CASE("the event log retries with backoff, then fails; survives a restart; replays", "[events]") {
  TempDir dir;
  const auto file = dir.path() / "events.sqlite";
  std::int64_t now = 1'000'000;
  auto log = events::EventLog::open(file, true, now);
  REQUIRE(log);
  events::Delivery d;
  d.created_ms = d.next_attempt_ms = now;
  d.bucket = "b";
  d.key = "k";
  d.event_name = "ObjectCreated:Put";
  d.target_kind = "function";
  d.target = "F";
  d.payload = "{}";
  auto id = (*log)->enqueue(d);
  REQUIRE(id);

  auto first = (*log)->claim(now);
  REQUIRE(first);
  REQUIRE(*first);
  CHECK((*first)->attempts == 1);
  auto none = (*log)->claim(now);  // claimed: nobody else gets it
  REQUIRE(none);
  CHECK_FALSE(*none);

  REQUIRE((*log)->finish(*id, false, "boom 1", now, now + 5, 2, 1000));
  CHECK((*log)->get(*id).value()->status == "queued");
  CHECK_FALSE((*log)->claim(now + 999).value());  // not due yet
  REQUIRE((*log)->next_due_ms().value() == now + 1005);
  auto second = (*log)->claim(now + 1005);
  REQUIRE(second.value());
  CHECK((*second)->attempts == 2);
  REQUIRE((*log)->finish(*id, false, "boom 2", now + 1005, now + 1010, 2, 2000));
  auto third = (*log)->claim(now + 3010);
  REQUIRE(third.value());
  REQUIRE((*log)->finish(*id, false, "boom 3", now + 3010, now + 3020, 2, 4000));
  auto failed = (*log)->get(*id).value();
  CHECK(failed->status == "failed");
  CHECK(failed->attempts == 3);
  CHECK(failed->error == "boom 3");
  CHECK((*log)->attempts(*id).value().size() == 3);
  CHECK((*log)->list({"failed", "", "", 10}).value().size() == 1);
  CHECK((*log)->list({"", "b", "k", 10}).value().size() == 1);
  CHECK((*log)->list({"", "", "other", 10}).value().empty());

  SECTION("replay queues it again; a running delivery cannot be replayed") {
    REQUIRE((*log)->replay(*id, now + 5000));
    CHECK((*log)->get(*id).value()->status == "queued");
    CHECK((*log)->get(*id).value()->attempts == 0);
    REQUIRE((*log)->claim(now + 5000).value());
    auto running = (*log)->replay(*id, now + 5000);
    REQUIRE_FALSE(running);
    CHECK(running.error().code == core::ErrorCode::InvalidRequest);
    CHECK((*log)->replay(12345, now).error().code == core::ErrorCode::NoSuchKey);
  }
  SECTION("a delivery left running by a crash is queued again on reopen") {
    auto id2 = (*log)->enqueue(d);
    REQUIRE(id2);
    REQUIRE((*log)->claim(now).value());
    log->reset();  // "crash": the row stays running
    auto reader = events::EventLog::open(file, /*recover=*/false, now);  // the CLI: no recovery
    REQUIRE(reader);
    CHECK((*reader)->get(*id2).value()->status == "running");
    auto reopened = events::EventLog::open(file, /*recover=*/true, now + 10);
    REQUIRE(reopened);
    auto again = (*reopened)->get(*id2).value();
    CHECK(again->status == "queued");
    CHECK(again->attempts == 0);
    auto claimed = (*reopened)->claim(now + 10).value();
    REQUIRE(claimed);
    CHECK(claimed->id == *id2);
  }
}

namespace {

struct PipelineFixture {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<store::Store> store;
  stack::Stack stack;
  std::unique_ptr<events::Pipeline> pipeline;

  explicit PipelineFixture(const std::string& stack_json) {
    store = store_test::open_store(dir.path(), clock.fn());
    auto parsed = stack::parse_stack(stack_json);
    if (!parsed) FAIL(parsed.error());
    stack = *parsed;
    for (const auto& b : stack.buckets) REQUIRE(store->create_bucket(b.name, "private", "us-east-1"));
    events::Pipeline::Options options;
    options.store = store.get();
    options.stack = [this] { return std::make_shared<const stack::Stack>(stack); };
    options.log_file = dir.path() / "events.sqlite";
    options.now_ms = clock.fn();
    options.log_deliveries = false;
    auto p = events::Pipeline::open(options);
    REQUIRE(p);
    pipeline = std::move(*p);
    // What Runtime::open_events does: the stack's notifications become bucket configs.
    std::map<std::string, std::vector<events::Rule>> rules;
    for (const auto& n : stack.notifications) {
      events::Rule r{n.id, events::TargetKind::Function, "", n.events, n.prefix, n.suffix};
      for (const auto& f : stack.functions)
        if (f.name == n.function) r.target_arn = f.arn;
      rules[n.bucket].push_back(r);
    }
    for (const auto& [bucket, list] : rules)
      REQUIRE(store->put_bucket_config(bucket, "notification", events::notification_xml(list)));
  }

  void upload(const std::string& bucket, const std::string& key, const std::string& bytes) {
    put(*store, bucket, key, bytes);
    auto meta = store->head_object(bucket, key);
    REQUIRE(meta);
    pipeline->on_object_event({"ObjectCreated:Put", *meta, "REQ1", "127.0.0.1", "test", clock.now->load()});
  }
  int drain() {
    int n = 0;
    while (pipeline->run_once()) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("the builtin processor handles an upload like the original Lambda", "[events]") {
  PipelineFixture f(R"({"buckets":[{"name":"up"},{"name":"assets"}],
    "functions":[{"name":"Thumb","builtin":"image-processor",
                  "environment":{"DEST_BUCKET_NAME":"assets","FOLDER_OUTPUT":"avatars/","PROCESS_WIDTH":"64","PROCESS_HEIGHT":"64"}}],
    "notifications":[{"bucket":"up","function":"Thumb","events":["s3:ObjectCreated:Put"]}]})");
  f.upload("up", "me and you.v2.png", photo("alpha-small-bear.png"));
  CHECK(f.drain() == 1);
  auto out = f.store->head_object("assets", "avatars/me and you.v2.jpg");
  REQUIRE(out);
  CHECK(out->content_type == "image/jpeg");
  auto rows = f.pipeline->log().list({}).value();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "succeeded");
  CHECK(json::parse(rows[0].result)["outputs"][0]["width"] == 64);
  CHECK(json::parse(rows[0].payload)["Records"][0]["s3"]["object"]["key"] == "me+and+you.v2.png");

  SECTION("a corrupt upload fails after 2 retries with its reason; the original is untouched") {
    const std::string corrupt = "\xff\xd8\xff\xe0 not really a jpeg";
    f.upload("up", "bad.jpg", corrupt);
    CHECK(f.drain() == 1);  // attempt 1; the retries wait for the backoff
    *f.clock.now += 1000;
    CHECK(f.drain() == 1);
    *f.clock.now += 2000;
    CHECK(f.drain() == 1);
    *f.clock.now += 100000;
    CHECK(f.drain() == 0);
    auto failed = f.pipeline->log().list({"failed", "", "bad.jpg", 10}).value();
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].attempts == 3);
    CHECK(failed[0].error.find("bad.jpg") != std::string::npos);
    const bool named = failed[0].error.find("CorruptImage") != std::string::npos ||
                       failed[0].error.find("UnsupportedFormat") != std::string::npos;
    CHECK(named);
    CHECK(f.store->head_object("up", "bad.jpg").value().etag == store_test::md5_hex(corrupt));
    CHECK_FALSE(f.store->head_object("assets", "avatars/bad.jpg"));
  }
}

TEST_CASE("a function writing to the bucket that triggers it is stopped after max_depth", "[events]") {
  PipelineFixture f(R"({"buckets":[{"name":"loop"}],
    "functions":[{"name":"Thumb","builtin":"image-processor",
                  "environment":{"DEST_BUCKET_NAME":"loop","FOLDER_OUTPUT":"out","PROCESS_WIDTH":"16","PROCESS_HEIGHT":"16"}}],
    "notifications":[{"bucket":"loop","function":"Thumb"}],
    "event_delivery":{"max_depth":3}})");
  f.upload("loop", "a.png", photo("alpha-small-bear.png"));
  f.drain();
  auto stopped = f.pipeline->log().list({"stopped", "", "", 10}).value();
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].depth == 4);
  CHECK(stopped[0].error.find("recursive invocation loop") != std::string::npos);
  CHECK(f.pipeline->log().list({"succeeded", "", "", 10}).value().size() == 4);  // depths 0..3
}

TEST_CASE("a command function gets the event on stdin; a non-zero exit is a failure with stderr", "[events]") {
  PipelineFixture f(R"({"buckets":[{"name":"up"}],
    "functions":[{"name":"Echo","command":["sh","-c","cat > \"$OUT\"; echo \"$AWS_ENDPOINT_URL $FLAG\""],
                  "environment":{"OUT":"/dev/null","FLAG":"on"}},
                 {"name":"Fail","command":["sh","-c","echo oh no >&2; exit 3"]}],
    "notifications":[{"bucket":"up","function":"Echo","prefix":"ok/"},{"bucket":"up","function":"Fail","prefix":"bad/"}],
    "event_delivery":{"retries":0}})");
  const std::string out = (f.dir.path() / "event.json").string();
  f.stack.functions[0].environment["OUT"] = out;
  f.pipeline->set_endpoint("http://127.0.0.1:1");
  f.upload("up", "ok/x", "x");
  f.upload("up", "bad/y", "y");
  CHECK(f.drain() == 2);
  auto ok = f.pipeline->log().list({"", "", "ok/x", 10}).value().at(0);
  CHECK(ok.status == "succeeded");
  CHECK(ok.result == "http://127.0.0.1:1 on\n");
  CHECK(json::parse(read_file(out))["Records"][0]["s3"]["object"]["key"] == "ok/x");
  auto bad = f.pipeline->log().list({"", "", "bad/y", 10}).value().at(0);
  CHECK(bad.status == "failed");
  CHECK(bad.error == "exit status 3; stderr: oh no\n");
}

TEST_CASE("the stack's event sections are validated", "[events]") {
  CHECK(stack::parse_stack(R"({"functions":[{"name":"F"}]})").error().find("exactly one of") != std::string::npos);
  CHECK(stack::parse_stack(R"({"functions":[{"name":"F","builtin":"resize"}]})").error().find("image-processor") !=
        std::string::npos);
  CHECK(stack::parse_stack(R"({"buckets":[{"name":"b"}],"notifications":[{"bucket":"b","function":"G"}]})")
            .error()
            .find("no function or topic named G") != std::string::npos);
  CHECK(stack::parse_stack(R"({"event_delivery":{"retries":-1}})").error().find("retries") != std::string::npos);
  auto def = stack::default_stack([](std::string_view name) -> std::optional<std::string> {
    if (name == "THUMBING_WEBHOOK_URL") return "http://127.0.0.1:9/hook";
    return std::nullopt;
  });
  REQUIRE(def.functions.size() == 1);
  CHECK(def.functions[0].arn == "arn:aws:lambda:us-east-1:000000000000:function:ThumbLambda");
  CHECK(def.functions[0].environment.at("FOLDER_OUTPUT") == "avatars");
  CHECK(def.functions[0].environment.at("DEST_BUCKET_NAME") == "assets.cruddur.com");
  REQUIRE(def.topics.size() == 1);
  CHECK(def.topics[0].subscriptions.at(0).endpoint == "http://127.0.0.1:9/hook");
  REQUIRE(def.notifications.size() == 2);
  CHECK(def.notifications[1].prefix == "avatars/");
}

TEST_CASE("command functions carry their depth in the session token", "[events]") {
  CHECK(events::depth_token(3) == "minicloud-depth-3");
  CHECK(events::depth_from_token(events::depth_token(17)) == 17);
  CHECK(events::depth_from_token("") == 0);
  CHECK(events::depth_from_token("FwoGZXIvYXdzE...real-token") == 0);
  CHECK(events::depth_from_token("minicloud-depth-x") == 0);
}
