"""The event pipeline end to end: uploads with boto3 and the aws CLI become 512x512 JPEG
avatars in the assets bucket (byte-identical to `minicloud process`), the SNS-style webhook,
a corrupt upload recorded as failed with its reason, replay, bucket notification
configuration through the aws CLI, restart with a delivery in flight (kill -9), and a
`command` function: a Node handler written like the original Lambda."""
import http.server
import json
import os
import shutil
import signal
import sys
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import BIN, ROOT, MiniCloud, ServerTestCase, jpeg_size, wait_object

UPLOADS = "cruddur-uploaded-avatars"
ASSETS = "assets.cruddur.com"
LANDSCAPE = os.path.join(ROOT, "fixtures", "images", "landscape.jpg")


def processed_reference(path):
    """What `minicloud process` (the same library, default 512x512 spec) makes of `path`."""
    return subprocess.run([BIN, "process", path, "-"], capture_output=True, check=True, timeout=60).stdout


def get_json(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def wait_for_event(mc, predicate, timeout=30, **query):
    """Polls /_api/events until an event satisfies `predicate`; returns it."""
    qs = "&".join("%s=%s" % (k, urllib.parse.quote(v)) for k, v in query.items())
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        _, body = get_json(mc.endpoint + "/_api/events?" + qs)
        seen = body["events"]
        for e in seen:
            if predicate(e):
                return e
        time.sleep(0.05)
    raise AssertionError("no matching event within %ss; events: %s\n%s" % (timeout, json.dumps(seen)[:3000], mc.logs()))


class Receiver:
    """A local HTTP endpoint that records POSTs (the webhook / SNS subscription)."""

    def __init__(self):
        self.requests = []
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.cond:
                    outer.requests.append((self.path, dict(self.headers), body))
                    outer.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hooks/avatar" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, predicate, timeout=30):
        with self.cond:
            ok = self.cond.wait_for(lambda: any(predicate(r) for r in self.requests), timeout)
            if not ok:
                raise AssertionError("webhook not called; got %s" % self.requests)
            return next(r for r in self.requests if predicate(r))

    def close(self):
        self.server.shutdown()


class DefaultStackPipelineTest(ServerTestCase):
    """The default stack: uploads -> ThumbLambda -> assets/avatars -> topic -> webhook."""

    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.mc = MiniCloud(env={"THUMBING_WEBHOOK_URL": cls.receiver.url}).start()
        cls.s3 = cls.mc.boto3_client()
        cls.reference = processed_reference(LANDSCAPE)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.receiver.close()

    def check_avatar(self, key):
        obj = wait_object(self.s3, ASSETS, key)
        data = obj["Body"].read()
        self.assertEqual(obj["ContentType"], "image/jpeg")
        self.assertEqual(jpeg_size(data), (512, 512))
        self.assertEqual(data, self.reference, "differs from `minicloud process` of the same input")
        return data

    def test_boto3_upload_becomes_a_512px_avatar_and_an_aws_shaped_event(self):
        with open(LANDSCAPE, "rb") as f:
            self.s3.put_object(Bucket=UPLOADS, Key="boto3 upload.jpg", Body=f.read(), ContentType="image/jpeg")
        self.check_avatar("avatars/boto3 upload.jpg")
        event = wait_for_event(self.mc, lambda e: e["status"] == "succeeded", key="boto3 upload.jpg")
        self.assertEqual(event["target"], "ThumbLambda")
        self.assertEqual(event["attempts"], 1)
        record = event["event"]["Records"][0]
        self.assertEqual(record["eventVersion"], "2.1")
        self.assertEqual(record["eventSource"], "aws:s3")
        self.assertEqual(record["eventName"], "ObjectCreated:Put")
        self.assertEqual(record["s3"]["object"]["key"], "boto3+upload.jpg")
        self.assertEqual(record["s3"]["bucket"]["arn"], "arn:aws:s3:::" + UPLOADS)
        self.assertEqual(record["userIdentity"]["principalId"], "AWS:test")
        self.assertRegex(record["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(event["result"]["outputs"][0]["key"], "avatars/boto3 upload.jpg")

    def test_aws_cli_upload_and_minicloud_wait(self):
        self.mc.aws("s3", "cp", LANDSCAPE, "s3://%s/cli-upload.jpg" % UPLOADS)
        wait = subprocess.run([BIN, "wait", "s3://%s/avatars/cli-upload.jpg" % ASSETS, "--timeout", "30",
                               "--endpoint", self.mc.endpoint], capture_output=True, text=True, timeout=60)
        self.assertEqual(wait.returncode, 0, wait.stderr)
        self.check_avatar("avatars/cli-upload.jpg")

    def test_wait_times_out_for_a_missing_object(self):
        wait = subprocess.run([BIN, "wait", "s3://%s/avatars/never.jpg" % ASSETS, "--timeout", "0.3",
                               "--endpoint", self.mc.endpoint], capture_output=True, text=True, timeout=60)
        self.assertEqual(wait.returncode, 1)
        self.assertIn("did not appear", wait.stderr)

    def test_processed_avatar_notifies_the_webhook_with_an_sns_envelope(self):
        with open(LANDSCAPE, "rb") as f:
            self.s3.put_object(Bucket=UPLOADS, Key="hooked.png", Body=f.read())
        path, headers, body = self.receiver.wait(lambda r: b"hooked.jpg" in r[2])
        self.assertEqual(path, "/hooks/avatar")
        self.assertEqual(headers["x-amz-sns-message-type"], "Notification")
        envelope = json.loads(body)
        self.assertEqual(envelope["Type"], "Notification")
        self.assertEqual(envelope["TopicArn"], "arn:aws:sns:us-east-1:000000000000:cruddur-assets")
        self.assertEqual(headers["x-amz-sns-message-id"], envelope["MessageId"])
        self.assertRegex(envelope["Timestamp"], r"Z$")
        message = json.loads(envelope["Message"])
        record = message["Records"][0]
        self.assertEqual(record["s3"]["bucket"]["name"], ASSETS)
        self.assertEqual(record["s3"]["object"]["key"], "avatars/hooked.jpg")
        self.assertEqual(record["eventName"], "ObjectCreated:Put")

    def test_corrupt_upload_is_recorded_as_failed_with_its_reason_then_replayed(self):
        self.s3.put_object(Bucket=UPLOADS, Key="corrupt.jpg", Body=b"\xff\xd8\xff\xe0 truncated nonsense")
        event = wait_for_event(self.mc, lambda e: e["status"] == "failed", timeout=30, key="corrupt.jpg")
        self.assertEqual(event["attempts"], 3)  # the first try and 2 retries, as Lambda async
        self.assertIn("corrupt.jpg", event["error"])
        self.assertRegex(event["error"], "CorruptImage|UnsupportedFormat")
        self.assertEqual(self.s3.get_object(Bucket=UPLOADS, Key="corrupt.jpg")["Body"].read(),
                         b"\xff\xd8\xff\xe0 truncated nonsense")  # the original is untouched
        with self.assertRaises(self.s3.exceptions.NoSuchKey):
            self.s3.get_object(Bucket=ASSETS, Key="avatars/corrupt.jpg")
        status, detail = get_json("%s/_api/events/%d" % (self.mc.endpoint, event["id"]))
        self.assertEqual(status, 200)
        self.assertEqual([a["ok"] for a in detail["attempt_log"]], [False, False, False])

        # Fix the original, replay the same event: it succeeds now.
        with open(LANDSCAPE, "rb") as f:
            self.s3.put_object(Bucket=UPLOADS, Key="corrupt.jpg", Body=f.read())
        status, body = get_json("%s/_api/events/%d/replay" % (self.mc.endpoint, event["id"]), method="POST")
        self.assertEqual(status, 202, body)
        wait_for_event(self.mc, lambda e: e["id"] == event["id"] and e["status"] == "succeeded", key="corrupt.jpg")
        self.check_avatar("avatars/corrupt.jpg")
        status, _ = get_json("%s/_api/events/999999/replay" % self.mc.endpoint, method="POST")
        self.assertEqual(status, 404)

    def test_events_api_filters(self):
        self.s3.put_object(Bucket=UPLOADS, Key="filter-me.txt", Body=b"not an image")
        wait_for_event(self.mc, lambda e: e["status"] == "failed", key="filter-me.txt")
        _, body = get_json(self.mc.endpoint + "/_api/events?status=failed&key=filter-me.txt")
        self.assertEqual(len(body["events"]), 1)
        _, body = get_json(self.mc.endpoint + "/_api/events?bucket=no-such-bucket")
        self.assertEqual(body["events"], [])

    def test_bucket_notification_configuration_through_the_aws_cli(self):
        got = json.loads(self.mc.aws("s3api", "get-bucket-notification-configuration", "--bucket", UPLOADS).stdout)
        functions = got["LambdaFunctionConfigurations"]
        self.assertEqual(functions[0]["LambdaFunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:ThumbLambda")
        self.assertEqual(functions[0]["Events"], ["s3:ObjectCreated:Put"])

        self.mc.aws("s3", "mb", "s3://notify-config-test")
        bad_arn = json.dumps({"LambdaFunctionConfigurations": [{
            "LambdaFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:Nope",
            "Events": ["s3:ObjectCreated:*"]}]})
        proc = self.mc.aws("s3api", "put-bucket-notification-configuration", "--bucket", "notify-config-test",
                           "--notification-configuration", bad_arn, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("InvalidArgument", proc.stderr)
        self.assertIn("Unable to validate the following destination configurations", proc.stderr)

        arn = "arn:aws:lambda:us-east-1:000000000000:function:ThumbLambda"
        overlap = json.dumps({"LambdaFunctionConfigurations": [
            {"Id": "a", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}},
            {"Id": "b", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:Put"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/sub/"}]}}}]})
        proc = self.mc.aws("s3api", "put-bucket-notification-configuration", "--bucket", "notify-config-test",
                           "--notification-configuration", overlap, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("Configurations overlap", proc.stderr)

        good = json.dumps({"LambdaFunctionConfigurations": [
            {"Id": "thumbs", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".jpg"}]}}}]})
        self.mc.aws("s3api", "put-bucket-notification-configuration", "--bucket", "notify-config-test",
                    "--notification-configuration", good)
        got = json.loads(self.mc.aws("s3api", "get-bucket-notification-configuration", "--bucket",
                                     "notify-config-test").stdout)
        rules = got["LambdaFunctionConfigurations"][0]["Filter"]["Key"]["FilterRules"]
        self.assertEqual({r["Name"].lower(): r["Value"] for r in rules}, {"prefix": "in/", "suffix": ".jpg"})
        # The configuration is live: a matching upload runs ThumbLambda.
        self.mc.aws("s3", "cp", LANDSCAPE, "s3://notify-config-test/in/configured.jpg")
        self.check_avatar("avatars/configured.jpg")
        # An empty document removes it.
        self.mc.aws("s3api", "put-bucket-notification-configuration", "--bucket", "notify-config-test",
                    "--notification-configuration", "{}")
        got = self.mc.aws("s3api", "get-bucket-notification-configuration", "--bucket", "notify-config-test").stdout
        self.assertNotIn("LambdaFunctionConfigurations", got)


