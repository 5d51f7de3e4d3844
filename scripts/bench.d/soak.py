#!/usr/bin/env python3
"""scripts/bench soak: one `minicloud serve` (default stack, data dir on disk) under a mixed
load from many concurrent clients for a long time; looks for 5xx, leaks and slow paths.

Clients: --clients threads spread over --procs processes (so boto3's Python work is not
serialised by one GIL), each in a loop until the time is up, picking one operation at a time
by weight:
  put_small / get_small     1 B..64 KiB objects in bucket `soak`, read back and compared
  put_large / get_large     20 MB objects (boto3), read back and compared by sha256
  multipart                 CreateMultipartUpload, 5 MiB + 5 MiB + 1 MiB parts, Complete
                            (the result joins the large objects that get_large reads back)
  list                      ListObjectsV2 of the client's prefix, 20 keys a page, every page
  delete / delete_objects   DeleteObject of one key, DeleteObjects of up to 10
  presigned_get/_put        SigV4 presigned URLs (boto3 signs) over raw http.client
  cdn_get                   the default stack's CDN (E1MINICLOUD in front of the assets
                            bucket, /_cdn/E1MINICLOUD/<key>), 8 objects put at start
  pipeline                  a real photo PUT into cruddur-uploaded-avatars: ObjectCreated:Put
                            runs the built-in ThumbLambda, which writes assets/avatars/*.jpg
Every client keeps at most 50 small and 2 large objects of its own (the oldest are deleted),
so the data dir stays bounded. boto3 retries are off: every 5xx is seen.

Server side, every 5 s: RSS (VmRSS) and open file descriptors (/proc/PID/fd). RSS is "flat"
when the median of the last quarter of the samples is within max(10%, 16 MiB) of the median
of the second quarter (the first quarter is warm-up: SQLite page cache, CDN cache, thread
stacks). Open fds under load follow the number of connections and requests in flight, so
the leak check is the count once the clients are gone and idle keep-alive connections
closed (the server closes them within 5 s) against the count before the load.
At the end the event log is drained (every pipeline delivery succeeded?) and the server is
stopped with SIGTERM (exit code reported). Table on stdout, JSON with every sample to --json.
"""
import argparse
import collections
import hashlib
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

BUCKET = "soak"
UPLOADS = "cruddur-uploaded-avatars"
ASSETS = "assets.cruddur.com"
CDN_ID = "E1MINICLOUD"
CDN_KEYS = [f"soak-cdn/object-{i}.bin" for i in range(8)]
MIB = 1024 * 1024
LARGE = 20 * 1000 * 1000
PART = 5 * MIB
WEIGHTS = {
    "put_small": 20, "get_small": 20, "list": 6, "delete": 5, "delete_objects": 2,
    "presigned_get": 10, "presigned_put": 8, "cdn_get": 15,
    "put_large": 1, "get_large": 1, "multipart": 1, "pipeline": 1,
}
MAX_SMALL, MAX_LARGE = 50, 2


def log(msg):
    print(f"[bench soak] {msg}", file=sys.stderr, flush=True)


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return values[k]


def s3_client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",  # presigned: SigV4 too
                      retries={"max_attempts": 1, "mode": "standard"},
                      connect_timeout=30, read_timeout=120))


class Mismatch(Exception):
    """The server answered 2xx but the bytes are not the ones written."""


