# Shared by scripts/run, scripts/test, scripts/bench: install what is missing, build.
# Sourced, not executed. Every function is safe to call twice.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${MINICLOUD_BUILD_DIR:-$ROOT/build}"

log() { printf '\033[1m[minicloud]\033[0m %s\n' "$*" >&2; }

# Packages listed in FILE that are missing. A line is "package [present-if]": present-if
# is a command (e.g. "npm npm": a NodeSource nodejs already brings npm, and Debian's npm
# would conflict with it) or "py:module" for a module of the default python3.
missing_packages() {
  local pkg check missing=()
  while read -r pkg check; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    if [[ "$check" == py:* ]]; then
      python3 -c "import ${check#py:}" 2>/dev/null && continue
    elif [[ -n "$check" && "$check" != \#* ]]; then
      command -v "$check" >/dev/null 2>&1 && continue
    fi
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done < "$1"
  echo "${missing[@]:-}"
}

# ensure_packages FILE...: apt-get install whatever the lists name and dpkg lacks.
ensure_packages() {
  local missing="" f
  for f in "$@"; do missing+=" $(missing_packages "$f")"; done
  missing="$(echo $missing)"
  [[ -z "$missing" ]] && return 0
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  log "installing Debian packages: $missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# build [extra cmake args...]: configure once (Ninja, Release), then build incrementally.
build() {
  ensure_packages "$ROOT/scripts/lib/packages.txt"
  if [[ ! -f "$BUILD_DIR/build.ninja" || $# -gt 0 ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" "$@" >/dev/null
  fi
  cmake --build "$BUILD_DIR" -- -j"$(nproc)"
}

# The sanitizer build: Clang 16 with AddressSanitizer + UndefinedBehaviorSanitizer and
# libFuzzer's coverage, Debug. One build tree for the unit tests and the fuzz targets
# (tests/fuzz), shared by scripts/test and scripts/fuzz.
SANITIZE_BUILD_DIR="${MINICLOUD_SANITIZE_BUILD_DIR:-$ROOT/build-sanitize}"
configure_sanitizer_build() {
  local werror=OFF; [[ "${MINICLOUD_WERROR:-}" == 1 ]] && werror=ON
  ensure_packages "$ROOT/scripts/lib/packages.txt" "$ROOT/scripts/lib/test-packages.txt"
  if [[ ! -f "$SANITIZE_BUILD_DIR/build.ninja" ]] || ! grep -q "MINICLOUD_WERROR:BOOL=$werror" "$SANITIZE_BUILD_DIR/CMakeCache.txt"; then
    CC=clang-16 CXX=clang++-16 cmake -S "$ROOT" -B "$SANITIZE_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DMINICLOUD_FUZZ=ON -DMINICLOUD_WERROR=$werror >/dev/null
  fi
}

# ":external_symbolizer_path=..." for ASAN_OPTIONS / UBSAN_OPTIONS, so that reports name
# functions and lines: the runtimes refuse Debian's llvm-symbolizer symlink, not the binary.
sanitizer_symbolizer() {
  local path
  path="$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer || true)"
  [[ -n "$path" ]] && echo ":external_symbolizer_path=$(readlink -f "$path")"
  return 0
}

# The python3 that has boto3: the image's default one if it does, else Debian's.
python_with_boto3() {
  local py
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import boto3' 2>/dev/null; then command -v "$py"; return; fi
  done
  return 1
}

# npm_ci DIR: install DIR's npm packages exactly as its package-lock.json pins them, when
# DIR/node_modules is missing or older than the lockfile.
npm_ci() {
  local dir="$1"
  [[ -f "$dir/package.json" ]] || return 0
  if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules" ]]; then
    log "installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
