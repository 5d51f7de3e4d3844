"""Bucket CORS: Put/Get/DeleteBucketCors through boto3 and the aws CLI, preflights and the
CORS headers on actual (and error) responses, evaluated as S3 evaluates them."""
import http.client
import json
import unittest
import xml.etree.ElementTree as ET

from botocore.exceptions import ClientError

from harness import ServerTestCase

UPLOADS = "cruddur-uploaded-avatars"
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


class CorsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()

    def request(self, method, path, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.mc.port, timeout=30)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data

    def preflight(self, path, origin, method, headers=None):
        h = {"Origin": origin, "Access-Control-Request-Method": method}
        if headers:
            h["Access-Control-Request-Headers"] = headers
        return self.request("OPTIONS", path, h)

    def fresh_bucket(self, name, rules=None):
        self.s3.create_bucket(Bucket=name)
        if rules:
            self.s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})

    # ---- the API --------------------------------------------------------------------
    def test_put_get_delete_roundtrip_with_boto3(self):
        rules = [{"ID": "app", "AllowedOrigins": ["https://app.example.com", "https://*.gitpod.io"],
                  "AllowedMethods": ["PUT", "POST"], "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"],
                  "MaxAgeSeconds": 600},
                 {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]
        self.fresh_bucket("cors-roundtrip", rules)
        got = self.s3.get_bucket_cors(Bucket="cors-roundtrip")["CORSRules"]
        self.assertEqual(got, rules)
        self.s3.delete_bucket_cors(Bucket="cors-roundtrip")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_bucket_cors(Bucket="cors-roundtrip")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "NoSuchCORSConfiguration")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_aws_cli_put_and_get(self):
        self.s3.create_bucket(Bucket="cors-cli")
        config = {"CORSRules": [{"AllowedOrigins": ["http://localhost:5173"], "AllowedMethods": ["GET", "PUT"],
                                 "AllowedHeaders": ["Content-Type"], "MaxAgeSeconds": 60}]}
        self.mc.aws("s3api", "put-bucket-cors", "--bucket", "cors-cli", "--cors-configuration", json.dumps(config))
        out = json.loads(self.mc.aws("s3api", "get-bucket-cors", "--bucket", "cors-cli").stdout)
        self.assertEqual(out["CORSRules"], config["CORSRules"])

    def test_invalid_configurations_are_refused_with_s3_codes(self):
        self.s3.create_bucket(Bucket="cors-invalid")
        cases = [
            ([{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}], "InvalidRequest", "Unsupported method is PATCH"),
            ([{"AllowedOrigins": ["https://*.*.example.com"], "AllowedMethods": ["GET"]}], "InvalidRequest",
             "can not have more than one wildcard"),
        ]
        for rules, code, message in cases:
            with self.subTest(rules=rules):
                with self.assertRaises(ClientError) as ctx:
                    self.s3.put_bucket_cors(Bucket="cors-invalid", CORSConfiguration={"CORSRules": rules})
                self.assertEqual(ctx.exception.response["Error"]["Code"], code)
                self.assertIn(message, ctx.exception.response["Error"]["Message"])
        # A rule without an origin is not schema-valid: MalformedXML, sent by hand since
        # boto3 validates this itself.
        body = b"<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
        response, data = self.signed_put_cors("cors-invalid", body)
        self.assertEqual(response.status, 400)
        self.assertEqual(ET.fromstring(data).find("Code").text, "MalformedXML")
        with self.assertRaises(ClientError):
            self.s3.get_bucket_cors(Bucket="cors-invalid")  # nothing was stored

    def signed_put_cors(self, bucket, body, send=None, headers=None):
        """PUT ?cors signed for `body`; sends `send` instead when given (a tampered body)."""
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        url = "%s/%s?cors" % (self.mc.endpoint, bucket)
        req = botocore.awsrequest.AWSRequest(method="PUT", url=url, data=body, headers=headers or {})
        botocore.auth.S3SigV4Auth(botocore.credentials.Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
        return self.request("PUT", "/%s?cors" % bucket, dict(req.headers.items()), body if send is None else send)

    def test_configuration_bodies_are_verified_like_uploads(self):
        # The payload hash and Content-MD5 protect configuration documents too: a body
        # changed in flight is refused and nothing is stored.
        import base64
        import hashlib
        self.s3.create_bucket(Bucket="cors-integrity")
        good = (b"<CORSConfiguration><CORSRule><AllowedOrigin>http://a</AllowedOrigin>"
                b"<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>")
        evil = good.replace(b"http://a", b"http://b")
        response, data = self.signed_put_cors("cors-integrity", good, send=evil)
        self.assertEqual(response.status, 400)
        self.assertEqual(ET.fromstring(data).find("Code").text, "XAmzContentSHA256Mismatch")
        wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        response, data = self.signed_put_cors("cors-integrity", good, headers={"Content-MD5": wrong_md5})
        self.assertEqual(response.status, 400)
        self.assertEqual(ET.fromstring(data).find("Code").text, "BadDigest")
        with self.assertRaises(ClientError):
            self.s3.get_bucket_cors(Bucket="cors-integrity")
        right_md5 = base64.b64encode(hashlib.md5(good).digest()).decode()
        response, _ = self.signed_put_cors("cors-integrity", good, headers={"Content-MD5": right_md5})
        self.assertEqual(response.status, 200)
        self.assertEqual(self.s3.get_bucket_cors(Bucket="cors-integrity")["CORSRules"][0]["AllowedOrigins"], ["http://a"])

    # ---- preflight ------------------------------------------------------------------
    def test_default_stack_uploads_bucket_answers_the_gitpod_preflight(self):
        origin = "https://3000-omenking-awsbootcampcru-2n1d6e0bd1f.ws-us94.gitpod.io"
        response, _ = self.preflight("/%s/u.jpg" % UPLOADS, origin, "PUT", "content-type")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Access-Control-Allow-Origin"), origin)
        self.assertEqual(response.getheader("Access-Control-Allow-Methods"), "PUT")
        self.assertEqual(response.getheader("Access-Control-Allow-Headers"), "content-type")
        self.assertEqual(response.getheader("Access-Control-Max-Age"), "3000")
        self.assertEqual(response.getheader("Access-Control-Allow-Credentials"), "true")
        self.assertEqual(response.getheader("Access-Control-Expose-Headers"),
                         "x-amz-server-side-encryption, x-amz-request-id, x-amz-id-2, ETag")
        for local in ("http://localhost:3000", "http://127.0.0.1:3000"):
            response, _ = self.preflight("/%s/u.jpg" % UPLOADS, local, "PUT", "content-type")
            self.assertEqual(response.status, 200, local)

    def test_preflight_that_matches_no_rule_is_403_access_forbidden(self):
        for origin, method, headers in [("http://localhost:3001", "PUT", "content-type"),  # origin
                                        ("https://x.gitpod.io.evil.com", "PUT", None),      # wildcard anchored
                                        ("http://localhost:3000", "DELETE", None)]:          # method
            with self.subTest(origin=origin, method=method):
                response, data = self.preflight("/%s/u.jpg" % UPLOADS, origin, method, headers)
                self.assertEqual(response.status, 403)
                self.assertIsNone(response.getheader("Access-Control-Allow-Origin"))
                error = ET.fromstring(data)
                self.assertEqual(error.find("Code").text, "AccessForbidden")
                self.assertTrue(error.find("Message").text.startswith("CORSResponse: This CORS request is not allowed"))
                self.assertEqual(error.find("Method").text, method)
                self.assertEqual(error.find("ResourceType").text, "OBJECT")

    def test_preflight_to_a_presigned_url_is_not_authenticated(self):
        # Browsers send the preflight to the exact URL they will PUT to, query included.
        url = self.s3.generate_presigned_url("put_object", Params={"Bucket": UPLOADS, "Key": "u.jpg",
                                                                   "ContentType": "image/jpeg"}, ExpiresIn=300)
        path = url[len(self.mc.endpoint):]
        response, _ = self.preflight(path, "http://localhost:3000", "PUT", "content-type")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Access-Control-Allow-Origin"), "http://localhost:3000")
        response, data = self.preflight(path, "http://localhost:3001", "PUT", "content-type")
        self.assertEqual(response.status, 403)
        self.assertEqual(ET.fromstring(data).find("Code").text, "AccessForbidden")

    def test_requested_headers_must_be_allowed(self):
        self.fresh_bucket("cors-headers", [{"AllowedOrigins": ["http://app"], "AllowedMethods": ["PUT"],
                                            "AllowedHeaders": ["Content-Type", "x-amz-*"]}])
        ok, _ = self.preflight("/cors-headers/k", "http://app", "PUT", "Content-Type, X-Amz-Meta-Owner")
        self.assertEqual(ok.status, 200)
        self.assertEqual(ok.getheader("Access-Control-Allow-Headers"), "content-type, x-amz-meta-owner")
        denied, _ = self.preflight("/cors-headers/k", "http://app", "PUT", "content-type, authorization")
        self.assertEqual(denied.status, 403)

    def test_bucket_without_cors_and_missing_headers(self):
        self.s3.create_bucket(Bucket="cors-none")
        response, data = self.preflight("/cors-none/k", "http://app", "GET")
        self.assertEqual(response.status, 403)
        self.assertIn("CORS is not enabled for this bucket", ET.fromstring(data).find("Message").text)
        response, data = self.request("OPTIONS", "/%s/k" % UPLOADS, {"Access-Control-Request-Method": "PUT"})
        self.assertEqual(response.status, 400)
        self.assertIn("Origin", ET.fromstring(data).find("Message").text)
        response, data = self.preflight("/no-such-bucket-here/k", "http://app", "GET")
        self.assertEqual(response.status, 404)
        self.assertEqual(ET.fromstring(data).find("Code").text, "NoSuchBucket")

    def test_rules_are_evaluated_in_order(self):
        self.fresh_bucket("cors-order", [
            {"AllowedOrigins": ["http://a.example"], "AllowedMethods": ["PUT"], "ExposeHeaders": ["ETag"]},
            {"AllowedOrigins": ["*"], "AllowedMethods": ["PUT", "GET"], "MaxAgeSeconds": 5}])
        first, _ = self.preflight("/cors-order/k", "http://a.example", "PUT")
        self.assertEqual(first.getheader("Access-Control-Allow-Origin"), "http://a.example")
        self.assertEqual(first.getheader("Access-Control-Expose-Headers"), "ETag")
        second, _ = self.preflight("/cors-order/k", "http://b.example", "PUT")
        self.assertEqual(second.getheader("Access-Control-Allow-Origin"), "*")
        self.assertEqual(second.getheader("Access-Control-Max-Age"), "5")
        self.assertIsNone(second.getheader("Access-Control-Allow-Credentials"))

    # ---- actual requests ------------------------------------------------------------
    def test_actual_responses_and_errors_carry_cors_headers(self):
        self.fresh_bucket("cors-actual", [{"AllowedOrigins": ["http://app"], "AllowedMethods": ["GET", "PUT"],
                                           "ExposeHeaders": ["ETag", "x-amz-request-id"]}])
        self.s3.put_object(Bucket="cors-actual", Key="k", Body=b"hello")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "cors-actual", "Key": "k"})
        path = url[len(self.mc.endpoint):]
        response, data = self.request("GET", path, {"Origin": "http://app"})
        self.assertEqual(response.status, 200)
        self.assertEqual(data, b"hello")
        self.assertEqual(response.getheader("Access-Control-Allow-Origin"), "http://app")
        self.assertEqual(response.getheader("Access-Control-Expose-Headers"), "ETag, x-amz-request-id")
        self.assertIn("Origin", response.getheader("Vary"))
        # An error (anonymous GET of a private object) still carries them, so the page can read it.
        response, data = self.request("GET", "/cors-actual/k", {"Origin": "http://app"})
        self.assertEqual(response.status, 403)
        self.assertEqual(response.getheader("Access-Control-Allow-Origin"), "http://app")
        # An origin or method no rule allows: no CORS headers at all.
        response, _ = self.request("GET", path, {"Origin": "http://other"})
        self.assertEqual(response.status, 200)
        self.assertIsNone(response.getheader("Access-Control-Allow-Origin"))
        response, _ = self.request("DELETE", "/cors-actual/k", {"Origin": "http://app"})
        self.assertIsNone(response.getheader("Access-Control-Allow-Origin"))
        # No Origin: no CORS headers.
        response, _ = self.request("GET", path)
        self.assertIsNone(response.getheader("Access-Control-Allow-Origin"))

    def test_stack_declared_rules_and_unknown_fields(self):
        from harness import MiniCloud
        stack = {"buckets": [{"name": "declared", "cors": [{"AllowedOrigins": ["http://localhost:1234"],
                                                            "AllowedMethods": ["POST"], "MaxAgeSeconds": 9}]}]}
        with MiniCloud(stack=stack) as mc:
            s3 = mc.boto3_client()
            rules = s3.get_bucket_cors(Bucket="declared")["CORSRules"]
            self.assertEqual(rules, [{"AllowedOrigins": ["http://localhost:1234"], "AllowedMethods": ["POST"],
                                      "MaxAgeSeconds": 9}])
        bad = {"buckets": [{"name": "declared", "cors": [{"AllowedOrigin": ["x"], "AllowedMethods": ["GET"]}]}]}
        mc = MiniCloud(stack=bad)
        with self.assertRaises(Exception):
            mc.start(timeout=10)
        self.assertIn('unknown field "AllowedOrigin"', mc.logs())
        mc.stop()
        mc.log.close()


if __name__ == "__main__":
    unittest.main()
