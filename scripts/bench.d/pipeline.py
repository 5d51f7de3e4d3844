#!/usr/bin/env python3
"""scripts/bench pipeline: upload -> S3 event -> ThumbLambda (builtin) -> avatar readable.

For each photo: --runs uploads (default 100), one at a time, to the default stack's uploads
bucket with boto3; after each PUT the client polls HEAD on assets/avatars/<name>.jpg until
it answers 200. Reported per photo (p50 / p99 over the runs):
  e2e       client: PUT sent -> avatar readable (includes the PUT itself and polling;
            the poll loop re-asks every 0.5 ms, so e2e is late by at most ~1 ms)
  process   processor::process() time inside the function (from the event log's result)
  put       the PutObject call alone (boto3 hashes and sends the body; grows with size)
  overhead  e2e - process: everything that is not image processing (the PUT upload,
            queueing, reading the original, writing the avatar, the client's HEAD polls)
  pipeline  e2e - put - process: what the event pipeline adds beyond the upload and the
            processing (the function may start before the PUT response reaches the
            client, so this can be slightly below the true cost)
  server    event log: queued -> function finished, minus process (ms resolution)
Then the sustained rate: the photo is uploaded once to a bucket without notifications,
then --rate-images server-side CopyObjects into the uploads bucket (4 client threads) each
fire the function; avatars/s from the first copy until all are written, vs
processor_bench (the bare library loop) on as many threads as cores, same photo. Copies
keep the client's upload cost (boto3 hashing megabytes in Python on the same cores) out of
the pipeline's rate.

The server runs the default stack's ThumbLambda wiring (512x512, assets/avatars) with the
uploads notification widened from ObjectCreated:Put to ObjectCreated:* (so copies fire it)
and an extra bucket `bench-src`.
"""
import argparse
import json
import os
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

ACCESS = "test"
UPLOADS = "cruddur-uploaded-avatars"
ASSETS = "assets.cruddur.com"
STACK = {
    "buckets": [{"name": UPLOADS}, {"name": ASSETS}, {"name": "bench-src"}],
    "functions": [{"name": "ThumbLambda", "builtin": "image-processor",
                   "environment": {"DEST_BUCKET_NAME": ASSETS, "FOLDER_INPUT": "", "FOLDER_OUTPUT": "avatars",
                                   "PROCESS_WIDTH": "512", "PROCESS_HEIGHT": "512"}}],
    "notifications": [{"bucket": UPLOADS, "function": "ThumbLambda", "events": ["s3:ObjectCreated:*"]}],
}


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return values[k]


class Server:
    def __init__(self, binary):
        self.tmp = tempfile.mkdtemp(prefix="bench-pipeline-")
        ready = os.path.join(self.tmp, "ready.json")
        self.log = open(os.path.join(self.tmp, "server.log"), "wb")
        env = dict(os.environ)
        env.pop("THUMBING_WEBHOOK_URL", None)
        stack = os.path.join(self.tmp, "stack.json")
        with open(stack, "w") as f:
            json.dump(STACK, f)
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--in-memory", "--quiet", "--ready-file", ready,
                                      "--stack", stack], stdout=self.log, stderr=self.log, env=env)
        deadline = time.time() + 30
        while not os.path.exists(ready):
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit("minicloud did not start: see " + self.log.name)
            time.sleep(0.02)
        with open(ready) as f:
            self.endpoint = json.load(f)["endpoint"]

    def events(self, **query):
        qs = "&".join("%s=%s" % (k, urllib.parse.quote(str(v))) for k, v in query.items())
        with urllib.request.urlopen(self.endpoint + "/_api/events?" + qs, timeout=30) as r:
            return json.loads(r.read())["events"]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS, aws_secret_access_key=ACCESS,
                        region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                      max_pool_connections=64))


def wait_head(s3, key, timeout=120):
    deadline = time.perf_counter() + timeout
    while True:
        try:
            s3.head_object(Bucket=ASSETS, Key=key)
            return time.perf_counter()
        except s3.exceptions.ClientError:
            if time.perf_counter() > deadline:
                raise SystemExit("avatar %s never appeared" % key)
            time.sleep(0.0005)


