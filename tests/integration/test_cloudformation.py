"""CloudFormation against `minicloud serve`: the Cruddur CDK app (fixtures/cdk) run unchanged,
first as a synthesized cloud assembly (`serve --stack cdk.out`), then with `cdk bootstrap` +
`cdk deploy` against an empty server, an update that changes an environment variable and
removes a resource, and `cdk destroy`; then `aws cloudformation deploy` with a YAML template,
and broken templates with CloudFormation's exact errors."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError

from harness import BIN, PHOTOS, REGION, ROOT, MiniCloud, jpeg_size, wait_object
from test_events import Receiver

CDK_APP = os.path.join(ROOT, "fixtures", "cdk")
CDK = os.path.join(CDK_APP, "node_modules", ".bin", "cdk")
UPLOADS = "cfn-uploads"
ASSETS = "cfn-assets"
STACK = "ThumbingServerlessCdkStack"
LANDSCAPE = os.path.join(ROOT, "fixtures", "images", "landscape.jpg")
STAGING = "cdk-hnb659fds-assets-000000000000-us-east-1"


def app_env(webhook, **extra):
    """The environment the CDK app reads its names from."""
    env = dict(UPLOADS_BUCKET_NAME=UPLOADS, ASSETS_BUCKET_NAME=ASSETS, THUMBING_WEBHOOK_URL=webhook,
               THUMBING_TOPIC_NAME="cfn-assets-topic")
    env.update(extra)
    return env


def cdk(args, endpoint, home, env_extra, timeout=300):
    """Runs the pinned cdk CLI in the fixture app against `endpoint` (no account: test/test)."""
    env = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        env.pop(name, None)
    env.update(HOME=home, CDK_DISABLE_CLI_TELEMETRY="1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    env.update(env_extra)
    proc = subprocess.run([CDK] + args + ["--no-notices"], cwd=CDK_APP, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError("cdk %s failed (%d):\n%s\n%s" % (" ".join(args), proc.returncode, proc.stdout[-6000:],
                                                             proc.stderr[-6000:]))
    return proc


class PipelineChecks:
    """Upload -> ThumbLambda (the app's own Node handler, sharp) -> avatar -> webhook -> CDN."""

    def upload_and_check(self, key, folder="avatars", distribution_id=None):
        with open(LANDSCAPE, "rb") as f:
            self.s3.put_object(Bucket=UPLOADS, Key=key, Body=f.read(), ContentType="image/jpeg")
        name = os.path.splitext(key)[0] + ".jpg"
        avatar = wait_object(self.s3, ASSETS, "%s/%s" % (folder, name), timeout=90)["Body"].read()
        self.assertEqual(jpeg_size(avatar), (512, 512))
        self.receiver.wait(lambda r: ("%s/%s" % (folder, name)).encode() in r[2], timeout=60)
        if distribution_id:
            url = "%s/_cdn/%s/%s/%s" % (self.mc.endpoint, distribution_id, folder, name)
            with urllib.request.urlopen(url) as response:
                self.assertEqual(response.read(), avatar)
        return avatar


class ServeCloudAssemblyTest(unittest.TestCase, PipelineChecks):
    """`cdk synth` then `minicloud serve --stack cdk.out`: the stack runs at start."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="minicloud-cfn-")
        cls.receiver = Receiver()
        cls.out = os.path.join(cls.tmp, "cdk.out")
        cdk(["synth", "-q", "-o", cls.out], None, cls.tmp, app_env(cls.receiver.url))
        started = time.monotonic()
        cls.mc = MiniCloud("--stack", cls.out).start(timeout=120)
        cls.start_s = time.monotonic() - started
        with open(os.path.join(cls.mc.tmp, "ready.json")) as f:
            cls.ready = json.load(f)
        cls.s3 = cls.mc.boto3_client()
        cls.cfn = cls.mc.boto3_client("cloudformation")

    @classmethod
    def tearDownClass(cls):
        cls.mc.stop()
        cls.receiver.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_ready_file_and_output_report_the_stack(self):
        print("\nserve --stack cdk.out -> ready: %.2f s" % self.start_s)
        (stack,) = self.ready["stacks"]
        self.assertEqual(stack["name"], STACK)
        self.assertEqual(stack["status"], "CREATE_COMPLETE")
        self.assertEqual(stack["outputs"]["UploadsBucketName"], UPLOADS)
        self.assertRegex(stack["outputs"]["DistributionId"], r"^E[0-9A-Z]{13}$")
        logs = self.mc.logs()
        self.assertIn("bucket %s" % ASSETS, logs)  # named only by the template: created, and said so

    def test_upload_runs_the_apps_own_handler_and_the_cdn_serves_the_avatar(self):
        outputs = self.ready["stacks"][0]["outputs"]
        self.upload_and_check("serve-stack.jpg", distribution_id=outputs["DistributionId"])
        # By the distribution's own domain, as CloudFront serves it.
        request = urllib.request.Request(self.mc.endpoint + "/avatars/serve-stack.jpg",
                                         headers={"Host": outputs["DistributionDomainName"]})
        with urllib.request.urlopen(request) as response:
            self.assertEqual(jpeg_size(response.read()), (512, 512))
        cloudfront = self.mc.boto3_client("cloudfront")
        items = cloudfront.list_distributions()["DistributionList"]["Items"]
        self.assertIn(outputs["DistributionId"], [d["Id"] for d in items])

    def test_cloudformation_api_describes_what_runs(self):
        stack = self.cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        resources = {r["LogicalResourceId"]: r for r in self.cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]}
        self.assertEqual(resources["UploadsBucket5E5E9B64"]["PhysicalResourceId"], UPLOADS)
        self.assertTrue(any(r["ResourceType"] == "AWS::Lambda::Function" and r["PhysicalResourceId"].startswith(
            STACK + "-ThumbLambda") for r in resources.values()), resources)
        self.assertTrue(all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in resources.values()))
        with open(os.path.join(self.out, STACK + ".template.json")) as f:
            body = f.read()
        template = self.cfn.get_template(StackName=STACK)["TemplateBody"]
        self.assertEqual(json.loads(json.dumps(template)) if isinstance(template, dict) else json.loads(template),
                         json.loads(body))
        events = self.cfn.describe_stack_events(StackName=STACK)["StackEvents"]
        self.assertEqual(events[0]["ResourceStatus"], "CREATE_COMPLETE")
        self.assertEqual(events[0]["LogicalResourceId"], STACK)
        self.assertEqual(events[-1]["ResourceStatus"], "CREATE_IN_PROGRESS")
        self.assertEqual(events[-1]["ResourceStatusReason"], "User Initiated")


class ServeOptionsTest(unittest.TestCase):
    """serve --stack with a template, --stack-name, --parameter and --overlay; failures."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="minicloud-cfn-serve-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_template_with_name_and_parameter(self):
        # A YAML template named like a stack file: told apart by content, not by name.
        path = self.write("stack.json.txt", TEMPLATE)
        with MiniCloud("--stack", path, "--stack-name", "photos", "--parameter", "Env=prod") as mc:
            with open(os.path.join(mc.tmp, "ready.json")) as f:
                (stack,) = json.load(f)["stacks"]
            self.assertEqual((stack["name"], stack["status"]), ("photos", "CREATE_COMPLETE"))
            self.assertEqual(stack["outputs"]["BucketArn"], "arn:aws:s3:::photos-prod-us-east-1")
            self.assertIn("photos-prod-us-east-1", [b["Name"] for b in mc.boto3_client().list_buckets()["Buckets"]])
            topics = mc.boto3_client("cloudformation").describe_stack_resource(
                StackName="photos", LogicalResourceId="Alerts")["StackResourceDetail"]
            self.assertEqual(topics["PhysicalResourceId"], "arn:aws:sns:us-east-1:000000000000:alerts-prod")

    def test_a_failing_template_stops_serve_naming_the_resource(self):
        body = json.dumps({"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "java21", "Handler": "x.Handler", "Code": {"ZipFile": "class X {}"},
            "Role": "arn:aws:iam::000000000000:role/r"}}}})
        proc = subprocess.run([BIN, "serve", "--in-memory", "--port", "0", "--stack", self.write("t.json", body)],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("stack t is ROLLBACK_COMPLETE: Fn (AWS::Lambda::Function):", proc.stderr)
        self.assertIn("java21", proc.stderr)
        unknown = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
        proc = subprocess.run([BIN, "serve", "--in-memory", "--port", "0", "--stack", self.write("q.json", unknown)],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("Unrecognized resource types: [AWS::SQS::Queue (resource Q)]", proc.stderr)

    def test_overlay_runs_the_builtin_processor_instead_of_the_handler(self):
        out = os.path.join(self.tmp, "cdk.out")
        cdk(["synth", "-q", "-o", out], None, self.tmp, app_env("http://127.0.0.1:9/hook"))
        overlay = self.write("overlay.json", json.dumps({"ThumbLambda5C775138": {"builtin": "image-processor"}}))
        with MiniCloud("--stack", out, "--overlay", overlay) as mc:
            s3 = mc.boto3_client()
            with open(LANDSCAPE, "rb") as f:
                s3.put_object(Bucket=UPLOADS, Key="fast.jpg", Body=f.read())
            avatar = wait_object(s3, ASSETS, "avatars/fast.jpg")["Body"].read()
            self.assertEqual(jpeg_size(avatar), (512, 512))
            with urllib.request.urlopen(mc.endpoint + "/_api/events?bucket=" + UPLOADS) as response:
                (event,) = json.load(response)["events"]
            # The builtin reports what it wrote; the Node handler returns nothing.
            self.assertEqual(event["result"]["outputs"][0]["key"], "avatars/fast.jpg")


class CdkDeployTest(unittest.TestCase, PipelineChecks):
    """`cdk bootstrap` + `cdk deploy` against an empty server, update, destroy: one story."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="minicloud-cdk-")
        cls.receiver = Receiver()
        cls.mc = MiniCloud("--empty").start()
        cls.s3 = cls.mc.boto3_client()
        cls.cfn = cls.mc.boto3_client("cloudformation")

    @classmethod
    def tearDownClass(cls):
        cls.mc.stop()
        cls.receiver.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def deploy(self, **extra):
        started = time.monotonic()
        cdk(["deploy", "--require-approval", "never", "-o", os.path.join(self.tmp, "cdk.out")], self.mc.endpoint,
            self.tmp, app_env(self.receiver.url, **extra))
        return time.monotonic() - started

    def test_bootstrap_deploy_update_destroy(self):
        started = time.monotonic()
        cdk(["bootstrap", "aws://000000000000/us-east-1", "-o", os.path.join(self.tmp, "cdk.out")], self.mc.endpoint,
            self.tmp, app_env(self.receiver.url))
        bootstrap_s = time.monotonic() - started
        toolkit = self.cfn.describe_stacks(StackName="CDKToolkit")["Stacks"][0]
        self.assertEqual(toolkit["StackStatus"], "CREATE_COMPLETE")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in toolkit["Outputs"]}
        self.assertEqual(outputs["BucketName"], STAGING)
        ssm = self.mc.boto3_client("ssm")
        self.assertEqual(ssm.get_parameter(Name="/cdk-bootstrap/hnb659fds/version")["Parameter"]["Value"],
                         outputs["BootstrapVersion"])

        deploy_s = self.deploy()
        print("\ncdk bootstrap: %.1f s, cdk deploy (start -> CREATE_COMPLETE): %.1f s" % (bootstrap_s, deploy_s))
        stack = self.cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        staged = [o["Key"] for o in self.s3.list_objects_v2(Bucket=STAGING).get("Contents", [])]
        self.assertTrue(any(k.endswith(".zip") for k in staged), staged)   # the Lambda's asset
        self.assertTrue(any(k.endswith(".json") for k in staged), staged)  # the template
        # The bootstrap bucket's default encryption is KMS: the asset publisher read it and
        # uploaded accordingly.
        rule = self.s3.get_bucket_encryption(Bucket=STAGING)["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "aws:kms")
        zip_key = next(k for k in staged if k.endswith(".zip"))
        self.assertEqual(self.s3.head_object(Bucket=STAGING, Key=zip_key)["ServerSideEncryption"], "aws:kms")
        self.upload_and_check("deployed.jpg", distribution_id=outputs["DistributionId"])
        self.deploy()  # nothing changed: CDK skips it (and clears a change set that is not there)
        self.assertEqual(self.cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"], "CREATE_COMPLETE")

        # Update: the function's output folder changes, the distribution goes away.
        self.deploy(THUMBING_S3_FOLDER_OUTPUT="thumbs", THUMBING_CDN="off")
        stack = self.cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "UPDATE_COMPLETE")
        self.assertNotIn("DistributionId", [o["OutputKey"] for o in stack["Outputs"]])
        distributions = self.mc.boto3_client("cloudfront").list_distributions()["DistributionList"]
        self.assertNotIn(outputs["DistributionId"], [d["Id"] for d in distributions.get("Items", [])])
        self.upload_and_check("updated.jpg", folder="thumbs")
        events = self.cfn.describe_stack_events(StackName=STACK)["StackEvents"]
        self.assertIn(("AssetsCDN", "DELETE_COMPLETE"), [(e["LogicalResourceId"][:9], e["ResourceStatus"]) for e in events])

        # Destroy: the uploads bucket holds objects, so CloudFormation cannot delete it.
        cdk_env = app_env(self.receiver.url, THUMBING_S3_FOLDER_OUTPUT="thumbs", THUMBING_CDN="off")
        with self.assertRaises(AssertionError):
            cdk(["destroy", "--force", "-o", os.path.join(self.tmp, "cdk.out")], self.mc.endpoint, self.tmp, cdk_env)
        stack = self.cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "DELETE_FAILED")
        failed = [e for e in self.cfn.describe_stack_events(StackName=STACK)["StackEvents"]
                  if e["ResourceStatus"] == "DELETE_FAILED" and e["ResourceType"] == "AWS::S3::Bucket"]
        self.assertIn("BucketNotEmpty", failed[0]["ResourceStatusReason"])
        for o in self.s3.list_objects_v2(Bucket=UPLOADS)["Contents"]:
            self.s3.delete_object(Bucket=UPLOADS, Key=o["Key"])
        cdk(["destroy", "--force", "-o", os.path.join(self.tmp, "cdk.out")], self.mc.endpoint, self.tmp, cdk_env)
        with self.assertRaises(ClientError) as caught:
            self.cfn.describe_stacks(StackName=STACK)
        self.assertIn("does not exist", str(caught.exception))
        self.assertNotIn(UPLOADS, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])
        self.assertIn(ASSETS, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])  # never the stack's


TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Description: a bucket and a topic
Parameters:
  Env:
    Type: String
    AllowedValues: [dev, prod]
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Photos:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'photos-${Env}-${AWS::Region}'
      CorsConfiguration:
        CorsRules:
          - AllowedMethods: [PUT]
            AllowedOrigins: ['*']
  Alerts:
    Type: AWS::SNS::Topic
    Condition: IsProd
    Properties:
      TopicName: !Join ['-', [alerts, !Ref Env]]
Outputs:
  BucketArn:
    Value: !GetAtt Photos.Arn
    Export:
      Name: !Sub '${AWS::StackName}-BucketArn'
  Where:
    Value: !Select [1, !Split ['-', !Ref Photos]]
"""


class AwsCliDeployTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mc = MiniCloud("--empty").start()
        cls.cfn = cls.mc.boto3_client("cloudformation")
        cls.tmp = tempfile.mkdtemp(prefix="minicloud-cfn-cli-")

    @classmethod
    def tearDownClass(cls):
        cls.mc.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_aws_cloudformation_deploy_then_update_then_delete(self):
        path = os.path.join(self.tmp, "t.yaml")
        with open(path, "w") as f:
            f.write(TEMPLATE)
        self.mc.aws("cloudformation", "deploy", "--template-file", path, "--stack-name", "photos")
        stack = self.cfn.describe_stacks(StackName="photos")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        outputs = {o["OutputKey"]: o for o in stack["Outputs"]}
        self.assertEqual(outputs["BucketArn"]["OutputValue"], "arn:aws:s3:::photos-dev-us-east-1")
        self.assertEqual(outputs["BucketArn"]["ExportName"], "photos-BucketArn")
        self.assertEqual(outputs["Where"]["OutputValue"], "dev")
        self.assertEqual(self.cfn.list_exports()["Exports"][0]["Name"], "photos-BucketArn")
        s3 = self.mc.boto3_client()
        self.assertEqual(s3.get_bucket_cors(Bucket="photos-dev-us-east-1")["CORSRules"][0]["AllowedMethods"], ["PUT"])
        self.assertEqual(self.cfn.get_template(StackName="photos")["TemplateBody"], TEMPLATE)  # as sent
        again = self.mc.aws("cloudformation", "deploy", "--template-file", path, "--stack-name", "photos",
                            "--no-fail-on-empty-changeset")
        self.assertIn("No changes to deploy", again.stdout + again.stderr)

        # prod: a new bucket replaces the old one (name change), the conditional topic appears.
        # The CLI names change sets by the second, and leaves the empty one above in place (as
        # on AWS): a deploy in the same second would reuse its name.
        time.sleep(1.1)
        self.mc.aws("cloudformation", "deploy", "--template-file", path, "--stack-name", "photos",
                    "--parameter-overrides", "Env=prod")
        stack = self.cfn.describe_stacks(StackName="photos")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "UPDATE_COMPLETE")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertIn("photos-prod-us-east-1", names)
        self.assertNotIn("photos-dev-us-east-1", names)
        resources = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                     for r in self.cfn.describe_stack_resources(StackName="photos")["StackResources"]}
        self.assertEqual(resources["Alerts"], "arn:aws:sns:us-east-1:000000000000:alerts-prod")

        self.mc.aws("cloudformation", "delete-stack", "--stack-name", "photos")
        self.mc.aws("cloudformation", "wait", "stack-delete-complete", "--stack-name", "photos")
        self.assertNotIn("photos-prod-us-east-1", [b["Name"] for b in s3.list_buckets()["Buckets"]])
        summaries = self.cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
        self.assertEqual([s["StackName"] for s in summaries], ["photos"])

    def assert_validation(self, body, message, prefix=False):
        with self.assertRaises(ClientError) as caught:
            self.cfn.create_stack(StackName="broken", TemplateBody=body)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationError")
        got = caught.exception.response["Error"]["Message"]
        if prefix:
            self.assertTrue(got.startswith(message), got)
        else:
            self.assertEqual(got, message)

    def test_broken_templates_give_cloudformations_errors(self):
        self.assert_validation(
            '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}',
            "Template format error: Unrecognized resource types: [AWS::SQS::Queue (resource Q)]. minicloud supports: ",
            prefix=True)
        self.assert_validation(
            '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "DependsOn": "B"},'
            ' "B": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::GetAtt": ["A", "TopicName"]}}}}}',
            "Circular dependency between resources: [A, B]")
        self.assert_validation(
            '{"Parameters": {"Name": {"Type": "String"}}, "Resources": {"T": {"Type": "AWS::SNS::Topic",'
            ' "Properties": {"TopicName": {"Ref": "Name"}}}}}',
            "Parameters: [Name] must have values")
        self.assert_validation(
            '{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Nope"}}}}}',
            "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template")
        self.assert_validation(
            '{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::GetAtt": ["Ghost", "Arn"]}}}}}',
            "Template error: instance of Fn::GetAtt references undefined resource Ghost")
        self.assert_validation(
            '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}, "U": {"Type": "AWS::SNS::Topic",'
            ' "Properties": {"TopicName": {"Fn::GetAtt": ["T", "Colour"]}}}}}',
            "Template error: resource T does not support attribute type Colour in Fn::GetAtt")
        self.assert_validation("Resources:\n  A: [\n", "Template format error: YAML not well-formed. (line 3, column 1)")
        big = json.dumps({"Description": "x" * 51200, "Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
        with self.assertRaises(ClientError) as caught:
            self.cfn.create_stack(StackName="big", TemplateBody=big)
        self.assertIn("at 'templateBody' failed to satisfy constraint: Member must have length less than or equal "
                      "to 51200", caught.exception.response["Error"]["Message"])

    def test_a_failing_resource_rolls_the_create_back(self):
        s3 = self.mc.boto3_client()
        s3.create_bucket(Bucket="taken-bucket")
        body = json.dumps({"Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "rollback-topic"}},
            "Clash": {"Type": "AWS::S3::Bucket", "DependsOn": "Topic", "Properties": {"BucketName": "taken-bucket"}}}})
        self.cfn.create_stack(StackName="rolls-back", TemplateBody=body)
        deadline = time.time() + 60  # botocore's stack_rollback_complete waits for updates only
        while self.cfn.describe_stacks(StackName="rolls-back")["Stacks"][0]["StackStatus"] != "ROLLBACK_COMPLETE":
            self.assertLess(time.time(), deadline, "no ROLLBACK_COMPLETE")
            time.sleep(0.1)
        events = self.cfn.describe_stack_events(StackName="rolls-back")["StackEvents"]
        failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
        self.assertEqual(failed[0]["LogicalResourceId"], "Clash")
        self.assertIn("taken-bucket already exists", failed[0]["ResourceStatusReason"])
        rolling = [e for e in events if e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS"]
        self.assertEqual(rolling[0]["ResourceStatusReason"],
                         "The following resource(s) failed to create: [Clash]. Rollback requested by user.")
        self.assertIn(("Topic", "DELETE_COMPLETE"), [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events])


if __name__ == "__main__":
    unittest.main()
