"""POST Object (browser form uploads) against the real server: forms made by boto3's
generate_presigned_post (SigV4, and SigV2 with signature_version="s3") and by curl -F,
posted as a browser would; each success answer (204/200/201/303), ${filename}, policy
violations with S3's codes and nothing stored, ACLs, anonymous uploads, and the
ObjectCreated:Post event."""
import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import ServerTestCase

FORMS = "forms"            # private, runs the "Posted" function on ObjectCreated:Post
OPEN = "open-forms"        # public-read-write, notifies on ObjectCreated:*


def multipart(fields, content, filename="photo.jpg", fields_as_files=False, boundary="----minicloudFormBoundary7MA4YWxk"):
    """A multipart/form-data body as a browser builds it: the fields in order, then the
    file. `fields_as_files` sends every field as a file part, as Python requests' files=
    does (ceph s3-tests post that way)."""
    out = b""
    for name, value in fields:
        disposition = 'form-data; name="%s"' % name
        if fields_as_files:
            disposition += '; filename="%s"' % name
        out += b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n"
        out += (value.encode() if isinstance(value, str) else value) + b"\r\n"
    if content is not None:
        disposition = 'form-data; name="file"' + ('; filename="%s"' % filename if filename is not None else "")
        out += b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disposition.encode() + b"\r\n"
        out += b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
    out += b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"submit\"\r\n\r\nUpload\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary


def error_of(body):
    root = ET.fromstring(body)
    return {child.tag: child.text or "" for child in root}


