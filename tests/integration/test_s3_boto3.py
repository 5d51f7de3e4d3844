"""S3 through boto3 against the real server: content, metadata, ranges, conditionals,
listing, copy, multipart, checksums, presigned URLs, ACLs, and S3's errors."""
import base64
import datetime
import hashlib
import io
import os
import unittest
import urllib.error
import urllib.request
import zlib

import botocore
from botocore.exceptions import ClientError

from harness import ServerTestCase, photo


def _reflected_crc(width, poly):
    """Table-driven reflected CRC (as isa-l/zlib compute it), independent of the server's."""
    mask = (1 << width) - 1
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)

    def crc(data):
        c = mask
        for b in data:
            c = table[(c ^ b) & 0xFF] ^ (c >> 8)
        return (c ^ mask).to_bytes(width // 8, "big")
    return crc


CRCS = {"CRC32": _reflected_crc(32, 0xEDB88320), "CRC32C": _reflected_crc(32, 0x82F63B78),
        "CRC64NVME": _reflected_crc(64, 0x9A6C9329AC4BC9B5)}


def error_code(exc):
    return exc.response["Error"]["Code"]


def http(method, url, data=None, headers=None):
    """Plain urllib request; returns (status, headers, body) without raising on 4xx/5xx."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


class Boto3ObjectsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        cls.s3.create_bucket(Bucket="objects")

    def test_put_get_round_trips_bytes_and_metadata(self):
        body = photo("portrait-friends.jpg")
        put = self.s3.put_object(Bucket="objects", Key="dir/friends.jpg", Body=body, ContentType="image/jpeg",
                                 Metadata={"owner": "Zoe", "note": "x y"}, CacheControl="max-age=60",
                                 ContentDisposition='inline; filename="f.jpg"', ContentLanguage="en")
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        got = self.s3.get_object(Bucket="objects", Key="dir/friends.jpg")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ContentType"], "image/jpeg")
        self.assertEqual(got["ContentLength"], len(body))
        self.assertEqual(got["Metadata"], {"owner": "Zoe", "note": "x y"})
        self.assertEqual(got["CacheControl"], "max-age=60")
        self.assertEqual(got["ContentDisposition"], 'inline; filename="f.jpg"')
        self.assertEqual(got["ContentLanguage"], "en")
        head = self.s3.head_object(Bucket="objects", Key="dir/friends.jpg")
        self.assertEqual(head["ETag"], put["ETag"])
        self.assertEqual(head["ContentLength"], len(body))

    def test_raw_utf8_metadata_comes_back_rfc2047_encoded_as_from_s3(self):
        # botocore cannot send non-ASCII header values, so sign with botocore and send the
        # raw UTF-8 bytes with http.client, as other SDKs do.
        import http.client
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        url = self.mc.endpoint + "/objects/utf8-meta"
        value = "Zoë 日本語"
        request = AWSRequest(method="PUT", url=url, data=b"body", headers={"x-amz-meta-owner": value})
        request.headers["x-amz-content-sha256"] = hashlib.sha256(b"body").hexdigest()
        S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
        conn = http.client.HTTPConnection("127.0.0.1", self.mc.port, timeout=30)
        conn.putrequest("PUT", "/objects/utf8-meta", skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", "127.0.0.1:%d" % self.mc.port)
        for name, header_value in request.headers.items():
            conn.putheader(name, header_value.encode("utf-8") if isinstance(header_value, str) else header_value)
        conn.putheader("Content-Length", "4")
        conn.endheaders(b"body")
        response = conn.getresponse()
        self.assertEqual(response.status, 200, response.read())
        response.read()
        head = self.s3.head_object(Bucket="objects", Key="utf8-meta")
        raw = head["ResponseMetadata"]["HTTPHeaders"]["x-amz-meta-owner"]
        # S3 reads header bytes as ISO-8859-1 and answers non-ASCII values RFC 2047 encoded
        # (base64 here: the Latin-1 reading holds C1 controls); the sent bytes are recoverable.
        self.assertTrue(raw.startswith("=?UTF-8?B?"), raw)
        import email.header
        decoded = str(email.header.make_header(email.header.decode_header(raw)))
        self.assertEqual(decoded.encode("latin-1").decode("utf-8"), value)

    def test_default_content_type_and_empty_object(self):
        self.s3.put_object(Bucket="objects", Key="empty", Body=b"")
        got = self.s3.get_object(Bucket="objects", Key="empty")
        self.assertEqual(got["Body"].read(), b"")
        self.assertEqual(got["ContentLength"], 0)
        self.assertEqual(got["ETag"], '"d41d8cd98f00b204e9800998ecf8427e"')

    def test_overwrite_is_visible_at_once(self):
        for i in range(5):
            self.s3.put_object(Bucket="objects", Key="counter", Body=str(i).encode())
            self.assertEqual(self.s3.get_object(Bucket="objects", Key="counter")["Body"].read(), str(i).encode())

    def test_ranges(self):
        data = bytes(range(256)) * 4
        self.s3.put_object(Bucket="objects", Key="range", Body=data)
        got = self.s3.get_object(Bucket="objects", Key="range", Range="bytes=10-19")
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(got["ContentRange"], "bytes 10-19/1024")
        self.assertEqual(got["Body"].read(), data[10:20])
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="range", Range="bytes=-5")["Body"].read(), data[-5:])
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="range", Range="bytes=1000-")["Body"].read(),
                         data[1000:])
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="range", Range="bytes=1000-5000")["Body"].read(),
                         data[1000:])
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket="objects", Key="range", Range="bytes=2000-")
        self.assertEqual(error_code(ctx.exception), "InvalidRange")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 416)

    def test_conditional_get(self):
        put = self.s3.put_object(Bucket="objects", Key="cond", Body=b"conditional")
        etag = put["ETag"]
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="cond", IfMatch=etag)["Body"].read(), b"conditional")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket="objects", Key="cond", IfMatch='"0000"')
        self.assertEqual(error_code(ctx.exception), "PreconditionFailed")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket="objects", Key="cond", IfNoneMatch=etag)
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket="objects", Key="cond", IfModifiedSince=future)
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket="objects", Key="cond", IfUnmodifiedSince=past)
        self.assertEqual(error_code(ctx.exception), "PreconditionFailed")
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="cond", IfModifiedSince=past)["Body"].read(),
                         b"conditional")

    def test_response_overrides(self):
        self.s3.put_object(Bucket="objects", Key="override", Body=b"x", ContentType="text/plain")
        got = self.s3.get_object(Bucket="objects", Key="override", ResponseContentType="application/x-test",
                                 ResponseContentDisposition="attachment")
        self.assertEqual(got["ContentType"], "application/x-test")
        self.assertEqual(got["ContentDisposition"], "attachment")

    def test_copy_object_copy_and_replace(self):
        self.s3.put_object(Bucket="objects", Key="src", Body=b"source body", ContentType="text/plain",
                           Metadata={"a": "1"})
        copied = self.s3.copy_object(Bucket="objects", Key="dst", CopySource={"Bucket": "objects", "Key": "src"})
        self.assertEqual(copied["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(b"source body").hexdigest())
        got = self.s3.get_object(Bucket="objects", Key="dst")
        self.assertEqual(got["Body"].read(), b"source body")
        self.assertEqual(got["Metadata"], {"a": "1"})
        self.assertEqual(got["ContentType"], "text/plain")
        self.s3.copy_object(Bucket="objects", Key="dst2", CopySource="objects/src", MetadataDirective="REPLACE",
                            Metadata={"b": "2"}, ContentType="application/json")
        got = self.s3.head_object(Bucket="objects", Key="dst2")
        self.assertEqual(got["Metadata"], {"b": "2"})
        self.assertEqual(got["ContentType"], "application/json")
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket="objects", Key="src", CopySource="objects/src")
        self.assertEqual(error_code(ctx.exception), "InvalidRequest")
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket="objects", Key="dst3", CopySource="objects/src", CopySourceIfMatch='"nope"')
        self.assertEqual(error_code(ctx.exception), "PreconditionFailed")
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket="objects", Key="dst3", CopySource="objects/missing")
        self.assertEqual(error_code(ctx.exception), "NoSuchKey")

    def test_percent_encoded_header_values_arrive_unchanged(self):
        # SigV4 signs header values as sent, and S3 stores them byte for byte: a copy source
        # with encoded characters and an RFC 5987 filename must not be decoded on the way in.
        key = "dir/a b+c %41 ü.txt"
        self.s3.put_object(Bucket="objects", Key=key, Body=b"odd key")
        self.s3.copy_object(Bucket="objects", Key="copied-odd", CopySource={"Bucket": "objects", "Key": key})
        self.assertEqual(self.s3.get_object(Bucket="objects", Key="copied-odd")["Body"].read(), b"odd key")
        disposition = "attachment; filename*=UTF-8''na%C3%AFve%20file.txt"
        self.s3.put_object(Bucket="objects", Key="disposition", Body=b"x", ContentDisposition=disposition,
                           Metadata={"pct": "100%25"})
        head = self.s3.head_object(Bucket="objects", Key="disposition")
        self.assertEqual(head["ContentDisposition"], disposition)
        self.assertEqual(head["Metadata"], {"pct": "100%25"})

    def test_delete_and_delete_objects(self):
        for k in ("d/1", "d/2", "d/3"):
            self.s3.put_object(Bucket="objects", Key=k, Body=b"x")
        self.s3.delete_object(Bucket="objects", Key="d/1")
        self.s3.delete_object(Bucket="objects", Key="d/never-existed")  # S3: success
        result = self.s3.delete_objects(Bucket="objects", Delete={"Objects": [{"Key": "d/2"}, {"Key": "d/3"},
                                                                              {"Key": "d/4"}]})
        self.assertEqual(sorted(d["Key"] for d in result["Deleted"]), ["d/2", "d/3", "d/4"])
        listed = self.s3.list_objects_v2(Bucket="objects", Prefix="d/")
        self.assertEqual(listed["KeyCount"], 0)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket="objects", Key="d/1")
        self.assertEqual(error_code(ctx.exception), "NoSuchKey")

    def test_checksums_sent_by_the_sdk_are_verified_and_returned(self):
        body = b"checksummed body" * 100
        self.assertEqual(CRCS["CRC64NVME"](b"123456789").hex(), "ae8b14860a799888")  # the test's own CRC is right
        for algorithm in ("CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"):
            with self.subTest(algorithm=algorithm):
                if algorithm in CRCS:
                    expected = base64.b64encode(CRCS[algorithm](body)).decode()
                else:
                    expected = base64.b64encode(hashlib.new(algorithm.lower(), body).digest()).decode()
                if algorithm in ("CRC32", "SHA1", "SHA256"):  # botocore computes these itself
                    put = self.s3.put_object(Bucket="objects", Key="ck-" + algorithm, Body=body,
                                             ChecksumAlgorithm=algorithm)
                else:  # botocore needs awscrt to compute these: send the value we computed
                    put = self.s3.put_object(Bucket="objects", Key="ck-" + algorithm, Body=body,
                                             **{"Checksum" + algorithm: expected})
                self.assertEqual(put["Checksum" + algorithm], expected)
                got = self.s3.get_object(Bucket="objects", Key="ck-" + algorithm, ChecksumMode="ENABLED")
                self.assertEqual(got["Body"].read(), body)
                self.assertEqual(got["Checksum" + algorithm], expected)

    def test_objects_without_a_checksum_get_crc64nvme_as_on_aws(self):
        body = b"no checksum sent"
        self.s3.put_object(Bucket="objects", Key="default-ck", Body=body, ChecksumAlgorithm="SHA256")
        self.s3.put_object(Bucket="objects", Key="default-ck", Body=body)
        got = self.s3.head_object(Bucket="objects", Key="default-ck", ChecksumMode="ENABLED")
        headers = got["ResponseMetadata"]["HTTPHeaders"]
        if "x-amz-checksum-crc32" in headers:  # this botocore sends CRC32 by default
            self.assertEqual(headers["x-amz-checksum-crc32"], base64.b64encode(CRCS["CRC32"](body)).decode())
        else:
            self.assertEqual(headers["x-amz-checksum-crc64nvme"],
                             base64.b64encode(CRCS["CRC64NVME"](body)).decode())

    def test_wrong_checksum_and_wrong_md5_are_refused_and_nothing_is_stored(self):
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket="objects", Key="bad-sum", Body=b"hello", ChecksumCRC32="AAAAAA==")
        self.assertEqual(error_code(ctx.exception), "BadDigest")
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket="objects", Key="bad-md5", Body=b"hello",
                               ContentMD5=base64.b64encode(hashlib.md5(b"other").digest()).decode())
        self.assertEqual(error_code(ctx.exception), "BadDigest")
        for key in ("bad-sum", "bad-md5"):
            with self.assertRaises(ClientError) as ctx:
                self.s3.head_object(Bucket="objects", Key=key)
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_multipart_upload_file_and_etag(self):
        from boto3.s3.transfer import TransferConfig
        data = os.urandom(20 * 1024 * 1024 + 123)
        config = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
        self.s3.upload_fileobj(io.BytesIO(data), "objects", "big/file.bin", Config=config)
        head = self.s3.head_object(Bucket="objects", Key="big/file.bin")
        parts = [data[i:i + 8 * 1024 * 1024] for i in range(0, len(data), 8 * 1024 * 1024)]
        md5s = b"".join(hashlib.md5(p).digest() for p in parts)
        self.assertEqual(head["ETag"], '"%s-%d"' % (hashlib.md5(md5s).hexdigest(), len(parts)))
        self.assertEqual(head["ContentLength"], len(data))
        out = io.BytesIO()
        self.s3.download_fileobj("objects", "big/file.bin", out)
        self.assertEqual(hashlib.sha256(out.getvalue()).hexdigest(), hashlib.sha256(data).hexdigest())

    def test_multipart_low_level_list_abort_and_errors(self):
        up = self.s3.create_multipart_upload(Bucket="objects", Key="mp", ContentType="text/plain")
        uid = up["UploadId"]
        p1 = self.s3.upload_part(Bucket="objects", Key="mp", UploadId=uid, PartNumber=1, Body=b"a" * (5 * 1024 * 1024))
        p2 = self.s3.upload_part(Bucket="objects", Key="mp", UploadId=uid, PartNumber=2, Body=b"b" * 10)
        parts = self.s3.list_parts(Bucket="objects", Key="mp", UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, 5 * 1024 * 1024), (2, 10)])
        uploads = self.s3.list_multipart_uploads(Bucket="objects")["Uploads"]
        self.assertIn(uid, [u["UploadId"] for u in uploads])
        with self.assertRaises(ClientError) as ctx:
            self.s3.complete_multipart_upload(Bucket="objects", Key="mp", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 2, "ETag": p2["ETag"]}, {"PartNumber": 1, "ETag": p1["ETag"]}]})
        self.assertEqual(error_code(ctx.exception), "InvalidPartOrder")
        with self.assertRaises(ClientError) as ctx:
            self.s3.complete_multipart_upload(Bucket="objects", Key="mp", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]})
        self.assertEqual(error_code(ctx.exception), "InvalidPart")
        done = self.s3.complete_multipart_upload(Bucket="objects", Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]})
        self.assertTrue(done["ETag"].endswith('-2"'))
        got = self.s3.get_object(Bucket="objects", Key="mp")
        self.assertEqual(got["ContentType"], "text/plain")
        self.assertEqual(got["Body"].read(), b"a" * (5 * 1024 * 1024) + b"b" * 10)

        small = self.s3.create_multipart_upload(Bucket="objects", Key="small")["UploadId"]
        s1 = self.s3.upload_part(Bucket="objects", Key="small", UploadId=small, PartNumber=1, Body=b"tiny")
        s2 = self.s3.upload_part(Bucket="objects", Key="small", UploadId=small, PartNumber=2, Body=b"tiny")
        with self.assertRaises(ClientError) as ctx:
            self.s3.complete_multipart_upload(Bucket="objects", Key="small", UploadId=small, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": s1["ETag"]}, {"PartNumber": 2, "ETag": s2["ETag"]}]})
        self.assertEqual(error_code(ctx.exception), "EntityTooSmall")
        self.s3.abort_multipart_upload(Bucket="objects", Key="small", UploadId=small)
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_parts(Bucket="objects", Key="small", UploadId=small)
        self.assertEqual(error_code(ctx.exception), "NoSuchUpload")


class Boto3ListingTest(ServerTestCase):
    KEYS = ["a.txt", "photos/2024/1.jpg", "photos/2024/2.jpg", "photos/2025/1.jpg", "photos/top.jpg",
            "z z/space key", "ü/utf8-ключ", "+plus"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        cls.s3.create_bucket(Bucket="listing")
        for key in cls.KEYS:
            cls.s3.put_object(Bucket="listing", Key=key, Body=key.encode())

    def test_list_v2_all_sorted_by_utf8_bytes(self):
        listed = self.s3.list_objects_v2(Bucket="listing")
        self.assertEqual([o["Key"] for o in listed["Contents"]], sorted(self.KEYS, key=lambda k: k.encode()))
        self.assertEqual(listed["KeyCount"], len(self.KEYS))
        self.assertFalse(listed["IsTruncated"])
        first = listed["Contents"][0]
        self.assertEqual(first["Size"], len(first["Key"].encode()))
        self.assertNotIn("Owner", first)
        self.assertIn("Owner", self.s3.list_objects_v2(Bucket="listing", FetchOwner=True)["Contents"][0])

    def test_delimiter_and_prefix(self):
        listed = self.s3.list_objects_v2(Bucket="listing", Prefix="photos/", Delimiter="/")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["photos/top.jpg"])
        self.assertEqual([p["Prefix"] for p in listed["CommonPrefixes"]], ["photos/2024/", "photos/2025/"])
        v1 = self.s3.list_objects(Bucket="listing", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in v1["CommonPrefixes"]], ["photos/", "z z/", "ü/"])
        self.assertEqual(sorted(o["Key"] for o in v1["Contents"]), ["+plus", "a.txt"])

    def test_paginators_v1_and_v2(self):
        for method in ("list_objects", "list_objects_v2"):
            with self.subTest(method=method):
                pages = list(self.s3.get_paginator(method).paginate(Bucket="listing", PaginationConfig={"PageSize": 3}))
                keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
                self.assertEqual(keys, sorted(self.KEYS, key=lambda k: k.encode()))
                self.assertGreaterEqual(len(pages), 3)

    def test_paginated_delimiter_listing_does_not_repeat_prefixes(self):
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket="listing", Delimiter="/",
                                                                  PaginationConfig={"PageSize": 1})
        prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
        self.assertEqual(prefixes, ["photos/", "z z/", "ü/"])

    def test_start_after_and_url_encoding(self):
        listed = self.s3.list_objects_v2(Bucket="listing", StartAfter="photos/2025/1.jpg")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["photos/top.jpg", "z z/space key", "ü/utf8-ключ"])
        # Asked for explicitly, encoding-type=url comes back encoded (S3 writes space as %20);
        # when botocore adds it on its own it decodes the keys again (the other tests).
        raw = self.s3.list_objects_v2(Bucket="listing", Prefix="z z/", EncodingType="url")
        self.assertEqual([o["Key"] for o in raw["Contents"]], ["z%20z/space%20key"])
        raw = self.s3.list_objects_v2(Bucket="listing", Prefix="+", EncodingType="url")
        self.assertEqual([o["Key"] for o in raw["Contents"]], ["%2Bplus"])

    def test_max_keys_zero_and_invalid(self):
        listed = self.s3.list_objects_v2(Bucket="listing", MaxKeys=0)
        self.assertEqual(listed["KeyCount"], 0)
        self.assertFalse(listed["IsTruncated"])


class Boto3BucketsAndErrorsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()

    def test_default_stack_buckets_exist(self):
        names = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        self.assertIn("cruddur-uploaded-avatars", names)
        self.assertIn("assets.cruddur.com", names)

    def test_bucket_lifecycle(self):
        self.s3.create_bucket(Bucket="life-cycle")
        self.s3.head_bucket(Bucket="life-cycle")
        self.s3.create_bucket(Bucket="life-cycle")  # again in us-east-1: S3's legacy 200
        with self.assertRaises(ClientError) as ctx:
            self.s3.create_bucket(Bucket="life-cycle", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(error_code(ctx.exception), "BucketAlreadyOwnedByYou")
        self.s3.put_object(Bucket="life-cycle", Key="k", Body=b"v")
        with self.assertRaises(ClientError) as ctx:
            self.s3.delete_bucket(Bucket="life-cycle")
        self.assertEqual(error_code(ctx.exception), "BucketNotEmpty")
        self.s3.delete_object(Bucket="life-cycle", Key="k")
        self.s3.delete_bucket(Bucket="life-cycle")
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_bucket(Bucket="life-cycle")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_objects_v2(Bucket="life-cycle")
        self.assertEqual(error_code(ctx.exception), "NoSuchBucket")

    def test_bucket_location_and_region(self):
        self.s3.create_bucket(Bucket="in-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(self.s3.get_bucket_location(Bucket="in-eu")["LocationConstraint"], "eu-west-1")
        self.assertIsNone(self.s3.get_bucket_location(Bucket="cruddur-uploaded-avatars").get("LocationConstraint"))

    def test_invalid_bucket_names(self):
        for name in ("ab", "UPPER", "a..b", "-start", "192.168.1.1", "x" * 64):
            with self.subTest(name=name):
                with self.assertRaises((ClientError, botocore.exceptions.ParamValidationError)) as ctx:
                    self.s3.create_bucket(Bucket=name)
                if isinstance(ctx.exception, ClientError):
                    self.assertEqual(error_code(ctx.exception), "InvalidBucketName")

    def test_key_too_long(self):
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket="cruddur-uploaded-avatars", Key="k" * 1025, Body=b"x")
        self.assertEqual(error_code(ctx.exception), "KeyTooLongError")

    def test_wrong_secret_and_unknown_key(self):
        bad = self.mc.boto3_client(secret="wrong")
        with self.assertRaises(ClientError) as ctx:
            bad.put_object(Bucket="cruddur-uploaded-avatars", Key="never", Body=b"x")
        self.assertEqual(error_code(ctx.exception), "SignatureDoesNotMatch")
        unknown = self.mc.boto3_client(access_key="AKIAUNKNOWN")
        with self.assertRaises(ClientError) as ctx:
            unknown.list_buckets()
        self.assertEqual(error_code(ctx.exception), "InvalidAccessKeyId")
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="cruddur-uploaded-avatars", Key="never")

    def test_malformed_xml(self):
        status, _, body = self._signed("POST", "/cruddur-uploaded-avatars?delete", b"<Delete><Object>")
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>MalformedXML</Code>", body)

    def test_error_body_is_s3_xml_with_request_id(self):
        status, headers, body = http("GET", self.mc.endpoint + "/cruddur-uploaded-avatars/nothing")
        self.assertEqual(status, 403)  # anonymous on a private bucket
        self.assertIn(b"<Code>AccessDenied</Code>", body)
        self.assertIn(b"<RequestId>", body)
        self.assertTrue(headers["x-amz-request-id"])
        self.assertTrue(headers["x-amz-id-2"])

    def test_unsupported_operation_is_not_implemented(self):
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_bucket_policy(Bucket="cruddur-uploaded-avatars")
        self.assertEqual(error_code(ctx.exception), "NotImplemented")

    def test_skewed_date(self):
        import unittest.mock
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        skewed = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=20)
        request = AWSRequest(method="GET", url=self.mc.endpoint + "/")
        request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
        with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=skewed):
            S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
        status, _, body = http("GET", self.mc.endpoint + "/", headers=dict(request.headers))
        self.assertEqual(status, 403)
        self.assertIn(b"RequestTimeTooSkewed", body)

    def test_tampered_body_is_refused(self):
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        url = self.mc.endpoint + "/cruddur-uploaded-avatars/tampered"
        request = AWSRequest(method="PUT", url=url, data=b"original")
        request.headers["x-amz-content-sha256"] = hashlib.sha256(b"original").hexdigest()
        S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
        status, _, body = http("PUT", url, data=b"tampered", headers=dict(request.headers))
        self.assertEqual(status, 400)
        self.assertIn(b"XAmzContentSHA256Mismatch", body)
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="cruddur-uploaded-avatars", Key="tampered")

    def _signed(self, method, path, body):
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        url = self.mc.endpoint + path
        request = AWSRequest(method=method, url=url, data=body)
        request.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
        S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
        return http(method, url, data=body, headers=dict(request.headers))


class Boto3PresignAndAclTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        cls.s3.create_bucket(Bucket="presign")

    def test_presigned_put_then_get(self):
        put_url = self.s3.generate_presigned_url("put_object", Params={"Bucket": "presign", "Key": "up.jpg",
                                                                       "ContentType": "image/jpeg"}, ExpiresIn=300)
        body = photo("alpha-small-bear.png")
        status, headers, _ = http("PUT", put_url, data=body, headers={"Content-Type": "image/jpeg"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        get_url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "presign", "Key": "up.jpg"})
        status, headers, got = http("GET", get_url)
        self.assertEqual((status, got), (200, body))
        self.assertEqual(headers["Content-Type"], "image/jpeg")

    def test_presigned_url_tampering_is_refused(self):
        url = self.s3.generate_presigned_url("put_object", Params={"Bucket": "presign", "Key": "t.jpg",
                                                                   "ContentType": "image/jpeg"})
        status, _, body = http("PUT", url, data=b"x", headers={"Content-Type": "text/html"})
        self.assertEqual(status, 403)
        self.assertIn(b"SignatureDoesNotMatch", body)
        status, _, body = http("PUT", url.replace("/t.jpg", "/other.jpg"), data=b"x",
                               headers={"Content-Type": "image/jpeg"})
        self.assertEqual(status, 403)
        get_url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "presign", "Key": "t.jpg"})
        status, _, _ = http("DELETE", get_url)
        self.assertEqual(status, 403)
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="presign", Key="t.jpg")
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="presign", Key="other.jpg")

    def test_expired_presigned_url(self):
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "presign", "Key": "any"}, ExpiresIn=1)
        import time
        time.sleep(2.1)
        status, _, body = http("GET", url)
        self.assertEqual(status, 403)
        self.assertIn(b"Request has expired", body)

    def test_canned_acls_for_anonymous_requests(self):
        self.s3.put_object(Bucket="presign", Key="private.txt", Body=b"secret")
        self.s3.put_object(Bucket="presign", Key="public.txt", Body=b"hello", ACL="public-read")
        self.assertEqual(http("GET", self.mc.endpoint + "/presign/private.txt")[0], 403)
        status, _, body = http("GET", self.mc.endpoint + "/presign/public.txt")
        self.assertEqual((status, body), (200, b"hello"))
        grants = self.s3.get_object_acl(Bucket="presign", Key="public.txt")["Grants"]
        self.assertIn(("Group", "READ"), [(g["Grantee"]["Type"], g["Permission"]) for g in grants])
        self.s3.put_object_acl(Bucket="presign", Key="public.txt", ACL="private")
        self.assertEqual(http("GET", self.mc.endpoint + "/presign/public.txt")[0], 403)

        self.s3.create_bucket(Bucket="open-bucket", ACL="public-read-write")
        self.assertEqual(http("PUT", self.mc.endpoint + "/open-bucket/anon.txt", data=b"anon")[0], 200)
        self.assertEqual(self.s3.get_object(Bucket="open-bucket", Key="anon.txt")["Body"].read(), b"anon")
        self.assertEqual(http("GET", self.mc.endpoint + "/open-bucket?list-type=2")[0], 200)
        self.s3.put_bucket_acl(Bucket="open-bucket", ACL="private")
        self.assertEqual(http("PUT", self.mc.endpoint + "/open-bucket/anon2.txt", data=b"anon")[0], 403)
        bucket_grants = self.s3.get_bucket_acl(Bucket="open-bucket")["Grants"]
        self.assertEqual([g["Permission"] for g in bucket_grants], ["FULL_CONTROL"])

    def test_virtual_hosted_style(self):
        # botocore never uses virtual-hosted style for an IP endpoint, so sign a request whose
        # Host names the bucket (as SDKs do against bucket.localhost) and send it to loopback.
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        self.s3.put_object(Bucket="presign", Key="vh.txt", Body=b"virtual")
        for host in ("presign.localhost:%d" % self.mc.port, "presign.s3.localhost:%d" % self.mc.port):
            with self.subTest(host=host):
                request = AWSRequest(method="GET", url="http://%s/vh.txt" % host)
                request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
                S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
                status, _, body = http("GET", self.mc.endpoint + "/vh.txt", headers=dict(request.headers, Host=host))
                self.assertEqual((status, body), (200, b"virtual"))
        status, _, body = http("GET", self.mc.endpoint + "/vh.txt", headers={"Host": "presign.localhost:%d" % self.mc.port})
        self.assertEqual(status, 403)  # anonymous on a private bucket: routed to the bucket, not ListBuckets
        self.assertIn(b"AccessDenied", body)


if __name__ == "__main__":
    unittest.main()
