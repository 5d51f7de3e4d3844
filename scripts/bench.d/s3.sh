#!/usr/bin/env bash
# scripts/bench s3 [--seconds S] [--rounds N] [--warmup S] [--sequential N] [--only SERVER]...
# (see s3.py). Installs the Debian packages (wrk, nginx) and s3rver (npm, pinned by
# bench/package-lock.json), builds minicloud, then runs minicloud, moto server, s3rver and
# nginx side by side, measures them in turns (presigned GET/PUT, and the browser's CORS
# preflight and form POST upload), prints the table and writes bench/out/s3.json. About 4 minutes.
source "$(dirname "$0")/../lib/common.sh"
ensure_packages "$ROOT/scripts/lib/packages.txt" "$ROOT/scripts/lib/bench-packages.txt"
# Node + npm for s3rver: Debian's, unless a node with its own npm is there already
# (NodeSource's nodejs bundles npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  ensure_packages <(printf 'nodejs\nnpm\n')
fi
build
if [[ ! -f "$ROOT/bench/node_modules/s3rver/bin/s3rver.js" || "$ROOT/bench/package-lock.json" -nt "$ROOT/bench/node_modules" ]]; then
  log "installing s3rver from npm (bench/package-lock.json)"
  (cd "$ROOT/bench" && npm ci --no-audit --no-fund --loglevel=error)
fi

# boto3 drives every server; moto server is the image's python3 package. Debian: python3-boto3,
# and python3-moto where the release has it (bookworm does not: the moto column stays empty).
py="$(python_with_boto3)" || { ensure_packages <(printf 'python3-boto3\n'); py=/usr/bin/python3; }
moto_py=""
for cand in "$py" python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import moto.server' 2>/dev/null; then moto_py="$(command -v "$cand")"; break; fi
done
if [[ -z "$moto_py" ]] && apt-cache policy python3-moto 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  ensure_packages <(printf 'python3-moto\n')
  /usr/bin/python3 -c 'import moto.server' 2>/dev/null && moto_py=/usr/bin/python3
fi
[[ -n "$moto_py" ]] || log "moto is not installed and Debian has no python3-moto here: moto is left out"
# The interpreters themselves, not pyenv shims (a shim runs python as its child, so a SIGTERM
# to this script's pid would miss s3.py and its servers).
py="$("$py" -c 'import sys; print(sys.executable)')"
[[ -z "$moto_py" ]] || moto_py="$("$moto_py" -c 'import sys; print(sys.executable)')"

log "benchmarking S3: minicloud, moto, s3rver, nginx (about 4 minutes)"
# exec: SIGINT/SIGTERM go straight to s3.py, whose finally/PDEATHSIG stop every server it started.
exec "$py" "$ROOT/scripts/bench.d/s3.py" \
  --minicloud "$BUILD_DIR/bin/minicloud" \
  --s3rver "$ROOT/bench/node_modules/s3rver/bin/s3rver.js" \
  --nginx "$(command -v nginx || echo /usr/sbin/nginx)" \
  --moto-python "$moto_py" \
  --json "$ROOT/bench/out/s3.json" \
  "$@"