class RestartTest(unittest.TestCase):
    """A delivery in flight when the server is killed -9 runs again after the restart."""

    def test_kill_during_a_slow_function_then_restart_completes_it(self):
        tmp = tempfile.mkdtemp(prefix="minicloud-events-")
        data_dir = os.path.join(tmp, "data")
        markers = os.path.join(tmp, "markers")
        os.makedirs(markers)
        handler = os.path.join(ROOT, "tests", "integration", "handlers", "slow-handler.py")
        stack = {"buckets": [{"name": "in"}],
                 "functions": [{"name": "Slow", "command": ["python3", handler],
                                "environment": {"MARKER_DIR": markers, "SLEEP_S": "3"}}],
                 "notifications": [{"bucket": "in", "function": "Slow"}]}
        mc = MiniCloud(stack=stack, data_dir=data_dir).start()
        try:
            mc.boto3_client().put_object(Bucket="in", Key="slow one", Body=b"x")
            started = os.path.join(markers, "started")
            deadline = time.time() + 30
            while not os.path.exists(started) and time.time() < deadline:
                time.sleep(0.05)
            self.assertTrue(os.path.exists(started), mc.logs())
            with open(started) as f:
                pid = int(f.read().split()[0])
            mc.kill()  # kill -9 while the function runs...
            os.killpg(pid, signal.SIGKILL)  # ...and its handler, as a machine crash would
            self.assertFalse(os.path.exists(os.path.join(markers, "finished")))

            # The CLI reads the log of a stopped server: the delivery is still "running".
            proc = subprocess.run([BIN, "events", "--data-dir", data_dir, "--json"], capture_output=True, text=True,
                                  timeout=30)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual([e["status"] for e in json.loads(proc.stdout)], ["running"])

            mc.start()
            event = wait_for_event(mc, lambda e: e["status"] == "succeeded", timeout=60)
            self.assertEqual(event["key"], "slow one")
            self.assertEqual(event["attempts"], 1)  # the interrupted attempt never finished
            with open(os.path.join(markers, "started")) as f:
                self.assertEqual(len(f.read().splitlines()), 2)

            # `minicloud events` works while the server runs; replay through the CLI.
            proc = subprocess.run([BIN, "events", "--data-dir", data_dir, "--status", "succeeded", "--key", "slow one"],
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("succeeded", proc.stdout)
            proc = subprocess.run([BIN, "events", "replay", str(event["id"]), "--data-dir", data_dir],
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            deadline = time.time() + 30
            while time.time() < deadline:
                with open(os.path.join(markers, "finished")) as f:
                    if len(f.read().splitlines()) == 2:
                        break
                time.sleep(0.1)
            with open(os.path.join(markers, "finished")) as f:
                self.assertEqual(len(f.read().splitlines()), 2, mc.logs())
            proc = subprocess.run([BIN, "events", "replay", "424242", "--data-dir", data_dir],
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 2)
            self.assertIn("no event 424242", proc.stderr)
        finally:
            mc.stop()
            mc.log.close()
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(mc.tmp, ignore_errors=True)


class InvokeTest(unittest.TestCase):
    """`minicloud invoke ThumbLambda --event fixtures/events/example.json`: the original's
    test.js + example.json flow, on a stopped server's data dir."""

    def test_invoke_the_builtin_on_the_example_event(self):
        tmp = tempfile.mkdtemp(prefix="minicloud-invoke-")
        data_dir = os.path.join(tmp, "data")
        example = os.path.join(ROOT, "fixtures", "events", "example.json")
        try:
            with MiniCloud(data_dir=data_dir) as mc:
                with open(LANDSCAPE, "rb") as f:
                    # The object example.json names; the pipeline processes it once, and the
                    # avatar is removed again so that only `invoke` can bring it back.
                    mc.boto3_client().put_object(Bucket=UPLOADS, Key="data.jpg", Body=f.read())
                wait_for_event(mc, lambda e: e["status"] == "succeeded", key="data.jpg")
                mc.boto3_client().delete_object(Bucket=ASSETS, Key="avatars/data.jpg")
            proc = subprocess.run([BIN, "invoke", "ThumbLambda", "--event", example, "--data-dir", data_dir],
                                  capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            out = json.loads(proc.stdout)["outputs"][0]
            self.assertEqual((out["bucket"], out["key"], out["width"], out["height"]),
                             (ASSETS, "avatars/data.jpg", 512, 512))
            with MiniCloud(data_dir=data_dir) as mc:
                data = mc.boto3_client().get_object(Bucket=ASSETS, Key="avatars/data.jpg")["Body"].read()
                self.assertEqual(data, processed_reference(LANDSCAPE))

            missing = os.path.join(tmp, "missing.json")
            with open(example) as f:
                event = json.load(f)
            event["Records"][0]["s3"]["object"]["key"] = "not+there.jpg"
            with open(missing, "w") as f:
                json.dump(event, f)
            proc = subprocess.run([BIN, "invoke", "ThumbLambda", "--event", missing, "--data-dir", data_dir],
                                  capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("not there.jpg", proc.stderr)
            self.assertIn("NoSuchKey", proc.stderr)
            proc = subprocess.run([BIN, "invoke", "NoSuchFunction", "--event", example, "--data-dir", data_dir],
                                  capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 2)
            self.assertIn("ThumbLambda", proc.stderr)  # names the declared ones
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class CommandRecursionTest(unittest.TestCase):
    """A command function writing to its own trigger is stopped after max_depth: its
    writes carry the depth in the session token minicloud gives it."""

    def test_loop_through_http_writes_is_stopped(self):
        handler = os.path.join(ROOT, "tests", "integration", "handlers", "loop-handler.py")
        stack = {"buckets": [{"name": "loopy"}],
                 "functions": [{"name": "Loop", "command": [sys.executable, handler]}],
                 "notifications": [{"bucket": "loopy", "function": "Loop"}],
                 "event_delivery": {"max_depth": 3, "retries": 0}}
        with MiniCloud(stack=stack) as mc:
            mc.boto3_client().put_object(Bucket="loopy", Key="a", Body=b"first")
            stopped = wait_for_event(mc, lambda e: e["status"] == "stopped", timeout=90)
            self.assertEqual(stopped["depth"], 4)
            self.assertEqual(stopped["key"], "loop/axxxx")
            self.assertIn("recursive invocation loop detected", stopped["error"])
            # The depth-3 handler may still be running when its write is stopped.
            wait_for_event(mc, lambda e: e["depth"] == 3 and e["status"] == "succeeded")
            _, body = get_json(mc.endpoint + "/_api/events?status=succeeded")
            self.assertEqual(sorted(e["depth"] for e in body["events"]), [0, 1, 2, 3])
            self.assertIn("recursive invocation loop detected", mc.logs())


class NodeCommandFunctionTest(unittest.TestCase):
    """A handler written like the original (new S3Client() with no options), run unchanged."""

    def test_node_handler_reads_and_writes_through_minicloud(self):
        handler = os.path.join(ROOT, "tests", "integration", "handlers", "thumb-handler.mjs")
        stack = {"buckets": [{"name": UPLOADS}, {"name": ASSETS}],
                 "functions": [{"name": "ThumbLambda", "command": ["node", handler],
                                "environment": {"DEST_BUCKET_NAME": ASSETS, "FOLDER_OUTPUT": "avatars"}}],
                 "notifications": [{"bucket": UPLOADS, "function": "ThumbLambda", "events": ["s3:ObjectCreated:Put"]}]}
        with MiniCloud(stack=stack) as mc:
            s3 = mc.boto3_client()
            s3.put_object(Bucket=UPLOADS, Key="node me.png", Body=b"original bytes")
            event = wait_for_event(mc, lambda e: e["status"] in ("succeeded", "failed"), timeout=60)
            self.assertEqual(event["status"], "succeeded", event["error"] + mc.logs())
            self.assertIn("wrote s3://%s/avatars/node me.jpg" % ASSETS, event["result"])
            obj = s3.get_object(Bucket=ASSETS, Key="avatars/node me.jpg")
            self.assertEqual(obj["Body"].read(), b"original bytes")
            self.assertEqual(obj["ContentType"], "image/jpeg")


if __name__ == "__main__":
    unittest.main()
