"""STS and SSM Parameter Store against `minicloud serve`, with boto3 and the aws CLI: caller
identity, AssumeRole credentials used against S3, STS and SSM (only with their session
token), parameters, and the answer to a service minicloud does not serve."""
import json
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import REGION, ServerTestCase

ROLE = "arn:aws:iam::000000000000:role/cdk-hnb659fds-deploy-role-000000000000-us-east-1"


class StsSsmTest(ServerTestCase):
    def client(self, service, **credentials):
        creds = dict(aws_access_key_id="test", aws_secret_access_key="test")
        creds.update(credentials)
        config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, signature_version="s3v4") \
            if service == "s3" else Config(retries={"max_attempts": 1})
        client = boto3.client(service, endpoint_url=self.mc.endpoint, region_name=REGION, config=config, **creds)
        self.addCleanup(client.close)
        return client

    def assume(self, session="it"):
        creds = self.client("sts").assume_role(RoleArn=ROLE, RoleSessionName=session)["Credentials"]
        return dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"])

    def assert_code(self, code, call, *args, **kwargs):
        with self.assertRaises(ClientError) as caught:
            call(*args, **kwargs)
        self.assertEqual(caught.exception.response["Error"]["Code"], code, caught.exception.response)
        return caught.exception.response

    # ---- STS -------------------------------------------------------------------------
    def test_get_caller_identity(self):
        me = self.client("sts").get_caller_identity()
        self.assertEqual(me["Account"], "000000000000")
        self.assertEqual(me["Arn"], "arn:aws:iam::000000000000:root")
        self.assertEqual(me["UserId"], "test")
        # A long-term key takes any session token (command functions send minicloud-depth-N).
        self.assertEqual(self.client("sts", aws_session_token="minicloud-depth-1").get_caller_identity()["UserId"],
                         "test")

    def test_assumed_role_credentials_work_everywhere(self):
        sts = self.client("sts")
        answer = sts.assume_role(RoleArn=ROLE, RoleSessionName="deployer", DurationSeconds=1800)
        self.assertTrue(answer["Credentials"]["AccessKeyId"].startswith("ASIA"))
        self.assertEqual(answer["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::000000000000:assumed-role/cdk-hnb659fds-deploy-role-000000000000-us-east-1/"
                         "deployer")
        creds = dict(aws_access_key_id=answer["Credentials"]["AccessKeyId"],
                     aws_secret_access_key=answer["Credentials"]["SecretAccessKey"],
                     aws_session_token=answer["Credentials"]["SessionToken"])
        me = self.client("sts", **creds).get_caller_identity()
        self.assertEqual(me["Arn"], answer["AssumedRoleUser"]["Arn"])
        self.assertEqual(me["UserId"], answer["AssumedRoleUser"]["AssumedRoleId"])

        s3 = self.client("s3", **creds)
        s3.create_bucket(Bucket="assumed-role-bucket")
        s3.put_object(Bucket="assumed-role-bucket", Key="k.txt", Body=b"hello")
        self.assertEqual(s3.get_object(Bucket="assumed-role-bucket", Key="k.txt")["Body"].read(), b"hello")
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "assumed-role-bucket", "Key": "k.txt"})
        self.assertIn("X-Amz-Security-Token=", url)
        with urllib.request.urlopen(url) as response:
            self.assertEqual(response.read(), b"hello")

        ssm = self.client("ssm", **creds)
        ssm.put_parameter(Name="/assumed/p", Value="v", Type="String")
        self.assertEqual(ssm.get_parameter(Name="/assumed/p")["Parameter"]["Value"], "v")

    def test_temporary_credentials_need_their_token(self):
        creds = self.assume()
        without = dict(creds)
        del without["aws_session_token"]
        wrong = dict(creds, aws_session_token=creds["aws_session_token"][:-1] + "x")
        for bad in (without, wrong):
            response = self.assert_code("InvalidToken", self.client("s3", **bad).list_buckets)
            self.assertEqual(response["Error"]["Message"], "The provided token is malformed or otherwise invalid.")
            response = self.assert_code("InvalidClientTokenId", self.client("sts", **bad).get_caller_identity)
            self.assertEqual(response["Error"]["Message"], "The security token included in the request is invalid.")
            self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 403)
            self.assert_code("UnrecognizedClientException", self.client("ssm", **bad).get_parameter, Name="/x")
        url = self.client("s3", **without).generate_presigned_url(
            "get_object", Params={"Bucket": "cruddur-uploaded-avatars", "Key": "nothing"})
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url)
        self.assertIn(b"<Code>InvalidToken</Code>", caught.exception.read())

    def test_sts_errors(self):
        sts = self.client("sts")
        self.assert_code("ValidationError", sts.assume_role, RoleArn=ROLE, RoleSessionName="a b")
        self.assert_code("ValidationError", sts.assume_role, RoleArn=ROLE, RoleSessionName="ok",
                         DurationSeconds=50000)
        response = self.assert_code("AccessDenied", sts.assume_role,
                                    RoleArn="arn:aws:iam::123456789012:role/other", RoleSessionName="ok")
        self.assertIn("is not authorized to perform: sts:AssumeRole", response["Error"]["Message"])
        self.assert_code("InvalidClientTokenId", self.client("sts", aws_access_key_id="nobody").get_caller_identity)
        self.assert_code("SignatureDoesNotMatch", self.client("sts", aws_secret_access_key="wrong").get_caller_identity)
        session = sts.get_session_token(DurationSeconds=900)["Credentials"]
        me = self.client("sts", aws_access_key_id=session["AccessKeyId"],
                         aws_secret_access_key=session["SecretAccessKey"],
                         aws_session_token=session["SessionToken"]).get_caller_identity()
        self.assertEqual(me["Arn"], "arn:aws:iam::000000000000:root")

    # ---- SSM -------------------------------------------------------------------------
    def test_parameters(self):
        ssm = self.client("ssm")
        self.assertEqual(ssm.put_parameter(Name="/app/db/host", Value="db.local", Type="String")["Version"], 1)
        ssm.put_parameter(Name="/app/db/password", Value="s3cret", Type="SecureString", Description="pw")
        ssm.put_parameter(Name="/app/name", Value="a,b", Type="StringList")
        p = ssm.get_parameter(Name="/app/db/host", WithDecryption=True)["Parameter"]
        self.assertEqual((p["Name"], p["Value"], p["Type"], p["Version"], p["DataType"]),
                         ("/app/db/host", "db.local", "String", 1, "text"))
        self.assertEqual(p["ARN"], "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host")
        self.assertIsNotNone(p["LastModifiedDate"].tzinfo)

        response = self.assert_code("ParameterAlreadyExists", ssm.put_parameter, Name="/app/db/host", Value="x",
                                    Type="String")
        self.assertIn("overwrite", response["Error"]["Message"])
        self.assertEqual(ssm.put_parameter(Name="/app/db/host", Value="db2", Overwrite=True)["Version"], 2)
        self.assertEqual(ssm.get_parameter(Name="/app/db/host")["Parameter"]["Value"], "db2")
        self.assertEqual(ssm.get_parameter(Name="/app/db/host:1")["Parameter"]["Value"], "db.local")
        self.assert_code("ParameterNotFound", ssm.get_parameter, Name="/app/missing")

        several = ssm.get_parameters(Names=["/app/db/host", "/app/missing"])
        self.assertEqual([p["Name"] for p in several["Parameters"]], ["/app/db/host"])
        self.assertEqual(several["InvalidParameters"], ["/app/missing"])

        one_level = ssm.get_parameters_by_path(Path="/app")["Parameters"]
        self.assertEqual([p["Name"] for p in one_level], ["/app/name"])
        pages = ssm.get_paginator("get_parameters_by_path").paginate(Path="/app", Recursive=True,
                                                                     PaginationConfig={"PageSize": 2})
        names = [p["Name"] for page in pages for p in page["Parameters"]]
        self.assertEqual(names, ["/app/db/host", "/app/db/password", "/app/name"])

        described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith",
                                                               "Values": ["/app/db"]}])["Parameters"]
        self.assertEqual([(p["Name"], p["Type"], p["Version"]) for p in described],
                         [("/app/db/host", "String", 2), ("/app/db/password", "SecureString", 1)])
        self.assertEqual(described[1]["Description"], "pw")
        history = ssm.get_parameter_history(Name="/app/db/host")["Parameters"]
        self.assertEqual([h["Value"] for h in history], ["db.local", "db2"])

        ssm.delete_parameter(Name="/app/name")
        self.assert_code("ParameterNotFound", ssm.delete_parameter, Name="/app/name")
        deleted = ssm.delete_parameters(Names=["/app/db/password", "/app/name"])
        self.assertEqual((deleted["DeletedParameters"], deleted["InvalidParameters"]), (["/app/db/password"], ["/app/name"]))
        self.assert_code("ValidationException", ssm.put_parameter, Name="/aws/reserved", Value="x", Type="String")

    # ---- Services minicloud does not serve -----------------------------------------------
    def test_unsupported_services_say_so(self):
        for service, call in (("sns", "list_topics"), ("lambda", "list_functions"), ("iam", "list_users")):
            response = self.assert_code("NotImplemented", getattr(self.client(service), call))
            self.assertIn("minicloud does not implement the %s service" % service, response["Error"]["Message"])
            self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 501)

    # ---- The aws CLI -------------------------------------------------------------------
    def test_aws_cli(self):
        me = json.loads(self.mc.aws("sts", "get-caller-identity", "--output", "json").stdout)
        self.assertEqual(me["Account"], "000000000000")
        put = json.loads(self.mc.aws("ssm", "put-parameter", "--name", "/cli/p", "--value", "v 1", "--type", "String",
                                     "--output", "json").stdout)
        self.assertEqual(put["Version"], 1)
        got = json.loads(self.mc.aws("ssm", "get-parameter", "--name", "/cli/p", "--output", "json").stdout)
        self.assertEqual(got["Parameter"]["Value"], "v 1")
        missing = self.mc.aws("ssm", "get-parameter", "--name", "/cli/none", check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("(ParameterNotFound)", missing.stderr)


if __name__ == "__main__":
    unittest.main()
