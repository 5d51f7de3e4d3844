"""SigV2 (issue 11) against the real server: boto3 with signature_version "s3" (the
"Authorization: AWS key:signature" header) for objects, listing, ACLs and multipart; boto3's
default presigned GET for us-east-1 (AWSAccessKeyId/Signature/Expires) fetched with urllib;
a tampered and an expired URL; virtual-hosted style; AssumeRole credentials; and s3cmd with
signature_v2 (which signs x-amz-date instead of Date) for a second, independent client."""
import base64
import hashlib
import hmac
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import REGION, ServerTestCase
from test_s3_boto3 import http

ROLE = "arn:aws:iam::000000000000:role/cdk-hnb659fds-deploy-role-000000000000-us-east-1"
KEYS = ["plain.txt", "with spaces/and more.txt", "unicodé/ключ 😀.bin", "odd+chars=&?.txt"]


def error_fields(body):
    root = ET.fromstring(body)
    return {child.tag: child.text for child in root}


def hand_signed_url(endpoint, bucket, key, expires, secret="test", access_key="test"):
    """A SigV2 query URL built from the developer guide's rules, independent of botocore."""
    path = "/%s/%s" % (bucket, urllib.parse.quote(key, safe="/~"))
    sts = "GET\n\n\n%d\n%s" % (expires, path)
    signature = base64.b64encode(hmac.new(secret.encode(), sts.encode(), hashlib.sha1).digest()).decode()
    query = urllib.parse.urlencode({"AWSAccessKeyId": access_key, "Signature": signature, "Expires": expires})
    return endpoint + path + "?" + query


