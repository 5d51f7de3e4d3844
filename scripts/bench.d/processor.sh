#!/usr/bin/env bash
# scripts/bench processor [--seconds S] [--workers N] [--only NAME]: see processor.py.
# Installs the Debian packages and sharp (npm, pinned by bench/package-lock.json), builds
# minicloud and processor_bench, then times every photo in ../shared/photos.
source "$(dirname "$0")/../lib/common.sh"
ensure_packages "$ROOT/scripts/lib/packages.txt" "$ROOT/scripts/lib/bench-packages.txt"
# Node + npm for sharp: Debian's, unless a node with its own npm is there already
# (NodeSource's nodejs bundles npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  ensure_packages <(printf 'nodejs\nnpm\n')
fi
build
if [[ ! -d "$ROOT/bench/node_modules/sharp" || "$ROOT/bench/package-lock.json" -nt "$ROOT/bench/node_modules" ]]; then
  log "installing sharp from npm (bench/package-lock.json)"
  (cd "$ROOT/bench" && npm ci --no-audit --no-fund --loglevel=error)
fi
log "benchmarking the processor (takes a few minutes)"
# /usr/bin/convert: Debian's ImageMagick itself, whatever else is first on PATH.
exec python3 "$ROOT/scripts/bench.d/processor.py" \
  --photos "$ROOT/../shared/photos" \
  --minicloud "$BUILD_DIR/bin/minicloud" \
  --loop "$BUILD_DIR/bin/processor_bench" \
  --sharp-loop "$ROOT/bench/sharp_loop.mjs" \
  --convert /usr/bin/convert \
  --json "$ROOT/bench/out/processor.json" \
  "$@"
