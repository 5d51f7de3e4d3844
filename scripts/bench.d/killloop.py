#!/usr/bin/env python3
"""scripts/bench killloop: kill -9 `minicloud serve` in the middle of concurrent writes, restart
it on the same data dir, and check that nothing acknowledged was lost or torn.

Each round: start the server on the persistent data dir (a stack with one bucket), --writers
threads (boto3, retries off) loop over
  put        a new key, 0 B..6 MiB (sizes drawn from a fixed list)
  overwrite  a new body for one of the thread's keys
  delete     one of the thread's keys
  multipart  CreateMultipartUpload, 5 MiB + 0..1 MiB parts, CompleteMultipartUpload
and the server gets SIGKILL at a random moment (uniform over --kill-after MIN MAX seconds
after the writers start). Every key's acceptable outcomes are tracked: a write answered 2xx
before the kill has exactly one (its body, or absent after a delete); a write still in flight
may have happened or not (old or new). After the restart:
  lost      an acknowledged write whose key is missing (or a delete undone)
  corrupt   a key present with bytes (sha256 of a GET, this round's keys; ETag and size for
            the older ones from the listing) that match no acceptable outcome
  phantom   a listed key no write ever made
  orphans   files under blobs/ that no object or upload part references (files on disk minus
            ListObjectsV2 keys minus ListParts of every in-progress upload); tmp/ leftovers
            (both should be removed by the startup sweep, see emulator/store/store.cpp)
  dangling  references whose file is gone (the negative of orphans)
  swept     files the startup sweep removed (blobs/ and tmp/ counted before and after the
            restart): temp files and bodies of the writes the kill cut short
Uploads left in progress by the kill are counted, then aborted through the server. After
the last round every key is read back once more and compared by sha256. Table on stdout,
JSON to --json. Exit status 1 when anything is lost, corrupt, phantom, orphaned or dangling.
"""
import argparse
import collections
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BUCKET = "killloop"
MIB = 1024 * 1024
SIZES = [0, 1, 100, 4096, 65536, 300000, MIB, 6 * MIB]
SIZE_WEIGHTS = [1, 2, 4, 6, 4, 2, 1, 0.5]
OPS = {"put": 6, "overwrite": 2, "delete": 1, "multipart": 0.5}
ABSENT = None  # an outcome: the key does not exist


def log(msg):
    print(f"[bench killloop] {msg}", file=sys.stderr, flush=True)


def s3_client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1, "mode": "standard"},
                      connect_timeout=10, read_timeout=60))


class Outcome(collections.namedtuple("Outcome", "sha256 size etag")):
    """One acceptable content of a key."""

    @staticmethod
    def of(body, etag=None):
        return Outcome(hashlib.sha256(body).hexdigest(), len(body), etag or hashlib.md5(body).hexdigest())


def multipart_etag(parts):
    return hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + f"-{len(parts)}"


