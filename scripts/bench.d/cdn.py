#!/usr/bin/env python3
"""scripts/bench cdn: cache-hit GETs through minicloud's CDN beside nginx and minicloud's own
S3 GET, in one run.

Objects: a 4 KiB and a 60 KiB avatar (image/jpeg, so no edge compression), in the assets
bucket (public-read, so the S3 row is a plain anonymous GET like the other two).
  cdn    minicloud's distribution on its own port (bare keys), warmed first: every request
         is a cache hit (checked: X-Cache before and after the run)
  s3     the same minicloud process, GET /<bucket>/<key> (auth check + SQLite + file read)
  nginx  the same bytes as static files (sendfile, worker per core): the ceiling
Server CPU per request (utime+stime around each wrk run) is printed too: background load
skews it less than req/s. wrk (--threads 2, --connections 32 by default) runs each server and object for --seconds,
interleaved over --rounds rounds so background load skews all of them alike; p50 is the
median of the rounds' p50s, p99 the worst round's.
Targets (issue 6): cdn >= 60% of nginx's req/s and >= s3's, on both objects.
Every server started here is stopped on exit, error or signal.
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # peers.py, from any cwd
from peers import Server, start_nginx  # noqa: E402

BUCKET = "assets.cruddur.com"
OBJECTS = [("4 KiB", "avatars/small.jpg", 4 * 1024), ("60 KiB", "avatars/large.jpg", 60 * 1024)]
SERVERS = ["cdn", "s3", "nginx"]


def log(msg):
    print(f"[bench cdn] {msg}", file=sys.stderr, flush=True)


def start_minicloud(tmp, binary):
    srv = Server("minicloud", tmp, log)
    stack = {"buckets": [{"name": BUCKET, "acl": "public-read"}],
             "distributions": [{"id": "E1MINICLOUD", "aliases": ["assets.localhost"],
                                "origin": {"bucket": BUCKET}, "port": 0}]}
    stack_file = os.path.join(tmp, "stack.json")
    with open(stack_file, "w") as f:
        json.dump(stack, f)
    ready = os.path.join(tmp, "ready.json")
    srv.spawn([binary, "serve", "--port", "0", "--in-memory", "--quiet", "--stack", stack_file,
               "--ready-file", ready])
    deadline = time.monotonic() + 30
    while not os.path.exists(ready):
        if srv.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("minicloud did not start:\n" + open(srv.log_path).read()[-2000:])
        time.sleep(0.05)
    with open(ready) as f:
        info = json.load(f)
    return srv, info["endpoint"].rstrip("/"), f"http://127.0.0.1:{info['cdn_ports']['E1MINICLOUD']}"


def put_object(endpoint, key, body):
    """PUT through S3 with the stack's test/test key (boto3 when present, else aws CLI)."""
    try:
        import boto3
        from botocore.config import Config
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                          region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
        s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="image/jpeg")
    except ImportError:
        with tempfile.NamedTemporaryFile() as f:
            f.write(body)
            f.flush()
            env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                       AWS_DEFAULT_REGION="us-east-1")
            subprocess.run(["aws", "--endpoint-url", endpoint, "s3", "cp", f.name, f"s3://{BUCKET}/{key}",
                            "--content-type", "image/jpeg"], check=True, env=env, capture_output=True)


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.status, resp.headers, resp.read()


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * UNIT_MS[m.group(2)] if m else None


def parse_wrk(out):
    res = {}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        res[f"p{pct}_ms"] = to_ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    res["requests"] = int(m.group(1)) if m else 0
    res["seconds"] = to_ms(m.group(2) + m.group(3)) / 1000.0 if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return res


def run_wrk(args, url, seconds, latency=True, proc=None):
    cpu0 = proc.cpu() if proc else 0.0
    argv = [args.wrk, "-t", str(args.threads), "-c", str(args.connections), "--timeout", "10s",
            "-d", f"{seconds}s"] + (["--latency"] if latency else []) + [url]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    res = parse_wrk(out)
    res["server_cpu_s"] = proc.cpu() - cpu0 if proc else 0.0
    if not res["requests"]:
        raise RuntimeError("wrk reported no requests:\n" + out)
    if res["non2xx"] or res["socket_errors"]:
        raise RuntimeError(f"wrk saw {res['non2xx']} non-2xx responses and {res['socket_errors']} socket "
                           f"errors on {url}:\n{out}")
    return res


