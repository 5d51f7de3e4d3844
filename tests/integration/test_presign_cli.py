"""`minicloud presign`: the URLs it prints work against the real server with plain HTTP
(urllib, no SDK), bind what they sign, and bad arguments get a clear message."""
import subprocess
import unittest
import urllib.error
import urllib.request

from harness import BIN, ServerTestCase


def presign(*args):
    return subprocess.run([BIN, "presign"] + list(args), capture_output=True, text=True, timeout=30)


def http(method, url, body=None, headers=None):
    """(status, body) of one plain HTTP request."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class PresignCliTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mc.boto3_client().create_bucket(Bucket="presign-cli")

    def url(self, method, key, *extra):
        proc = presign(method, "s3://presign-cli/" + key, "--endpoint", self.mc.endpoint, *extra)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertEqual(len(lines), 1, proc.stdout)
        return lines[0]

    def test_put_then_get_round_trip(self):
        key = "avatars/ünï code+(1).jpg"
        body = bytes(range(256)) * 100
        status, _ = http("PUT", self.url("put", key, "--content-type", "image/jpeg"), body,
                         {"Content-Type": "image/jpeg"})
        self.assertEqual(status, 200)
        status, got = http("GET", self.url("get", key))
        self.assertEqual(status, 200)
        self.assertEqual(got, body)
        head = self.mc.boto3_client().head_object(Bucket="presign-cli", Key=key)
        self.assertEqual(head["ContentType"], "image/jpeg")

    def test_signed_content_type_is_enforced(self):
        url = self.url("put", "typed.png", "--content-type", "image/png")
        status, error = http("PUT", url, b"x", {"Content-Type": "text/html"})
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", error)

    def test_put_url_cannot_be_used_for_another_key_or_method(self):
        url = self.url("put", "one.txt")
        status, error = http("PUT", url.replace("/one.txt?", "/two.txt?"), b"x")
        self.assertEqual((status, b"<Code>SignatureDoesNotMatch</Code>" in error), (403, True))
        status, error = http("DELETE", url)
        self.assertEqual((status, b"<Code>SignatureDoesNotMatch</Code>" in error), (403, True))

    def test_wrong_secret_is_refused(self):
        status, error = http("GET", self.url("get", "any", "--secret-key", "not-test"))
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", error)
        self.assertIn(b"<CanonicalRequest>", error)

    def test_unknown_key_is_refused(self):
        status, error = http("GET", self.url("get", "any", "--access-key", "nobody"))
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>InvalidAccessKeyId</Code>", error)

    def test_bad_arguments(self):
        cases = [
            (["delete", "s3://b/k"], "must be get or put"),
            (["get", "s3://b"], "expected s3://BUCKET/KEY"),
            (["get", "b/k"], "expected s3://BUCKET/KEY"),
            (["get", "s3://b/k", "--expires", "0"], "between 1 and 604800"),
            (["put", "s3://b/k", "--expires", "604801"], "between 1 and 604800"),
            (["get", "s3://b/k", "--endpoint", "localhost:4566"], "http:// or https://"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                proc = presign(*args)
                self.assertEqual(proc.returncode, 2)
                self.assertEqual(proc.stdout, "")
                self.assertIn(message, proc.stderr)


if __name__ == "__main__":
    unittest.main()