class Server:
    def __init__(self, binary, tmp):
        self.binary, self.tmp = binary, tmp
        self.data = os.path.join(tmp, "data")
        self.stack = os.path.join(tmp, "stack.json")
        with open(self.stack, "w") as f:
            json.dump({"buckets": [{"name": BUCKET}]}, f)
        self.proc = None

    def start(self):
        ready = os.path.join(self.tmp, "ready.json")
        if os.path.exists(ready):
            os.unlink(ready)
        log_file = open(os.path.join(self.tmp, "server.log"), "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([self.binary, "serve", "--port", "0", "--data-dir", self.data, "--quiet",
                                      "--stack", self.stack, "--ready-file", ready],
                                     stdout=log_file, stderr=subprocess.STDOUT)
        log_file.close()
        deadline = time.time() + 60
        while not os.path.exists(ready):
            if time.time() > deadline or self.proc.poll() is not None:
                with open(os.path.join(self.tmp, "server.log")) as f:
                    raise SystemExit("minicloud did not start:\n" + f.read()[-3000:])
            time.sleep(0.01)
        with open(ready) as f:
            self.endpoint = json.load(f)["endpoint"].rstrip("/")
        return time.perf_counter() - t0

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Writers:
    """--writers threads writing until the server dies; `state` maps key -> set of Outcomes."""

    def __init__(self, endpoint, state, round_no, threads, seed, big):
        self.endpoint, self.state, self.round_no = endpoint, state, round_no
        self.lock = threading.Lock()
        self.dead = threading.Event()
        self.ready = threading.Barrier(threads + 1)  # clients made: the kill clock starts
        self.counts = collections.Counter()
        self.big = big
        self.threads = [threading.Thread(target=self.run, args=(t, random.Random(seed * 7919 + round_no * 101 + t)))
                        for t in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()
        self.ready.wait()

    def join(self):
        self.dead.set()
        for t in self.threads:
            t.join()

    def body(self, rng, key, size):
        if size <= 65536:
            return os.urandom(size)
        tag = f"{key}#{rng.random()}".encode()[:64].ljust(64, b"\0")  # unique bytes up front
        return (tag + self.big[: size - 64])[:size]

    def attempt(self, key, new_outcome, fn):
        """Runs one write: before it the key may end up old-or-new, after a 2xx only new."""
        with self.lock:
            old = self.state.get(key, {ABSENT})
            self.state[key] = set(old) | {new_outcome}
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - any failure leaves the write in doubt
            self.counts["in doubt" if self.dead.is_set() or is_connection_error(e) else f"error {e}"[:120]] += 1
            return False
        with self.lock:
            self.state[key] = {new_outcome}
        return True

    def run(self, t, rng):
        s3 = s3_client(self.endpoint)
        self.ready.wait()
        mine = []
        seq = 0
        ops, weights = zip(*OPS.items())
        while not self.dead.is_set():
            op = rng.choices(ops, weights)[0]
            if op in ("overwrite", "delete") and not mine:
                op = "put"
            if op == "put" or op == "overwrite":
                if op == "put":
                    seq += 1
                    key = f"r{self.round_no:03d}/t{t:02d}/{seq}"
                else:
                    key = rng.choice(mine)
                body = self.body(rng, key, rng.choices(SIZES, SIZE_WEIGHTS)[0])
                ok = self.attempt(key, Outcome.of(body), lambda: s3.put_object(Bucket=BUCKET, Key=key, Body=body))
                if ok and op == "put":
                    mine.append(key)
            elif op == "delete":
                key = mine.pop(rng.randrange(len(mine)))
                ok = self.attempt(key, ABSENT, lambda: s3.delete_object(Bucket=BUCKET, Key=key))
            else:
                seq += 1
                key = f"r{self.round_no:03d}/t{t:02d}/{seq}-mp"
                try:
                    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
                    parts = [self.body(rng, key, 5 * MIB), self.body(rng, key + "#2", rng.randint(0, MIB))]
                    done = []
                    for n, p in enumerate(parts, start=1):
                        etag = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=n, Body=p)["ETag"]
                        done.append({"PartNumber": n, "ETag": etag})
                except Exception:  # noqa: BLE001 - the upload is left in progress; the object never existed
                    self.counts["in doubt"] += 1
                    continue
                outcome = Outcome.of(b"".join(parts), multipart_etag(parts))
                ok = self.attempt(key, outcome, lambda: s3.complete_multipart_upload(
                    Bucket=BUCKET, Key=key, UploadId=up, MultipartUpload={"Parts": done}))
                if ok:
                    mine.append(key)
            if ok:
                self.counts[f"acked {op}"] += 1


def is_connection_error(e):
    from botocore.exceptions import ConnectionError as BotoConnectionError, ReadTimeoutError
    return isinstance(e, (BotoConnectionError, ReadTimeoutError, ConnectionError))


def list_all(s3):
    out, token = {}, None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket=BUCKET, MaxKeys=1000, **kw)
        for o in page.get("Contents", []):
            out[o["Key"]] = (o["Size"], o["ETag"].strip('"'))
        if not page.get("IsTruncated"):
            return out
        token = page["NextContinuationToken"]


def get_sha(s3, key):
    h = hashlib.sha256()
    stream = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    for chunk in iter(lambda: stream.read(MIB), b""):
        h.update(chunk)
    return h.hexdigest()


def files_under(path):
    return sum(len(files) for _, _, files in os.walk(path))


