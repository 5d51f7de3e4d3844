"""s3cmd and rclone (Debian's packages) against `minicloud serve`, each with a temp config
file (path style, http, us-east-1, key test/test). Every success is asserted on content:
bytes downloaded back, listings, metadata.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import ACCESS_KEY, REGION, SECRET_KEY, ServerTestCase, read, tree, write

MiB = 1024 * 1024

UTF8_NAME = "\u00e9t\u00e9 \u2013 na\u00efve \u2603.txt"  # "été – naïve ☃.txt"


def sample_tree():
    return {
        "index.html": b"<h1>hello</h1>\n",
        "css/site.css": b"body { margin: 0 }\n",
        "img/deep/down/bytes.bin": bytes(range(256)) * 16,
        "docs/with space.txt": b"a name with a space\n",
        "docs/" + UTF8_NAME: "UTF-8 \u00e9\u00e8 \u2603\n".encode(),
        "empty.txt": b"",
    }


def pseudo_random(size, seed):
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        block = hashlib.sha512(block).digest()
        out += block * 64
    return bytes(out[:size])


class ToolCase(ServerTestCase):
    tool = None

    def setUp(self):
        if shutil.which(self.tool) is None:
            self.fail("%s is not installed: scripts/test installs it (scripts/lib/test-packages.txt)" % self.tool)
        self.tmp = tempfile.mkdtemp(prefix="minicloud-%s-" % self.tool)
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.env = dict(os.environ, HOME=self.tmp, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        # Only the temp config speaks: no AWS_* (e.g. AWS_CA_BUNDLE, which rclone's SDK refuses
        # for a plain-http endpoint), no RCLONE_* from the caller's environment.
        for var in [v for v in self.env if v.startswith(("AWS_", "RCLONE_"))]:
            del self.env[var]

    def run_tool(self, *args, check=True, binary=False):
        """Runs the tool; stdout is text, or bytes with binary=True."""
        proc = subprocess.run(self.command() + [str(a) for a in args], env=self.env, capture_output=True,
                              timeout=300)
        if not binary:
            proc.stdout = proc.stdout.decode("utf-8", "replace")
        proc.stderr = proc.stderr.decode("utf-8", "replace")
        if check and proc.returncode != 0:
            self.fail("%s %s failed (%d):\n%s\n%s\n--- server log ---\n%s" % (
                self.tool, " ".join(map(str, args)), proc.returncode, proc.stdout, proc.stderr, self.mc.logs()[-4000:]))
        return proc

    def s3(self):
        """A boto3 client to check what the tool left on the server (closed after the test)."""
        if getattr(self, "_s3", None) is None:
            self._s3 = self.mc.boto3_client()
            self.addCleanup(self._s3.close)
        return self._s3

    def keys(self, bucket, prefix=""):
        out = []
        for page in self.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            out += [o["Key"] for o in page.get("Contents", [])]
        return out

    def body(self, bucket, key):
        return self.s3().get_object(Bucket=bucket, Key=key)["Body"].read()


class S3cmdTest(ToolCase):
    tool = "s3cmd"

    def command(self):
        if not hasattr(self, "config"):
            host = self.mc.endpoint.split("://", 1)[1]
            self.config = os.path.join(self.tmp, "s3cfg")
            with open(self.config, "w") as f:
                f.write("\n".join([
                    "[default]",
                    "access_key = %s" % ACCESS_KEY,
                    "secret_key = %s" % SECRET_KEY,
                    "host_base = %s" % host,
                    "host_bucket = %s" % host,  # no %(bucket)s: path-style requests
                    "bucket_location = %s" % REGION,
                    "use_https = False",
                    "signature_v2 = False",
                    "check_ssl_certificate = False",
                    "guess_mime_type = True",
                    "progress_meter = False",
                    ""]))
        return ["s3cmd", "-c", self.config]

    def test_mb_put_get_ls_del_rb(self):
        self.run_tool("mb", "s3://s3cmd-basic")
        self.assertIn("s3://s3cmd-basic", self.run_tool("ls").stdout)

        local = os.path.join(self.tmp, "note.txt")
        write(local, b"s3cmd was here\n" * 50)
        self.run_tool("put", local, "s3://s3cmd-basic/notes/note.txt", "--mime-type=text/plain",
                      "--add-header=x-amz-meta-colour:green", "--add-header=Cache-Control:max-age=5")
        head = self.s3().head_object(Bucket="s3cmd-basic", Key="notes/note.txt")
        self.assertEqual(head["ContentType"], "text/plain")
        self.assertEqual(head["CacheControl"], "max-age=5")
        self.assertEqual(head["Metadata"].get("colour"), "green")
        self.assertEqual(head["ETag"], '"%s"' % hashlib.md5(read(local)).hexdigest())

        ls = self.run_tool("ls", "s3://s3cmd-basic/").stdout
        self.assertRegex(ls, r"(?m)^\s+DIR\s+s3://s3cmd-basic/notes/$")
        ls = self.run_tool("ls", "--recursive", "s3://s3cmd-basic").stdout
        self.assertRegex(ls, r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d\s+%d\s+s3://s3cmd-basic/notes/note.txt$" % (50 * 15))

        info = self.run_tool("info", "s3://s3cmd-basic/notes/note.txt").stdout
        self.assertRegex(info, r"MD5 sum:\s+%s" % hashlib.md5(read(local)).hexdigest())
        self.assertRegex(info, r"(?m)x-amz-meta-colour:\s+green")

        back = os.path.join(self.tmp, "back.txt")
        self.run_tool("get", "s3://s3cmd-basic/notes/note.txt", back)
        self.assertEqual(read(back), read(local))

        self.run_tool("cp", "s3://s3cmd-basic/notes/note.txt", "s3://s3cmd-basic/copy.txt")
        self.assertEqual(self.body("s3cmd-basic", "copy.txt"), read(local))

        self.run_tool("del", "s3://s3cmd-basic/notes/note.txt")
        self.assertEqual(self.keys("s3cmd-basic"), ["copy.txt"])
        rb = self.run_tool("rb", "s3://s3cmd-basic", check=False)
        self.assertNotEqual(rb.returncode, 0)
        self.assertIn("BucketNotEmpty", rb.stdout + rb.stderr)
        self.run_tool("del", "s3://s3cmd-basic/copy.txt")
        self.run_tool("rb", "s3://s3cmd-basic")
        self.assertNotIn("s3cmd-basic", [b["Name"] for b in self.s3().list_buckets()["Buckets"]])

    def test_multipart_put(self):
        self.run_tool("mb", "s3://s3cmd-big")
        data = pseudo_random(12 * MiB, "s3cmd")
        local = os.path.join(self.tmp, "big.bin")
        write(local, data)
        self.run_tool("put", "--multipart-chunk-size-mb=5", local, "s3://s3cmd-big/big.bin")
        head = self.s3().head_object(Bucket="s3cmd-big", Key="big.bin")
        self.assertEqual(head["ContentLength"], len(data))
        self.assertTrue(head["ETag"].endswith('-3"'), head["ETag"])
        back = os.path.join(self.tmp, "big.back")
        self.run_tool("get", "s3://s3cmd-big/big.bin", back)
        self.assertEqual(hashlib.md5(read(back)).hexdigest(), hashlib.md5(data).hexdigest())

    def test_sync_tree(self):
        self.run_tool("mb", "s3://s3cmd-sync")
        src = os.path.join(self.tmp, "src")
        files = sample_tree()
        for rel, data in files.items():
            write(os.path.join(src, rel), data)
        self.run_tool("sync", src + "/", "s3://s3cmd-sync/site/")
        self.assertEqual(sorted(self.keys("s3cmd-sync")), sorted("site/" + k for k in files))
        for rel, data in files.items():
            self.assertEqual(self.body("s3cmd-sync", "site/" + rel), data, rel)

        dst = os.path.join(self.tmp, "dst")
        os.makedirs(dst)
        self.run_tool("sync", "s3://s3cmd-sync/site/", dst + "/")
        self.assertEqual(tree(dst), files)

        # Change, add, remove; sync --delete-removed mirrors it.
        write(os.path.join(src, "css/site.css"), b"body { margin: 1px }\n")
        write(os.path.join(src, "added.txt"), b"added\n")
        os.remove(os.path.join(src, "index.html"))
        self.run_tool("sync", "--delete-removed", src + "/", "s3://s3cmd-sync/site/")
        expected = tree(src)
        self.assertEqual(sorted(self.keys("s3cmd-sync")), sorted("site/" + k for k in expected))
        self.assertEqual(self.body("s3cmd-sync", "site/css/site.css"), b"body { margin: 1px }\n")

        self.run_tool("del", "--recursive", "--force", "s3://s3cmd-sync/site/")
        self.assertEqual(self.keys("s3cmd-sync"), [])
        self.run_tool("rb", "s3://s3cmd-sync")

    def test_errors(self):
        missing = self.run_tool("ls", "s3://no-such-bucket-s3cmd", check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("404 (NoSuchBucket)", missing.stdout + missing.stderr)
        self.run_tool("mb", "s3://s3cmd-errors")
        nokey = self.run_tool("info", "s3://s3cmd-errors/nope", check=False)
        self.assertNotEqual(nokey.returncode, 0)
        self.assertIn("404 (NoSuchKey)", nokey.stdout + nokey.stderr)
        get = self.run_tool("get", "s3://s3cmd-errors/nope", os.path.join(self.tmp, "y"), check=False)
        self.assertNotEqual(get.returncode, 0)
        self.assertIn("does not exist", get.stdout + get.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "y")))
        # Again in us-east-1 is S3's legacy 200; elsewhere the bucket is already owned.
        self.run_tool("mb", "s3://s3cmd-errors")
        exists = self.run_tool("mb", "--bucket-location=eu-west-1", "s3://s3cmd-errors", check=False)
        self.assertNotEqual(exists.returncode, 0)
        self.assertIn("BucketAlreadyOwnedByYou", exists.stdout + exists.stderr)
        # Wrong secret.
        with open(self.config) as f:
            bad = f.read().replace("secret_key = %s" % SECRET_KEY, "secret_key = wrong")
        bad_config = os.path.join(self.tmp, "bad.s3cfg")
        with open(bad_config, "w") as f:
            f.write(bad)
        local = os.path.join(self.tmp, "z")
        write(local, b"z")
        proc = subprocess.run(["s3cmd", "-c", bad_config, "put", local, "s3://s3cmd-errors/z"], env=self.env,
                              capture_output=True, text=True, timeout=120)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("SignatureDoesNotMatch", proc.stdout + proc.stderr)
        self.assertEqual(self.keys("s3cmd-errors"), [])


class RcloneTest(ToolCase):
    tool = "rclone"

    def command(self):
        if not hasattr(self, "config"):
            self.config = os.path.join(self.tmp, "rclone.conf")
            with open(self.config, "w") as f:
                f.write("\n".join([
                    "[mc]",
                    "type = s3",
                    "provider = Other",
                    "env_auth = false",
                    "access_key_id = %s" % ACCESS_KEY,
                    "secret_access_key = %s" % SECRET_KEY,
                    "endpoint = %s" % self.mc.endpoint,
                    "region = %s" % REGION,
                    "force_path_style = true",
                    ""]))
        return ["rclone", "--config", self.config, "--retries", "1", "--low-level-retries", "1"]

    def test_copy_ls_cat_check_sync_delete(self):
        src = os.path.join(self.tmp, "src")
        files = sample_tree()
        for rel, data in files.items():
            write(os.path.join(src, rel), data)
        self.run_tool("mkdir", "mc:rclone-tree")
        self.assertIn("rclone-tree", [b["Name"] for b in self.s3().list_buckets()["Buckets"]])

        self.run_tool("copy", src, "mc:rclone-tree/site")
        self.assertEqual(sorted(self.keys("rclone-tree")), sorted("site/" + k for k in files))
        for rel, data in files.items():
            self.assertEqual(self.body("rclone-tree", "site/" + rel), data, rel)

        ls = self.run_tool("ls", "mc:rclone-tree/site").stdout
        listed = {}
        for line in ls.splitlines():
            m = re.match(r"^\s*(\d+) (.+)$", line)
            self.assertIsNotNone(m, line)
            listed[m.group(2)] = int(m.group(1))
        self.assertEqual(listed, {k: len(v) for k, v in files.items()})

        lsf = self.run_tool("lsf", "mc:rclone-tree/site").stdout.split("\n")
        self.assertEqual(sorted(x for x in lsf if x), ["css/", "docs/", "empty.txt", "img/", "index.html"])

        self.assertEqual(self.run_tool("cat", "mc:rclone-tree/site/docs/" + UTF8_NAME, binary=True).stdout,
                         files["docs/" + UTF8_NAME])
        self.assertEqual(self.run_tool("cat", "mc:rclone-tree/site/img/deep/down/bytes.bin", binary=True).stdout,
                         files["img/deep/down/bytes.bin"])

        # check compares sizes and MD5s (ETags) both ways.
        check = self.run_tool("check", src, "mc:rclone-tree/site")
        self.assertRegex(check.stderr, r"0 differences found")
        # ... and notices a difference.
        self.s3().put_object(Bucket="rclone-tree", Key="site/css/site.css", Body=b"tampered { }\n")
        differs = self.run_tool("check", src, "mc:rclone-tree/site", check=False)
        self.assertNotEqual(differs.returncode, 0)
        self.assertRegex(differs.stderr, r"1 differences found")

        # sync: restores the changed file, uploads new ones, deletes removed ones.
        write(os.path.join(src, "added/new.txt"), b"new file\n")
        os.remove(os.path.join(src, "index.html"))
        self.run_tool("sync", src, "mc:rclone-tree/site")
        expected = tree(src)
        self.assertEqual(sorted(self.keys("rclone-tree")), sorted("site/" + k for k in expected))
        self.assertEqual(self.body("rclone-tree", "site/css/site.css"), files["css/site.css"])
        self.run_tool("check", src, "mc:rclone-tree/site")

        # Download the tree back.
        dst = os.path.join(self.tmp, "dst")
        self.run_tool("copy", "mc:rclone-tree/site", dst)
        self.assertEqual(tree(dst), expected)

        self.run_tool("delete", "mc:rclone-tree/site/docs")
        self.assertEqual(sorted(self.keys("rclone-tree")),
                         sorted("site/" + k for k in expected if not k.startswith("docs/")))
        self.run_tool("deletefile", "mc:rclone-tree/site/empty.txt")
        self.assertNotIn("site/empty.txt", self.keys("rclone-tree"))
        self.run_tool("purge", "mc:rclone-tree")
        self.assertNotIn("rclone-tree", [b["Name"] for b in self.s3().list_buckets()["Buckets"]])

    def test_server_side_copy(self):
        # Bucket to bucket: CopyObject, with keys that need percent-encoding in x-amz-copy-source.
        files = sample_tree()
        self.run_tool("mkdir", "mc:rclone-copy-src")
        s3 = self.s3()
        for rel, data in files.items():
            s3.put_object(Bucket="rclone-copy-src", Key="site/" + rel, Body=data)
        self.run_tool("mkdir", "mc:rclone-copy-dst")
        self.run_tool("copy", "mc:rclone-copy-src/site", "mc:rclone-copy-dst/mirror")
        self.assertEqual(sorted(self.keys("rclone-copy-dst")), sorted("mirror/" + k for k in files))
        for rel, data in files.items():
            self.assertEqual(self.body("rclone-copy-dst", "mirror/" + rel), data, rel)

    def test_multipart_copy(self):
        data = pseudo_random(12 * MiB, "rclone")
        local_dir = os.path.join(self.tmp, "big")
        write(os.path.join(local_dir, "big.bin"), data)
        self.run_tool("mkdir", "mc:rclone-big")
        self.run_tool("copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", local_dir, "mc:rclone-big")
        head = self.s3().head_object(Bucket="rclone-big", Key="big.bin")
        self.assertEqual(head["ContentLength"], len(data))
        self.assertTrue(head["ETag"].endswith('-3"'), head["ETag"])
        got = self.run_tool("cat", "mc:rclone-big/big.bin", binary=True).stdout
        self.assertEqual(hashlib.md5(got).hexdigest(), hashlib.md5(data).hexdigest())
        self.run_tool("check", local_dir, "mc:rclone-big")

    def test_wrong_secret(self):
        self.run_tool("mkdir", "mc:rclone-auth")
        bad_config = os.path.join(self.tmp, "bad.conf")
        self.command()
        with open(self.config) as f:
            bad = f.read().replace("secret_access_key = %s" % SECRET_KEY, "secret_access_key = wrong")
        with open(bad_config, "w") as f:
            f.write(bad)
        local = os.path.join(self.tmp, "one")
        write(os.path.join(local, "f.txt"), b"f")
        proc = subprocess.run(["rclone", "--config", bad_config, "--retries", "1", "--low-level-retries", "1",
                               "copy", local, "mc:rclone-auth"], env=self.env, capture_output=True, text=True,
                              timeout=120)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("SignatureDoesNotMatch", proc.stdout + proc.stderr)
        self.assertEqual(self.keys("rclone-auth"), [])


if __name__ == "__main__":
    unittest.main()