def merge(rounds):
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    cpu = sum(r["server_cpu_s"] for r in rounds)
    return {"rps": requests / seconds if seconds else 0.0, "requests": requests,
            "server_cpu_us_per_req": 1e6 * cpu / requests if requests else 0.0,
            "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
            "p99_ms": max(r["p99_ms"] for r in rounds), "rounds": rounds}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minicloud", required=True)
    p.add_argument("--nginx", default="/usr/sbin/nginx")
    p.add_argument("--wrk", default="wrk")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--seconds", type=int, default=5, help="wrk time per server, object and round")
    p.add_argument("--warmup", type=int, default=1, help="wrk warm-up seconds per server and object")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--json", help="write the results here")
    args = p.parse_args()
    args.minicloud = os.path.abspath(args.minicloud)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.mkdtemp(prefix="bench-cdn-")
    os.chmod(tmp, 0o711)
    procs = []
    try:
        payloads = {key: os.urandom(size) for _, key, size in OBJECTS}
        mc, endpoint, cdn = start_minicloud(tmp, args.minicloud)
        procs.append(mc)
        nginx = Server("nginx", tmp, log)
        procs.append(nginx)
        start_nginx(nginx, args.nginx, payloads)
        nginx_url = nginx.endpoint
        for key, body in payloads.items():
            put_object(endpoint, key, body)
        urls = {}
        for label, key, _ in OBJECTS:
            urls[("cdn", label)] = f"{cdn}/{key}"
            urls[("s3", label)] = f"{endpoint}/{BUCKET}/{key}"
            urls[("nginx", label)] = f"{nginx_url}/{key}"
            for server in SERVERS:  # every URL serves the same bytes
                status, headers, body = fetch(urls[(server, label)])
                if status != 200 or body != payloads[key]:
                    raise RuntimeError(f"{server} {key}: status {status}, {len(body)} bytes")
            x_cache = fetch(urls[("cdn", label)])[1]["X-Cache"]
            if x_cache != "Hit from cloudfront":
                raise RuntimeError(f"CDN not warm for {key}: X-Cache {x_cache}")

        log(f"wrk -t{args.threads} -c{args.connections}: {args.rounds} rounds x {args.seconds} s per server and object")
        rounds = {k: [] for k in urls}
        for k, url in urls.items():
            run_wrk(args, url, args.warmup, latency=False)
        for r in range(args.rounds):
            for label, _, _ in OBJECTS:
                for server in SERVERS:
                    proc = nginx if server == "nginx" else mc
                    res = run_wrk(args, urls[(server, label)], args.seconds, proc=proc)
                    rounds[(server, label)].append(res)
                    log(f"round {r + 1}: {server:5} {label:6} {res['requests'] / res['seconds']:9.0f} req/s")
        for label, key, _ in OBJECTS:  # still served from the cache after the load
            x_cache = fetch(urls[("cdn", label)])[1]["X-Cache"]
            if x_cache != "Hit from cloudfront":
                raise RuntimeError(f"CDN answered {x_cache} for {key} after the run")

        results = {f"{s} {label}": merge(v) for (s, label), v in rounds.items()}
        print()
        print(f"scripts/bench cdn: cache-hit GET, wrk -t{args.threads} -c{args.connections}, "
              f"{args.rounds} x {args.seconds} s per cell, {os.cpu_count()} cores, load avg "
              f"{os.getloadavg()[0]:.1f}")
        print(f"{'object':8}{'server':8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'CPU us/req':>12}")
        verdicts = []
        for label, _, _ in OBJECTS:
            for server in SERVERS:
                m = results[f"{server} {label}"]
                print(f"{label:8}{server:8}{m['rps']:10.0f}{m['p50_ms']:9.2f}{m['p99_ms']:9.2f}"
                      f"{m['server_cpu_us_per_req']:12.1f}")
            cdn_rps = results[f"cdn {label}"]["rps"]
            vs_nginx = cdn_rps / results[f"nginx {label}"]["rps"]
            vs_s3 = cdn_rps / results[f"s3 {label}"]["rps"]
            verdicts.append((label, vs_nginx, vs_s3))
        print()
        for label, vs_nginx, vs_s3 in verdicts:
            print(f"{label:8}cdn/nginx {vs_nginx:6.0%} (target >= 60%: {'met' if vs_nginx >= 0.6 else 'MISSED'})   "
                  f"cdn/s3 {vs_s3:5.2f}x (target >= 1: {'met' if vs_s3 >= 1 else 'MISSED'})")
        if args.json:
            os.makedirs(os.path.dirname(args.json), exist_ok=True)
            with open(args.json, "w") as f:
                json.dump({"args": vars(args), "results": results}, f, indent=2)
    finally:
        for proc in procs:
            proc.stop()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