class PostObjectTest(ServerTestCase):
    stack = {
        "credentials": [{"access_key": "test", "secret_key": "test"}],
        "buckets": [{"name": FORMS}, {"name": OPEN, "acl": "public-read-write"}],
        "functions": [{"name": "Posted", "command": [sys.executable, "-c", "import sys; sys.stdin.read()"]}],
        "notifications": [{"bucket": FORMS, "function": "Posted", "events": ["s3:ObjectCreated:Post"]},
                          {"bucket": OPEN, "function": "Posted", "events": ["s3:ObjectCreated:*"]}],
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        cls.s3v2 = cls.mc.boto3_client(signature_version="s3")
        parsed = urllib.parse.urlparse(cls.mc.endpoint)
        cls.host, cls.port = parsed.hostname, parsed.port

    # ---- helpers ------------------------------------------------------------------------
    def post(self, path, body, content_type, headers=None):
        """Sends one POST; returns (status, headers dict lowercased, body). Never follows a redirect."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            all_headers = {"Content-Type": content_type}
            all_headers.update(headers or {})
            conn.request("POST", path, body=body, headers=all_headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def post_form(self, presigned, content, extra_fields=(), filename="photo.jpg", **kwargs):
        fields = list(presigned["fields"].items()) + list(extra_fields)
        body, content_type = multipart(fields, content, filename=filename, **kwargs)
        path = urllib.parse.urlparse(presigned["url"]).path
        return self.post(path, body, content_type)

    def presign(self, key, fields=None, conditions=None, expires=300, client=None):
        return (client or self.s3).generate_presigned_post(FORMS, key, Fields=fields, Conditions=conditions,
                                                          ExpiresIn=expires)

    def assert_error(self, response, status, code, message=None):
        got_status, _, body = response
        self.assertEqual(got_status, status, body)
        error = error_of(body)
        self.assertEqual(error["Code"], code, body)
        if message is not None:
            self.assertEqual(error["Message"], message, body)
        return error

    def assert_absent(self, key, bucket=FORMS):
        with self.assertRaises(self.s3.exceptions.ClientError) as raised:
            self.s3.head_object(Bucket=bucket, Key=key)
        self.assertEqual(raised.exception.response["Error"]["Code"], "404")

    def anonymous_get(self, path):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def wait_for_event(self, key, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            conn.request("GET", "/_api/events?key=" + urllib.parse.quote(key))
            events = json.loads(conn.getresponse().read())["events"]
            conn.close()
            if events:
                return events
            time.sleep(0.05)
        raise AssertionError("no event for %s\n%s" % (key, self.mc.logs()))

    # ---- SigV4 and SigV2 forms from boto3 ----------------------------------------------
    def test_boto3_sigv4_form_stores_the_file_and_answers_204(self):
        content = os.urandom(3 * 1024 * 1024 + 17)  # several reads: the file streams through
        presigned = self.presign("uploads/${filename}", conditions=[["content-length-range", 1, 5 * 1024 * 1024]])
        self.assertIn("x-amz-signature", presigned["fields"])
        status, headers, body = self.post_form(presigned, content, filename="holiday photo.jpg")
        self.assertEqual(status, 204, body)
        self.assertEqual(body, b"")
        md5 = hashlib.md5(content).hexdigest()
        self.assertEqual(headers["etag"], '"%s"' % md5)
        self.assertEqual(headers["location"], "%s/%s/uploads%%2Fholiday%%20photo.jpg" % (self.mc.endpoint, FORMS))
        self.assertIn("x-amz-checksum-crc64nvme", headers)
        got = self.s3.get_object(Bucket=FORMS, Key="uploads/holiday photo.jpg")
        self.assertEqual(got["Body"].read(), content)
        self.assertEqual(got["ETag"], '"%s"' % md5)
        self.assertEqual(got["ContentType"], "binary/octet-stream")

    def test_boto3_sigv2_form(self):
        presigned = self.presign("v2/${filename}", client=self.s3v2)
        self.assertIn("AWSAccessKeyId", presigned["fields"])
        self.assertIn("signature", presigned["fields"])
        status, _, body = self.post_form(presigned, b"signed the old way", filename="old.txt")
        self.assertEqual(status, 204, body)
        self.assertEqual(self.s3.get_object(Bucket=FORMS, Key="v2/old.txt")["Body"].read(), b"signed the old way")

        tampered = dict(presigned)
        tampered["fields"] = dict(presigned["fields"], signature="0RavWzkygo6QX9caELEqKi9kDbU=")
        error = self.assert_error(self.post_form(tampered, b"x", filename="bad.txt"), 403, "SignatureDoesNotMatch")
        self.assertEqual(error["StringToSign"], presigned["fields"]["policy"])
        self.assert_absent("v2/bad.txt")

    def test_filename_path_is_reduced_to_its_base_name(self):
        presigned = self.presign("names/${filename}")
        status, _, body = self.post_form(presigned, b"x", filename="C:\\Users\\ana\\me.png")
        self.assertEqual(status, 204, body)
        self.assertEqual(self.s3.get_object(Bucket=FORMS, Key="names/me.png")["Body"].read(), b"x")

    def test_success_action_status_201_returns_the_post_response(self):
        presigned = self.presign("created.txt", fields={"success_action_status": "201"},
                                 conditions=[{"success_action_status": "201"}])
        status, headers, body = self.post_form(presigned, b"created")
        self.assertEqual(status, 201, body)
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "PostResponse")  # no namespace, as S3 answers
        md5 = hashlib.md5(b"created").hexdigest()
        self.assertEqual(root.findtext("Bucket"), FORMS)
        self.assertEqual(root.findtext("Key"), "created.txt")
        self.assertEqual(root.findtext("ETag"), '"%s"' % md5)
        self.assertEqual(root.findtext("Location"), "%s/%s/created.txt" % (self.mc.endpoint, FORMS))
        self.assertEqual(headers["etag"], '"%s"' % md5)

    def test_success_action_status_200_and_an_invalid_one(self):
        presigned = self.presign("ok.txt", fields={"success_action_status": "200"},
                                 conditions=[{"success_action_status": "200"}])
        status, _, body = self.post_form(presigned, b"ok")
        self.assertEqual((status, body), (200, b""))
        presigned = self.presign("odd.txt", fields={"success_action_status": "404"},
                                 conditions=[{"success_action_status": "404"}])
        status, _, body = self.post_form(presigned, b"odd")
        self.assertEqual((status, body), (204, b""))

    def test_success_action_redirect_answers_303_with_bucket_key_and_etag(self):
        redirect = "http://app.example/done?from=form"
        presigned = self.presign("redirect/${filename}", fields={"success_action_redirect": redirect},
                                 conditions=[["starts-with", "$success_action_redirect", "http://app.example/"]])
        status, headers, body = self.post_form(presigned, b"go", filename="a b.txt")
        self.assertEqual(status, 303, body)
        md5 = hashlib.md5(b"go").hexdigest()
        self.assertEqual(headers["location"],
                         redirect + "&bucket=forms&key=redirect%2Fa+b.txt&etag=%22" + md5 + "%22")
        self.assertEqual(headers["etag"], '"%s"' % md5)
        # A redirect S3 cannot read (relative) is ignored: the status answers.
        presigned = self.presign("relative.txt", fields={"success_action_redirect": "/done"},
                                 conditions=[{"success_action_redirect": "/done"}])
        self.assertEqual(self.post_form(presigned, b"go")[0], 204)

    def test_meta_fields_and_object_headers_are_stored(self):
        fields = {"x-amz-meta-owner": "ana", "x-amz-meta-Album": "Summer 2026", "Content-Type": "image/jpeg",
                  "Cache-Control": "max-age=60", "Content-Disposition": 'inline; filename="me.jpg"'}
        conditions = [{"x-amz-meta-owner": "ana"}, ["starts-with", "$x-amz-meta-album", ""],
                      ["starts-with", "$Content-Type", "image/"], {"Cache-Control": "max-age=60"},
                      ["starts-with", "$Content-Disposition", "inline"]]
        presigned = self.presign("meta.jpg", fields=fields, conditions=conditions)
        status, _, body = self.post_form(presigned, b"\xff\xd8 not really")
        self.assertEqual(status, 204, body)
        head = self.s3.head_object(Bucket=FORMS, Key="meta.jpg")
        self.assertEqual(head["Metadata"], {"owner": "ana", "album": "Summer 2026"})
        self.assertEqual(head["ContentType"], "image/jpeg")
        self.assertEqual(head["CacheControl"], "max-age=60")
        self.assertEqual(head["ContentDisposition"], 'inline; filename="me.jpg"')

    def test_acl_public_read_makes_the_object_readable_anonymously(self):
        presigned = self.presign("public.txt", fields={"acl": "public-read"}, conditions=[{"acl": "public-read"}])
        self.assertEqual(self.post_form(presigned, b"everyone")[0], 204)
        self.assertEqual(self.anonymous_get("/%s/public.txt" % FORMS), (200, b"everyone"))
        presigned = self.presign("private.txt")
        self.assertEqual(self.post_form(presigned, b"me only")[0], 204)
        self.assertEqual(self.anonymous_get("/%s/private.txt" % FORMS)[0], 403)
        # An ACL the policy does not allow.
        presigned = self.presign("acl-denied.txt", fields={"acl": "public-read-write"}, conditions=[{"acl": "public-read"}])
        self.assert_error(self.post_form(presigned, b"x"), 403, "AccessDenied",
                          'Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "public-read"]')
        self.assert_absent("acl-denied.txt")

    # ---- policy violations: S3's answer, nothing stored ----------------------------------
    def test_starts_with_key_condition(self):
        presigned = self.presign("uploads/${filename}")  # botocore: ["starts-with", "$key", "uploads/"]
        fields = dict(presigned["fields"], key="elsewhere/${filename}")
        status, _, body = self.post_form({"url": presigned["url"], "fields": fields}, b"x", filename="k.txt")
        error = self.assert_error((status, {}, body), 403, "AccessDenied",
                                  'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]')
        self.assertNotIn("StringToSign", error)
        self.assert_absent("elsewhere/k.txt")

    def test_content_type_condition_violated(self):
        presigned = self.presign("typed.html", fields={"Content-Type": "text/html"},
                                 conditions=[["starts-with", "$Content-Type", "image/"]])
        self.assert_error(self.post_form(presigned, b"<html>"), 403, "AccessDenied",
                          'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]')
        self.assert_absent("typed.html")

    def test_content_length_range(self):
        presigned = self.presign("sized.txt", conditions=[["content-length-range", 5, 10]])
        error = self.assert_error(self.post_form(presigned, b"x" * 11), 400, "EntityTooLarge",
                                  "Your proposed upload exceeds the maximum allowed size")
        self.assertEqual((error["ProposedSize"], error["MaxSizeAllowed"]), ("11", "10"))
        self.assert_absent("sized.txt")
        error = self.assert_error(self.post_form(presigned, b"x" * 4), 400, "EntityTooSmall")
        self.assertEqual((error["ProposedSize"], error["MinSizeAllowed"]), ("4", "5"))
        self.assert_absent("sized.txt")
        # Far over the limit: the real size is reported, nothing past the limit is kept.
        error = self.assert_error(self.post_form(presigned, b"y" * (2 * 1024 * 1024)), 400, "EntityTooLarge")
        self.assertEqual(error["ProposedSize"], str(2 * 1024 * 1024))
        self.assert_absent("sized.txt")
        self.assertEqual(self.post_form(presigned, b"x" * 10)[0], 204)  # bounds are inclusive
        self.assertEqual(self.s3.head_object(Bucket=FORMS, Key="sized.txt")["ContentLength"], 10)

    def test_expired_policy(self):
        presigned = self.presign("late.txt", expires=-5)
        self.assert_error(self.post_form(presigned, b"late"), 403, "AccessDenied",
                          "Invalid according to Policy: Policy expired.")
        self.assert_absent("late.txt")

    def test_tampered_policy_does_not_match_its_signature(self):
        presigned = self.presign("mine/${filename}")
        policy = json.loads(base64.b64decode(presigned["fields"]["policy"]))
        policy["conditions"] = [c for c in policy["conditions"] if not (isinstance(c, list) and c[1] == "$key")]
        policy["conditions"].append(["starts-with", "$key", ""])
        tampered = base64.b64encode(json.dumps(policy).encode()).decode()
        fields = dict(presigned["fields"], policy=tampered, key="anything/${filename}")
        error = self.assert_error(self.post_form({"url": presigned["url"], "fields": fields}, b"x", filename="t.txt"),
                                  403, "SignatureDoesNotMatch")
        self.assertEqual(error["StringToSign"], tampered)
        self.assertEqual(error["SignatureProvided"], presigned["fields"]["x-amz-signature"])
        self.assert_absent("anything/t.txt")

    def test_unknown_access_key(self):
        other = self.mc.boto3_client(access_key="nobody", secret="nothing")
        presigned = self.presign("nobody.txt", client=other)
        self.assert_error(self.post_form(presigned, b"x"), 403, "InvalidAccessKeyId")
        self.assert_absent("nobody.txt")

    def test_extra_field_not_in_the_policy(self):
        presigned = self.presign("extra.txt")
        self.assert_error(self.post_form(presigned, b"x", extra_fields=[("x-amz-meta-sneaky", "1")]), 403,
                          "AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky")
        self.assert_absent("extra.txt")
        # x-ignore-* fields need no condition.
        self.assertEqual(self.post_form(presigned, b"x", extra_fields=[("x-ignore-tracking", "1")])[0], 204)

    def test_fields_sent_as_file_parts(self):
        presigned = self.presign("as-files.txt")
        status, _, body = self.post_form(presigned, b"from requests files=", fields_as_files=True)
        self.assertEqual(status, 204, body)
        self.assertEqual(self.s3.get_object(Bucket=FORMS, Key="as-files.txt")["Body"].read(), b"from requests files=")

    def test_content_md5_field_is_verified(self):
        good = base64.b64encode(hashlib.md5(b"digest me").digest()).decode()
        presigned = self.presign("md5.txt", fields={"Content-MD5": good}, conditions=[{"Content-MD5": good}])
        self.assertEqual(self.post_form(presigned, b"digest me")[0], 204)
        self.assert_error(self.post_form(presigned, b"something else"), 400, "BadDigest")
        self.assertEqual(self.s3.get_object(Bucket=FORMS, Key="md5.txt")["Body"].read(), b"digest me")

    # ---- the form itself --------------------------------------------------------------------
    def test_malformed_forms(self):
        presigned = self.presign("form.txt")
        fields = list(presigned["fields"].items())
        body, content_type = multipart(fields, None)
        self.assert_error(self.post("/" + FORMS, body, content_type), 400, "InvalidArgument",
                          "POST requires exactly one file upload per request.")
        no_key = [(k, v) for k, v in fields if k != "key"]
        body, content_type = multipart(no_key, b"x")
        error = self.assert_error(self.post("/" + FORMS, body, content_type), 400, "InvalidArgument")
        self.assertEqual(error["ArgumentName"], "key")
        error = self.assert_error(self.post("/" + FORMS, b"key=a", "application/x-www-form-urlencoded"), 412,
                                  "PreconditionFailed")
        self.assertEqual(error["Condition"], "Bucket POST must be of the enclosure-type multipart/form-data")
        self.assert_error(self.post("/" + FORMS, b"--x\r\n", "multipart/form-data"), 400, "MalformedPOSTRequest")
        body, content_type = multipart(fields, b"x")
        self.assert_error(self.post("/" + FORMS, body[:-12], content_type), 400, "MalformedPOSTRequest")
        big = [("x-ignore-padding", "p" * (21 * 1024))] + fields
        body, content_type = multipart(big, b"x")
        error = self.assert_error(self.post("/" + FORMS, body, content_type), 400, "MaxPostPreDataLengthExceeded")
        self.assertEqual(error["MaxPostPreDataLengthBytes"], "20480")
        self.assert_absent("form.txt")
        self.assert_error(self.post("/no-such-bucket", body, content_type), 404, "NoSuchBucket")

    def test_truncated_body_stores_nothing(self):
        presigned = self.presign("cut.txt")
        body, content_type = multipart(list(presigned["fields"].items()), b"z" * 100000)
        cut = body[: len(body) - 50000]
        sock = socket.create_connection((self.host, self.port), timeout=30)
        try:
            head = ("POST /%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                    % (FORMS, self.host, self.port, content_type, len(body)))
            sock.sendall(head.encode() + cut)
            sock.shutdown(socket.SHUT_WR)
            response = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                response += chunk
        finally:
            sock.close()
        status_line = response.split(b"\r\n", 1)[0]
        self.assertIn(b" 400 ", status_line, response[:500])
        self.assertIn(b"<Code>IncompleteBody</Code>", response)
        self.assert_absent("cut.txt")

    # ---- anonymous forms, curl, events --------------------------------------------------------
    def test_anonymous_form_needs_a_public_read_write_bucket(self):
        fields = [("key", "anon/${filename}"), ("Content-Type", "text/plain")]
        body, content_type = multipart(fields, b"hello", filename="hi.txt")
        status, _, response = self.post("/" + OPEN, body, content_type)
        self.assertEqual(status, 204, response)
        got = self.s3.get_object(Bucket=OPEN, Key="anon/hi.txt")
        self.assertEqual((got["Body"].read(), got["ContentType"]), (b"hello", "text/plain"))
        self.assert_error(self.post("/" + FORMS, body, content_type), 403, "AccessDenied", "Access Denied")
        self.assert_absent("anon/hi.txt")
        events = self.wait_for_event("anon/hi.txt")
        self.assertEqual(events[0]["event"]["Records"][0]["eventName"], "ObjectCreated:Post")

    def test_curl_form_upload(self):
        curl = shutil.which("curl")
        if not curl:
            self.skipTest("curl is not installed")
        presigned = self.presign("curl/${filename}")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "from-curl.bin")
            content = os.urandom(200000)
            with open(path, "wb") as f:
                f.write(content)
            args = [curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
            for name, value in presigned["fields"].items():
                args += ["--form-string", "%s=%s" % (name, value)]
            args += ["-F", "file=@%s" % path, presigned["url"]]
            out = subprocess.run(args, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.stdout, "204", out.stderr)
        self.assertEqual(self.s3.get_object(Bucket=FORMS, Key="curl/from-curl.bin")["Body"].read(), content)

    def test_post_fires_object_created_post(self):
        presigned = self.presign("evented/${filename}")
        self.assertEqual(self.post_form(presigned, b"event me", filename="e.txt")[0], 204)
        events = self.wait_for_event("evented/e.txt")
        self.assertEqual(len(events), 1)
        record = events[0]["event"]["Records"][0]
        self.assertEqual(record["eventName"], "ObjectCreated:Post")
        self.assertEqual(record["s3"]["bucket"]["name"], FORMS)
        self.assertEqual(record["s3"]["object"]["size"], len(b"event me"))
        self.assertEqual(record["s3"]["object"]["eTag"], hashlib.md5(b"event me").hexdigest())


if __name__ == "__main__":
    unittest.main()
