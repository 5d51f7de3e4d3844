"""`minicloud serve` as a process: readiness, health, addressing, shutdown, persistence,
durability across kill -9, bounded memory for large bodies, many keep-alive connections."""
import concurrent.futures
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import BIN, MiniCloud, rss_kib


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


class LifecycleTest(unittest.TestCase):
    def test_ready_file_health_and_clean_sigterm(self):
        mc = MiniCloud().start()
        try:
            with open(os.path.join(mc.tmp, "ready.json")) as f:
                ready = json.load(f)
            self.assertEqual(ready["endpoint"], "http://127.0.0.1:%d" % mc.port)
            self.assertEqual(ready["health"], ready["endpoint"] + "/_health")
            status, health = get_json(mc.endpoint + "/_health")
            self.assertEqual(status, 200)
            self.assertEqual(health["buckets"], 2)  # the default stack's two buckets
            self.assertEqual(health["objects"], 0)
            self.assertIn("version", health)
            self.assertGreaterEqual(health["uptime_s"], 0)
            self.assertIn("minicloud listening on " + mc.endpoint, mc.logs())
        finally:
            self.assertEqual(mc.stop(), 0)

    def test_sigterm_right_after_ready_still_stops(self):
        # The ready file is written just before the listen loop starts; a SIGTERM in that gap
        # used to be lost (httplib ignores a stop before it listens) and the server hung.
        tmp = tempfile.mkdtemp()
        try:
            for i in range(30):
                ready = os.path.join(tmp, "ready-%d.json" % i)
                proc = subprocess.Popen([BIN, "serve", "--in-memory", "--port", "0", "--quiet", "--ready-file", ready],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                deadline = time.time() + 20
                while not os.path.exists(ready):
                    self.assertLess(time.time(), deadline, "no ready file")
                    time.sleep(0.001)
                proc.send_signal(signal.SIGTERM)
                try:
                    self.assertEqual(proc.wait(10), 0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    self.fail("round %d: SIGTERM right after the ready file did not stop the server" % i)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_bad_stack_and_busy_port_are_clear_errors(self):
        tmp = tempfile.mkdtemp()
        try:
            stack = os.path.join(tmp, "stack.json")
            with open(stack, "w") as f:
                f.write('{"buckets": [{"name": "x", "acl": "everyone"}]}')
            proc = subprocess.run([BIN, "serve", "--stack", stack, "--in-memory", "--port", "0"],
                                  capture_output=True, text=True, timeout=20)
            self.assertEqual(proc.returncode, 2)
            self.assertIn("acl", proc.stderr)
            with open(stack, "w") as f:
                f.write('{"bukets": []}')
            proc = subprocess.run([BIN, "serve", "--stack", stack, "--in-memory", "--port", "0"],
                                  capture_output=True, text=True, timeout=20)
            self.assertEqual(proc.returncode, 2)
            self.assertIn('unknown field "bukets"', proc.stderr)
            with MiniCloud() as mc:
                proc = subprocess.run([BIN, "serve", "--in-memory", "--port", str(mc.port)],
                                      capture_output=True, text=True, timeout=20)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn("cannot listen", proc.stderr)
        finally:
            shutil.rmtree(tmp)

    def test_stack_file_buckets_credentials_and_public_read(self):
        stack = {"credentials": [{"access_key": "AKIDEXAMPLE", "secret_key": "s3cr3t"}],
                 "buckets": [{"name": "site", "acl": "public-read"}]}
        with MiniCloud(stack=stack) as mc:
            s3 = mc.boto3_client(access_key="AKIDEXAMPLE", secret="s3cr3t")
            self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], ["site"])
            s3.put_object(Bucket="site", Key="index.html", Body=b"<h1>hi</h1>")
            with urllib.request.urlopen(mc.endpoint + "/site/index.html") as resp:  # anonymous
                self.assertEqual(resp.read(), b"<h1>hi</h1>")
            with self.assertRaises(Exception):
                mc.boto3_client().list_buckets()  # test/test is not declared in this stack

    def test_environment_names_the_default_buckets(self):
        with MiniCloud(env={"UPLOADS_BUCKET_NAME": "my-uploads", "ASSETS_BUCKET_NAME": "my-assets"}) as mc:
            names = [b["Name"] for b in mc.boto3_client().list_buckets()["Buckets"]]
            self.assertEqual(names, ["my-assets", "my-uploads"])


