// CloudFormation's Engine over a real store and parameter store: create, update by
// difference, replacement, rollback, delete (non-empty bucket, Retain), change sets,
// exports, and restore after a restart. Resources are buckets, topics and SSM parameters,
// which need no processes.
#include <catch2/catch.hpp>

#include <map>
#include <mutex>

#include "cloudformation/engine.h"
#include "ssm/parameter_store.h"
#include "store_test_support.h"

namespace {

using cloudformation::Engine;
using cloudformation::StackRequest;
using store_test::TempDir;

// The world an Engine deploys into: a store, a parameter store, and the running stack
// assembled from what each CloudFormation stack contributes.
struct World {
  TempDir dir;
  std::unique_ptr<store::Store> store = store_test::open_store(dir.path() / "data");
  std::unique_ptr<ssm::ParameterStore> parameters;
  std::mutex mutex;
  std::map<std::string, stack::Stack> contributions;

  World() {
    auto p = ssm::ParameterStore::open(dir.path() / "ssm.sqlite", "us-east-1", [] { return std::int64_t{1'700'000'000'000}; });
    REQUIRE(p);
    parameters = std::move(*p);
  }

  std::unique_ptr<Engine> engine() {
    cloudformation::EngineOptions o;
    o.data_dir = dir.path() / "cfn";
    o.store = store.get();
    o.parameters = parameters.get();
    o.support_dir = dir.path() / "support";
    o.running = [this] {
      std::lock_guard lock(mutex);
      auto running = std::make_shared<stack::Stack>();
      for (const auto& [owner, s] : contributions)
        running->topics.insert(running->topics.end(), s.topics.begin(), s.topics.end());
      return std::shared_ptr<const stack::Stack>(running);
    };
    o.contribute = [this](const std::string& owner, stack::Stack s) -> std::expected<void, std::string> {
      std::lock_guard lock(mutex);
      contributions[owner] = std::move(s);
      return {};
    };
    auto e = Engine::open(std::move(o));
    REQUIRE(e);
    return std::move(*e);
  }

  std::vector<std::string> topics() {
    std::lock_guard lock(mutex);
    std::vector<std::string> names;
    for (const auto& [owner, s] : contributions)
      for (const auto& t : s.topics) names.push_back(t.name);
    return names;
  }
  bool has_bucket(const std::string& name) { return static_cast<bool>(store->get_bucket(name)); }
};

StackRequest request(std::string name, std::string body) {
  StackRequest r;
  r.stack_name = std::move(name);
  r.template_body = std::move(body);
  return r;
}

std::string status_of(Engine& e, const std::string& name) {
  e.wait_idle();
  auto s = e.stack(name);
  REQUIRE(s);
  return s->status;
}

// Resource statuses in the order they happened (events come newest first).
std::vector<std::string> history(Engine& e, const std::string& name) {
  auto events = e.events(name);
  REQUIRE(events);
  std::vector<std::string> out;
  for (auto it = events->rbegin(); it != events->rend(); ++it) out.push_back(it->logical_id + " " + it->status);
  return out;
}

const char* kPhotos = R"({
  "Resources": {
    "Photos": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "photos-one"}},
    "Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}},
    "Version": {"Type": "AWS::SSM::Parameter",
                "Properties": {"Name": "/app/version", "Type": "String", "Value": {"Fn::GetAtt": ["Alerts", "TopicName"]}}}
  },
  "Outputs": {"Bucket": {"Value": {"Fn::GetAtt": ["Photos", "Arn"]}, "Export": {"Name": "photos-bucket"}}}
})";

}  // namespace

