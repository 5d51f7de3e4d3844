#!/usr/bin/env python3
"""S3 throughput and latency, side by side in one run on the same machine and payloads:

  minicloud   build/bin/minicloud serve --in-memory --quiet
  moto        python3 -m moto.server (the Python S3 emulator, in memory)
  s3rver      bench/node_modules/s3rver (the Node S3 emulator, files in a temp dir)
  nginx       serving the same objects as plain files from a temp dir: the ceiling (GET only)

All four run side by side. Each S3 server gets a bucket with a 4 KiB and a 1 MiB object
(boto3, path-style). Then wrk (--threads, --connections) requests presigned URLs (boto3
generate_presigned_url, SigV4, one day): GET 4 KiB, GET 1 MiB, PUT 4 KiB. A presigned PUT
signs UNSIGNED-PAYLOAD, so one URL can be PUT again and again; the PUTs go round --put-keys
keys, one URL each (s3_put.lua), because moto fails concurrent PUTs of one key. Per row,
every server has a --warmup, then the servers take turns: --rounds rounds of
--seconds/--rounds each, the order rotating, so background load on a shared machine hits
them alike (req/s over all rounds; p50 = median of the rounds', p99 = worst round's). Then
one boto3 client per server does --sequential GETs and PUTs of 4 KiB one after the other,
in the same rounds (median, p99).

The browser-upload rows (issue 4) go the same way, without nginx: every S3 server's bucket
gets one CORS rule (boto3 put_bucket_cors: origin http://localhost:3000, PUT and POST, all
headers, ExposeHeaders ETag, MaxAge 3000); "OPTIONS preflight" is the browser's preflight for
a cross-origin PUT of put-4k (s3_preflight.lua), "POST form 4 KiB" a multipart/form-data
upload under a boto3 generate_presigned_post SigV4 policy (key starts-with "post-",
content-length-range), its body built per request with the key going round --put-keys keys
(s3_post.lua). Before its warm-up each server must answer one such request as S3 does
(preflight: 200 with Access-Control-Allow-Origin; POST: 204 and the object stored), and the
warm-up must get no non-2xx answer; otherwise its cell reads "n/a (what it answered)"
instead of a number. The issue sets no target for these rows.

Peak RSS is VmHWM of each server's processes at the end (nginx: master + workers added
up); server CPU per request is utime+stime from /proc/PID/stat around each wrk run, a figure
that background load skews less than req/s.

Targets (issue 3): minicloud >= 10x moto and >= 3x s3rver on the GET and PUT rows, GET 4 KiB
>= 50% of nginx. Only loopback is used; every server started here is stopped on exit, on error and
on SIGINT/SIGTERM, and dies with this process (PR_SET_PDEATHSIG) if it is killed.

Called by scripts/bench s3, which installs and builds first.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # peers.py, from any cwd
from peers import Server, free_port, start_nginx, wait_for_port  # noqa: E402

BUCKET = "bench"
SIZES = {"4k": 4096, "1m": 1 << 20}
OPS = [  # (row label, method, object key); the wrk PUTs go round --put-keys keys KEY-NNNN
    ("GET 4 KiB", "GET", "get-4k"),
    ("GET 1 MiB", "GET", "get-1m"),
    ("PUT 4 KiB", "PUT", "put-4k"),
]
BROWSER_OPS = [  # issue 4, no target; the wrk POSTs go round --put-keys keys post-NNNN
    ("OPTIONS preflight", "OPTIONS", "put-4k"),
    ("POST form 4 KiB", "POST", "post-"),
]
BROWSER_ORIGIN = "http://localhost:3000"
CORS_RULE = {"AllowedOrigins": [BROWSER_ORIGIN], "AllowedMethods": ["PUT", "POST"],
             "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}
PREFLIGHT_HEADERS = {"Origin": BROWSER_ORIGIN, "Access-Control-Request-Method": "PUT",
                     "Access-Control-Request-Headers": "content-type"}
FORM_BOUNDARY = "----minicloudbenchPy4YWxkTrZu0gW"
SERVERS = ["minicloud", "moto", "s3rver", "nginx"]
TARGETS = [  # (peer, wanted ratio minicloud/peer, rows it applies to)
    ("moto", 10.0, [o[0] for o in OPS]),
    ("s3rver", 3.0, [o[0] for o in OPS]),
    ("nginx", 0.5, ["GET 4 KiB"]),
]


def log(msg):
    print(f"[bench s3] {msg}", file=sys.stderr, flush=True)


def stop(srv):
    if srv.stop():
        log(f"stopped {srv.name}")


def start_minicloud(srv, binary):
    ready = os.path.join(srv.tmp, "minicloud-ready.json")
    srv.spawn([binary, "serve", "--port", "0", "--host", "127.0.0.1", "--in-memory",
               "--ready-file", ready, "--quiet"])
    deadline = time.monotonic() + 30
    while not (os.path.exists(ready) and os.path.getsize(ready) > 0):
        if srv.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("no ready file")
        time.sleep(0.05)
    time.sleep(0.05)  # the file is written in one go; give it a moment to be complete
    with open(ready) as f:
        srv.endpoint = json.load(f)["endpoint"].rstrip("/")


def start_moto(srv, python):
    port = free_port()
    srv.spawn([python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)])
    wait_for_port(port, srv.proc)
    srv.endpoint = f"http://127.0.0.1:{port}"


def start_s3rver(srv, script, node):
    port = free_port()
    data = os.path.join(srv.tmp, "s3rver-data")
    os.makedirs(data)
    srv.spawn([node, script, "-d", data, "-a", "127.0.0.1", "-p", str(port), "--silent"])
    wait_for_port(port, srv.proc)
    srv.endpoint = f"http://127.0.0.1:{port}"


def s3_client(endpoint, key_id, secret):
    import boto3
    from botocore.config import Config
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=key_id, aws_secret_access_key=secret,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 1}, connect_timeout=10, read_timeout=60))


def http(method, url, body=None):
    # A body without a Content-Type goes as a form (urllib's default), which moto tries to parse.
    headers = {"Content-Type": "application/octet-stream"} if body is not None else {}
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, r.read()


def answer(method, url, headers, body=None):
    """(status, headers, body) of one plain HTTP request, error statuses included."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def unexpected(got, status, header=None):
    """None if the answer has `status` (and `header`), else what it was, briefly."""
    code, headers, body = got
    if code == status and (header is None or headers.get(header)):
        return None
    error_code = re.search(rb"<Code>([^<]{1,40})</Code>", body)
    what = f"{code} {error_code.group(1).decode()}" if error_code else f"{code}"
    return what + (f" without {header}" if code == status else "")


