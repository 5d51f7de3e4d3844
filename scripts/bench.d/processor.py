#!/usr/bin/env python3
"""Times the avatar resize (512x512 JPEG cover) on every photo, side by side in one run:

  minicloud process    one process per image (start-up included), like a CLI batch
  minicloud library    processor::process() in a long-lived loop (bench/processor_loop.cpp)
  sharp                the Lambda's call sharp(buf).resize(512,512).jpeg().toBuffer() in Node
  vips thumbnail       libvips' CLI, one process per image
  ImageMagick convert  -resize 512x512^ -gravity center -extent 512x512, one process per image

Each tool runs on one worker (one thread: VIPS_CONCURRENCY=1, sharp.concurrency(1),
MAGICK_THREAD_LIMIT=1) and on N parallel workers (N = cores; N threads in the loops, N
processes for the CLIs), after a warm-up, for --seconds each, split into --rounds that
interleave the tools. Peak RSS is the largest maximum resident set of one process (wait4
for the CLIs; the loops report their own getrusage / process.resourceUsage). Also prints the PSNR of minicloud's output
against sharp's, both made live in this run, with minicloud's two deliberate fixes turned
off (as sharp: no EXIF autorotate, transparency flattened onto black).

Called by scripts/bench processor, which installs and builds first.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff")


@dataclass
class Run:
    images: int = 0
    seconds: float = 0.0
    max_rss_kb: int = 0
    error: str = ""

    def add(self, other):
        """Sums two measurements of the same thing (rounds)."""
        self.images += other.images
        self.seconds += other.seconds
        self.max_rss_kb = max(self.max_rss_kb, other.max_rss_kb)
        self.error = self.error or other.error

    @property
    def per_s(self):
        return self.images / self.seconds if self.seconds > 0 and self.images else 0.0

    @property
    def ms(self):
        return 1000.0 * self.seconds / self.images if self.images else 0.0


@dataclass
class Row:
    tool: str
    one: Run = field(default_factory=Run)
    many: Run = field(default_factory=Run)


def spawn_and_wait(argv, env):
    """Runs argv to completion with output discarded; returns (exit status, max RSS in KB)."""
    devnull = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=devnull)
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss


def per_process(make_argv, env, workers, seconds, min_runs, tmp):
    """Starts one process per image on `workers` parallel lanes until `seconds` have passed
    (and each lane did `min_runs`). Start-up time is part of what is measured."""
    run, lock = Run(), threading.Lock()

    def lane(index):
        out = os.path.join(tmp, f"lane{index}.jpg")
        deadline, done = time.perf_counter() + seconds, 0
        while time.perf_counter() < deadline or done < min_runs:
            code, rss = spawn_and_wait(make_argv(out), env)
            with lock:
                if code != 0:
                    run.error = f"exit status {code}"
                    return
                run.images += 1
                run.max_rss_kb = max(run.max_rss_kb, rss)
            done += 1

    start = time.perf_counter()
    lanes = [threading.Thread(target=lane, args=(i,)) for i in range(workers)]
    for t in lanes:
        t.start()
    for t in lanes:
        t.join()
    run.seconds = time.perf_counter() - start
    return run


def in_process_loop(argv, env):
    """Runs a loop program that prints one JSON line (images, seconds, max_rss_kb)."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    if proc.returncode != 0:
        return Run(error=(err.strip().splitlines() or [f"exit status {proc.returncode}"])[-1][:120])
    line = json.loads(out.strip().splitlines()[-1])
    return Run(images=line["images"], seconds=line["seconds"], max_rss_kb=line["max_rss_kb"])


def photos_in(directory, only):
    names = sorted(n for n in os.listdir(directory) if n.lower().endswith(IMAGE_SUFFIXES))
    return [os.path.join(directory, n) for n in names if not only or only in n]


def image_info(path, vips):
    """'6028x3391' from vipsheader, for the table heading (best effort)."""
    try:
        out = subprocess.run([vips + "header", path], capture_output=True, text=True, timeout=10).stdout
        return out.split(":", 1)[1].split()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