class Client:
    """One simulated client: its own boto3 client, raw connection and keys."""

    def __init__(self, name, endpoint, photos, large_body, stats, rng):
        self.name, self.endpoint, self.photos, self.large_body = name, endpoint, photos, large_body
        self.s3 = s3_client(endpoint)
        self.host = urllib.parse.urlsplit(endpoint).netloc
        self.conn = None
        self.stats, self.rng = stats, rng
        self.small = collections.OrderedDict()   # key -> sha256 of the body
        self.large = collections.OrderedDict()
        self.seq = 0

    def new_key(self, kind):
        self.seq += 1
        return f"{self.name}/{kind}-{self.seq}"

    # ---- raw http (presigned URLs, CDN): one keep-alive connection, reopened after errors
    def http(self, method, url, body=None, headers=None):
        parts = urllib.parse.urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, resp, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed while idle: retry once, fresh.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def check_http(self, status, data):
        if status >= 300:
            raise HttpStatus(status, data[:200].decode("utf-8", "replace"))

    # ---- operations: each returns nothing; failures raise
    def put_small(self):
        body = os.urandom(self.rng.randint(1, 64 * 1024))
        key = self.new_key("small")
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        self.small[key] = hashlib.sha256(body).hexdigest()
        self.trim()

    def get_small(self):
        if not self.small:
            return self.put_small()
        key = self.rng.choice(list(self.small))
        body = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        if hashlib.sha256(body).hexdigest() != self.small[key]:
            raise Mismatch(key)

    def put_large(self):
        key = self.new_key("large")
        body = key.encode().ljust(64, b"\0") + self.large_body  # unique per object
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        self.large[key] = hashlib.sha256(body).hexdigest()
        self.trim()

    def get_large(self):
        if not self.large:
            return self.put_large()
        key = self.rng.choice(list(self.large))
        h = hashlib.sha256()
        stream = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"]
        for chunk in iter(lambda: stream.read(MIB), b""):
            h.update(chunk)
        if h.hexdigest() != self.large[key]:
            raise Mismatch(key)

    def multipart(self):
        key = self.new_key("multipart")
        up = self.s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        h = hashlib.sha256()
        parts = []
        try:
            for n, size in enumerate((PART, PART, MIB), start=1):
                body = f"{key}#{n}".encode().ljust(64, b"\0") + self.large_body[:size - 64]
                h.update(body)
                etag = self.s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=n, Body=body)["ETag"]
                parts.append({"PartNumber": n, "ETag": etag})
            self.s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up,
                                              MultipartUpload={"Parts": parts})
        except BaseException:
            try:
                self.s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up)
            except Exception:
                pass
            raise
        self.large[key] = h.hexdigest()
        self.trim()

    def list(self):
        seen, token = 0, None
        while True:
            kw = {"ContinuationToken": token} if token else {}
            page = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=self.name + "/", MaxKeys=20, **kw)
            seen += page.get("KeyCount", 0)
            if not page.get("IsTruncated"):
                break
            token = page["NextContinuationToken"]
        # Only this thread writes under its prefix, so the count is exact.
        if seen != len(self.small) + len(self.large):
            raise Mismatch(f"list {self.name}/: {seen} keys, expected {len(self.small) + len(self.large)}")

    def delete(self):
        if not self.small:
            return self.put_small()
        key = self.rng.choice(list(self.small))
        self.s3.delete_object(Bucket=BUCKET, Key=key)
        del self.small[key]

    def delete_objects(self):
        keys = list(self.small)[: self.rng.randint(1, 10)]
        if not keys:
            return self.put_small()
        resp = self.s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys]})
        if resp.get("Errors"):
            raise HttpStatus(500, json.dumps(resp["Errors"])[:200])
        for k in keys:
            del self.small[k]

    def presigned_put(self):
        body = os.urandom(self.rng.randint(1, 64 * 1024))
        key = self.new_key("presigned")
        url = self.s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=900)
        status, _, data = self.http("PUT", url, body=body)
        self.check_http(status, data)
        self.small[key] = hashlib.sha256(body).hexdigest()
        self.trim()

    def presigned_get(self):
        if not self.small:
            return self.presigned_put()
        key = self.rng.choice(list(self.small))
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=900)
        status, _, data = self.http("GET", url)
        self.check_http(status, data)
        if hashlib.sha256(data).hexdigest() != self.small[key]:
            raise Mismatch(key)

    def cdn_get(self):
        i = self.rng.randrange(len(CDN_KEYS))
        status, resp, data = self.http("GET", f"{self.endpoint}/_cdn/{CDN_ID}/{CDN_KEYS[i]}")
        self.check_http(status, data)
        if data != cdn_body(i):
            raise Mismatch(CDN_KEYS[i])
        with self.stats.lock:
            self.stats.cdn_cache[resp.getheader("x-cache", "none")] += 1

    def pipeline(self):
        photo = self.rng.choice(self.photos)
        key = f"soak-{self.name.replace('/', '-')}-{self.seq}{os.path.splitext(photo[0])[1]}"
        self.seq += 1
        self.s3.put_object(Bucket=UPLOADS, Key=key, Body=photo[1])
        self.stats.pipeline_keys.append(key)

    def trim(self):
        while len(self.small) > MAX_SMALL:
            key, _ = self.small.popitem(last=False)
            self.timed("delete", lambda: self.s3.delete_object(Bucket=BUCKET, Key=key))
        while len(self.large) > MAX_LARGE:
            key, _ = self.large.popitem(last=False)
            self.timed("delete", lambda: self.s3.delete_object(Bucket=BUCKET, Key=key))

    def timed(self, op, fn):
        t0 = time.perf_counter()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is counted by kind
            self.stats.error(op, e)
            if isinstance(e, (ConnectionError, OSError)) and self.conn is not None:
                self.conn.close()
                self.conn = None
            return
        self.stats.latency[op].append((time.perf_counter() - t0) * 1000.0)


