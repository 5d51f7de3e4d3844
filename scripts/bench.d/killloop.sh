#!/usr/bin/env bash
# scripts/bench killloop [ROUNDS] [--writers N] [--kill-after MIN MAX]: see killloop.py.
# Builds minicloud, then ROUNDS times (default 20): concurrent PUTs, overwrites, deletes and
# multipart completes against `minicloud serve` on a persistent data dir, kill -9 at a random
# moment, restart on the same dir, and check every acknowledged write byte for byte plus the
# files on disk against the listing (orphans). Prints the table, writes bench/out/killloop.json.
source "$(dirname "$0")/../lib/common.sh"
ensure_packages "$ROOT/scripts/lib/packages.txt"
build
py="$(python_with_boto3)" || { ensure_packages <(printf 'python3-boto3\n'); py=/usr/bin/python3; }
py="$("$py" -c 'import sys; print(sys.executable)')"
log "kill -9 loop against minicloud serve (${1:-20} rounds)"
exec "$py" "$ROOT/scripts/bench.d/killloop.py" \
  --minicloud "$BUILD_DIR/bin/minicloud" \
  --json "$ROOT/bench/out/killloop.json" \
  "$@"