class SigV2Test(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client(signature_version="s3")
        cls.s3.create_bucket(Bucket="sigv2")

    def test_header_auth_is_sigv2(self):
        # Make sure the client really signs with SigV2, or the rest proves nothing.
        seen = []
        self.s3.meta.events.register("before-send.s3.ListObjectsV2",
                                     lambda request, **_: seen.append(request.headers["Authorization"]))
        self.s3.list_objects_v2(Bucket="sigv2", Prefix="none/")
        self.s3.meta.events.unregister("before-send.s3.ListObjectsV2")
        self.assertTrue(seen[0].startswith(b"AWS test:"), seen)

    def test_objects(self):
        for key in KEYS:
            with self.subTest(key=key):
                body = ("body of " + key).encode()
                self.s3.put_object(Bucket="sigv2", Key=key, Body=body, ContentType="text/plain",
                                   Metadata={"who": "sigv2"})
                got = self.s3.get_object(Bucket="sigv2", Key=key)
                self.assertEqual(got["Body"].read(), body)
                self.assertEqual(got["Metadata"], {"who": "sigv2"})
                self.assertEqual(got["ContentType"], "text/plain")
                ranged = self.s3.get_object(Bucket="sigv2", Key=key, Range="bytes=0-3",
                                            ResponseContentType="application/x-test")
                self.assertEqual(ranged["Body"].read(), body[:4])
                self.assertEqual(ranged["ContentType"], "application/x-test")  # sub-resource signed
        listed = [o["Key"] for o in self.s3.list_objects_v2(Bucket="sigv2")["Contents"]]
        for key in KEYS:
            self.assertIn(key, listed)
        prefixed = self.s3.list_objects(Bucket="sigv2", Prefix="unicodé/")["Contents"]
        self.assertEqual([o["Key"] for o in prefixed], [KEYS[2]])
        for key in KEYS:
            self.s3.delete_object(Bucket="sigv2", Key=key)
        left = [o["Key"] for o in self.s3.list_objects_v2(Bucket="sigv2").get("Contents", [])]
        self.assertFalse(set(KEYS) & set(left), left)

    def test_acl_and_multipart_sub_resources(self):
        self.s3.put_object(Bucket="sigv2", Key="acl.txt", Body=b"acl")
        self.s3.put_object_acl(Bucket="sigv2", Key="acl.txt", ACL="public-read")
        grants = self.s3.get_object_acl(Bucket="sigv2", Key="acl.txt")["Grants"]
        self.assertIn("READ", [g["Permission"] for g in grants])

        key = "multi part/ü.bin"
        upload = self.s3.create_multipart_upload(Bucket="sigv2", Key=key)["UploadId"]
        part1, part2 = b"a" * (5 * 1024 * 1024), b"tail"
        etags = [self.s3.upload_part(Bucket="sigv2", Key=key, UploadId=upload, PartNumber=n, Body=data)["ETag"]
                 for n, data in ((1, part1), (2, part2))]
        self.assertEqual(len(self.s3.list_parts(Bucket="sigv2", Key=key, UploadId=upload)["Parts"]), 2)
        self.s3.complete_multipart_upload(
            Bucket="sigv2", Key=key, UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]})
        self.assertEqual(self.s3.get_object(Bucket="sigv2", Key=key)["Body"].read(), part1 + part2)

    def test_wrong_secret(self):
        bad = self.mc.boto3_client(signature_version="s3", secret="wrong")
        with self.assertRaises(ClientError) as caught:
            bad.get_object(Bucket="sigv2", Key="acl.txt")
        self.assertEqual(caught.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        unknown = self.mc.boto3_client(signature_version="s3", access_key="nobody")
        with self.assertRaises(ClientError) as caught:
            unknown.list_objects_v2(Bucket="sigv2")
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidAccessKeyId")

    def test_default_presigned_url(self):
        # What boto3 does with no configuration at all for us-east-1: a SigV2 query URL.
        plain = boto3.client("s3", endpoint_url=self.mc.endpoint, region_name=REGION,
                             aws_access_key_id="test", aws_secret_access_key="test")
        self.addCleanup(plain.close)
        data = bytes(range(256)) * 40
        for key in ("presigned.bin", "unicodé/ключ 😀.bin"):
            with self.subTest(key=key):
                self.s3.put_object(Bucket="sigv2", Key=key, Body=data)
                url = plain.generate_presigned_url("get_object", Params={"Bucket": "sigv2", "Key": key})
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
                self.assertEqual(sorted(query), ["AWSAccessKeyId", "Expires", "Signature"])
                status, _, body = http("GET", url)
                self.assertEqual((status, body), (200, data))

                # Tampered: one character of the signature changed.
                signature = query["Signature"][0]
                bad = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
                status, _, body = http("GET", url.replace(urllib.parse.quote(signature, safe=""),
                                                          urllib.parse.quote(bad, safe="")))
                fields = error_fields(body)
                self.assertEqual((status, fields["Code"]), (403, "SignatureDoesNotMatch"))
                expected_path = "/sigv2/" + urllib.parse.quote(key, safe="/~")
                self.assertEqual(fields["StringToSign"], "GET\n\n\n%s\n%s" % (query["Expires"][0], expected_path))
                self.assertEqual(fields["SignatureProvided"], bad)
                self.assertEqual(fields["AWSAccessKeyId"], "test")
                self.assertEqual(bytes.fromhex(fields["StringToSignBytes"].replace(" ", "")).decode(),
                                 fields["StringToSign"])

        # Response overrides are sub-resources, signed into the URL.
        url = plain.generate_presigned_url("get_object", Params={
            "Bucket": "sigv2", "Key": "presigned.bin", "ResponseContentDisposition": "attachment; filename=x.bin"})
        status, headers, _ = http("GET", url)
        self.assertEqual((status, headers["Content-Disposition"]), (200, "attachment; filename=x.bin"))

    def test_presigned_put(self):
        url = self.s3.generate_presigned_url("put_object", Params={"Bucket": "sigv2", "Key": "put.txt"})
        self.assertIn("AWSAccessKeyId=", url)
        status, _, body = http("PUT", url, data=b"uploaded", headers={"Content-Type": ""})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.s3.get_object(Bucket="sigv2", Key="put.txt")["Body"].read(), b"uploaded")

    def test_hand_signed_and_expired(self):
        self.s3.put_object(Bucket="sigv2", Key="hand.txt", Body=b"by hand")
        status, _, body = http("GET", hand_signed_url(self.mc.endpoint, "sigv2", "hand.txt", int(time.time()) + 60))
        self.assertEqual((status, body), (200, b"by hand"))

        expires = int(time.time()) - 60
        status, _, body = http("GET", hand_signed_url(self.mc.endpoint, "sigv2", "hand.txt", expires))
        fields = error_fields(body)
        self.assertEqual((status, fields["Code"], fields["Message"]), (403, "AccessDenied", "Request has expired"))
        self.assertEqual(fields["Expires"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)))
        self.assertIn("ServerTime", fields)

    def test_virtual_hosted_style(self):
        # The Host names the bucket; SigV2 still signs "/bucket/key" (botocore's auth_path).
        from botocore.auth import HmacV1Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        self.s3.put_object(Bucket="sigv2", Key="vh.txt", Body=b"virtual")
        host = "sigv2.localhost:%d" % self.mc.port
        request = AWSRequest(method="GET", url="http://%s/vh.txt" % host, auth_path="/sigv2/vh.txt")
        HmacV1Auth(Credentials("test", "test")).add_auth(request)
        status, _, body = http("GET", self.mc.endpoint + "/vh.txt", headers=dict(request.headers, Host=host))
        self.assertEqual((status, body), (200, b"virtual"))

    def test_temporary_credentials(self):
        sts = self.mc.boto3_client("sts")
        creds = sts.assume_role(RoleArn=ROLE, RoleSessionName="sigv2")["Credentials"]
        temp = boto3.client("s3", endpoint_url=self.mc.endpoint, region_name=REGION,
                            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"],
                            config=Config(signature_version="s3", s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))
        self.addCleanup(temp.close)
        temp.put_object(Bucket="sigv2", Key="temp.txt", Body=b"temporary")
        url = temp.generate_presigned_url("get_object", Params={"Bucket": "sigv2", "Key": "temp.txt"})
        self.assertIn("x-amz-security-token=", url)
        self.assertEqual(http("GET", url)[::2], (200, b"temporary"))

        no_token = boto3.client("s3", endpoint_url=self.mc.endpoint, region_name=REGION,
                                aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                config=Config(signature_version="s3", retries={"max_attempts": 1}))
        self.addCleanup(no_token.close)
        with self.assertRaises(ClientError) as caught:
            no_token.get_object(Bucket="sigv2", Key="temp.txt")
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidToken")