class HttpStatus(Exception):
    def __init__(self, status, text):
        super().__init__(f"HTTP {status}: {text}")
        self.status = status


def cdn_body(i):
    return hashlib.sha256(b"cdn-%d" % i).digest() * (4096 // 32 * (i + 1))  # 4..32 KiB


class Stats:
    def __init__(self):
        self.latency = collections.defaultdict(list)
        self.errors = collections.Counter()     # "op status code" -> count
        self.samples = collections.defaultdict(list)  # first messages per error kind
        self.cdn_cache = collections.Counter()
        self.pipeline_keys = []
        self.lock = threading.Lock()

    def error(self, op, e):
        from botocore.exceptions import ClientError
        if isinstance(e, ClientError):
            meta = e.response.get("ResponseMetadata", {})
            kind = f"{meta.get('HTTPStatusCode', '?')} {e.response.get('Error', {}).get('Code', '?')}"
        elif isinstance(e, HttpStatus):
            kind = f"{e.status} raw"
        elif isinstance(e, Mismatch):
            kind = "corrupt"
        else:
            kind = "conn " + type(e).__name__
        with self.lock:
            self.errors[f"{op}: {kind}"] += 1
            if len(self.samples[kind]) < 3:
                self.samples[kind].append(f"{op}: {e}"[:300])


def worker(index, threads, endpoint, photos, seconds, seed, ready, go, out):
    """One process: makes its `threads` clients, reports ready, waits for `go`, then runs them
    for `seconds`; puts its Stats on `out`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    stats = Stats()
    large_body = os.urandom(LARGE)
    photo_bytes = [(os.path.basename(p), open(p, "rb").read()) for p in photos]
    clients = []
    for t in range(threads):
        rng = random.Random(seed * 1000 + index * 100 + t)
        clients.append(Client(f"c{index:02d}-{t:02d}", endpoint, photo_bytes, large_body, stats, rng))
    ready.put(index)
    go.wait()
    deadline = time.time() + seconds

    def run(c):
        ops, weights = zip(*WEIGHTS.items())
        while time.time() < deadline:
            op = c.rng.choices(ops, weights)[0]
            c.timed(op, getattr(c, op))

    ts = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put({"latency": dict(stats.latency), "errors": dict(stats.errors),
             "samples": dict(stats.samples), "cdn_cache": dict(stats.cdn_cache),
             "pipeline_keys": stats.pipeline_keys})


def proc_sample(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    rss_kb = int(fields["VmRSS"].split()[0])
    return {"rss_mib": rss_kb / 1024.0, "fds": len(os.listdir(f"/proc/{pid}/fd")),
            "threads": int(fields["Threads"])}


def flat(values, rel, abs_):
    """Median of the last quarter vs the second quarter (the first is warm-up)."""
    n = len(values)
    if n < 8:
        return None, float("nan")
    q = n // 4
    base, last = statistics.median(values[q:2 * q]), statistics.median(values[n - q:])
    growth = last - base
    return growth <= max(rel * base, abs_), growth


def start_server(binary, tmp):
    ready = os.path.join(tmp, "ready.json")
    log_path = os.path.join(tmp, "server.log")
    env = dict(os.environ)
    env.pop("THUMBING_WEBHOOK_URL", None)
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--data-dir", os.path.join(tmp, "data"),
                             "--quiet", "--ready-file", ready],
                            stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 30
    while not os.path.exists(ready):
        if time.time() > deadline or proc.poll() is not None:
            raise SystemExit("minicloud did not start:\n" + open(log_path).read()[-2000:])
        time.sleep(0.02)
    with open(ready) as f:
        return proc, json.load(f)["endpoint"].rstrip("/"), log_path


def events(endpoint):
    with urllib.request.urlopen(endpoint + "/_api/events?limit=1000000", timeout=60) as r:
        return json.loads(r.read())["events"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("seconds", nargs="?", type=int, default=600)
    p.add_argument("--minicloud", required=True)
    p.add_argument("--photos", required=True, help="dir of photos for the pipeline uploads")
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--procs", type=int, default=8, help="client processes (clients are split over them)")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between RSS/fd samples")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", help="write the results here")
    args = p.parse_args()

    photos = sorted(os.path.join(args.photos, f) for f in os.listdir(args.photos)
                    if f.endswith((".jpg", ".png")) and os.path.getsize(os.path.join(args.photos, f)) < 1024 * 1024)
    if not photos:
        raise SystemExit(f"no photo under 1 MiB in {args.photos}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.mkdtemp(prefix="bench-soak-")
    server = None
    procs = []
    try:
        server, endpoint, log_path = start_server(os.path.abspath(args.minicloud), tmp)
        s3 = s3_client(endpoint)
        s3.create_bucket(Bucket=BUCKET)
        for i, key in enumerate(CDN_KEYS):
            s3.put_object(Bucket=ASSETS, Key=key, Body=cdn_body(i), ContentType="application/octet-stream")
        log(f"server pid {server.pid} at {endpoint}; {args.clients} clients in {args.procs} processes "
            f"for {args.seconds} s; photos: {', '.join(os.path.basename(p) for p in photos)}")

        fds_before = proc_sample(server.pid)["fds"]
        out, ready, go = multiprocessing.Queue(), multiprocessing.Queue(), multiprocessing.Event()
        per = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0) for i in range(args.procs)]
        for i, n in enumerate(per):
            pr = multiprocessing.Process(target=worker,
                                         args=(i, n, endpoint, photos, args.seconds, args.seed, ready, go, out))
            pr.start()
            procs.append(pr)
        for _ in procs:  # clients made and data generated: the clock starts for all at once
            ready.get(timeout=300)
        go.set()
        t0 = time.time()

        samples = []
        next_sample = t0
        while any(pr.is_alive() for pr in procs) and out.qsize() < len(procs):
            if time.time() >= next_sample:
                s = proc_sample(server.pid)
                s["t"] = round(time.time() - t0, 1)
                samples.append(s)
                if len(samples) % 12 == 1:
                    log(f"t={s['t']:6.0f}s rss {s['rss_mib']:7.1f} MiB fds {s['fds']:4d} threads {s['threads']}")
                next_sample += args.interval
            if server.poll() is not None:
                raise SystemExit(f"minicloud exited with {server.returncode} during the soak; see {log_path}")
            time.sleep(0.2)
        results = [out.get(timeout=600) for _ in procs]
        for pr in procs:
            pr.join()
        elapsed = time.time() - t0
        samples.append(dict(proc_sample(server.pid), t=round(time.time() - t0, 1)))

        latency, errors, err_samples, cdn_cache, pipeline_keys = (collections.defaultdict(list),
                                                                 collections.Counter(), {}, collections.Counter(), [])
        for r in results:
            for op, v in r["latency"].items():
                latency[op].extend(v)
            errors.update(r["errors"])
            for k, v in r["samples"].items():
                err_samples.setdefault(k, v)
            cdn_cache.update(r["cdn_cache"])
            pipeline_keys.extend(r["pipeline_keys"])

        # Drain the event pipeline, then check every upload got its avatar.
        drain_deadline = time.time() + 300
        while True:
            evs = events(endpoint)
            pending = [e for e in evs if e["status"] in ("queued", "running")]
            if not pending or time.time() > drain_deadline:
                break
            time.sleep(1)
        event_status = collections.Counter(e["status"] for e in evs)
        avatars = 0
        for key in pipeline_keys:
            try:
                s3.head_object(Bucket=ASSETS, Key="avatars/" + os.path.splitext(key)[0] + ".jpg")
                avatars += 1
            except Exception:  # noqa: BLE001
                pass
        idle_deadline = time.time() + 15
        while True:  # idle keep-alive connections close within 5 s
            final = proc_sample(server.pid)
            if final["fds"] <= fds_before or time.time() > idle_deadline:
                break
            time.sleep(0.5)

        server.send_signal(signal.SIGTERM)
        try:
            exit_code = server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            exit_code = "timeout (killed)"
        server = None

        total_ok = sum(len(v) for v in latency.values())
        total_err = sum(errors.values())
        five_xx = sum(n for k, n in errors.items() if k.split(": ", 1)[1][:1] == "5")
        rss = [s["rss_mib"] for s in samples]
        fds = [s["fds"] for s in samples]
        rss_flat, rss_growth = flat(rss, 0.10, 16.0)
        fds_leaked = final["fds"] - fds_before
        ops = {op: {"count": len(v), "p50_ms": pct(v, 50), "p99_ms": pct(v, 99),
                    "errors": sum(n for k, n in errors.items() if k.startswith(op + ":"))}
               for op, v in sorted(latency.items())}

        print()
        print(f"scripts/bench soak {args.seconds}: {args.clients} clients ({args.procs} processes), "
              f"{elapsed:.0f} s, {os.cpu_count()} cores, load avg {os.getloadavg()[0]:.1f}")
        print(f"{'operation':16}{'ok':>9}{'errors':>8}{'p50 ms':>10}{'p99 ms':>10}")
        for op, m in ops.items():
            print(f"{op:16}{m['count']:9d}{m['errors']:8d}{m['p50_ms']:10.1f}{m['p99_ms']:10.1f}")
        print(f"{'total':16}{total_ok:9d}{total_err:8d}   ({total_ok / elapsed:.0f} ops/s)")
        print()
        print(f"5xx responses: {five_xx} (goal 0)")
        print("client errors: " + (", ".join(f"{k} x{n}" for k, n in sorted(errors.items())) or "none"))
        for kind, msgs in err_samples.items():
            for m in msgs:
                print(f"  e.g. [{kind}] {m}")
        verdict = "n/a (under 8 samples)" if rss_flat is None else "flat" if rss_flat else "GROWING"
        print(f"server RSS MiB: first {rss[0]:.1f}, max {max(rss):.1f}, last {rss[-1]:.1f}; "
              f"last quarter vs second: {rss_growth:+.1f} MiB -> {verdict}")
        print(f"server RSS MiB when idle after the load: {final['rss_mib']:.1f}")
        print(f"server open fds under load: first {fds[0]}, max {max(fds)}, last {fds[-1]}; idle before the load "
              f"{fds_before}, after {final['fds']} -> {'no leak' if fds_leaked <= 0 else f'{fds_leaked} LEAKED'}")
        print(f"server threads: first {samples[0]['threads']}, max {max(s['threads'] for s in samples)}, "
              f"last {samples[-1]['threads']}")
        print(f"CDN X-Cache: " + ", ".join(f"{k} x{n}" for k, n in cdn_cache.most_common()))
        print(f"pipeline: {len(pipeline_keys)} uploads, {avatars} avatars, deliveries "
              + ", ".join(f"{k} {n}" for k, n in sorted(event_status.items())))
        print(f"server exit after SIGTERM: {exit_code}")
        if args.json:
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            with open(args.json, "w") as f:
                json.dump({"args": vars(args), "elapsed_s": elapsed, "ops": ops, "total_ok": total_ok,
                           "total_errors": total_err, "errors": dict(errors), "five_xx": five_xx,
                           "error_samples": err_samples, "rss_flat": rss_flat, "rss_growth_mib": rss_growth,
                           "fds_before": fds_before, "fds_after": final["fds"],
                           "rss_idle_after_mib": final["rss_mib"], "samples": samples,
                           "cdn_cache": dict(cdn_cache), "pipeline_uploads": len(pipeline_keys),
                           "avatars": avatars, "deliveries": dict(event_status),
                           "exit_code": exit_code}, f, indent=2)
        if five_xx or errors or rss_flat is False or fds_leaked > 0 or exit_code != 0:
            sys.exit(1)
    finally:
        for pr in procs:
            if pr.is_alive():
                pr.terminate()
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
