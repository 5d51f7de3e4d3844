"""Object behaviours where minicloud follows real S3 closely, through boto3 and raw HTTP
against the real server: a resent CompleteMultipartUpload, GetObject/HeadObject
?partNumber=, UploadPartCopy range errors, Content-Encoding on aws-chunked uploads, and
non-ASCII user metadata (RFC 2047)."""
import datetime
import email.header
import gzip
import hashlib
import hmac
import http.client
import unittest
import urllib.parse

from botocore.exceptions import ClientError

from harness import ACCESS_KEY, REGION, SECRET_KEY, ServerTestCase

MiB = 1024 * 1024


def error_of(ctx):
    """(HTTP status, S3 error code, message) of an assertRaises(ClientError) context."""
    response = ctx.exception.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"].get("Message"))


def pattern(size, seed):
    return bytes((seed + i * 7) % 251 for i in range(256)) * (size // 256) + bytes(size % 256)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class ObjectFidelityTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        cls.bucket = "fidelity"
        cls.s3.create_bucket(Bucket=cls.bucket)
        cls.big = pattern(5 * MiB, 1)
        cls.big2 = pattern(5 * MiB + 7, 2)
        cls.small = pattern(1000, 3)

    def upload(self, key, bodies):
        """A multipart upload with parts numbered 1..N; returns (upload id, [{PartNumber, ETag}])."""
        upload_id = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        parts = []
        for number, body in enumerate(bodies, start=1):
            etag = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                       Body=body)["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
        return upload_id, parts

    def complete(self, key, upload_id, parts):
        return self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                 MultipartUpload={"Parts": parts})

    # ---- CompleteMultipartUpload ---------------------------------------------------------
    def test_a_resent_complete_with_the_same_parts_answers_the_same(self):
        upload_id, parts = self.upload("resent", [self.big, self.small])
        first = self.complete("resent", upload_id, parts)
        again = self.complete("resent", upload_id, parts)
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(again["ETag"], first["ETag"])
        self.assertTrue(first["ETag"].endswith('-2"'), first["ETag"])
        self.assertEqual((again["Bucket"], again["Key"]), (self.bucket, "resent"))
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="resent")["Body"].read(), self.big + self.small)
        # Another part list for the completed upload, or an unknown upload: NoSuchUpload.
        with self.assertRaises(ClientError) as ctx:
            self.complete("resent", upload_id, parts[:1])
        self.assertEqual(error_of(ctx)[:2], (404, "NoSuchUpload"))
        with self.assertRaises(ClientError) as ctx:
            self.complete("other-key", upload_id, parts)
        self.assertEqual(error_of(ctx)[:2], (404, "NoSuchUpload"))
        with self.assertRaises(ClientError) as ctx:
            self.complete("resent", "no-such-upload", parts)
        self.assertEqual(error_of(ctx)[:2], (404, "NoSuchUpload"))
        # The completed upload is gone from the listings and takes no more parts.
        listed = self.s3.list_multipart_uploads(Bucket=self.bucket, Prefix="resent").get("Uploads", [])
        self.assertEqual(listed, [])
        with self.assertRaises(ClientError) as ctx:
            self.s3.upload_part(Bucket=self.bucket, Key="resent", UploadId=upload_id, PartNumber=3, Body=b"x")
        self.assertEqual(error_of(ctx)[:2], (404, "NoSuchUpload"))

    def test_part_order_is_checked_on_part_numbers_and_a_resent_part_counts_once(self):
        upload_id, parts = self.upload("order", [self.big, self.small])
        with self.assertRaises(ClientError) as ctx:
            self.complete("order", upload_id, [parts[1], parts[0]])
        self.assertEqual(error_of(ctx)[:2], (400, "InvalidPartOrder"))
        # Part 1 is sent twice (a retry): the send that finishes last is the part S3 keeps,
        # and a client collecting ETags as answers arrive lists both, that one last.
        finished_last = pattern(5 * MiB, 9)
        etag_first = self.s3.upload_part(Bucket=self.bucket, Key="order", UploadId=upload_id, PartNumber=1,
                                         Body=self.big)["ETag"]
        etag_last = self.s3.upload_part(Bucket=self.bucket, Key="order", UploadId=upload_id, PartNumber=1,
                                        Body=finished_last)["ETag"]
        # A number listed twice takes its last ETag: here the replaced body's, so InvalidPart.
        with self.assertRaises(ClientError) as ctx:
            self.complete("order", upload_id, [{"PartNumber": 1, "ETag": etag_last},
                                               {"PartNumber": 1, "ETag": etag_first}, parts[1]])
        self.assertEqual(error_of(ctx)[:2], (400, "InvalidPart"))
        done = self.complete("order", upload_id, [{"PartNumber": 1, "ETag": etag_first},
                                                  {"PartNumber": 1, "ETag": etag_last}, parts[1]])
        self.assertTrue(done["ETag"].endswith('-2"'), done["ETag"])
        got = self.s3.get_object(Bucket=self.bucket, Key="order")
        self.assertEqual(got["Body"].read(), finished_last + self.small)

    # ---- ?partNumber= ------------------------------------------------------------------
    def test_get_and_head_a_part_of_a_multipart_object(self):
        bodies = [self.big, self.big2, self.small]
        upload_id, parts = self.upload("parts", bodies)
        etag = self.complete("parts", upload_id, parts)["ETag"]
        total = sum(map(len, bodies))
        offset = 0
        for number, body in enumerate(bodies, start=1):
            got = self.s3.get_object(Bucket=self.bucket, Key="parts", PartNumber=number)
            headers = got["ResponseMetadata"]["HTTPHeaders"]
            self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
            self.assertEqual(got["Body"].read(), body)
            self.assertEqual(got["ContentLength"], len(body))
            self.assertEqual(got["PartsCount"], 3)
            self.assertEqual(got["ETag"], etag)
            self.assertEqual(headers["content-range"], "bytes %d-%d/%d" % (offset, offset + len(body) - 1, total))
            head = self.s3.head_object(Bucket=self.bucket, Key="parts", PartNumber=number)
            self.assertEqual(head["ResponseMetadata"]["HTTPStatusCode"], 206)
            self.assertEqual((head["ContentLength"], head["PartsCount"], head["ETag"]), (len(body), 3, etag))
            offset += len(body)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=self.bucket, Key="parts", PartNumber=4)
        self.assertEqual(error_of(ctx), (416, "InvalidPartNumber", "The requested partnumber is not satisfiable"))
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=self.bucket, Key="parts", PartNumber=4)
        self.assertEqual(error_of(ctx)[0], 416)
        # Without partNumber: the whole object, and no parts count (S3 sends it with partNumber only).
        whole = self.s3.head_object(Bucket=self.bucket, Key="parts")
        self.assertEqual(whole["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(whole["ContentLength"], total)
        self.assertNotIn("PartsCount", whole)

    def test_a_single_part_object_is_its_own_part_one(self):
        self.s3.put_object(Bucket=self.bucket, Key="single", Body=b"body")
        got = self.s3.get_object(Bucket=self.bucket, Key="single", PartNumber=1)
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(got["ResponseMetadata"]["HTTPHeaders"]["content-range"], "bytes 0-3/4")
        self.assertEqual(got["Body"].read(), b"body")
        self.assertNotIn("PartsCount", got)
        head = self.s3.head_object(Bucket=self.bucket, Key="single", PartNumber=1)
        self.assertEqual((head["ResponseMetadata"]["HTTPStatusCode"], head["ContentLength"]), (206, 4))
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=self.bucket, Key="single", PartNumber=2)
        self.assertEqual(error_of(ctx)[:2], (416, "InvalidPartNumber"))

    def test_part_number_errors(self):
        self.s3.put_object(Bucket=self.bucket, Key="pn-errors", Body=b"body")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=self.bucket, Key="pn-errors", PartNumber=1, Range="bytes=0-1")
        self.assertEqual(error_of(ctx), (400, "InvalidRequest",
                                         "Cannot specify both Range header and partNumber query parameter"))
        for bad in (0, 10001):
            with self.assertRaises(ClientError) as ctx:
                self.s3.get_object(Bucket=self.bucket, Key="pn-errors", PartNumber=bad)
            self.assertEqual(error_of(ctx), (400, "InvalidArgument",
                                             "Part number must be an integer between 1 and 10000, inclusive"))
        with self.assertRaises(ClientError) as ctx:  # the key is looked up after the checks
            self.s3.get_object(Bucket=self.bucket, Key="pn-missing", PartNumber=1)
        self.assertEqual(error_of(ctx)[:2], (404, "NoSuchKey"))

    # ---- UploadPartCopy ranges ----------------------------------------------------------
    def test_upload_part_copy_range_errors(self):
        self.s3.put_object(Bucket=self.bucket, Key="copy-source", Body=b"abcde")
        upload_id = self.s3.create_multipart_upload(Bucket=self.bucket, Key="copy-dest")["UploadId"]

        def copy(copy_range):
            return self.s3.upload_part_copy(Bucket=self.bucket, Key="copy-dest", UploadId=upload_id, PartNumber=1,
                                            CopySource={"Bucket": self.bucket, "Key": "copy-source"},
                                            CopySourceRange=copy_range)

        improper = ("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last "
                    "are the zero-based offsets of the first and last bytes to copy")
        for copy_range in ("0-2", "bytes=0", "bytes=hello-world", "bytes=0-bar", "bytes=hello-", "bytes=0-2,3-5",
                           "bytes=3-1"):
            with self.assertRaises(ClientError) as ctx:
                copy(copy_range)
            self.assertEqual(error_of(ctx), (400, "InvalidArgument", improper), copy_range)
        for copy_range in ("bytes=0-21", "bytes=0-5", "bytes=5-6"):
            with self.assertRaises(ClientError) as ctx:
                copy(copy_range)
            self.assertEqual(error_of(ctx), (400, "InvalidArgument",
                                             "Range specified is not valid for source object of size: 5"), copy_range)
        etag = copy("bytes=1-3")["CopyPartResult"]["ETag"]
        self.complete("copy-dest", upload_id, [{"PartNumber": 1, "ETag": etag}])
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="copy-dest")["Body"].read(), b"bcd")

    # ---- Content-Encoding on a streaming-signed PUT ---------------------------------------
    def streaming_put(self, key, data, content_encoding, chunk_size=3):
        """PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD (signed aws-chunked), as SDKs stream."""
        parsed = urllib.parse.urlparse(self.mc.endpoint)
        amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        scope = "%s/%s/s3/aws4_request" % (amz_date[:8], REGION)
        headers = {"host": parsed.netloc, "x-amz-date": amz_date, "content-encoding": content_encoding,
                   "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                   "x-amz-decoded-content-length": str(len(data))}
        signed = sorted(headers)
        path = "/%s/%s" % (self.bucket, urllib.parse.quote(key))
        canonical = "\n".join(["PUT", path, "", "".join("%s:%s\n" % (h, headers[h]) for h in signed),
                               ";".join(signed), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"])
        key_bytes = ("AWS4" + SECRET_KEY).encode()
        for part in (amz_date[:8], REGION, "s3", "aws4_request"):
            key_bytes = hmac_sha256(key_bytes, part)
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, sha256_hex(canonical.encode())])
        signature = hmac.new(key_bytes, string_to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            ACCESS_KEY, scope, ";".join(signed), signature)
        body, previous = b"", signature
        chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
        for chunk in chunks:
            chunk_string = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, sha256_hex(b""),
                                      sha256_hex(chunk)])
            previous = hmac.new(key_bytes, chunk_string.encode(), hashlib.sha256).hexdigest()
            body += b"%x;chunk-signature=%s\r\n" % (len(chunk), previous.encode()) + chunk + b"\r\n"
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        try:
            conn.request("PUT", path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def test_aws_chunked_is_removed_from_the_stored_content_encoding(self):
        cases = {"aws-chunked,gzip": "gzip", "gzip,aws-chunked": "gzip", "gzip, aws-chunked, br": "gzip,br",
                 "aws-chunked,br": "br", "aws-chunked": None}
        for number, (sent, stored) in enumerate(cases.items()):
            key = "encoded-%d" % number
            status, body = self.streaming_put(key, b"chunked body", sent)
            self.assertEqual(status, 200, body)
            got = self.s3.get_object(Bucket=self.bucket, Key=key)
            self.assertEqual(got["Body"].read(), b"chunked body")
            self.assertEqual(got.get("ContentEncoding"), stored, sent)
            self.assertEqual(got["ResponseMetadata"]["HTTPHeaders"].get("content-encoding"), stored, sent)

    def test_an_encoded_body_is_stored_as_sent(self):
        # A gzip file PUT with Content-Encoding: gzip stays gzip (the server never inflates it).
        packed = gzip.compress(b"<html>" + b"a" * 5000 + b"</html>")
        for encoding in ("gzip", "br", "deflate"):
            key = "packed-" + encoding
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=packed, ContentEncoding=encoding)
            got = self.s3.get_object(Bucket=self.bucket, Key=key)
            self.assertEqual((got["ContentEncoding"], got["ContentLength"]), (encoding, len(packed)))
            self.assertEqual(got["Body"].read(), packed)
        status, body = self.streaming_put("packed-chunked", packed, "aws-chunked,gzip", chunk_size=1000)
        self.assertEqual(status, 200, body)
        got = self.s3.get_object(Bucket=self.bucket, Key="packed-chunked")
        self.assertEqual((got["ContentEncoding"], got["Body"].read()), ("gzip", packed))

    # ---- Non-ASCII user metadata ---------------------------------------------------------
    def test_non_ascii_metadata_round_trips_rfc2047_encoded(self):
        # boto3 refuses non-ASCII metadata, so clients send RFC 2047 words; S3 decodes them
        # before storing and encodes non-ASCII values on the way out.
        sent = {"q": "=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=", "b": "=?UTF-8?B?R3LDvMOfZQ==?=",
                "fake": "=?UTF-8?Q?actually-ascii?=", "binary": "=?UTF-8?B?AAECAw==?=", "plain": "plain text"}
        expected = {"q": "=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=", "b": "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
                    "fake": "actually-ascii", "binary": "=?UTF-8?B?AAECAw==?=", "plain": "plain text"}
        self.s3.put_object(Bucket=self.bucket, Key="meta", Body=b"x", Metadata=sent)
        head = self.s3.head_object(Bucket=self.bucket, Key="meta")
        self.assertEqual(head["Metadata"], expected)
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="meta")["Metadata"], expected)
        decoded = str(email.header.make_header(email.header.decode_header(head["Metadata"]["b"])))
        self.assertEqual(decoded, "Grüße")
        # CopyObject REPLACE and CreateMultipartUpload read them the same way.
        self.s3.copy_object(Bucket=self.bucket, Key="meta-copy", CopySource={"Bucket": self.bucket, "Key": "meta"},
                            MetadataDirective="REPLACE", Metadata={"b": sent["b"]})
        self.assertEqual(self.s3.head_object(Bucket=self.bucket, Key="meta-copy")["Metadata"], {"b": expected["b"]})
        upload_id = self.s3.create_multipart_upload(Bucket=self.bucket, Key="meta-mp", Metadata={"q": sent["q"]})[
            "UploadId"]
        etag = self.s3.upload_part(Bucket=self.bucket, Key="meta-mp", UploadId=upload_id, PartNumber=1,
                                   Body=b"x")["ETag"]
        self.complete("meta-mp", upload_id, [{"PartNumber": 1, "ETag": etag}])
        self.assertEqual(self.s3.head_object(Bucket=self.bucket, Key="meta-mp")["Metadata"], {"q": expected["q"]})

    def test_raw_non_ascii_header_bytes_are_read_as_latin1(self):
        # Over raw HTTP a header is ISO-8859-1: UTF-8 "ö" (C3 B6) is "Ã¶" to S3.
        bucket = "fidelity-open"
        self.s3.create_bucket(Bucket=bucket, ACL="public-read-write")
        parsed = urllib.parse.urlparse(self.mc.endpoint)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        try:
            conn.putrequest("PUT", "/%s/raw-meta" % bucket)
            conn.putheader("x-amz-meta-raw", "ö".encode("utf-8"))
            conn.putheader("Content-Length", "1")
            conn.endheaders(b"x")
            response = conn.getresponse()
            self.assertEqual(response.status, 200, response.read())
        finally:
            conn.close()
        head = self.s3.head_object(Bucket=bucket, Key="raw-meta")
        self.assertEqual(head["Metadata"], {"raw": "=?UTF-8?Q?=C3=83=C2=B6?="})


if __name__ == "__main__":
    unittest.main()