@unittest.skipUnless(shutil.which("s3cmd"), "s3cmd not installed")
class S3cmdSigV2Test(ServerTestCase):
    def s3cmd(self, *args):
        proc = subprocess.run(["s3cmd", "-c", self.config] + list(args), capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, "s3cmd %s:\n%s\n%s" % (" ".join(args), proc.stdout, proc.stderr))
        return proc.stdout

    def test_s3cmd_signature_v2(self):
        tmp = tempfile.mkdtemp(prefix="sigv2-s3cmd-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        host = self.mc.endpoint.split("://", 1)[1]
        self.config = os.path.join(tmp, "s3cfg")
        with open(self.config, "w") as f:
            f.write("\n".join(["[default]", "access_key = test", "secret_key = test", "host_base = %s" % host,
                               "host_bucket = %s" % host, "bucket_location = us-east-1", "use_https = False",
                               "signature_v2 = True", "progress_meter = False", ""]))
        big, small = os.path.join(tmp, "big.bin"), os.path.join(tmp, "été ☃.txt")
        with open(big, "wb") as f:
            f.write(os.urandom(11 * 1024 * 1024))
        with open(small, "wb") as f:
            f.write(b"small")
        s3 = self.mc.boto3_client()
        self.s3cmd("mb", "s3://sigv2-s3cmd")
        self.s3cmd("put", small, "s3://sigv2-s3cmd/dir/été ☃.txt", "--add-header=x-amz-meta-colour:green")
        self.s3cmd("put", big, "s3://sigv2-s3cmd/big.bin", "--multipart-chunk-size-mb=5")
        self.assertIn("s3://sigv2-s3cmd/dir/été ☃.txt", self.s3cmd("ls", "--recursive", "s3://sigv2-s3cmd"))
        self.s3cmd("get", "--force", "s3://sigv2-s3cmd/big.bin", big + ".back")
        with open(big, "rb") as a, open(big + ".back", "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.s3cmd("setacl", "--acl-public", "s3://sigv2-s3cmd/dir/été ☃.txt")
        head = s3.head_object(Bucket="sigv2-s3cmd", Key="dir/été ☃.txt")
        self.assertEqual(head["Metadata"]["colour"], "green")
        url = self.s3cmd("signurl", "s3://sigv2-s3cmd/dir/été ☃.txt", "+600").strip()
        self.assertIn("AWSAccessKeyId=", url)
        self.s3cmd("setacl", "--acl-private", "s3://sigv2-s3cmd/dir/été ☃.txt")
        status, _, body = http("GET", url)
        self.assertEqual((status, body), (200, b"small"), (url, body))
        self.s3cmd("del", "s3://sigv2-s3cmd/big.bin")
        self.assertEqual([o["Key"] for o in s3.list_objects_v2(Bucket="sigv2-s3cmd")["Contents"]], ["dir/été ☃.txt"])


if __name__ == "__main__":
    unittest.main()
