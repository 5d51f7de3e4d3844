#!/usr/bin/env bash
# scripts/bench soak [SECONDS] [--clients N] [--procs N]: see soak.py.
# Builds minicloud, starts `minicloud serve` (default stack, temp data dir on disk), runs 64
# concurrent clients mixing every operation for SECONDS (default 600), samples the server's
# RSS and open fds every 5 s; prints the table and writes bench/out/soak.json.
source "$(dirname "$0")/../lib/common.sh"
ensure_packages "$ROOT/scripts/lib/packages.txt"
build
py="$(python_with_boto3)" || { ensure_packages <(printf 'python3-boto3\n'); py=/usr/bin/python3; }
py="$("$py" -c 'import sys; print(sys.executable)')"
log "soak test of minicloud serve (${1:-600} s)"
exec "$py" "$ROOT/scripts/bench.d/soak.py" \
  --minicloud "$BUILD_DIR/bin/minicloud" \
  --photos "${MINICLOUD_PHOTOS:-$ROOT/../shared/photos}" \
  --json "$ROOT/bench/out/soak.json" \
  "$@"