class PersistenceTest(unittest.TestCase):
    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="minicloud-data-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_buckets_and_objects_survive_a_restart(self):
        with MiniCloud(data_dir=self.data_dir) as mc:
            s3 = mc.boto3_client()
            s3.create_bucket(Bucket="kept")
            s3.put_object(Bucket="kept", Key="a/b.txt", Body=b"persisted", Metadata={"k": "v"})
        with MiniCloud(data_dir=self.data_dir) as mc:
            got = mc.boto3_client().get_object(Bucket="kept", Key="a/b.txt")
            self.assertEqual(got["Body"].read(), b"persisted")
            self.assertEqual(got["Metadata"], {"k": "v"})

    def test_acknowledged_writes_survive_kill_9(self):
        mc = MiniCloud(data_dir=self.data_dir).start()
        s3 = mc.boto3_client()
        bodies = {"k%03d" % i: os.urandom(1000 + i) for i in range(100)}
        for key, body in bodies.items():
            s3.put_object(Bucket="cruddur-uploaded-avatars", Key=key, Body=body)
        os.kill(mc.proc.pid, signal.SIGKILL)
        mc.proc.wait()
        mc.log.close()
        with MiniCloud(data_dir=self.data_dir) as again:
            s3 = again.boto3_client()
            for key, body in bodies.items():
                self.assertEqual(s3.get_object(Bucket="cruddur-uploaded-avatars", Key=key)["Body"].read(), body)

    def test_interrupted_upload_leaves_nothing(self):
        with MiniCloud(data_dir=self.data_dir) as mc:
            url = mc.boto3_client().generate_presigned_url(
                "put_object", Params={"Bucket": "cruddur-uploaded-avatars", "Key": "half"})
            path = url[len(mc.endpoint):]
            conn = http.client.HTTPConnection("127.0.0.1", mc.port)
            conn.putrequest("PUT", path)
            conn.putheader("Content-Length", str(10 * 1024 * 1024))
            conn.endheaders()
            conn.send(b"x" * (1024 * 1024))
            conn.close()  # hang up after 1 of 10 MiB
            time.sleep(0.5)
            s3 = mc.boto3_client()
            self.assertEqual(s3.list_objects_v2(Bucket="cruddur-uploaded-avatars").get("KeyCount"), 0)
        tmp_files = os.listdir(os.path.join(self.data_dir, "tmp")) if os.path.isdir(
            os.path.join(self.data_dir, "tmp")) else []
        self.assertEqual(tmp_files, [])


class LargeBodyTest(unittest.TestCase):
    SIZE = 2 * 1024 * 1024 * 1024  # 2 GiB

    def test_2gib_put_and_get_stream_with_bounded_memory(self):
        data_dir = tempfile.mkdtemp(prefix="minicloud-big-", dir="/var/tmp")
        try:
            with MiniCloud("--quiet", data_dir=data_dir) as mc:
                s3 = mc.boto3_client()
                put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "assets.cruddur.com", "Key": "big"})
                chunk = os.urandom(1024 * 1024)
                sent = hashlib.md5()
                conn = http.client.HTTPConnection("127.0.0.1", mc.port, timeout=300)
                conn.putrequest("PUT", put_url[len(mc.endpoint):])
                conn.putheader("Content-Length", str(self.SIZE))
                conn.endheaders()
                for i in range(self.SIZE // len(chunk)):
                    piece = chunk[i % 7:] + chunk[:i % 7]  # not all chunks alike
                    sent.update(piece)
                    conn.send(piece)
                response = conn.getresponse()
                self.assertEqual(response.status, 200, response.read())
                self.assertEqual(response.getheader("ETag"), '"%s"' % sent.hexdigest())
                response.read()

                get_url = s3.generate_presigned_url("get_object", Params={"Bucket": "assets.cruddur.com", "Key": "big"})
                got = hashlib.md5()
                n = 0
                with urllib.request.urlopen(get_url, timeout=300) as resp:
                    while True:
                        block = resp.read(4 * 1024 * 1024)
                        if not block:
                            break
                        got.update(block)
                        n += len(block)
                self.assertEqual(n, self.SIZE)
                self.assertEqual(got.hexdigest(), sent.hexdigest())
                _, peak = rss_kib(mc.proc.pid)
                self.assertLess(peak, 100 * 1024, "peak RSS %d KiB" % peak)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


class ConnectionsTest(unittest.TestCase):
    def test_more_keep_alive_connections_than_cores_are_all_served(self):
        with MiniCloud("--quiet") as mc:
            s3 = mc.boto3_client()
            s3.put_object(Bucket="assets.cruddur.com", Key="small", Body=b"s" * 4096, ACL="public-read")
            conns = [http.client.HTTPConnection("127.0.0.1", mc.port, timeout=10) for _ in range(64)]

            def use(conn):
                for _ in range(5):
                    conn.request("GET", "/assets.cruddur.com/small")
                    resp = conn.getresponse()
                    if resp.read() != b"s" * 4096 or resp.status != 200:
                        return False
                return True

            with concurrent.futures.ThreadPoolExecutor(64) as pool:
                results = list(pool.map(use, conns))
            self.assertEqual(results, [True] * 64)
            for conn in conns:
                conn.close()


if __name__ == "__main__":
    unittest.main()