def form_body(fields, key, payload):
    """multipart/form-data as a browser sends a form: the fields, then the file last."""
    parts = [(n, v) for n, v in fields.items() if n != "key"] + [("key", key)]
    body = b"".join(f'--{FORM_BOUNDARY}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n'
                    f"{v}\r\n".encode() for n, v in parts)
    return body + (f'--{FORM_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                   f'filename="avatar.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
                   ).encode() + payload + f"\r\n--{FORM_BOUNDARY}--\r\n".encode()


def prepare_browser(client, tmp, name, args):
    """The CORS rule and a POST policy on the bucket; per row a wrk target and a check that
    returns None when the server answers as S3 does, else what it answered."""
    try:
        client.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [CORS_RULE]})
    except Exception as e:  # the preflight check then says what the server makes of it
        log(f"{name}: put_bucket_cors failed: {e}")
    urls, checks = {}, {}
    (preflight_label, _, key), (post_label, _, prefix) = BROWSER_OPS
    url = f"{client.meta.endpoint_url}/{BUCKET}/{key}"
    urls[preflight_label] = (url, args.preflight_lua, list(PREFLIGHT_HEADERS.values()))
    checks[preflight_label] = lambda: unexpected(answer("OPTIONS", url, PREFLIGHT_HEADERS), 200,
                                                 "Access-Control-Allow-Origin")

    # boto3 turns a key ending in ${filename} into the condition ["starts-with", "$key", prefix].
    post = client.generate_presigned_post(BUCKET, prefix + "${filename}", ExpiresIn=24 * 3600,
                                          Conditions=[["content-length-range", 1, 1 << 20]])
    fields_path = os.path.join(tmp, f"{name}-post-fields.txt")
    with open(fields_path, "w") as f:
        f.writelines(f"{n}\t{v}\n" for n, v in post["fields"].items())
    urls[post_label] = (post["url"], args.post_lua,
                        [fields_path, str(args.threads), str(args.put_keys), prefix])

    def check_post():
        body = form_body(post["fields"], prefix + "check", os.urandom(SIZES["4k"]))
        got = unexpected(answer("POST", post["url"], {
            "Content-Type": f"multipart/form-data; boundary={FORM_BOUNDARY}"}, body), 204)
        if got is None:
            try:
                client.head_object(Bucket=BUCKET, Key=prefix + "check")
            except Exception:
                return "204, nothing stored"
        return got
    checks[post_label] = check_post
    return urls, checks


