#!/usr/bin/env bash
# scripts/bench pipeline [--runs N] [--rate-images N] [--only PHOTO]: see pipeline.py.
# Builds minicloud and processor_bench, starts `minicloud serve` (default stack, in
# memory), then for every photo in ../shared/photos: PUT -> processed avatar readable,
# N runs (default 100): p50/p99 end-to-end and the overhead beyond the processing itself;
# then the sustained rate with every core busy vs the bare processor loop.
source "$(dirname "$0")/../lib/common.sh"
ensure_packages "$ROOT/scripts/lib/packages.txt"
build
py="$(python_with_boto3)" || { ensure_packages <(printf 'python3-boto3\n'); py=/usr/bin/python3; }
log "benchmarking the event pipeline (a few minutes)"
exec "$py" "$ROOT/scripts/bench.d/pipeline.py" \
  --minicloud "$BUILD_DIR/bin/minicloud" \
  --loop "$BUILD_DIR/bin/processor_bench" \
  --photos "$ROOT/../shared/photos" \
  --json "$ROOT/bench/out/pipeline.json" \
  "$@"