class Bench:
    def __init__(self, args, tmp):
        self.a, self.tmp = args, tmp
        base = dict(os.environ)
        base.pop("VIPS_CONCURRENCY", None)
        self.env = {**base, "VIPS_CONCURRENCY": "1", "MAGICK_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1"}

    TOOLS = ("minicloud process", "minicloud library", "sharp", "vips thumbnail", "ImageMagick convert")

    def cli_argv(self, tool, photo):
        """For the one-process-per-image tools: output path -> argv."""
        a = self.a
        if tool == "minicloud process":
            return lambda out: [a.minicloud, "process", photo, out]
        if tool == "vips thumbnail":
            return lambda out: ["vips", "thumbnail", photo, out + "[Q=80,strip]", "512", "--height", "512",
                                "--crop", "centre"]
        if tool == "ImageMagick convert":
            return lambda out: [a.convert, photo, "-resize", "512x512^", "-gravity", "center", "-extent", "512x512",
                                "-quality", "80", "-strip", out]
        return None

    def loop_argv(self, tool, photo, workers, seconds, out=None):
        a = self.a
        extra = ["--out", out] if out else []
        program = [a.loop] if tool == "minicloud library" else ["node", a.sharp_loop]
        return [*program, "--threads", str(workers), "--seconds", f"{seconds:.3f}", *extra, photo]

    def measure(self, tool, photo, workers, seconds, out=None):
        make_argv = self.cli_argv(tool, photo)
        if make_argv:
            return per_process(make_argv, self.env, workers, seconds, self.a.min_runs, self.tmp)
        env = {**self.env, "UV_THREADPOOL_SIZE": str(workers)}
        return in_process_loop(self.loop_argv(tool, photo, workers, seconds, out), env)

    def warm_up(self, tool, photo):
        """One untimed run of each CLI (file cache, dynamic loader); '' or an error."""
        make_argv = self.cli_argv(tool, photo)
        if not make_argv:
            return ""
        code, _ = spawn_and_wait(make_argv(os.path.join(self.tmp, "warm.jpg")), self.env)
        return f"exit status {code}" if code else ""

    def psnr_vs_sharp(self, photo, sharp_out):
        """minicloud's output made like sharp's (no autorotate, black background) vs sharp's."""
        ours = os.path.join(self.tmp, "minicloud-like-sharp.jpg")
        made = subprocess.run([self.a.loop, "--like-sharp", "--seconds", "0.01", "--out", ours, photo],
                              capture_output=True, text=True, env=self.env)
        if made.returncode != 0 or not os.path.exists(sharp_out):
            return None
        cmp = subprocess.run([self.a.loop, "psnr", ours, sharp_out], capture_output=True, text=True)
        return float(cmp.stdout) if cmp.returncode == 0 else None

    def photo(self, photo):
        """Every tool, interleaved over --rounds so that other load on the machine hits all
        tools alike rather than whichever happened to run at a busy moment."""
        sharp_out = os.path.join(self.tmp, "sharp.jpg")
        if os.path.exists(sharp_out):
            os.remove(sharp_out)
        rows = {tool: Row(tool) for tool in self.TOOLS}
        for tool in self.TOOLS:
            rows[tool].one.error = rows[tool].many.error = self.warm_up(tool, photo)
        seconds = self.a.seconds / self.a.rounds
        for round_index in range(self.a.rounds):
            for tool, row in rows.items():
                if row.one.error:
                    continue
                out = sharp_out if tool == "sharp" and round_index == 0 else None
                row.one.add(self.measure(tool, photo, 1, seconds, out))
                row.many.add(self.measure(tool, photo, self.a.workers, seconds))
        return list(rows.values()), self.psnr_vs_sharp(photo, sharp_out)


def ratio(run, sharp_run):
    if run.error or sharp_run.error or not sharp_run.per_s:
        return "-"
    return f"{run.per_s / sharp_run.per_s:.2f}x"


def print_table(photo, info, rows, psnr, workers):
    name = os.path.basename(photo)
    size_kb = os.path.getsize(photo) / 1024
    psnr_text = "n/a" if psnr is None else ("identical" if psnr >= 99 else f"{psnr:.1f} dB")
    print(f"\n{name}  {info}, {size_kb:.0f} KB   PSNR vs sharp (no autorotate, black bg): {psnr_text}")
    head = (f"  {'tool':<20} {'ms/img':>8} {'img/s':>7} {'RSS MB':>7} | {f'img/s x{workers}':>10} {'RSS MB':>7}"
            f" | {'vs sharp 1t':>11} {f'{workers}w':>6}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    sharp = next(r for r in rows if r.tool == "sharp")
    for r in rows:
        if r.one.error:
            print(f"  {r.tool:<20} failed: {r.one.error}")
            continue
        many = f"{r.many.per_s:>10.1f} {r.many.max_rss_kb / 1024:>7.0f}" if not r.many.error else f"{'failed':>18}"
        print(f"  {r.tool:<20} {r.one.ms:>8.1f} {r.one.per_s:>7.1f} {r.one.max_rss_kb / 1024:>7.0f} | {many}"
              f" | {ratio(r.one, sharp.one):>11} {ratio(r.many, sharp.many):>6}")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", required=True)
    p.add_argument("--minicloud", required=True)
    p.add_argument("--loop", required=True, help="processor_bench binary")
    p.add_argument("--sharp-loop", required=True, help="bench/sharp_loop.mjs")
    p.add_argument("--convert", default="/usr/bin/convert")
    p.add_argument("--seconds", type=float, default=1.5, help="timed seconds per tool and mode")
    p.add_argument("--rounds", type=int, default=3, help="split --seconds into this many interleaved rounds")
    p.add_argument("--min-runs", type=int, default=1, help="at least this many images per lane and round")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--only", default="", help="only photos whose name contains this")
    p.add_argument("--json", default="", help="also write the results here")
    args = p.parse_args()

    photos = photos_in(args.photos, args.only)
    if not photos:
        sys.exit(f"no photos in {args.photos}")
    print(f"processor bench: {len(photos)} photos, 512x512 JPEG cover, {args.seconds:g} s per tool and mode "
          f"in {args.rounds} interleaved rounds, "
          f"1 and {args.workers} workers; ratio = images/s / sharp's (higher is faster)")
    # Other work on the machine skews every number; say how busy it was.
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    results = []
    with tempfile.TemporaryDirectory(prefix="minicloud-bench-") as tmp:
        bench = Bench(args, tmp)
        for photo in photos:
            rows, psnr = bench.photo(photo)
            print_table(photo, image_info(photo, "vips"), rows, psnr, args.workers)
            results.append({"photo": os.path.basename(photo), "psnr_vs_sharp_db": psnr,
                            "tools": {r.tool: {"one": r.one.__dict__, "many": r.many.__dict__} for r in rows}})
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"workers": args.workers, "seconds": args.seconds, "rounds": args.rounds,
                       "photos": results}, f, indent=1)
        print(f"\nresults: {args.json}")


if __name__ == "__main__":
    main()
