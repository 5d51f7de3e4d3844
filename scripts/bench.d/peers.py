"""The servers a benchmark starts beside minicloud, and the plumbing of running them: a process
per server in its own session that dies with the benchmark (PR_SET_PDEATHSIG) and is stopped
by its process group, a free loopback port and the wait for it, nginx serving a directory of
files (the ceiling), and the CPU time and peak RSS of a server's process tree from /proc.

Imported by the benchmarks in this folder (s3.py, cdn.py), which put this folder on sys.path.
"""
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def die_with_parent():
    """preexec_fn: SIGTERM the child when this process dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with status {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"not listening on port {port} after {seconds} s")


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def process_tree(pid):
    pids = [pid]
    for c in children(pid):
        pids += process_tree(c)
    return pids


def vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """utime + stime of one process (all its threads)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


class Server:
    """One server process, its output in TMP/NAME.log; `log` is the benchmark's stderr logger."""

    def __init__(self, name, tmp, log):
        self.name, self.tmp, self.log = name, tmp, log
        self.proc = None
        self.endpoint = ""
        self.log_path = os.path.join(tmp, f"{name}.log")

    def spawn(self, argv, cwd=None, env=None):
        self.log(f"starting {self.name}: {' '.join(argv)}")
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(argv, cwd=cwd or self.tmp, env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=die_with_parent)

    def log_tail(self):
        with contextlib.suppress(OSError), open(self.log_path, "rb") as f:
            return f.read()[-600:].decode("utf-8", "replace").strip()
        return ""

    def pids(self):
        """The process and its children (nginx: master + workers)."""
        return process_tree(self.proc.pid) if self.proc and self.proc.poll() is None else []

    def rss_kb(self):
        return sum(vm_hwm_kb(p) for p in self.pids())

    def cpu(self):
        return sum(cpu_seconds(p) for p in self.pids())

    def stop(self):
        """SIGTERM to the process group, SIGKILL after 10 s; True if it was still running."""
        if not self.proc or self.proc.poll() is not None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        return True


NGINX_CONF = """daemon off;
master_process on;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path {prefix}/tmp/body;
  proxy_temp_path {prefix}/tmp/proxy;
  fastcgi_temp_path {prefix}/tmp/fastcgi;
  uwsgi_temp_path {prefix}/tmp/uwsgi;
  scgi_temp_path {prefix}/tmp/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {prefix}/www;
  }}
}}
"""


def start_nginx(srv, binary, files):
    """nginx (a worker per core, sendfile) serving `files` ({relative path: bytes}) from
    SRV.tmp/nginx/www on a free port; sets srv.endpoint."""
    prefix = os.path.join(srv.tmp, "nginx")
    os.makedirs(os.path.join(prefix, "tmp"))
    for path, body in files.items():
        path = os.path.join(prefix, "www", path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)
    for root, _, _ in os.walk(prefix):
        os.chmod(root, 0o755)  # nginx's workers run as nobody when started by root
    port = free_port()
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(prefix=prefix, port=port, workers=os.cpu_count() or 1))
    srv.spawn([binary, "-p", prefix + "/", "-e", os.path.join(prefix, "error.log"), "-c", conf])
    wait_for_port(port, srv.proc)
    srv.endpoint = f"http://127.0.0.1:{port}"