def verify(s3, state, data_dir, read_back):
    """Checks the restarted server against `state`; narrows each key to what it holds now."""
    res = collections.Counter()
    problems = []
    listed = list_all(s3)
    for key, outcomes in sorted(state.items()):
        if key not in listed:
            if ABSENT in outcomes:
                state[key] = {ABSENT}
            else:
                res["lost"] += 1
                problems.append(f"lost: {key}")
            continue
        size, etag = listed[key]
        if outcomes == {ABSENT}:
            res["lost"] += 1
            problems.append(f"lost: {key} (an acknowledged delete undone)")
            continue
        candidates = [o for o in outcomes if o is not ABSENT and o.size == size and o.etag == etag]
        if candidates and read_back(key):
            sha = get_sha(s3, key)
            candidates = [o for o in candidates if o.sha256 == sha]
            res["read back"] += 1
        if not candidates:
            res["corrupt"] += 1
            problems.append(f"corrupt: {key} size {size} etag {etag}, expected one of {outcomes}")
            continue
        state[key] = {candidates[0]}
    res["phantom"] = sum(1 for k in listed if k not in state)
    problems += [f"phantom: {k}" for k in listed if k not in state]
    uploads = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    parts = 0
    for u in uploads:
        parts += len(s3.list_parts(Bucket=BUCKET, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", []))
    files = files_under(os.path.join(data_dir, "blobs"))
    res["orphans"] = max(0, files - len(listed) - parts)
    res["dangling"] = max(0, len(listed) + parts - files)
    res["tmp files"] = files_under(os.path.join(data_dir, "tmp"))
    res["objects"] = len(listed)
    res["uploads left"] = len(uploads)
    for u in uploads:  # S3 keeps them until aborted; abort so the next round starts clean
        s3.abort_multipart_upload(Bucket=BUCKET, Key=u["Key"], UploadId=u["UploadId"])
    return res, problems


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("rounds", nargs="?", type=int, default=20)
    p.add_argument("--minicloud", required=True)
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--kill-after", type=float, nargs=2, default=[0.2, 4.0], metavar=("MIN", "MAX"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", help="write the results here")
    args = p.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="bench-killloop-")
    server = Server(os.path.abspath(args.minicloud), tmp)
    state = {}
    rounds = []
    totals = collections.Counter()
    all_problems = []
    big = os.urandom(6 * MIB)
    try:
        server.start()
        for r in range(1, args.rounds + 1):
            writers = Writers(server.endpoint, state, r, args.writers, args.seed, big)
            writers.start()
            kill_at = rng.uniform(*args.kill_after)
            time.sleep(kill_at)
            server.kill()
            writers.join()
            on_disk = files_under(os.path.join(server.data, "blobs")) + files_under(os.path.join(server.data, "tmp"))
            restart_s = server.start()
            swept = on_disk - files_under(os.path.join(server.data, "blobs")) - files_under(
                os.path.join(server.data, "tmp"))
            s3 = s3_client(server.endpoint)
            prefix = f"r{r:03d}/"
            res, problems = verify(s3, state, server.data, lambda k: k.startswith(prefix) or len(state[k]) > 1)
            row = {"round": r, "kill_after_s": round(kill_at, 2), "restart_s": round(restart_s, 3), "swept": swept,
                   **dict(writers.counts), **dict(res)}
            rounds.append(row)
            for k in ("swept", "lost", "corrupt", "phantom", "orphans", "dangling", "tmp files", "uploads left", "in doubt"):
                totals[k] += row.get(k, 0)
            totals["acked"] += sum(v for k, v in writers.counts.items() if k.startswith("acked"))
            totals["errors"] += sum(v for k, v in writers.counts.items() if k.startswith("error"))
            all_problems += [f"round {r}: {x}" for x in problems]
            log(f"round {r:2d}: killed after {kill_at:.2f} s, restart {restart_s * 1000:.0f} ms, "
                + ", ".join(f"{k} {v}" for k, v in sorted(row.items()) if k not in ("round", "kill_after_s", "restart_s")))
        # Every surviving key, byte for byte, once more.
        s3 = s3_client(server.endpoint)
        final, problems = verify(s3, state, server.data, lambda k: True)
        all_problems += [f"final: {x}" for x in problems]
        server.stop()

        print()
        print(f"scripts/bench killloop {args.rounds}: {args.writers} writers, kill -9 after "
              f"{args.kill_after[0]}..{args.kill_after[1]} s, {os.cpu_count()} cores, load avg {os.getloadavg()[0]:.1f}")
        cols = {"acked put": "+put", "acked overwrite": "+overwr", "acked delete": "+delete",
                "acked multipart": "+mpu", "in doubt": "in doubt", "swept": "swept", "lost": "lost",
                "corrupt": "corrupt", "phantom": "phantom", "orphans": "orphans", "dangling": "dangling",
                "tmp files": "tmp", "uploads left": "mpu left", "objects": "objects"}
        print(f"{'round':>5}{'kill s':>7}{'restart ms':>11}" + "".join(f"{c:>9}" for c in cols.values()))
        for row in rounds:
            print(f"{row['round']:5d}{row['kill_after_s']:7.2f}{row['restart_s'] * 1000:11.0f}"
                  + "".join(f"{row.get(c, 0):9d}" for c in cols))
        print()
        print(f"acknowledged writes {totals['acked']}, in doubt at the kill {totals['in doubt']}, "
              f"other errors {totals['errors']}")
        print(f"removed by the startup sweep (temp files, bodies of writes cut short): {totals['swept']}")
        print(f"lost {totals['lost']}, corrupt {totals['corrupt']} (goal 0/0); phantom {totals['phantom']}, "
              f"orphan files {totals['orphans']}, dangling {totals['dangling']}, tmp files {totals['tmp files']} "
              f"after restart; uploads left in progress {totals['uploads left']} (aborted)")
        print(f"final read-back: {final['read back']} objects by sha256, lost {final['lost']}, "
              f"corrupt {final['corrupt']}, orphans {final['orphans']}, dangling {final['dangling']}")
        for x in all_problems[:20]:
            print("  " + x)
        bad = sum(totals[k] for k in ("lost", "corrupt", "phantom", "orphans", "dangling", "tmp files", "errors"))
        bad += sum(final[k] for k in ("lost", "corrupt", "phantom", "orphans", "dangling"))
        if args.json:
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            with open(args.json, "w") as f:
                json.dump({"args": vars(args), "rounds": rounds, "totals": dict(totals), "final": dict(final),
                           "problems": all_problems}, f, indent=2)
        if bad:
            sys.exit(1)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
