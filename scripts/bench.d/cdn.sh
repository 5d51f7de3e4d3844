#!/usr/bin/env bash
# scripts/bench cdn [--seconds S] [--rounds N] [--threads T] [--connections C]: see cdn.py.
# Installs wrk and nginx (Debian), builds minicloud, then measures cache-hit GETs of a 4 KiB
# and a 60 KiB avatar through minicloud's CDN, beside nginx serving the same files and
# minicloud's own S3 GET, in this one run; prints the table and writes bench/out/cdn.json.
# About 2 minutes.
source "$(dirname "$0")/../lib/common.sh"
ensure_packages "$ROOT/scripts/lib/packages.txt" "$ROOT/scripts/lib/bench-packages.txt"
build
py="$(python_with_boto3)" || py=python3
# The interpreter itself, not a pyenv shim (a shim runs python as its child, so a SIGTERM to
# this script's pid would miss cdn.py and the servers it started).
py="$("$py" -c 'import sys; print(sys.executable)')"
log "benchmarking the CDN: minicloud CDN hits, minicloud S3 GET, nginx"
exec "$py" "$ROOT/scripts/bench.d/cdn.py" \
  --minicloud "$BUILD_DIR/bin/minicloud" \
  --nginx "$(command -v nginx || echo /usr/sbin/nginx)" \
  --json "$ROOT/bench/out/cdn.json" \
  "$@"
