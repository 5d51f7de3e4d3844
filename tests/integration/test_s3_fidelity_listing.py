"""S3 fidelity of listings and bucket calls against the real server, with boto3 and raw
SigV4-signed HTTP (botocore's AWSRequest + SigV4Auth) where boto3 would hide the wire:

- encoding-type=url in ListObjects, ListObjectsV2 and ListMultipartUploads: %20 for a space,
  every name field S3 encodes (and only those), EncodingType echoed; boto3's own automatic
  encoding round-trips odd keys; control characters in an unencoded listing;
- ListObjectsV2 with an empty or foreign continuation-token;
- CreateBucket on a bucket you own: us-east-1's legacy 200 versus BucketAlreadyOwnedByYou;
- presigned SigV4 X-Amz-Expires checks and an expired presigned PUT;
- ListBuckets pagination (max-buckets, continuation-token, prefix, bucket-region)."""
import datetime
import hashlib
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
from unittest import mock

from botocore.auth import S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from harness import ACCESS_KEY, REGION, SECRET_KEY, ServerTestCase
from test_s3_boto3 import http

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
CREDENTIALS = Credentials(ACCESS_KEY, SECRET_KEY)


def error_of(exc):
    return exc.response["Error"]


def query_string(params):
    """S3's canonical form: every byte but unreserved characters percent-encoded."""
    return "&".join("%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                    for k, v in params)


def error_fields(body):
    return {child.tag: child.text for child in ET.fromstring(body)}


class FidelityListingTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        cls.s3.create_bucket(Bucket="enc")
        for key in ["foo+1/bar", "foo/bar/xyzzy", "quux ab/thud", "asdf+b",
                    "sp ace/a 1", "sp ace/a 2", "sp ace/b 3", "odd/100%.csv", "odd/tilde~star*&=?.txt"]:
            cls.s3.put_object(Bucket="enc", Key=key, Body=b"x")

    def signed(self, method, path, params=(), body=b""):
        """A SigV4 header-signed request; (status, headers, body)."""
        query = query_string(params)
        url = self.mc.endpoint + path + ("?" + query if query else "")
        request = AWSRequest(method=method, url=url, data=body,
                             headers={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
        SigV4Auth(CREDENTIALS, "s3", REGION).add_auth(request)
        return http(method, url, data=body or None, headers=dict(request.headers))

    def presigned(self, method, path, expires, signed_at=None):
        request = AWSRequest(method=method, url=self.mc.endpoint + path)
        if signed_at is None:
            S3SigV4QueryAuth(CREDENTIALS, "s3", REGION, expires=expires).add_auth(request)
        else:
            with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
                S3SigV4QueryAuth(CREDENTIALS, "s3", REGION, expires=expires).add_auth(request)
        return request.url

    # ---- encoding-type=url ---------------------------------------------------------
    def test_list_objects_v1_url_encoding(self):
        # ceph/s3-tests test_bucket_list_encoding_basic, checked there against AWS.
        listed = self.s3.list_objects(Bucket="enc", Delimiter="/", EncodingType="url")
        self.assertEqual(listed["EncodingType"], "url")
        self.assertEqual(listed["Delimiter"], "/")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["asdf%2Bb"])
        self.assertEqual([p["Prefix"] for p in listed["CommonPrefixes"]],
                         ["foo%2B1/", "foo/", "odd/", "quux%20ab/", "sp%20ace/"])
        # Prefix, Delimiter, Marker and NextMarker are encoded too.
        page = self.s3.list_objects(Bucket="enc", Prefix="sp ace/", Delimiter=" ", Marker="sp ace/",
                                    MaxKeys=1, EncodingType="url")
        self.assertEqual((page["Prefix"], page["Delimiter"], page["Marker"]), ("sp%20ace/", "%20", "sp%20ace/"))
        self.assertEqual([p["Prefix"] for p in page["CommonPrefixes"]], ["sp%20ace/a%20"])
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(page["NextMarker"], "sp%20ace/a%20")

    def test_list_objects_v2_url_encoding(self):
        listed = self.s3.list_objects_v2(Bucket="enc", Prefix="odd/", EncodingType="url")
        self.assertEqual(listed["EncodingType"], "url")
        self.assertEqual([o["Key"] for o in listed["Contents"]],
                         ["odd/100%25.csv", "odd/tilde~star%2A%26%3D%3F.txt"])
        page = self.s3.list_objects_v2(Bucket="enc", Prefix="sp ace/", Delimiter=" ", StartAfter="sp ace/",
                                       MaxKeys=1, EncodingType="url")
        self.assertEqual((page["Prefix"], page["Delimiter"], page["StartAfter"]), ("sp%20ace/", "%20", "sp%20ace/"))
        self.assertEqual([p["Prefix"] for p in page["CommonPrefixes"]], ["sp%20ace/a%20"])
        # The continuation token is opaque: echoed exactly as sent, never encoded.
        token = page["NextContinuationToken"]
        rest = self.s3.list_objects_v2(Bucket="enc", Prefix="sp ace/", Delimiter=" ", ContinuationToken=token,
                                       EncodingType="url")
        self.assertEqual(rest["ContinuationToken"], token)
        self.assertEqual([p["Prefix"] for p in rest["CommonPrefixes"]], ["sp%20ace/b%20"])

    def test_boto3_automatic_encoding_round_trips_keys(self):
        # Without EncodingType botocore asks for url itself and decodes the answer
        # (unquote_plus): '+' must come back as %2B and a space as %20 for keys to survive.
        keys = sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket="enc")["Contents"])
        self.assertIn("foo+1/bar", keys)
        self.assertIn("quux ab/thud", keys)
        self.assertIn("odd/100%.csv", keys)
        v1 = [p["Prefix"] for p in self.s3.list_objects(Bucket="enc", Delimiter="/")["CommonPrefixes"]]
        self.assertEqual(v1, ["foo+1/", "foo/", "odd/", "quux ab/", "sp ace/"])

    def test_raw_listing_xml(self):
        status, _, body = self.signed("GET", "/enc", [("list-type", "2"), ("prefix", "quux ab/"),
                                                      ("encoding-type", "url")])
        self.assertEqual(status, 200, body)
        root = ET.fromstring(body)
        self.assertEqual(root.findtext(NS + "EncodingType"), "url")
        self.assertEqual(root.findtext(NS + "Prefix"), "quux%20ab/")
        self.assertEqual(root.findtext(NS + "Contents/" + NS + "Key"), "quux%20ab/thud")
        self.assertNotIn(b"+", body.split(b"<Contents>")[1].split(b"</Key>")[0])
        # Without encoding-type nothing is encoded.
        status, _, body = self.signed("GET", "/enc", [("list-type", "2"), ("prefix", "quux ab/")])
        root = ET.fromstring(body)
        self.assertIsNone(root.find(NS + "EncodingType"))
        self.assertEqual(root.findtext(NS + "Contents/" + NS + "Key"), "quux ab/thud")

    def test_invalid_encoding_type(self):
        status, _, body = self.signed("GET", "/enc", [("list-type", "2"), ("encoding-type", "xml")])
        self.assertEqual(status, 400)
        fields = error_fields(body)
        self.assertEqual((fields["Code"], fields["Message"]),
                         ("InvalidArgument", "Invalid Encoding Method specified in Request"))
        self.assertEqual((fields["ArgumentName"], fields["ArgumentValue"]), ("encoding-type", "xml"))
        status, _, body = self.signed("GET", "/enc", [("uploads", ""), ("encoding-type", "xml")])
        self.assertEqual((status, error_fields(body)["Code"]), (400, "InvalidArgument"))

    def test_list_multipart_uploads_url_encoding(self):
        self.s3.create_bucket(Bucket="enc-uploads")
        for key in ["up load/one", "up load/two", "x+y", "zz top"]:
            self.s3.create_multipart_upload(Bucket="enc-uploads", Key=key)
        page = self.s3.list_multipart_uploads(Bucket="enc-uploads", Prefix="up load/", KeyMarker="up load/",
                                              MaxUploads=1, EncodingType="url")
        self.assertEqual(page["EncodingType"], "url")
        self.assertEqual((page["Prefix"], page["KeyMarker"]), ("up%20load/", "up%20load/"))
        self.assertEqual([u["Key"] for u in page["Uploads"]], ["up%20load/one"])
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(page["NextKeyMarker"], "up%20load/one")
        # Delimiter: rolled-up keys come back as encoded CommonPrefixes.
        grouped = self.s3.list_multipart_uploads(Bucket="enc-uploads", Delimiter=" ", EncodingType="url")
        self.assertEqual(grouped["Delimiter"], "%20")
        self.assertEqual([u["Key"] for u in grouped.get("Uploads", [])], ["x%2By"])
        self.assertEqual([p["Prefix"] for p in grouped["CommonPrefixes"]], ["up%20", "zz%20"])
        # Paging through a rolled-up prefix does not repeat it.
        first = self.s3.list_multipart_uploads(Bucket="enc-uploads", Delimiter=" ", MaxUploads=1)
        self.assertEqual(first["NextKeyMarker"], "up ")
        second = self.s3.list_multipart_uploads(Bucket="enc-uploads", Delimiter=" ", KeyMarker=first["NextKeyMarker"])
        self.assertEqual([u["Key"] for u in second["Uploads"]], ["x+y"])
        self.assertEqual([p["Prefix"] for p in second["CommonPrefixes"]], ["zz "])
        # Two uploads of one key: upload-id-marker resumes between them; key-marker alone
        # passes the key over.
        second_id = self.s3.create_multipart_upload(Bucket="enc-uploads", Key="x+y")["UploadId"]
        one = self.s3.list_multipart_uploads(Bucket="enc-uploads", Prefix="x", MaxUploads=1)
        self.assertTrue(one["IsTruncated"])
        self.assertEqual((one["NextKeyMarker"], len(one["Uploads"])), ("x+y", 1))
        two = self.s3.list_multipart_uploads(Bucket="enc-uploads", Prefix="x", KeyMarker=one["NextKeyMarker"],
                                            UploadIdMarker=one["NextUploadIdMarker"])
        self.assertFalse(two["IsTruncated"])
        both = [u["UploadId"] for u in one["Uploads"] + two["Uploads"]]
        self.assertEqual(len(set(both)), 2)
        self.assertIn(second_id, both)
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket="enc-uploads", Prefix="x", KeyMarker="x+y"))
        self.s3.abort_multipart_upload(Bucket="enc-uploads", Key="x+y", UploadId=second_id)
        # Unencoded, names are as stored.
        plain = self.s3.list_multipart_uploads(Bucket="enc-uploads", Prefix="x")
        self.assertEqual([u["Key"] for u in plain["Uploads"]], ["x+y"])

    def test_control_characters_in_unencoded_listing(self):
        self.s3.create_bucket(Bucket="ctl")
        self.s3.put_object(Bucket="ctl", Key="a\tb\nc\rd", Body=b"x")
        status, _, body = self.signed("GET", "/ctl", [("list-type", "2")])
        self.assertEqual(status, 200)
        # Tab and line feed as they are; a carriage return as a reference, so it survives.
        self.assertIn(b"<Key>a\tb\nc&#xd;d</Key>", body)
        self.assertEqual(ET.fromstring(body).findtext(NS + "Contents/" + NS + "Key"), "a\tb\nc\rd")
        # A character XML 1.0 cannot carry: S3 writes a reference anyway (strict parsers
        # refuse it); encoding-type=url, which boto3 asks for by itself, carries it.
        self.s3.put_object(Bucket="ctl", Key="bell\x07", Body=b"x")
        status, _, body = self.signed("GET", "/ctl", [("list-type", "2"), ("prefix", "bell")])
        self.assertIn(b"<Key>bell&#x7;</Key>", body)
        with self.assertRaises(ET.ParseError):
            ET.fromstring(body)
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket="ctl")["Contents"]]
        self.assertEqual(keys, ["a\tb\nc\rd", "bell\x07"])

    # ---- ListObjectsV2 continuation-token ------------------------------------------
    def test_empty_or_foreign_continuation_token(self):
        for token in ["", "bm90IG91cnM="]:
            with self.assertRaises(ClientError) as ctx:
                self.s3.list_objects_v2(Bucket="enc", ContinuationToken=token)
            error = error_of(ctx.exception)
            self.assertEqual((error["Code"], error["Message"]),
                             ("InvalidArgument", "The continuation token provided is incorrect"), token)
            self.assertEqual(error["ArgumentName"], "continuation-token")
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    # ---- CreateBucket on an owned bucket ---------------------------------------------
    def test_recreate_owned_bucket_in_us_east_1_is_a_no_op_that_resets_the_acl(self):
        self.s3.create_bucket(Bucket="legacy")
        self.s3.put_object(Bucket="legacy", Key="kept", Body=b"still here")
        self.s3.put_bucket_acl(Bucket="legacy", ACL="public-read")
        again = self.s3.create_bucket(Bucket="legacy")
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(again["Location"], "/legacy")
        self.assertEqual(self.s3.get_object(Bucket="legacy", Key="kept")["Body"].read(), b"still here")
        grants = self.s3.get_bucket_acl(Bucket="legacy")["Grants"]
        self.assertEqual([g["Permission"] for g in grants], ["FULL_CONTROL"])  # back to private
        # With a location constraint (any region but us-east-1) it is the 409.
        with self.assertRaises(ClientError) as ctx:
            self.s3.create_bucket(Bucket="legacy", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(error_of(ctx.exception)["Code"], "BucketAlreadyOwnedByYou")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        self.assertEqual(self.s3.head_bucket(Bucket="legacy")["ResponseMetadata"]["HTTPHeaders"]
                         ["x-amz-bucket-region"], "us-east-1")
        self.assertEqual(self.s3.get_object(Bucket="legacy", Key="kept")["Body"].read(), b"still here")

    def test_recreate_owned_bucket_outside_us_east_1_conflicts(self):
        self.s3.create_bucket(Bucket="euro", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        for config in [{"LocationConstraint": "eu-west-1"}, None]:
            kwargs = {"CreateBucketConfiguration": config} if config else {}
            with self.assertRaises(ClientError) as ctx:
                self.s3.create_bucket(Bucket="euro", **kwargs)
            error = error_of(ctx.exception)
            self.assertEqual(error["Code"], "BucketAlreadyOwnedByYou", config)
            self.assertEqual(error["BucketName"], "euro")

    # ---- presigned X-Amz-Expires ----------------------------------------------------
    def test_presigned_expires_out_of_range(self):
        self.s3.put_object(Bucket="enc", Key="presigned", Body=b"p")
        week = ("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be "
                "less than 604800 seconds")
        for expires, message in [(604801, week), (10 ** 9, week), (-1, "X-Amz-Expires must be non-negative")]:
            status, _, body = http("GET", self.presigned("GET", "/enc/presigned", expires))
            self.assertEqual(status, 400, expires)
            fields = error_fields(body)
            self.assertEqual((fields["Code"], fields["Message"]), ("AuthorizationQueryParametersError", message))
        url = self.presigned("GET", "/enc/presigned", 60).replace("X-Amz-Expires=60", "X-Amz-Expires=soon")
        fields = error_fields(http("GET", url)[2])
        self.assertEqual((fields["Code"], fields["Message"]),
                         ("AuthorizationQueryParametersError", "X-Amz-Expires should be a number"))
        # The whole week is allowed.
        self.assertEqual(http("GET", self.presigned("GET", "/enc/presigned", 604800))[:3:2], (200, b"p"))

    def test_expired_presigned_put_is_refused_and_stores_nothing(self):
        two_hours_ago = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(hours=2)
        for signed_at, expires in [(two_hours_ago, 60), (None, 0)]:
            url = self.presigned("PUT", "/enc/expired-put", expires, signed_at)
            status, _, body = http("PUT", url, data=b"must not be stored")
            self.assertEqual(status, 403, body)
            fields = error_fields(body)
            self.assertEqual((fields["Code"], fields["Message"]), ("AccessDenied", "Request has expired"))
            self.assertEqual(fields["X-Amz-Expires"], str(expires))
            self.assertIn("ServerTime", fields)
            if signed_at:
                expiry = signed_at.replace(microsecond=0) + datetime.timedelta(seconds=60)
                self.assertEqual(fields["Expires"], expiry.strftime("%Y-%m-%dT%H:%M:%SZ"))
            with self.assertRaises(ClientError) as ctx:
                self.s3.head_object(Bucket="enc", Key="expired-put")
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)


class ListBucketsPaginationTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        for name in ["lb-a1", "lb-a2", "lb-a3", "lb-b1"]:
            cls.s3.create_bucket(Bucket=name)
        cls.s3.create_bucket(Bucket="lb-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    def signed_get(self, params):
        url = self.mc.endpoint + "/?" + query_string(params)
        request = AWSRequest(method="GET", url=url, headers={"x-amz-content-sha256": hashlib.sha256(b"").hexdigest()})
        SigV4Auth(CREDENTIALS, "s3", REGION).add_auth(request)
        return http("GET", url, headers=dict(request.headers))

    def test_pages_with_prefix(self):
        first = self.s3.list_buckets(Prefix="lb-a", MaxBuckets=2)
        self.assertEqual([b["Name"] for b in first["Buckets"]], ["lb-a1", "lb-a2"])
        self.assertEqual(first["Prefix"], "lb-a")
        self.assertNotIn("lb-a2", first["ContinuationToken"])  # opaque
        second = self.s3.list_buckets(Prefix="lb-a", MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
        self.assertEqual([b["Name"] for b in second["Buckets"]], ["lb-a3"])
        self.assertNotIn("ContinuationToken", second)
        bucket = second["Buckets"][0]
        self.assertEqual((bucket["BucketRegion"], bucket["BucketArn"]), ("us-east-1", "arn:aws:s3:::lb-a3"))

    def test_paginator_walks_every_page(self):
        pages = list(self.s3.get_paginator("list_buckets").paginate(Prefix="lb-", PaginationConfig={"PageSize": 1}))
        self.assertEqual(len(pages), 5)
        self.assertEqual([b["Name"] for p in pages for b in p["Buckets"]],
                         ["lb-a1", "lb-a2", "lb-a3", "lb-b1", "lb-eu"])

    def test_without_parameters_everything_and_no_token(self):
        listed = self.s3.list_buckets()
        names = [b["Name"] for b in listed["Buckets"]]
        self.assertTrue({"lb-a1", "lb-eu"} <= set(names))
        self.assertNotIn("ContinuationToken", listed)
        self.assertNotIn("Prefix", listed)
        self.assertEqual(names, sorted(names))

    def test_bucket_region_filter(self):
        listed = self.s3.list_buckets(BucketRegion="eu-west-1", Prefix="lb-")
        self.assertEqual([(b["Name"], b["BucketRegion"]) for b in listed["Buckets"]], [("lb-eu", "eu-west-1")])
        self.assertEqual(self.s3.list_buckets(BucketRegion="eu-central-1", Prefix="lb-")["Buckets"], [])
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_buckets(BucketRegion="eu-east-1")
        error = error_of(ctx.exception)
        self.assertEqual((error["Code"], error["Message"], error["ArgumentName"]),
                         ("InvalidArgument", "Argument value eu-east-1 is not a valid AWS Region", "bucket-region"))

    def test_continuation_tokens(self):
        # An empty token lists from the start (unlike ListObjectsV2); a foreign one is refused.
        listed = self.s3.list_buckets(ContinuationToken="", Prefix="lb-", MaxBuckets=1)
        self.assertEqual([b["Name"] for b in listed["Buckets"]], ["lb-a1"])
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_buckets(ContinuationToken="bGItYTE=")
        error = error_of(ctx.exception)
        self.assertEqual((error["Code"], error["Message"], error["ArgumentName"]),
                         ("InvalidArgument", "The continuation token provided is incorrect", "continuation-token"))

    def test_max_buckets_out_of_range(self):
        # boto3 refuses 0 itself, so these go out raw.
        between = "Argument max-buckets must be an integer between 1 and 10000."
        for value, message in [("0", between), ("10001", between), ("-3", between),
                               ("ten", "Provided max-buckets not an integer or within integer range")]:
            status, _, body = self.signed_get([("max-buckets", value)])
            self.assertEqual(status, 400, value)
            fields = error_fields(body)
            self.assertEqual((fields["Code"], fields["Message"]), ("InvalidArgument", message), value)
            self.assertEqual((fields["ArgumentName"], fields["ArgumentValue"]), ("max-buckets", value))
        status, _, body = self.signed_get([("max-buckets", "10000"), ("prefix", "lb-b")])
        self.assertEqual(status, 200)
        root = ET.fromstring(body)
        self.assertEqual([n.text for n in root.iter(NS + "Name")], ["lb-b1"])
        self.assertEqual(root.findtext(NS + "Prefix"), "lb-b")


if __name__ == "__main__":
    unittest.main()