def latency(server, s3, photo, runs):
    body = open(photo, "rb").read()
    stem = os.path.splitext(os.path.basename(photo))[0]
    e2e, put, process, server_overhead = [], [], [], []
    for i in range(runs + 2):  # 2 warm-up runs, not counted
        key = "lat-%s-%d.jpg" % (stem, i)
        t0 = time.perf_counter()
        s3.put_object(Bucket=UPLOADS, Key=key, Body=body)
        tp = time.perf_counter()
        t1 = wait_head(s3, "avatars/lat-%s-%d.jpg" % (stem, i))
        if i < 2:
            continue
        e2e.append((t1 - t0) * 1000)
        put.append((tp - t0) * 1000)
        ev = None
        for _ in range(200):
            evs = [e for e in server.events(key=key, bucket=UPLOADS) if e["status"] == "succeeded"]
            if evs:
                ev = evs[0]
                break
            time.sleep(0.005)
        if ev is None:
            raise SystemExit("no succeeded event for " + key)
        p = ev["result"]["outputs"][0]["process_ms"]
        process.append(p)
        server_overhead.append((ev["updated_ms"] - ev["created_ms"]) - p)
    overhead = [a - b for a, b in zip(e2e, process)]
    pipeline = [a - b - c for a, b, c in zip(e2e, put, process)]
    return {"photo": os.path.basename(photo), "bytes": len(body), "runs": runs,
            "e2e_p50": pct(e2e, 50), "e2e_p99": pct(e2e, 99),
            "process_p50": pct(process, 50), "process_p99": pct(process, 99),
            "put_p50": pct(put, 50), "put_p99": pct(put, 99),
            "overhead_p50": pct(overhead, 50), "overhead_p99": pct(overhead, 99),
            "pipeline_p50": pct(pipeline, 50), "pipeline_p99": pct(pipeline, 99),
            "server_overhead_p50": pct(server_overhead, 50), "server_overhead_p99": pct(server_overhead, 99)}


def sustained(server, endpoint, photo, images):
    body = open(photo, "rb").read()
    setup = client(endpoint)
    setup.put_object(Bucket="bench-src", Key="photo.jpg", Body=body)
    before = len(server.events(status="succeeded", bucket=UPLOADS, limit=100000))
    lanes = 4
    def copy(lane):
        s3 = client(endpoint)
        for i in range(lane, images, lanes):
            s3.copy_object(Bucket=UPLOADS, Key="rate-%d.jpg" % i, CopySource={"Bucket": "bench-src", "Key": "photo.jpg"})
    threads = [threading.Thread(target=copy, args=(n,)) for n in range(lanes)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while True:
        done = len(server.events(status="succeeded", bucket=UPLOADS, limit=100000)) - before
        if server.events(status="failed", bucket=UPLOADS, limit=1):
            raise SystemExit("a rate delivery failed")
        if done >= images:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    return images / seconds, seconds


def bare_rate(loop, photo, seconds):
    out = subprocess.run([loop, "--threads", str(os.cpu_count()), "--seconds", str(seconds), photo],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["images_per_s"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minicloud", required=True)
    p.add_argument("--loop", required=True, help="processor_bench")
    p.add_argument("--photos", required=True)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--rate-images", type=int, default=60)
    p.add_argument("--rate-photo", default="portrait-friends.jpg")
    p.add_argument("--only", action="append", default=[])
    p.add_argument("--json")
    a = p.parse_args()

    photos = sorted(f for f in os.listdir(a.photos) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    if a.only:
        photos = [f for f in photos if f in a.only]
    server = Server(a.minicloud)
    results = {"cores": os.cpu_count(), "runs": a.runs, "latency": [], "load_avg": os.getloadavg()}
    try:
        s3 = client(server.endpoint)
        print("%-26s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s" % (
            "photo (ms)", "e2e p50", "e2e p99", "put p50", "proc p50", "proc p99", "ovh p50", "ovh p99",
            "pipe p50", "pipe p99", "srv p50"))
        for name in photos:
            r = latency(server, s3, os.path.join(a.photos, name), a.runs)
            results["latency"].append(r)
            print("%-26s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f" % (
                name, r["e2e_p50"], r["e2e_p99"], r["put_p50"], r["process_p50"], r["process_p99"],
                r["overhead_p50"], r["overhead_p99"], r["pipeline_p50"], r["pipeline_p99"],
                r["server_overhead_p50"]), flush=True)
        if results["latency"]:
            print("median over photos: overhead p50 %.1f ms, p99 %.1f ms; pipeline p50 %.1f ms, p99 %.1f ms" % tuple(
                statistics.median(r[k] for r in results["latency"])
                for k in ("overhead_p50", "overhead_p99", "pipeline_p50", "pipeline_p99")))
        # bare, pipeline, bare, pipeline, bare: background load drifts, so the two are
        # measured in alternation and each side averaged.
        rate_photo = os.path.join(a.photos, a.rate_photo)
        bares, rates = [bare_rate(a.loop, rate_photo, 4.0)], []
        for _ in range(2):
            rates.append(sustained(server, server.endpoint, rate_photo, a.rate_images)[0])
            bares.append(bare_rate(a.loop, rate_photo, 4.0))
    finally:
        server.stop()
    rate, bare = statistics.mean(rates), statistics.mean(bares)
    results.update(pipeline_rate=rate, bare_rate=bare, pipeline_rates=rates, bare_rates=bares)
    print("sustained (%s, %d copies x2, %d cores): pipeline %.2f avatars/s (%s), bare processor %.2f images/s (%s): %.0f%%" % (
        a.rate_photo, a.rate_images, os.cpu_count(), rate, ", ".join("%.2f" % r for r in rates), bare,
        ", ".join("%.2f" % b for b in bares), 100.0 * rate / bare))
    print("load average during the run: %.1f %.1f %.1f (other work on the machine skews all numbers)" % os.getloadavg())
    if a.json:
        os.makedirs(os.path.dirname(a.json), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