TEST_CASE("a stack is created in dependency order with CloudFormation's events", "[cfn-engine]") {
  World w;
  auto e = w.engine();
  auto id = e->create_stack(request("photos", kPhotos));
  REQUIRE(id);
  CHECK(id->starts_with("arn:aws:cloudformation:us-east-1:000000000000:stack/photos/"));
  REQUIRE(status_of(*e, "photos") == "CREATE_COMPLETE");
  auto h = history(*e, "photos");
  REQUIRE(h.front() == "photos CREATE_IN_PROGRESS");
  REQUIRE(h.back() == "photos CREATE_COMPLETE");
  auto at = [&](const std::string& x) { return std::find(h.begin(), h.end(), x) - h.begin(); };
  CHECK(at("Alerts CREATE_COMPLETE") < at("Version CREATE_IN_PROGRESS"));  // Version reads Alerts
  CHECK(w.has_bucket("photos-one"));
  CHECK(w.topics() == std::vector<std::string>{"alerts"});
  auto version = w.parameters->get("/app/version");
  REQUIRE(version);
  CHECK(version->value == "alerts");
  auto s = e->stack("photos");
  REQUIRE(s->outputs.size() == 1);
  CHECK(s->outputs[0].value == "arn:aws:s3:::photos-one");
  auto exports = e->exports();
  REQUIRE(exports.size() == 1);
  CHECK(exports[0].name == "photos-bucket");
  CHECK(s->template_body == kPhotos);  // as sent

  auto again = e->create_stack(request("photos", kPhotos));
  REQUIRE_FALSE(again);
  CHECK(again.error().effective_message() == "Stack [photos] already exists");
}

TEST_CASE("an update applies the difference: replacement, removal, nothing for the unchanged", "[cfn-engine]") {
  World w;
  auto e = w.engine();
  REQUIRE(e->create_stack(request("photos", kPhotos)));
  REQUIRE(status_of(*e, "photos") == "CREATE_COMPLETE");
  std::string renamed = R"({"Resources": {
    "Photos": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "photos-two"}}}})";
  REQUIRE(e->update_stack(request("photos", renamed)));
  REQUIRE(status_of(*e, "photos") == "UPDATE_COMPLETE");
  CHECK(w.has_bucket("photos-two"));
  CHECK_FALSE(w.has_bucket("photos-one"));  // replaced: the old one deleted at cleanup
  CHECK(w.topics().empty());                // removed from the template
  CHECK_FALSE(w.parameters->get("/app/version"));
  auto h = history(*e, "photos");
  CHECK(std::find(h.begin(), h.end(), "photos UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") != h.end());
  CHECK(std::find(h.begin(), h.end(), "Alerts DELETE_COMPLETE") != h.end());

  auto same = e->update_stack(request("photos", renamed));
  REQUIRE_FALSE(same);
  CHECK(same.error().effective_message() == "No updates are to be performed.");
  CHECK(e->exports().empty());
}

TEST_CASE("a failed create rolls back what it made and names the resource", "[cfn-engine]") {
  World w;
  REQUIRE(w.store->create_bucket("taken", "private", "us-east-1"));
  auto e = w.engine();
  std::string body = R"({"Resources": {
    "Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}},
    "Clash": {"Type": "AWS::S3::Bucket", "DependsOn": "Alerts", "Properties": {"BucketName": "taken"}}}})";
  REQUIRE(e->create_stack(request("clash", body)));
  REQUIRE(status_of(*e, "clash") == "ROLLBACK_COMPLETE");
  auto events = e->events("clash");
  REQUIRE(events);
  bool failed = false;
  for (const auto& ev : *events)
    if (ev.logical_id == "Clash" && ev.status == "CREATE_FAILED") failed = ev.status_reason == "taken already exists";
  CHECK(failed);
  CHECK(w.topics().empty());
  CHECK(w.has_bucket("taken"));  // not the stack's: untouched
  auto update = e->update_stack(request("clash", body));
  REQUIRE_FALSE(update);
  CHECK(update.error().effective_message().find("ROLLBACK_COMPLETE state and can not be updated") != std::string::npos);
}