def prepare_s3(client, payloads, tmp, name, args):
    """Bucket + objects; presigned URLs per operation, each checked by plain HTTP. For PUT, a
    file of presigned paths, one per key (see s3_put.lua); the target is then (endpoint, wrk
    script, script arguments), as for the browser rows. Returns the targets and the checks."""
    client.create_bucket(Bucket=BUCKET)
    for key, body in payloads.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body)

    def presign(op, key):
        return client.generate_presigned_url(op, Params={"Bucket": BUCKET, "Key": key},
                                             ExpiresIn=24 * 3600)
    urls = {}
    for label, method, key in OPS:
        if method == "GET":
            urls[label] = presign("get_object", key)
            for _ in range(2):
                status, got = http("GET", urls[label])
                if status != 200 or got != payloads[key]:
                    raise RuntimeError(f"{label} over its presigned URL: HTTP {status}, {len(got)} bytes")
        else:
            put_urls = [presign("put_object", f"{key}-{i:04d}") for i in range(args.put_keys)]
            for url in put_urls[:2] * 2:  # a presigned PUT must work again on the same key
                status, _ = http("PUT", url, payloads[key])
                if status != 200:
                    raise RuntimeError(f"{label} over its presigned URL: HTTP {status}")
            paths = os.path.join(tmp, f"{name}-put-paths.txt")
            with open(paths, "w") as f:
                for u in put_urls:  # http://host:port/bucket/key?query -> /bucket/key?query
                    f.write("/" + u.split("/", 3)[3] + "\n")
            root = put_urls[0].split("/", 3)
            urls[label] = (f"{root[0]}//{root[2]}/", args.put_lua, [paths, str(args.threads)])
    browser_urls, checks = prepare_browser(client, tmp, name, args)
    return {**urls, **browser_urls}, checks


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * UNIT_MS[m.group(2)] if m else None


def parse_wrk(out):
    res = {"requests": 0, "seconds": 0.0, "non2xx": 0, "socket_errors": 0}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        res[f"p{pct}_ms"] = to_ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if m:
        res["requests"] = int(m.group(1))
        res["seconds"] = to_ms(m.group(2) + m.group(3)) / 1000.0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    ok = res["requests"] - res["non2xx"]
    res["rps"] = ok / res["seconds"] if res["seconds"] else 0.0
    return res


def wrk_argv(args, target, seconds, latency):
    """target: a URL, or (URL, wrk lua script, the script's arguments)."""
    argv = [args.wrk, "-t", str(args.threads), "-c", str(args.connections), "--timeout", "10s",
            "-d", f"{seconds}s"] + (["--latency"] if latency else [])
    if isinstance(target, tuple):
        url, script, script_args = target
        return argv + ["-s", script, url, "--"] + script_args
    return argv + [target]


