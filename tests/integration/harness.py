"""Test harness: start the real `minicloud serve` on an ephemeral port, talk to it with
real clients. Every integration test module imports this.

    with MiniCloud() as mc:          # --port 0 --in-memory, default stack
        s3 = mc.boto3_client()
        ...
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

ROOT = os.environ.get("MINICLOUD_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("MINICLOUD_BIN") or os.path.join(ROOT, "build", "bin", "minicloud")
PHOTOS = os.path.join(ROOT, "..", "shared", "photos")
ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"


class MiniCloud:
    """One `minicloud serve` process. Use as a context manager, or start()/stop()."""

    def __init__(self, *extra_args, stack=None, data_dir=None, in_memory=None, env=None):
        self.tmp = tempfile.mkdtemp(prefix="minicloud-test-")
        self.extra_args = list(extra_args)
        self.stack = stack
        self.data_dir = data_dir
        self.in_memory = (data_dir is None) if in_memory is None else in_memory
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.endpoint = None
        self.port = None

    def start(self, timeout=20):
        ready = os.path.join(self.tmp, "ready.json")
        if os.path.exists(ready):
            os.remove(ready)
        args = [BIN, "serve", "--port", "0", "--ready-file", ready]
        if self.in_memory:
            args.append("--in-memory")
        else:
            args += ["--data-dir", self.data_dir]
        if self.stack is not None:
            stack_file = os.path.join(self.tmp, "stack.json")
            with open(stack_file, "w") as f:
                json.dump(self.stack, f)
            args += ["--stack", stack_file]
        args += self.extra_args
        self.log_path = os.path.join(self.tmp, "server.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(ready):
                with open(ready) as f:
                    info = json.load(f)
                self.endpoint = info["endpoint"]
                self.port = info["port"]
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("minicloud exited with %s:\n%s" % (self.proc.returncode, self.logs()))
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("minicloud did not become ready:\n" + self.logs())

    def logs(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-20000:]
        except OSError:
            return ""

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("minicloud did not stop within %ss of SIGTERM" % timeout)
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- clients -------------------------------------------------------------------
    def client_env(self):
        env = dict(os.environ)
        env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION=REGION,
                   AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        env.pop("AWS_PROFILE", None)
        return env

    def boto3_client(self, service="s3", addressing="path", secret=SECRET_KEY, access_key=ACCESS_KEY, **config):
        import boto3
        from botocore.config import Config
        return boto3.client(service, endpoint_url=self.endpoint, aws_access_key_id=access_key,
                            aws_secret_access_key=secret, region_name=REGION,
                            config=Config(s3={"addressing_style": addressing}, retries={"max_attempts": 1},
                                          signature_version=config.pop("signature_version", "s3v4"), **config))

    def aws(self, *args, check=True, input=None):
        """Runs the aws CLI against this server; returns CompletedProcess (text)."""
        cmd = [shutil.which("aws") or "aws", "--endpoint-url", self.endpoint] + list(args)
        proc = subprocess.run(cmd, env=self.client_env(), capture_output=True, text=True, input=input, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError("aws %s failed (%d):\n%s\n%s" % (" ".join(args), proc.returncode, proc.stdout,
                                                                  proc.stderr))
        return proc


def photo(name):
    with open(os.path.join(PHOTOS, name), "rb") as f:
        return f.read()


def jpeg_size(data):
    """(width, height) from the first SOF marker of a JPEG."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    i = 2
    while i < len(data):
        assert data[i] == 0xFF
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    raise AssertionError("no SOF marker")


def wait_object(s3, bucket, key, timeout=60):
    """GetObject once the object exists (events make it asynchronously)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            return s3.get_object(Bucket=bucket, Key=key)
        except s3.exceptions.NoSuchKey:
            time.sleep(0.05)
    raise AssertionError("s3://%s/%s did not appear" % (bucket, key))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def tree(root):
    """{relative posix path: bytes} of every file under root."""
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            full = os.path.join(dirpath, name)
            files[os.path.relpath(full, root).replace(os.sep, "/")] = read(full)
    return files


def rss_kib(pid):
    """Current and peak resident set size of a process, in KiB."""
    current = peak = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    return current, peak


class ServerTestCase(unittest.TestCase):
    """A test case with one in-memory server for the whole class."""
    server_args = ()
    stack = None

    @classmethod
    def setUpClass(cls):
        cls.mc = MiniCloud(*cls.server_args, stack=cls.stack).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.mc.stop()
        cls.mc.log.close()
        shutil.rmtree(cls.mc.tmp, ignore_errors=True)
        if code != 0:
            raise AssertionError("minicloud exited with %s" % code)