TEST_CASE("delete: a bucket with objects fails it, Retain keeps one, an export in use blocks it", "[cfn-engine]") {
  World w;
  auto e = w.engine();
  REQUIRE(e->create_stack(request("photos", kPhotos)));
  REQUIRE(status_of(*e, "photos") == "CREATE_COMPLETE");
  std::string importer = R"({"Resources": {"T": {"Type": "AWS::SNS::Topic",
    "Properties": {"TopicName": {"Fn::Select": [5, {"Fn::Split": [":", {"Fn::ImportValue": "photos-bucket"}]}]}}}}})";
  REQUIRE(e->create_stack(request("importer", importer)));
  REQUIRE(status_of(*e, "importer") == "CREATE_COMPLETE");
  CHECK(w.topics().size() == 2);
  auto blocked = e->delete_stack("photos");
  REQUIRE_FALSE(blocked);
  CHECK(blocked.error().effective_message() == "Export photos-bucket cannot be deleted as it is in use by importer");
  REQUIRE(e->delete_stack("importer"));
  e->wait_idle();

  REQUIRE(store_test::put(*w.store, "photos-one", "k", "data"));
  REQUIRE(e->delete_stack("photos"));
  REQUIRE(status_of(*e, "photos") == "DELETE_FAILED");
  CHECK(w.has_bucket("photos-one"));
  REQUIRE(w.store->delete_object("photos-one", "k"));
  REQUIRE(e->delete_stack("photos"));
  e->wait_idle();
  CHECK_FALSE(e->stack("photos"));  // a name finds only live stacks
  CHECK_FALSE(w.has_bucket("photos-one"));

  std::string kept = R"({"Resources": {"Keep": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain",
    "Properties": {"BucketName": "kept-bucket"}}}})";
  REQUIRE(e->create_stack(request("keeper", kept)));
  REQUIRE(status_of(*e, "keeper") == "CREATE_COMPLETE");
  auto id = e->stack("keeper")->stack_id;
  REQUIRE(e->delete_stack("keeper"));
  e->wait_idle();
  auto gone = e->stack(id);  // a stack id still finds a deleted stack
  REQUIRE(gone);
  CHECK(gone->status == "DELETE_COMPLETE");
  CHECK(w.has_bucket("kept-bucket"));
}

TEST_CASE("change sets: the changes listed, execution applies them, no change is FAILED", "[cfn-engine]") {
  World w;
  auto e = w.engine();
  cloudformation::ChangeSetRequest cs{request("photos", kPhotos), "first", "CREATE", ""};
  auto created = e->create_change_set(cs);
  REQUIRE(created);
  e->wait_idle();
  auto described = e->change_set("first", "photos");
  REQUIRE(described);
  CHECK(described->status == "CREATE_COMPLETE");
  CHECK(described->execution_status == "AVAILABLE");
  CHECK(described->changes.size() == 3);
  CHECK(status_of(*e, "photos") == "REVIEW_IN_PROGRESS");
  REQUIRE(e->execute_change_set("first", "photos"));
  REQUIRE(status_of(*e, "photos") == "CREATE_COMPLETE");
  CHECK_FALSE(e->change_set("first", "photos"));  // an executed change set takes the others with it

  cloudformation::ChangeSetRequest same{request("photos", kPhotos), "again", "UPDATE", ""};
  REQUIRE(e->create_change_set(same));
  e->wait_idle();
  auto empty = e->change_set("again", "photos");
  REQUIRE(empty);
  CHECK(empty->status == "FAILED");
  CHECK(empty->status_reason ==
        "The submitted information didn't contain changes. Submit different information to create a change set.");
}

TEST_CASE("a restarted engine brings its stacks back into the running stack", "[cfn-engine]") {
  World w;
  {
    auto e = w.engine();
    REQUIRE(e->create_stack(request("photos", kPhotos)));
    REQUIRE(status_of(*e, "photos") == "CREATE_COMPLETE");
  }
  w.contributions.clear();
  auto e = w.engine();
  REQUIRE(e->restore());
  CHECK(status_of(*e, "photos") == "CREATE_COMPLETE");
  CHECK(w.topics() == std::vector<std::string>{"alerts"});
}
