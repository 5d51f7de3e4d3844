#!/usr/bin/env bash
# scripts/bench tsan [--no-unit] [TEST...]: ThreadSanitizer over the unit tests and server-level
# integration tests. Builds minicloud and unit_tests with -DMINICLOUD_TSAN=ON
# (-fsanitize=thread, RelWithDebInfo) in build-tsan (MINICLOUD_TSAN_JOBS=1 when the machine
# is shared), runs unit_tests, then each integration test module (default: test_server
# test_s3_boto3 test_events test_cdn test_presign_route test_post_object) against that
# binary with TSAN_OPTIONS=halt_on_error=1, so a race ends the process (exit 66) and fails
# the test. Every report goes to build-tsan/tsan-reports/<program>.<pid>; the table counts
# them per suite. Non-zero exit on any report or failed suite. Roughly 10x the time of the
# plain tests: a few minutes, plus the build (166 files). --no-unit: minicloud only (80 files).
source "$(dirname "$0")/../lib/common.sh"
ensure_packages "$ROOT/scripts/lib/packages.txt" "$ROOT/scripts/lib/test-packages.txt"
dir="${MINICLOUD_TSAN_DIR:-$ROOT/build-tsan}"
werror=OFF; [[ "${MINICLOUD_WERROR:-}" == 1 ]] && werror=ON
if [[ ! -f "$dir/build.ninja" ]]; then
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINICLOUD_TSAN=ON \
    -DMINICLOUD_WERROR=$werror >/dev/null
fi
unit=1
[[ "${1:-}" == --no-unit ]] && { unit=0; shift; }
targets=(minicloud); [[ $unit == 1 ]] && targets+=(unit_tests)
log "building with ThreadSanitizer in $dir"
cmake --build "$dir" --target "${targets[@]}" -- -j"${MINICLOUD_TSAN_JOBS:-$(nproc)}"

tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=(test_server test_s3_boto3 test_events test_cdn test_presign_route test_post_object)
reports="$dir/tsan-reports"
rm -rf "$reports" && mkdir -p "$reports"
py="$(python_with_boto3)"
export MINICLOUD_BIN="$dir/bin/minicloud" MINICLOUD_SOURCE_DIR="$ROOT" PYTHONDONTWRITEBYTECODE=1
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4 log_path=$reports/tsan suppressions=$ROOT/scripts/bench.d/tsan.supp ${TSAN_OPTIONS:-}"
export G_SLICE=always-malloc  # glib's slice allocator recycles blocks across threads unseen by TSan

status=0
rows=()
# run NAME CMD...: one suite; its reports are the files that appeared meanwhile.
run() {
  local name="$1"; shift
  local after t0 rc=0
  t0=$(date +%s)
  log "tsan: $name"
  "$@" >"$reports/$name.out" 2>&1 || rc=$?
  after=$(ls "$reports" | grep -c '^tsan\.' || true)
  rows+=("$(printf '%-22s %-6s %6ss %8s' "$name" "$([[ $rc == 0 ]] && echo ok || echo "FAIL($rc)")" \
             "$(( $(date +%s) - t0 ))" "$(( after - ${last_reports:-0} ))")")
  last_reports=$after
  [[ $rc == 0 ]] || { status=1; tail -n 30 "$reports/$name.out" >&2; }
}
last_reports=0
[[ $unit == 1 ]] && run unit_tests "$dir/bin/unit_tests" --order rand
for t in "${tests[@]}"; do
  run "$t" bash -c 'cd "$1/tests/integration" && exec "$2" -m unittest -v "$3"' _ "$ROOT" "$py" "$ROOT/tests/integration/$t.py"
done

echo
echo "scripts/bench tsan: ThreadSanitizer (GCC $(gcc -dumpfullversion), halt_on_error=1), $(nproc) cores"
printf '%-22s %-6s %7s %8s\n' suite result time reports
printf '%s\n' "${rows[@]}"
n=$(ls "$reports" | grep -c '^tsan\.' || true)
if [[ $n -gt 0 ]]; then
  status=1
  echo
  echo "$n report file(s) in $reports; the races (first frames):"
  grep -h -A6 'WARNING: ThreadSanitizer' "$reports"/tsan.* | head -n 80
fi
exit $status
