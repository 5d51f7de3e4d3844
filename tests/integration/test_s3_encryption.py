"""Server-side encryption as the CDK's asset publisher (cdk-assets) meets it, through boto3:
Get/Put/DeleteBucketEncryption, x-amz-server-side-encryption(-aws-kms-key-id) on uploads
echoed on PUT/GET/HEAD, the bucket default applied to a plain PUT, and
x-amz-expected-bucket-owner. minicloud stores plaintext; only the choice is kept."""
import http.client
import unittest
import urllib.parse

from botocore.exceptions import ClientError

from harness import ServerTestCase
from test_post_object import error_of, multipart

ACCOUNT = "000000000000"
DEFAULT_KMS_KEY = "arn:aws:kms:us-east-1:000000000000:alias/aws/s3"
KEY_ARN = "arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555"
AES256_DEFAULT = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                             "BucketKeyEnabled": False}]}


def error_code(exc):
    return exc.exception.response["Error"]["Code"]


class EncryptionTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()

    def bucket(self, name):
        self.s3.create_bucket(Bucket=name)
        return name

    def raw(self, method, path, body=None, headers=None):
        """An unsigned request (a browser's form POST); returns (status, lowercased headers, body)."""
        parsed = urllib.parse.urlparse(self.mc.endpoint)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    # ---- the bucket's default encryption ------------------------------------------------
    def test_a_bucket_without_configuration_reports_sse_s3(self):
        bucket = self.bucket("enc-default")
        got = self.s3.get_bucket_encryption(Bucket=bucket)
        self.assertEqual(got["ServerSideEncryptionConfiguration"], AES256_DEFAULT)

    def test_put_kms_configuration_read_it_back_and_delete_it(self):
        bucket = self.bucket("enc-kms-config")
        config = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                                    "KMSMasterKeyID": KEY_ARN},
                             "BucketKeyEnabled": True}]}
        self.s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=config)
        got = self.s3.get_bucket_encryption(Bucket=bucket)
        self.assertEqual(got["ServerSideEncryptionConfiguration"], config)
        deleted = self.s3.delete_bucket_encryption(Bucket=bucket)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        got = self.s3.get_bucket_encryption(Bucket=bucket)
        self.assertEqual(got["ServerSideEncryptionConfiguration"], AES256_DEFAULT)

    def test_malformed_configurations(self):
        bucket = self.bucket("enc-malformed")
        for rules in ([], [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}] * 2):
            with self.assertRaises(ClientError) as raised:
                self.s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
            self.assertEqual(error_code(raised), "MalformedXML", rules)
        with self.assertRaises(ClientError) as raised:
            self.s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": KEY_ARN}}]})
        self.assertEqual(error_code(raised), "InvalidArgument")
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
        # Nothing stored by the refused documents.
        self.assertEqual(self.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"],
                         AES256_DEFAULT)

    def test_an_unknown_algorithm_in_the_document_is_malformed(self):
        bucket = self.bucket("enc-bad-algorithm")
        # boto3 does not check the enum, so the document goes out as given.
        with self.assertRaises(ClientError) as raised:
            self.s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "DES"}}]})
        self.assertEqual(error_code(raised), "MalformedXML")

    def test_missing_bucket(self):
        with self.assertRaises(ClientError) as raised:
            self.s3.get_bucket_encryption(Bucket="enc-no-such-bucket")
        self.assertEqual(error_code(raised), "NoSuchBucket")

    # ---- objects ------------------------------------------------------------------------
    def test_put_object_with_kms_echoes_algorithm_and_key(self):
        bucket = self.bucket("enc-kms-object")
        put = self.s3.put_object(Bucket=bucket, Key="asset.zip", Body=b"zip", ServerSideEncryption="aws:kms",
                                 SSEKMSKeyId=KEY_ARN)
        self.assertEqual(put["ServerSideEncryption"], "aws:kms")
        self.assertEqual(put["SSEKMSKeyId"], KEY_ARN)
        got = self.s3.get_object(Bucket=bucket, Key="asset.zip")
        self.assertEqual(got["Body"].read(), b"zip")  # stored as sent: nothing is encrypted
        self.assertEqual(got["ServerSideEncryption"], "aws:kms")
        self.assertEqual(got["SSEKMSKeyId"], KEY_ARN)
        head = self.s3.head_object(Bucket=bucket, Key="asset.zip")
        self.assertEqual(head["ServerSideEncryption"], "aws:kms")
        self.assertEqual(head["SSEKMSKeyId"], KEY_ARN)

    def test_kms_without_a_key_uses_the_accounts_aws_s3_key(self):
        bucket = self.bucket("enc-kms-nokey")
        put = self.s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms:dsse")
        self.assertEqual(put["ServerSideEncryption"], "aws:kms:dsse")
        self.assertEqual(put["SSEKMSKeyId"], DEFAULT_KMS_KEY)
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="k")["SSEKMSKeyId"], DEFAULT_KMS_KEY)

    def test_plain_objects_report_aes256(self):
        bucket = self.bucket("enc-plain")
        put = self.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        self.assertEqual(put["ServerSideEncryption"], "AES256")
        head = self.s3.head_object(Bucket=bucket, Key="k")
        self.assertEqual(head["ServerSideEncryption"], "AES256")
        self.assertNotIn("SSEKMSKeyId", head)

    def test_the_bucket_default_applies_to_a_plain_put_copy_and_multipart_upload(self):
        bucket = self.bucket("enc-bucket-default")
        self.s3.put_object(Bucket=bucket, Key="before", Body=b"x")
        self.s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}}]})
        put = self.s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
        self.assertEqual(put["ServerSideEncryption"], "aws:kms")
        self.assertEqual(put["SSEKMSKeyId"], KEY_ARN)
        head = self.s3.head_object(Bucket=bucket, Key="plain")
        self.assertEqual((head["ServerSideEncryption"], head["SSEKMSKeyId"]), ("aws:kms", KEY_ARN))
        # An object keeps the encryption it was written with.
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="before")["ServerSideEncryption"], "AES256")
        # An explicit choice wins over the default.
        explicit = self.s3.put_object(Bucket=bucket, Key="aes", Body=b"x", ServerSideEncryption="AES256")
        self.assertEqual(explicit["ServerSideEncryption"], "AES256")
        self.assertNotIn("SSEKMSKeyId", explicit)
        # A copy takes the target bucket's default, not the source's encryption.
        copied = self.s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "aes"})
        self.assertEqual((copied["ServerSideEncryption"], copied["SSEKMSKeyId"]), ("aws:kms", KEY_ARN))
        # Multipart: chosen at CreateMultipartUpload, kept by the object.
        created = self.s3.create_multipart_upload(Bucket=bucket, Key="mp")
        self.assertEqual(created["ServerSideEncryption"], "aws:kms")
        part = self.s3.upload_part(Bucket=bucket, Key="mp", UploadId=created["UploadId"], PartNumber=1, Body=b"p")
        done = self.s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=created["UploadId"],
                                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertEqual(done["ServerSideEncryption"], "aws:kms")
        head = self.s3.head_object(Bucket=bucket, Key="mp")
        self.assertEqual((head["ServerSideEncryption"], head["SSEKMSKeyId"]), ("aws:kms", KEY_ARN))

    def test_copy_in_place_may_change_the_encryption(self):
        bucket = self.bucket("enc-copy-in-place")
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        copied = self.s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"},
                                     ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ARN)
        self.assertEqual(copied["SSEKMSKeyId"], KEY_ARN)
        head = self.s3.head_object(Bucket=bucket, Key="k")
        self.assertEqual((head["ServerSideEncryption"], head["SSEKMSKeyId"]), ("aws:kms", KEY_ARN))

    def test_unsupported_algorithm_and_a_key_without_kms_are_invalid(self):
        bucket = self.bucket("enc-invalid")
        with self.assertRaises(ClientError) as raised:
            self.s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="aws:fancy")
        self.assertEqual(error_code(raised), "InvalidArgument")
        self.assertEqual(raised.exception.response["Error"]["Message"], "The encryption method specified is not supported")
        with self.assertRaises(ClientError) as raised:
            self.s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="AES256", SSEKMSKeyId=KEY_ARN)
        self.assertEqual(error_code(raised), "InvalidArgument")
        with self.assertRaises(ClientError) as raised:
            self.s3.create_multipart_upload(Bucket=bucket, Key="k", ServerSideEncryption="aws:fancy")
        self.assertEqual(error_code(raised), "InvalidArgument")
        with self.assertRaises(ClientError) as raised:
            self.s3.head_object(Bucket=bucket, Key="k")
        self.assertEqual(raised.exception.response["Error"]["Code"], "404")  # nothing stored

    def test_post_form_with_kms(self):
        bucket = self.bucket("enc-form")
        presigned = self.s3.generate_presigned_post(
            bucket, "f.txt", Fields={"x-amz-server-side-encryption": "aws:kms",
                                     "x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN},
            Conditions=[{"x-amz-server-side-encryption": "aws:kms"},
                        {"x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}])
        body, content_type = multipart(list(presigned["fields"].items()), b"form", filename="f.txt")
        status, headers, data = self.raw("POST", "/" + bucket, body, {"Content-Type": content_type})
        self.assertEqual(status, 204, data)
        self.assertEqual(headers["x-amz-server-side-encryption"], "aws:kms")
        self.assertEqual(headers["x-amz-server-side-encryption-aws-kms-key-id"], KEY_ARN)
        head = self.s3.head_object(Bucket=bucket, Key="f.txt")
        self.assertEqual((head["ServerSideEncryption"], head["SSEKMSKeyId"]), ("aws:kms", KEY_ARN))

        bad = self.s3.generate_presigned_post(bucket, "g.txt", Fields={"x-amz-server-side-encryption": "nope"},
                                              Conditions=[{"x-amz-server-side-encryption": "nope"}])
        body, content_type = multipart(list(bad["fields"].items()), b"form", filename="g.txt")
        status, _, data = self.raw("POST", "/" + bucket, body, {"Content-Type": content_type})
        self.assertEqual(status, 400, data)
        self.assertEqual(error_of(data)["Code"], "InvalidArgument")

    # ---- x-amz-expected-bucket-owner ------------------------------------------------------
    def test_expected_bucket_owner(self):
        bucket = self.bucket("enc-owner")
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"x", ExpectedBucketOwner=ACCOUNT)
        self.s3.get_bucket_location(Bucket=bucket, ExpectedBucketOwner=ACCOUNT)
        listed = self.s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner=ACCOUNT)
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["k"])
        self.s3.get_bucket_encryption(Bucket=bucket, ExpectedBucketOwner=ACCOUNT)
        calls = [lambda owner: self.s3.put_object(Bucket=bucket, Key="other", Body=b"x", ExpectedBucketOwner=owner),
                 lambda owner: self.s3.get_bucket_location(Bucket=bucket, ExpectedBucketOwner=owner),
                 lambda owner: self.s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner=owner),
                 lambda owner: self.s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner=owner),
                 lambda owner: self.s3.get_bucket_encryption(Bucket=bucket, ExpectedBucketOwner=owner),
                 lambda owner: self.s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "k"},
                                                   ExpectedSourceBucketOwner=owner)]
        for call in calls:
            with self.assertRaises(ClientError) as raised:
                call("111111111111")
            self.assertEqual(error_code(raised), "AccessDenied")
            self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket=bucket, Key="other")  # the refused PUT stored nothing


if __name__ == "__main__":
    unittest.main()