def run_wrk(args, target, srv, seconds):
    cpu0 = srv.cpu()
    out = subprocess.run(wrk_argv(args, target, seconds, True), check=True,
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    res = parse_wrk(out)
    if not res["requests"]:
        raise RuntimeError("wrk reported no requests:\n" + out)
    res["server_cpu_s"] = srv.cpu() - cpu0
    return res


def warm_up(args, target, check=None):
    """wrk for --warmup seconds. With a check (the browser rows): first one request, which must
    be answered as S3 does, then no non-2xx answer in the warm-up. Returns None when all went
    well, else what the server answered."""
    if check:
        try:
            what = check()
        except Exception as e:
            what = type(e).__name__
        if what:
            return what
    try:
        out = subprocess.run(wrk_argv(args, target, args.warmup, False), capture_output=True,
                             text=True, timeout=args.warmup + 60).stdout
    except subprocess.SubprocessError:
        out = ""
    warm = parse_wrk(out)
    if check and (warm["non2xx"] or not warm["requests"]):
        return f"{warm['non2xx']}/{warm['requests']} non-2xx"
    return None


def merge_rounds(rounds):
    """One result from the rounds of one server and operation: requests, errors and CPU add
    up; p50 is the median of the rounds' p50s, p99 the worst round's (wrk gives no histogram)."""
    m = {k: sum(r[k] for r in rounds) for k in ("requests", "seconds", "non2xx", "socket_errors",
                                                 "server_cpu_s")}
    m["rps"] = (m["requests"] - m["non2xx"]) / m["seconds"] if m["seconds"] else 0.0
    m["p50_ms"] = statistics.median(r["p50_ms"] for r in rounds if r["p50_ms"] is not None)
    m["p99_ms"] = max(r["p99_ms"] for r in rounds if r["p99_ms"] is not None)
    m["server_cpu_us_per_req"] = 1e6 * m["server_cpu_s"] / m["requests"] if m["requests"] else 0.0
    m["rounds"] = rounds
    return m


def timed(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(1000.0 * (time.perf_counter() - t))
    return times


def summarize(times):
    times = sorted(times)
    n = len(times)
    return {"n": n, "p50_ms": statistics.median(times),
            "p99_ms": times[min(n - 1, max(0, -(-99 * n // 100) - 1))],
            "rps": 1000.0 * n / sum(times)}


def sequential_ops(client, payload):
    """One boto3 client: GET and PUT of 4 KiB, one after the other."""
    return {"boto3 GET 4 KiB": lambda: client.get_object(Bucket=BUCKET, Key="get-4k")["Body"].read(),
            "boto3 PUT 4 KiB": lambda: client.put_object(Bucket=BUCKET, Key="put-4k", Body=payload)}


def fmt_ms(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def fmt_rps(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def print_table(results, rss, rows, unsupported):
    col = 26
    head = f"{'':18}" + "".join(f"{s:>{col}}" for s in SERVERS) + "".join(
        f"{'mc/' + p:>12}" for p in SERVERS[1:])
    sub = f"{'operation':18}" + "".join(f"{'req/s  p50/p99 ms':>{col}}" for _ in SERVERS) + \
        "".join(f"{'req/s':>12}" for _ in SERVERS[1:])
    print(head)
    print(sub)
    print("-" * len(sub))
    for label in rows:
        line = f"{label:18}"
        for s in SERVERS:
            r = results.get(s, {}).get(label)
            what = unsupported.get(s, {}).get(label)
            cell = f"{fmt_rps(r['rps'])}  {fmt_ms(r['p50_ms'])}/{fmt_ms(r['p99_ms'])}" if r else \
                f"n/a ({what})" if what else "n/a"
            line += f"{cell:>{col}}"
        for peer in SERVERS[1:]:
            q = ratio(results, label, peer)
            line += f"{(f'{q:.2f}x' if q else 'n/a'):>12}"
        print(line)
    line = f"{'peak RSS (VmHWM)':18}"
    for s in SERVERS:
        line += f"{(f'{rss[s] / 1024:.1f} MiB' if rss.get(s) else 'n/a'):>{col}}"
    print(line)
    line = f"{'server CPU us/req':18}"
    for s in SERVERS:
        cpus = [f"{results[s][l]['server_cpu_us_per_req']:.0f}" if l in results.get(s, {}) else "-"
                for l, _, _ in OPS + BROWSER_OPS]
        line += f"{('/'.join(cpus) if s in results else 'n/a'):>{col}}"
    print(line + "   (GET 4K/GET 1M/PUT 4K/OPTIONS/POST 4K under wrk)")


def ratio(results, label, peer):
    mine, theirs = results.get("minicloud", {}).get(label), results.get(peer, {}).get(label)
    if not mine or not theirs or not theirs["rps"]:
        return None
    return mine["rps"] / theirs["rps"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minicloud", required=True)
    p.add_argument("--s3rver", required=True, help="s3rver's bin/s3rver.js")
    p.add_argument("--node", default="node")
    p.add_argument("--nginx", default="/usr/sbin/nginx")
    p.add_argument("--wrk", default="wrk")
    p.add_argument("--put-lua", default=os.path.join(here, "s3_put.lua"))
    p.add_argument("--preflight-lua", default=os.path.join(here, "s3_preflight.lua"))
    p.add_argument("--post-lua", default=os.path.join(here, "s3_post.lua"))
    p.add_argument("--moto-python", default=sys.executable, help="a python3 that has moto ('' = skip moto)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--seconds", type=int, default=10, help="wrk time per server and operation")
    p.add_argument("--rounds", type=int, default=2, help="turns the servers take (seconds split)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--sequential", type=int, default=300)
    p.add_argument("--put-keys", type=int, default=256, help="keys the wrk PUTs and POSTs go round")
    p.add_argument("--only", action="append", choices=SERVERS, help="only these servers (repeatable)")
    p.add_argument("--json", default="")
    args = p.parse_args()
    # the servers run in a temp dir
    for attr in ("minicloud", "s3rver", "put_lua", "preflight_lua", "post_lua", "json"):
        if getattr(args, attr):
            setattr(args, attr, os.path.abspath(getattr(args, attr)))

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    wanted = args.only or SERVERS
    if not args.moto_python and "moto" in wanted:
        log("moto is not installed: its column stays empty")
        wanted = [s for s in wanted if s != "moto"]
    payloads = {"get-4k": os.urandom(SIZES["4k"]), "get-1m": os.urandom(SIZES["1m"]),
                "put-4k": os.urandom(SIZES["4k"])}
    results, rss, errors = {}, {}, {}
    unsupported = {}  # server -> browser row -> what it answered instead
    load_start = os.getloadavg()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="minicloud-bench-s3-")
    os.chmod(tmp, 0o711)  # nginx's workers run as nobody when started by root
    servers, targets, checks, clients = {}, {}, {}, {}
    alive = lambda: [n for n in wanted if n in targets and n not in errors]

    def fail(name, e):
        errors[name] = f"{type(e).__name__}: {e}"
        log(f"{name} FAILED: {errors[name]}\n{servers[name].log_tail()}")

    try:
        # All servers run side by side; the measurements take turns (see the module doc).
        for name in wanted:
            srv = servers[name] = Server(name, tmp, log)
            try:
                if name == "minicloud":
                    start_minicloud(srv, args.minicloud)
                    client = s3_client(srv.endpoint, "test", "test")
                elif name == "moto":
                    start_moto(srv, args.moto_python)
                    client = s3_client(srv.endpoint, "test", "test")
                elif name == "s3rver":
                    start_s3rver(srv, args.s3rver, args.node)
                    client = s3_client(srv.endpoint, "S3RVER", "S3RVER")
                else:
                    start_nginx(srv, args.nginx, {f"{BUCKET}/{k}": v for k, v in payloads.items()})
                    client = None
                if client:
                    targets[name], checks[name] = prepare_s3(client, payloads, tmp, name, args)
                    clients[name] = client
                else:
                    urls = {l: f"{srv.endpoint}/{BUCKET}/{k}" for l, m, k in OPS if m == "GET"}
                    for label, method, key in OPS:
                        if label in urls:
                            status, got = http("GET", urls[label])
                            if status != 200 or got != payloads[key]:
                                raise RuntimeError(f"{label}: HTTP {status}, {len(got)} bytes")
                    targets[name] = urls
                results[name] = {}
            except Exception as e:  # one server failing must not lose the others' numbers
                fail(name, e)
                stop(srv)

        per_round = max(1, round(args.seconds / args.rounds))
        for label, _method, _key in OPS + BROWSER_OPS:
            names = [n for n in alive() if label in targets[n]]
            for name in names:
                log(f"{label}: {name} warm-up ({args.warmup} s)")
                what = warm_up(args, targets[name][label], checks.get(name, {}).get(label))
                if what:
                    unsupported.setdefault(name, {})[label] = what
                    log(f"{label}: {name} does not answer as S3 does ({what}): n/a")
            names = [n for n in names if label not in unsupported.get(n, {})]
            rounds = {n: [] for n in names}
            for r in range(args.rounds if names else 0):
                for name in names[r % len(names):] + names[:r % len(names)]:  # rotate the order
                    if name in errors:
                        continue
                    try:
                        res = run_wrk(args, targets[name][label], servers[name], per_round)
                        rounds[name].append(res)
                        log(f"{label}: {name} round {r + 1}/{args.rounds}: {res['rps']:.0f} req/s, "
                            f"p50 {fmt_ms(res['p50_ms'])} ms, p99 {fmt_ms(res['p99_ms'])} ms"
                            + (f", non-2xx {res['non2xx']}" if res["non2xx"] else "")
                            + (f", socket errors {res['socket_errors']}" if res["socket_errors"] else ""))
                    except Exception as e:
                        fail(name, e)
            for name in names:
                if rounds[name]:
                    results[name][label] = merge_rounds(rounds[name])

        names = [n for n in alive() if n in clients]
        if names and args.sequential > 0:
            log(f"boto3: {args.sequential} sequential GETs and PUTs per server, in {args.rounds} rounds")
            times = {n: {} for n in names}
            for name in names:  # warm-up: connection, credentials, code paths
                for label, fn in sequential_ops(clients[name], payloads["put-4k"]).items():
                    timed(fn, 20)
            for r in range(args.rounds):
                share = args.sequential // args.rounds + (r < args.sequential % args.rounds)
                for name in names[r % len(names):] + names[:r % len(names)]:
                    try:
                        for label, fn in sequential_ops(clients[name], payloads["put-4k"]).items():
                            times[name].setdefault(label, []).extend(timed(fn, share))
                    except Exception as e:
                        fail(name, e)
            for name in names:
                for label, t in times[name].items():
                    if t:
                        results[name][label] = summarize(t)

        for name in wanted:
            if name in servers:
                rss[name] = servers[name].rss_kb()
    finally:
        for srv in servers.values():
            stop(srv)
        shutil.rmtree(tmp, ignore_errors=True)

    rows = [o[0] for o in OPS + BROWSER_OPS] + ["boto3 GET 4 KiB", "boto3 PUT 4 KiB"]
    print()
    print(f"scripts/bench s3: wrk -t{args.threads} -c{args.connections} over presigned URLs "
          f"(POST: a presigned POST policy), "
          f"{args.seconds} s per server and row in {args.rounds} interleaved rounds (after {args.warmup} s "
          f"warm-up); boto3 rows: one client, {args.sequential} sequential requests (req/s = 1/mean)")
    print(f"{os.cpu_count()} cores; load average at start {' '.join(f'{x:.2f}' for x in load_start)}, "
          f"at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print_table(results, rss, rows, unsupported)
    for label in rows:
        for s in SERVERS:
            r = results.get(s, {}).get(label)
            if r and (r.get("non2xx") or r.get("socket_errors")):
                print(f"  note: {s} {label}: {r['non2xx']} non-2xx responses, "
                      f"{r['socket_errors']} socket errors (req/s counts 2xx only)")
    print()
    verdicts = []
    for peer, want, labels in TARGETS:
        for label in labels:
            q = ratio(results, label, peer)
            ok = q is not None and q >= want
            verdicts.append({"row": label, "peer": peer, "want": want, "ratio": q,
                             "met": ok if q is not None else None})
            got = f"{q:.2f}x" if q is not None else "not measured"
            state = "met" if ok else ("NOT MET" if q is not None else "unknown")
            print(f"target {label:10} minicloud >= {want:g}x {peer:7}: {got:>12}  {state}")
    for name, err in errors.items():
        print(f"error: {name}: {err}")
    print(f"\ntook {time.monotonic() - started:.0f} s")
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "connections": args.connections,
                       "seconds": args.seconds, "rounds": args.rounds, "warmup": args.warmup,
                       "sequential": args.sequential, "put_keys": args.put_keys,
                       "cores": os.cpu_count(), "loadavg_start": load_start,
                       "loadavg_end": os.getloadavg(), "results": results,
                       "peak_rss_kb": rss, "targets": verdicts, "errors": errors,
                       "unsupported": unsupported}, f, indent=1)
        print(f"results: {args.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
