"""The aws CLI against `minicloud serve`: high-level `aws s3` commands and `aws s3api` calls,
each asserted on content (bytes, metadata, listings), plus the S3 error codes it must see.

This module runs every case with the `aws` on PATH (here v1 from the image's python, with
a recent botocore that sends CRC32 checksums in aws-chunked bodies by default);
test_s3_awscli_debian.py runs the CLI-focused ones (AwsCliCases: s3 commands, multipart,
sync, metadata, pagination, auth errors) with Debian's `awscli` package (/usr/bin/aws, v2.9
on Debian 12, which scripts/test installs). One CLI per module keeps each under ~2 min.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

from harness import ServerTestCase, read, tree, write

MiB = 1024 * 1024


def resolve_shim(path):
    """pyenv's `aws` shim re-execs through pyenv on every call; use the real script."""
    if path and "/shims/" in path and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True).stdout.strip()
        if real and os.path.exists(real):
            return real
    return path


def cli_version(path):
    """'aws-cli/1.45.11' or None when `path --version` does not answer like the aws CLI."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = (out.stdout + out.stderr).split(" ")[0].strip()
    return version if out.returncode == 0 and version.startswith("aws-cli/") else None


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def multipart_etag(data, part_size):
    digests = b"".join(hashlib.md5(data[i:i + part_size]).digest() for i in range(0, len(data), part_size))
    return '"%s-%d"' % (hashlib.md5(digests).hexdigest(), (len(data) + part_size - 1) // part_size)


def pseudo_random(size, seed):
    """Deterministic incompressible-looking bytes, fast enough for tens of MB."""
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        block = hashlib.sha512(block).digest()
        out += block * 64  # 4 KiB per hash; repetition inside a block is fine for transfer tests
    return bytes(out[:size])


class AwsCliCases:
    """The cases; a concrete class per CLI mixes this with ServerTestCase and sets `cli`."""
    cli = None
    version = ""

    @classmethod
    def setUpClass(cls):
        cls.version = cli_version(cls.cli) if cls.cli else None
        super().setUpClass()

    def setUp(self):
        if not self.version:
            self.fail("no working aws CLI at %r: scripts/test installs Debian's awscli "
                      "(scripts/lib/test-packages.txt)" % self.cli)
        self.tmp = tempfile.mkdtemp(prefix="minicloud-awscli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self._s3 = None
        self.addCleanup(self._close_s3)

    def _close_s3(self):
        if self._s3 is not None:
            self._s3.close()  # no idle keep-alive connection left behind at server shutdown

    # ---- running the CLI -------------------------------------------------------------
    def env(self, **overrides):
        env = self.mc.client_env()
        env["AWS_PAGER"] = ""  # v2 pipes output through a pager otherwise
        env.update(overrides)
        return env

    def run_cli(self, *args, env=None, input=None):
        cmd = [self.cli, "--endpoint-url", self.mc.endpoint] + [str(a) for a in args]
        return subprocess.run(cmd, env=env or self.env(), capture_output=True, input=input, timeout=300,
                              text=isinstance(input, str) or input is None)

    def aws(self, *args, env=None, input=None):
        proc = self.run_cli(*args, env=env, input=input)
        if proc.returncode != 0:
            self.fail("%s: aws %s failed (%d):\n%s\n%s\n--- server log ---\n%s" % (
                self.version, " ".join(map(str, args)), proc.returncode, proc.stdout, proc.stderr,
                self.mc.logs()[-4000:]))
        return proc

    def api(self, operation, *args, env=None):
        """`aws s3api OPERATION ... --output json`, parsed ({} for no output)."""
        out = self.aws("s3api", operation, *args, "--output", "json", env=env).stdout.strip()
        return json.loads(out) if out else {}

    def assert_error(self, code, *args, env=None, input=None):
        """The command fails and the CLI reports S3 error `code` (as in `An error occurred (Code)`)."""
        proc = self.run_cli(*args, env=env, input=input)
        self.assertNotEqual(proc.returncode, 0, "aws %s succeeded, expected %s:\n%s" % (
            " ".join(map(str, args)), code, proc.stdout))
        self.assertIn("(%s)" % code, proc.stderr, "aws %s: expected error %s, got:\n%s" % (
            " ".join(map(str, args)), code, proc.stderr))
        return proc

    def make_bucket(self, suffix):
        name = re.sub(r"[^a-z0-9-]", "-", ("cli-%s-%s" % (self.version.split("/")[-1], suffix)).lower())[:63]
        name = name.strip("-")
        self.aws("s3", "mb", "s3://" + name)
        return name

    def get_bytes(self, bucket, key, *extra):
        target = os.path.join(self.tmp, "get-" + hashlib.md5((bucket + key).encode()).hexdigest())
        info = self.api("get-object", "--bucket", bucket, "--key", key, *extra, target)
        return read(target), info

    # ---- checking what the CLI left on the server (boto3, in-process: fast) -----------
    @property
    def s3(self):
        if self._s3 is None:
            self._s3 = self.mc.boto3_client()
        return self._s3

    def list_keys(self, bucket, prefix=""):
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    def fetch(self, bucket, key):
        """(body bytes, GetObject response) through boto3."""
        response = self.s3.get_object(Bucket=bucket, Key=key)
        return response["Body"].read(), response

    def bucket_names(self):
        return [b["Name"] for b in self.s3.list_buckets().get("Buckets", [])]

    def anonymous_get(self, bucket, key=""):
        url = "%s/%s/%s" % (self.mc.endpoint, bucket, urllib.request.quote(key))
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    # ---- aws s3 (high level) ---------------------------------------------------------
    def test_s3_mb_ls_cp_rm_rb(self):
        bucket = self.make_bucket("basic")
        listing = self.aws("s3", "ls").stdout
        self.assertRegex(listing, r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d %s$" % re.escape(bucket))

        local = os.path.join(self.tmp, "hello.txt")
        body = b"hello from the aws cli\n" * 100
        write(local, body)
        self.aws("s3", "cp", local, "s3://%s/dir/hello.txt" % bucket)
        self.aws("s3", "cp", "-", "s3://%s/from-stdin.bin" % bucket, input=b"\x00\x01stdin bytes\xff")  # 14 bytes

        top = self.aws("s3", "ls", "s3://%s/" % bucket).stdout
        self.assertRegex(top, r"(?m)^\s+PRE dir/$")
        self.assertRegex(top, r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+14 from-stdin.bin$")
        deep = self.aws("s3", "ls", "--recursive", "s3://%s/" % bucket).stdout
        self.assertRegex(deep, r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+%d dir/hello.txt$" % len(body))

        back = os.path.join(self.tmp, "back.txt")
        self.aws("s3", "cp", "s3://%s/dir/hello.txt" % bucket, back)
        self.assertEqual(read(back), body)
        streamed = self.aws("s3", "cp", "s3://%s/from-stdin.bin" % bucket, "-", input=b"").stdout
        self.assertEqual(streamed, b"\x00\x01stdin bytes\xff")

        # Server-side copy through `s3 cp s3:// s3://`.
        self.aws("s3", "cp", "s3://%s/dir/hello.txt" % bucket, "s3://%s/copy.txt" % bucket)
        self.assertEqual(self.fetch(bucket, "copy.txt")[0], body)

        # `s3 mv` = copy + delete.
        self.aws("s3", "mv", "s3://%s/copy.txt" % bucket, "s3://%s/moved.txt" % bucket)
        self.assertEqual(sorted(self.list_keys(bucket)), ["dir/hello.txt", "from-stdin.bin", "moved.txt"])

        self.aws("s3", "rm", "s3://%s/moved.txt" % bucket)
        self.assertEqual(sorted(self.list_keys(bucket)), ["dir/hello.txt", "from-stdin.bin"])

        rb = self.assert_error("BucketNotEmpty", "s3", "rb", "s3://" + bucket)
        self.assertIn("remove_bucket failed", rb.stdout + rb.stderr)
        self.assertEqual(sorted(self.list_keys(bucket)), ["dir/hello.txt", "from-stdin.bin"])  # nothing changed

        self.aws("s3", "rm", "--recursive", "s3://%s/" % bucket)
        self.assertEqual(self.list_keys(bucket), [])
        self.aws("s3", "rb", "s3://" + bucket)
        self.assertNotIn(bucket, self.aws("s3", "ls").stdout)
        self.assert_error("NoSuchBucket", "s3", "ls", "s3://%s/" % bucket)

    def test_s3_cp_20mb_multipart(self):
        bucket = self.make_bucket("big")
        data = pseudo_random(20 * MiB, "awscli-20mb")
        local = os.path.join(self.tmp, "big.bin")
        write(local, data)
        self.aws("s3", "cp", local, "s3://%s/big.bin" % bucket)

        head = self.api("head-object", "--bucket", bucket, "--key", "big.bin")
        self.assertEqual(head["ContentLength"], len(data))
        # The CLI's default multipart_chunksize is 8 MiB: 3 parts, ETag md5-of-md5s "-3".
        self.assertEqual(head["ETag"], multipart_etag(data, 8 * MiB))

        # Download: the CLI fetches objects over 8 MiB with concurrent ranged GETs.
        back = os.path.join(self.tmp, "big.back")
        self.aws("s3", "cp", "s3://%s/big.bin" % bucket, back)
        self.assertEqual(os.path.getsize(back), len(data))
        self.assertEqual(md5_hex(read(back)), md5_hex(data))

        # A ranged read across the part boundary returns exactly those bytes.
        start, end = 8 * MiB - 100, 8 * MiB + 99
        got, info = self.get_bytes(bucket, "big.bin", "--range", "bytes=%d-%d" % (start, end))
        self.assertEqual(got, data[start:end + 1])
        self.assertEqual(info["ContentRange"], "bytes %d-%d/%d" % (start, end, len(data)))

    def test_s3_sync_tree(self):
        bucket = self.make_bucket("sync")
        src = os.path.join(self.tmp, "src")
        files = {
            "index.html": b"<h1>index</h1>\n",
            "css/site.css": b"body { color: #333 }\n",
            "img/a/deep/pixel.bin": bytes(range(256)) * 4,
            "docs/with space.txt": b"a file with a space\n",
            "docs/\u00e9t\u00e9 \u2013 na\u00efve.txt": "UTF-8 name, UTF-8 body: \u00e9\u00e8\u00ea \u2603\n".encode(),
            "empty.txt": b"",
        }
        for rel, data in files.items():
            write(os.path.join(src, rel), data)

        self.aws("s3", "sync", src, "s3://%s/site" % bucket)
        self.assertEqual(sorted(self.list_keys(bucket)), sorted("site/" + k for k in files))
        # Nothing changed: a second sync uploads nothing (sizes and LastModified agree).
        again = self.aws("s3", "sync", src, "s3://%s/site" % bucket)
        self.assertEqual(again.stdout.strip(), "", "second sync should be a no-op")

        dst = os.path.join(self.tmp, "dst")
        self.aws("s3", "sync", "s3://%s/site" % bucket, dst)
        self.assertEqual(tree(dst), files)

        # Change one file (new size), add one, remove one; sync --delete mirrors it.
        write(os.path.join(src, "css/site.css"), b"body { color: #000; margin: 0 }\n")
        write(os.path.join(src, "new/file.txt"), b"new\n")
        os.remove(os.path.join(src, "index.html"))
        self.aws("s3", "sync", "--delete", src, "s3://%s/site" % bucket)
        expected = tree(src)
        self.assertEqual(sorted(self.list_keys(bucket)), sorted("site/" + k for k in expected))
        dst2 = os.path.join(self.tmp, "dst2")
        self.aws("s3", "sync", "s3://%s/site/" % bucket, dst2)
        self.assertEqual(tree(dst2), expected)

    def test_s3_sync_bucket_to_bucket(self):
        # Bucket-to-bucket sync is server-side CopyObject, with keys that need percent-encoding
        # in x-amz-copy-source (space, UTF-8).
        bucket = self.make_bucket("sync-src")
        files = {"plain.txt": b"plain\n", "docs/with space.txt": b"space\n",
                 "docs/\u00e9t\u00e9 \u2013 na\u00efve.txt": "\u2603\n".encode(), "a+b=c&d.txt": b"reserved\n"}
        for rel, data in files.items():
            self.s3.put_object(Bucket=bucket, Key="site/" + rel, Body=data)
        other = self.make_bucket("sync-copy")
        self.aws("s3", "sync", "s3://%s/site" % bucket, "s3://%s/mirror" % other)
        self.assertEqual(sorted(self.list_keys(other)), sorted("mirror/" + k for k in files))
        for rel, data in files.items():
            self.assertEqual(self.fetch(other, "mirror/" + rel)[0], data, rel)

    # ---- aws s3api -------------------------------------------------------------------
    def test_put_object_metadata_and_head_get(self):
        bucket = self.make_bucket("meta")
        body = b'{"hello": "world"}\n'
        local = os.path.join(self.tmp, "doc.json")
        write(local, body)
        put = self.api("put-object", "--bucket", bucket, "--key", "docs/doc.json", "--body", local,
                       "--content-type", "application/json", "--cache-control", "max-age=60",
                       "--content-disposition", 'attachment; filename="doc.json"',
                       "--content-language", "en", "--metadata", "owner=alice,purpose=test-suite")
        self.assertEqual(put["ETag"], '"%s"' % md5_hex(body))

        head = self.api("head-object", "--bucket", bucket, "--key", "docs/doc.json")
        self.assertEqual(head["ContentLength"], len(body))
        self.assertEqual(head["ContentType"], "application/json")
        self.assertEqual(head["CacheControl"], "max-age=60")
        self.assertEqual(head["ContentDisposition"], 'attachment; filename="doc.json"')
        self.assertEqual(head["ContentLanguage"], "en")
        self.assertEqual(head["Metadata"], {"owner": "alice", "purpose": "test-suite"})
        self.assertEqual(head["ETag"], put["ETag"])
        self.assertIn("LastModified", head)

        got, info = self.get_bytes(bucket, "docs/doc.json")
        self.assertEqual(got, body)
        self.assertEqual(info["ContentType"], "application/json")
        self.assertEqual(info["Metadata"], {"owner": "alice", "purpose": "test-suite"})
        self.assertEqual(info["ETag"], put["ETag"])

        # Overwrite replaces body and metadata entirely.
        write(local, b"v2")
        self.api("put-object", "--bucket", bucket, "--key", "docs/doc.json", "--body", local)
        head2 = self.api("head-object", "--bucket", bucket, "--key", "docs/doc.json")
        self.assertEqual(head2.get("Metadata", {}), {})
        self.assertEqual(head2["ContentLength"], 2)
        self.assertEqual(self.fetch(bucket, "docs/doc.json")[0], b"v2")

    def test_list_objects_v2_delimiter_prefix_pagination(self):
        bucket = self.make_bucket("list")
        keys = ["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "d/4.txt", "e.txt", "f/g/h.txt", "z.txt"]
        for k in keys:
            self.aws("s3api", "put-object", "--bucket", bucket, "--key", k)  # empty bodies

        # --no-paginate: one raw response (the CLI's merged pages drop KeyCount, Prefix, ...).
        full = self.api("list-objects-v2", "--bucket", bucket, "--no-paginate")
        self.assertEqual([o["Key"] for o in full["Contents"]], keys)
        self.assertTrue(all(o["Size"] == 0 for o in full["Contents"]))
        self.assertTrue(all(o["ETag"] == '"%s"' % md5_hex(b"") for o in full["Contents"]))
        self.assertEqual(full["KeyCount"], len(keys))

        top = self.api("list-objects-v2", "--bucket", bucket, "--delimiter", "/")
        self.assertEqual([o["Key"] for o in top["Contents"]], ["a.txt", "e.txt", "z.txt"])
        self.assertEqual([p["Prefix"] for p in top["CommonPrefixes"]], ["b/", "d/", "f/"])

        under_b = self.api("list-objects-v2", "--bucket", bucket, "--delimiter", "/", "--prefix", "b/",
                           "--no-paginate")
        self.assertEqual([o["Key"] for o in under_b["Contents"]], ["b/1.txt", "b/2.txt"])
        self.assertEqual([p["Prefix"] for p in under_b["CommonPrefixes"]], ["b/c/"])
        self.assertEqual(under_b["Prefix"], "b/")

        self.assertEqual(self.list_keys(bucket, prefix="nothing-here/"), [])

        # --page-size 2: the CLI walks the server's continuation tokens (max-keys=2 per call).
        paged = self.api("list-objects-v2", "--bucket", bucket, "--page-size", "2")
        self.assertEqual([o["Key"] for o in paged["Contents"]], keys)

        # --max-items 3 (+ --page-size 2): three keys, then a NextToken that resumes exactly after them.
        first = self.api("list-objects-v2", "--bucket", bucket, "--max-items", "3", "--page-size", "2")
        self.assertEqual([o["Key"] for o in first["Contents"]], keys[:3])
        self.assertIn("NextToken", first)
        rest = self.api("list-objects-v2", "--bucket", bucket, "--page-size", "2", "--starting-token",
                        first["NextToken"])
        self.assertEqual([o["Key"] for o in rest["Contents"]], keys[3:])

        # Delimiter with pagination: prefixes are counted once each, across pages.
        paged_top = self.api("list-objects-v2", "--bucket", bucket, "--delimiter", "/", "--page-size", "2")
        self.assertEqual([o["Key"] for o in paged_top.get("Contents", [])], ["a.txt", "e.txt", "z.txt"])
        self.assertEqual([p["Prefix"] for p in paged_top.get("CommonPrefixes", [])], ["b/", "d/", "f/"])

        # --start-after.
        after = self.api("list-objects-v2", "--bucket", bucket, "--start-after", "d/4.txt")
        self.assertEqual([o["Key"] for o in after["Contents"]], ["e.txt", "f/g/h.txt", "z.txt"])

        # ListObjects v1 with the same pagination.
        v1 = self.api("list-objects", "--bucket", bucket, "--page-size", "3")
        self.assertEqual([o["Key"] for o in v1["Contents"]], keys)

    def test_multipart_upload_by_hand(self):
        bucket = self.make_bucket("mpu")
        part1 = pseudo_random(5 * MiB, "part-1")
        part2 = b"the last part may be small\n" * 1000
        created = self.api("create-multipart-upload", "--bucket", bucket, "--key", "mp/file.bin",
                           "--content-type", "application/x-test", "--metadata", "kind=multipart")
        upload_id = created["UploadId"]
        self.assertEqual(created["Key"], "mp/file.bin")
        self.assertEqual(created["Bucket"], bucket)

        parts = []
        for number, data in ((1, part1), (2, part2)):
            path = os.path.join(self.tmp, "part%d" % number)
            write(path, data)
            up = self.api("upload-part", "--bucket", bucket, "--key", "mp/file.bin", "--upload-id", upload_id,
                          "--part-number", number, "--body", path)
            self.assertEqual(up["ETag"], '"%s"' % md5_hex(data))
            parts.append({"ETag": up["ETag"], "PartNumber": number})

        listed = self.api("list-parts", "--bucket", bucket, "--key", "mp/file.bin", "--upload-id", upload_id)
        self.assertEqual([(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]],
                         [(1, parts[0]["ETag"], len(part1)), (2, parts[1]["ETag"], len(part2))])
        uploads = self.api("list-multipart-uploads", "--bucket", bucket)
        self.assertEqual([u["UploadId"] for u in uploads.get("Uploads", [])], [upload_id])
        # Not visible before Complete.
        self.assertEqual(self.list_keys(bucket), [])

        done = self.api("complete-multipart-upload", "--bucket", bucket, "--key", "mp/file.bin", "--upload-id",
                        upload_id, "--multipart-upload", json.dumps({"Parts": parts}))
        whole = part1 + part2
        expected_etag = '"%s-2"' % hashlib.md5(hashlib.md5(part1).digest() + hashlib.md5(part2).digest()).hexdigest()
        self.assertEqual(done["ETag"], expected_etag)
        self.assertEqual(done["Key"], "mp/file.bin")

        got, info = self.fetch(bucket, "mp/file.bin")
        self.assertEqual(md5_hex(got), md5_hex(whole))
        self.assertEqual(info["ETag"], expected_etag)
        self.assertEqual(info["ContentType"], "application/x-test")
        self.assertEqual(info["Metadata"], {"kind": "multipart"})
        self.assertEqual(self.api("list-multipart-uploads", "--bucket", bucket).get("Uploads", []), [])

        # An aborted upload leaves nothing, and its id is gone.
        aborted = self.api("create-multipart-upload", "--bucket", bucket, "--key", "mp/aborted.bin")["UploadId"]
        path = os.path.join(self.tmp, "small")
        write(path, b"abc")
        self.api("upload-part", "--bucket", bucket, "--key", "mp/aborted.bin", "--upload-id", aborted,
                 "--part-number", 1, "--body", path)
        self.aws("s3api", "abort-multipart-upload", "--bucket", bucket, "--key", "mp/aborted.bin", "--upload-id",
                 aborted)
        self.assertEqual(self.list_keys(bucket), ["mp/file.bin"])
        self.assert_error("NoSuchUpload", "s3api", "upload-part", "--bucket", bucket, "--key", "mp/aborted.bin",
                          "--upload-id", aborted, "--part-number", 2, "--body", path)

    # ---- errors ----------------------------------------------------------------------
    def test_error_no_such_key_and_bucket(self):
        bucket = self.make_bucket("errors")
        out = os.path.join(self.tmp, "out")
        self.assert_error("NoSuchKey", "s3api", "get-object", "--bucket", bucket, "--key", "nope.txt", out)
        self.assertFalse(os.path.exists(out) and os.path.getsize(out) > 0)
        self.assert_error("404", "s3api", "head-object", "--bucket", bucket, "--key", "nope.txt")
        self.assert_error("NoSuchBucket", "s3api", "list-objects-v2", "--bucket", "no-such-bucket-here")
        self.assert_error("NoSuchBucket", "s3api", "get-object", "--bucket", "no-such-bucket-here", "--key", "k", out)
        self.assert_error("NoSuchBucket", "s3api", "delete-bucket", "--bucket", "no-such-bucket-here")
        local = os.path.join(self.tmp, "x")
        write(local, b"x")
        self.assert_error("NoSuchBucket", "s3api", "put-object", "--bucket", "no-such-bucket-here", "--key", "k",
                          "--body", local)
        self.assertNotIn("no-such-bucket-here", self.bucket_names())

    def test_error_wrong_secret(self):
        bucket = self.make_bucket("badsig")
        local = os.path.join(self.tmp, "f")
        write(local, b"must not be stored")
        bad = self.env(AWS_SECRET_ACCESS_KEY="not-the-secret")
        self.assert_error("SignatureDoesNotMatch", "s3api", "put-object", "--bucket", bucket, "--key", "f",
                          "--body", local, env=bad)
        self.assert_error("SignatureDoesNotMatch", "s3api", "list-objects-v2", "--bucket", bucket, env=bad)
        self.assert_error("SignatureDoesNotMatch", "s3", "cp", local, "s3://%s/g" % bucket, env=bad)
        self.assert_error("SignatureDoesNotMatch", "s3api", "create-bucket", "--bucket", bucket + "-x", env=bad)
        self.assertEqual(self.list_keys(bucket), [])
        self.assertNotIn(bucket + "-x", self.bucket_names())

    def test_error_unknown_access_key(self):
        bucket = self.make_bucket("badkey")
        local = os.path.join(self.tmp, "f")
        write(local, b"must not be stored")
        bad = self.env(AWS_ACCESS_KEY_ID="AKIDONTKNOWTHISONE", AWS_SECRET_ACCESS_KEY="whatever")
        self.assert_error("InvalidAccessKeyId", "s3api", "put-object", "--bucket", bucket, "--key", "f",
                          "--body", local, env=bad)
        self.assert_error("InvalidAccessKeyId", "s3api", "list-buckets", env=bad)
        self.assert_error("InvalidAccessKeyId", "s3api", "delete-bucket", "--bucket", bucket, env=bad)
        self.assertEqual(self.list_keys(bucket), [])


class AwsCliMoreCases(AwsCliCases):
    """Cases that exercise the server more than the CLI (ACLs, copy conditions, ranges, name
    rules, ...): run with the aws on PATH only, to keep each module under ~2 minutes."""

    def test_s3_rb_force(self):
        bucket = self.make_bucket("force")
        for i in range(3):
            self.aws("s3", "cp", "-", "s3://%s/k%d" % (bucket, i), input=b"x" * i)
        self.aws("s3", "rb", "--force", "s3://" + bucket)
        self.assertNotIn(bucket, self.bucket_names())

    def test_get_object_range(self):
        bucket = self.make_bucket("range")
        body = bytes(range(256)) * 40  # 10240 bytes
        local = os.path.join(self.tmp, "r.bin")
        write(local, body)
        self.api("put-object", "--bucket", bucket, "--key", "r.bin", "--body", local)
        for spec, lo, hi in (("bytes=0-0", 0, 0), ("bytes=100-299", 100, 299), ("bytes=10000-", 10000, 10239),
                             ("bytes=-40", 10200, 10239), ("bytes=10000-99999", 10000, 10239)):
            got, info = self.get_bytes(bucket, "r.bin", "--range", spec)
            self.assertEqual(got, body[lo:hi + 1], spec)
            self.assertEqual(info["ContentLength"], hi - lo + 1, spec)
            self.assertEqual(info["ContentRange"], "bytes %d-%d/%d" % (lo, hi, len(body)), spec)
        self.assert_error("InvalidRange", "s3api", "get-object", "--bucket", bucket, "--key", "r.bin",
                          "--range", "bytes=20000-20010", os.path.join(self.tmp, "nothing"))

    def test_copy_object(self):
        bucket = self.make_bucket("copy")
        local = os.path.join(self.tmp, "src.txt")
        body = b"copy me, with my metadata\n"
        write(local, body)
        self.api("put-object", "--bucket", bucket, "--key", "src.txt", "--body", local, "--content-type",
                 "text/plain", "--metadata", "colour=blue")

        # COPY (default): body and metadata carried over.
        copied = self.api("copy-object", "--bucket", bucket, "--key", "same-meta.txt",
                          "--copy-source", "%s/src.txt" % bucket)
        self.assertEqual(copied["CopyObjectResult"]["ETag"], '"%s"' % md5_hex(body))
        got, info = self.fetch(bucket, "same-meta.txt")
        self.assertEqual(got, body)
        self.assertEqual(info["ContentType"], "text/plain")
        self.assertEqual(info["Metadata"], {"colour": "blue"})

        # REPLACE: body carried over, metadata and content type from the request.
        other = self.make_bucket("copy-dst")
        self.api("copy-object", "--bucket", other, "--key", "nested/replaced.txt", "--copy-source",
                 "%s/src.txt" % bucket, "--metadata-directive", "REPLACE", "--content-type", "text/markdown",
                 "--metadata", "colour=red,shape=square")
        got, info = self.fetch(other, "nested/replaced.txt")
        self.assertEqual(got, body)
        self.assertEqual(info["ContentType"], "text/markdown")
        self.assertEqual(info["Metadata"], {"colour": "red", "shape": "square"})

        # Copy-source conditions.
        self.assert_error("PreconditionFailed", "s3api", "copy-object", "--bucket", bucket, "--key", "never.txt",
                          "--copy-source", "%s/src.txt" % bucket, "--copy-source-if-match", '"0123"')
        self.assertNotIn("never.txt", self.list_keys(bucket))
        self.assert_error("NoSuchKey", "s3api", "copy-object", "--bucket", bucket, "--key", "never.txt",
                          "--copy-source", "%s/missing.txt" % bucket)

    def test_copy_object_key_needing_encoding(self):
        # botocore percent-encodes the --copy-source value itself (so it is given unencoded:
        # an encoded one would be encoded twice, and S3 decodes once); the server must sign
        # and look up the header exactly as sent.
        bucket = self.make_bucket("copy-enc")
        for key in ("with space.txt", "\u00e9t\u00e9/\u2603.txt", "a+b=c&d%41.txt"):
            self.s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
            self.api("copy-object", "--bucket", bucket, "--key", "copy/" + key, "--copy-source",
                     "%s/%s" % (bucket, key))
            self.assertEqual(self.fetch(bucket, "copy/" + key)[0], key.encode(), key)

    def test_delete_objects(self):
        bucket = self.make_bucket("delete")
        for k in ("keep.txt", "del/1", "del/2", "del/3"):
            self.aws("s3api", "put-object", "--bucket", bucket, "--key", k)
        request = {"Objects": [{"Key": "del/1"}, {"Key": "del/2"}, {"Key": "del/3"}, {"Key": "never-existed"}],
                   "Quiet": False}
        result = self.api("delete-objects", "--bucket", bucket, "--delete", json.dumps(request))
        # Deleting a missing key is a success in S3.
        self.assertEqual(sorted(d["Key"] for d in result["Deleted"]), ["del/1", "del/2", "del/3", "never-existed"])
        self.assertEqual(result.get("Errors", []), [])
        self.assertEqual(self.list_keys(bucket), ["keep.txt"])

        quiet = self.api("delete-objects", "--bucket", bucket, "--delete",
                         json.dumps({"Objects": [{"Key": "keep.txt"}], "Quiet": True}))
        self.assertEqual(quiet.get("Deleted", []), [])
        self.assertEqual(self.list_keys(bucket), [])

        # delete-object of a missing key: 204, no error.
        self.aws("s3api", "delete-object", "--bucket", bucket, "--key", "missing")

    def test_multipart_part_too_small(self):
        bucket = self.make_bucket("mpu-small")
        upload_id = self.api("create-multipart-upload", "--bucket", bucket, "--key", "k")["UploadId"]
        path = os.path.join(self.tmp, "tiny")
        write(path, b"tiny part")
        parts = []
        for n in (1, 2):
            up = self.api("upload-part", "--bucket", bucket, "--key", "k", "--upload-id", upload_id, "--part-number",
                          n, "--body", path)
            parts.append({"ETag": up["ETag"], "PartNumber": n})
        # Every part but the last must be at least 5 MiB.
        self.assert_error("EntityTooSmall", "s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "k",
                          "--upload-id", upload_id, "--multipart-upload", json.dumps({"Parts": parts}))
        self.assertEqual(self.list_keys(bucket), [])

    def test_acls(self):
        bucket = self.make_bucket("acl")
        self.aws("s3", "cp", "-", "s3://%s/obj.txt" % bucket, input=b"public soon")

        acl = self.api("get-object-acl", "--bucket", bucket, "--key", "obj.txt")
        owner_id = acl["Owner"]["ID"]
        self.assertEqual([(g["Grantee"]["Type"], g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]],
                         [("CanonicalUser", owner_id, "FULL_CONTROL")])
        self.assertEqual(self.anonymous_get(bucket, "obj.txt")[0], 403)

        self.aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "obj.txt", "--acl", "public-read")
        acl = self.api("get-object-acl", "--bucket", bucket, "--key", "obj.txt")
        grants = {(g["Grantee"]["Type"], g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"])
                  for g in acl["Grants"]}
        self.assertEqual(grants, {("CanonicalUser", owner_id, "FULL_CONTROL"),
                                  ("Group", "http://acs.amazonaws.com/groups/global/AllUsers", "READ")})
        self.assertEqual(self.anonymous_get(bucket, "obj.txt"), (200, b"public soon"))

        # Object ACL given at upload time.
        self.aws("s3", "cp", "-", "s3://%s/born-public.txt" % bucket, "--acl", "public-read", input=b"born")
        self.assertEqual(self.anonymous_get(bucket, "born-public.txt"), (200, b"born"))

        # Back to private.
        self.aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "obj.txt", "--acl", "private")
        self.assertEqual(self.anonymous_get(bucket, "obj.txt")[0], 403)

        # Bucket ACL.
        bucket_acl = self.api("get-bucket-acl", "--bucket", bucket)
        self.assertEqual([g["Permission"] for g in bucket_acl["Grants"]], ["FULL_CONTROL"])
        status, _ = self.anonymous_get(bucket)
        self.assertEqual(status, 403)
        self.aws("s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read")
        bucket_acl = self.api("get-bucket-acl", "--bucket", bucket)
        grants = {(g["Grantee"]["Type"], g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"])
                  for g in bucket_acl["Grants"]}
        self.assertIn(("Group", "http://acs.amazonaws.com/groups/global/AllUsers", "READ"), grants)
        status, body = self.anonymous_get(bucket)
        self.assertEqual(status, 200)
        self.assertIn(b"<Key>born-public.txt</Key>", body)
        self.assertIn(b"<Key>obj.txt</Key>", body)
        # Anonymous writes still refused on a public-read bucket.
        req = urllib.request.Request("%s/%s/anon.txt" % (self.mc.endpoint, bucket), data=b"x", method="PUT")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"<Code>AccessDenied</Code>", cm.exception.read())
        self.assertNotIn("anon.txt", self.list_keys(bucket))

    def test_error_bucket_not_empty(self):
        bucket = self.make_bucket("notempty")
        self.aws("s3", "cp", "-", "s3://%s/keep" % bucket, input=b"keep me")
        self.assert_error("BucketNotEmpty", "s3api", "delete-bucket", "--bucket", bucket)
        self.assertEqual(self.fetch(bucket, "keep")[0], b"keep me")

    def test_error_invalid_bucket_name(self):
        for name in ("Upper-Case-Bucket", "ab", "bad..dots", "192.168.1.1", "-leading-hyphen"):
            self.assert_error("InvalidBucketName", "s3api", "create-bucket", "--bucket=" + name)
        self.assert_error("InvalidBucketName", "s3", "mb", "s3://Not_Valid")
        names = self.bucket_names()
        for name in ("Upper-Case-Bucket", "ab", "bad..dots", "192.168.1.1", "-leading-hyphen", "Not_Valid"):
            self.assertNotIn(name, names)

    def test_error_bad_digest_and_key_too_long(self):
        bucket = self.make_bucket("integrity")
        local = os.path.join(self.tmp, "f")
        write(local, b"the body")
        wrong_md5 = base64.b64encode(hashlib.md5(b"another body").digest()).decode()
        self.assert_error("BadDigest", "s3api", "put-object", "--bucket", bucket, "--key", "f", "--body", local,
                          "--content-md5", wrong_md5)
        self.assert_error("KeyTooLongError", "s3api", "put-object", "--bucket", bucket, "--key", "k" * 1025,
                          "--body", local)
        self.assertEqual(self.list_keys(bucket), [])
        right_md5 = base64.b64encode(hashlib.md5(b"the body").digest()).decode()
        self.api("put-object", "--bucket", bucket, "--key", "k" * 1024, "--body", local, "--content-md5", right_md5)
        self.assertEqual(self.fetch(bucket, "k" * 1024)[0], b"the body")

    def test_error_bucket_already_owned(self):
        bucket = self.make_bucket("twice")
        # Again in us-east-1 is S3's legacy 200; with another region it is the 409.
        self.api("create-bucket", "--bucket", bucket)
        self.assert_error("BucketAlreadyOwnedByYou", "s3api", "create-bucket", "--bucket", bucket,
                          "--create-bucket-configuration", "LocationConstraint=eu-west-1")


class AwsCliOnPath(AwsCliMoreCases, ServerTestCase):
    cli = resolve_shim(shutil.which("aws"))


if __name__ == "__main__":
    unittest.main()
