#!/usr/bin/env bash
# Build the Go fixture programs (fixtures/go/<name>/) reproducibly.
#
# For every fixture:
#   1. fixtures/bin/<name>.exe  <- GOOS=windows GOARCH=arm64 CGO_ENABLED=0,
#      -trimpath -buildvcs=false -ldflags=-buildid=. It is built a second
#      time with a separate, independent build cache and the two sha256
#      hashes must match (reproducibility check).
#   2. The same source is built natively (linux, host arch) and run; its
#      combined stdout+stderr, normalised by scripts/normalize-output.ts, and
#      its exit code become fixtures/go/<name>/expected.out and
#      expected.exit. They are rewritten only when their content changes,
#      so a rebuild leaves the git tree clean.
#   3. fixtures/bin/SHA256SUMS lists the hashes of all fixture .exe files.
#
# Override files: where linux natively cannot produce the text the Windows
# program prints, fixtures/go/<name>/expected.windows.out holds the expected
# Windows output, written by hand (already normalised) from the Go 1.19
# runtime source. This script never writes or deletes it; tests prefer it
# over expected.out. Currently: breakpoint (runtime.Breakpoint is a fatal
# SIGTRAP on linux, but on windows/arm64 BRK #0xf000 raises
# EXCEPTION_BREAKPOINT -> exceptionhandler -> sigpanic -> throw("fault"),
# see /usr/lib/go-1.19/src/runtime/signal_windows.go and asm_arm64.s).
#
# Runaway fixtures: a fixture directory holding a file named `runaway` (which
# says why) is a program that never ends by itself (spin, deadlock). Step 2
# is skipped for it: a native run would never end, and it has no expected
# output; tests that run every fixture to its end leave it out.
#
# A fixture is skipped ("ok") when its .exe is newer than all of its sources
# (the fixture directory, go.mod, this script and the normaliser) and its
# expected files exist. --force rebuilds everything. A change of Go version
# or build flags also rebuilds everything (fixtures/bin/.toolchain).
#
# Usage: scripts/build-fixtures.sh [--force]      (works from any directory)
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build-fixtures: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

die() { echo "build-fixtures: error: $*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GO_DIR="$ROOT/fixtures/go"
BIN_DIR="$ROOT/fixtures/bin"
SELF="$ROOT/scripts/build-fixtures.sh"
NORMALIZER="$ROOT/scripts/normalize-output.ts"
RUN_TIMEOUT=120 # seconds per native fixture run

# --- toolchain -------------------------------------------------------------
# Go 1.19 from Debian (golang-1.19-go) is not on PATH by default.
if [[ -x /usr/lib/go-1.19/bin/go ]]; then
  PATH="/usr/lib/go-1.19/bin:$PATH"
fi
command -v go >/dev/null 2>&1 ||
  die "go not found (expected /usr/lib/go-1.19/bin/go); run scripts/setup.sh"
command -v node >/dev/null 2>&1 || die "node not found; run scripts/setup.sh"
[[ -d "$ROOT/node_modules/tsx" ]] || die "tsx is not installed in $ROOT/node_modules; run npm ci"

# A clean, machine-independent Go environment: no user config, no network,
# no inherited target or runtime settings.
unset GOOS GOARCH GOARM GO386 GOAMD64 GOWASM GOEXPERIMENT GOFLAGS GOROOT \
  GOTRACEBACK GODEBUG GOMAXPROCS GOGC GOMEMLIMIT CGO_ENABLED
export GOENV=off GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off GO111MODULE=on
export GOCACHE="$ROOT/.cache/go-build"
export GOPATH="$ROOT/.cache/gopath"
export TZ=UTC LANG=C LC_ALL=C

GO_VERSION="$(go env GOVERSION)"
case "$GO_VERSION" in
  go1.19*) ;;
  *) die "fixtures are pinned to Go 1.19 (expected outputs and hashes depend on it), found $GO_VERSION; run scripts/setup.sh" ;;
esac

BUILD_FLAGS=(-trimpath -buildvcs=false -ldflags=-buildid=)
VERIFY_CACHE="$ROOT/.cache/go-build-verify"

mkdir -p "$BIN_DIR" "$GOCACHE" "$VERIFY_CACHE"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/build-fixtures.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# Everything that changes the build output; if it differs from the last run,
# every fixture is rebuilt.
STAMP="$BIN_DIR/.toolchain"
STAMP_TEXT="$(go version) $(go env GOHOSTARCH) ${BUILD_FLAGS[*]}"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$STAMP_TEXT" ]]; then
  FORCE=1
fi

# --- helpers ---------------------------------------------------------------

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# write_if_changed <new-file> <dest>: replace dest only if the content differs.
# Prints "updated" when it wrote.
write_if_changed() {
  if [[ -f "$2" ]] && cmp -s "$1" "$2"; then
    rm -f "$1"
  else
    mv -f "$1" "$2"
    echo updated
  fi
}

# up_to_date <name>: .exe newer than every source, expected files present.
up_to_date() {
  local name="$1" dir="$GO_DIR/$1" exe="$BIN_DIR/$1.exe"
  [[ -f "$exe" ]] || return 1
  [[ -f "$dir/runaway" || (-f "$dir/expected.out" && -f "$dir/expected.exit") ]] || return 1
  local newer
  newer="$(find "$dir" "$GO_DIR/go.mod" "$SELF" "$NORMALIZER" -newer "$exe" \
    -type f ! -name 'expected.*' -print -quit)"
  [[ -z "$newer" ]]
}

# build_windows <name> <out.exe> <gocache>
build_windows() {
  (cd "$GO_DIR" && GOCACHE="$3" CGO_ENABLED=0 GOOS=windows GOARCH=arm64 \
    go build "${BUILD_FLAGS[@]}" -o "$2" "./$1")
}

build_fixture() {
  local name="$1" dir="$GO_DIR/$1" work="$TMP/$1"
  mkdir -p "$work"

  # 1. windows/arm64, twice, with independent build caches.
  build_windows "$name" "$work/a.exe" "$GOCACHE" ||
    die "fixture $name: windows/arm64 build failed"
  build_windows "$name" "$work/b.exe" "$VERIFY_CACHE" ||
    die "fixture $name: windows/arm64 verification build failed"
  local sha_a sha_b
  sha_a="$(sha256 "$work/a.exe")"
  sha_b="$(sha256 "$work/b.exe")"
  [[ "$sha_a" == "$sha_b" ]] ||
    die "fixture $name: build is NOT reproducible: $sha_a != $sha_b (two builds of fixtures/go/$name)"

  # 2. native build and run (not for a program that never ends).
  if [[ -f "$dir/runaway" ]]; then
    mv -f "$work/a.exe" "$BIN_DIR/$name.exe"
    STATUS="built (runaway: no native run)"
    return 0
  fi
  (cd "$GO_DIR" && CGO_ENABLED=0 go build "${BUILD_FLAGS[@]}" -o "$work/native" "./$name") ||
    die "fixture $name: native build failed"
  local code=0
  (cd "$work" && timeout --kill-after=5 "$RUN_TIMEOUT" ./native >"$work/raw.out" 2>&1 </dev/null) || code=$?
  if ((code == 124 || code == 137)); then
    die "fixture $name: native run timed out after ${RUN_TIMEOUT}s"
  fi
  (cd "$ROOT" && node --import tsx "$NORMALIZER" <"$work/raw.out" >"$work/expected.out") ||
    die "fixture $name: normalising output failed"
  echo "$code" >"$work/expected.exit"

  local changed=""
  changed+="$(write_if_changed "$work/expected.out" "$dir/expected.out")"
  changed+="$(write_if_changed "$work/expected.exit" "$dir/expected.exit")"

  # Install the .exe last: its mtime marks the fixture as up to date.
  mv -f "$work/a.exe" "$BIN_DIR/$name.exe"
  STATUS="built"
  [[ -n "$changed" ]] && STATUS="built (expected output updated)"
  return 0
}

# --- main ------------------------------------------------------------------

names=()
for d in "$GO_DIR"/*/; do
  [[ -f "$d/main.go" ]] || continue
  names+=("$(basename "$d")")
done
((${#names[@]} > 0)) || die "no fixtures found under $GO_DIR"

for name in "${names[@]}"; do
  STATUS="ok"
  if ((FORCE)) || ! up_to_date "$name"; then
    build_fixture "$name"
  fi
  sha="$(sha256 "$BIN_DIR/$name.exe")"
  printf '%-20s %s  %s\n' "$name" "${sha:0:16}" "$STATUS"
done

# SHA256SUMS in sha256sum(1) format, for the fixtures that exist now.
(cd "$BIN_DIR" && for name in "${names[@]}"; do sha256sum -- "$name.exe"; done) >"$TMP/SHA256SUMS"
write_if_changed "$TMP/SHA256SUMS" "$BIN_DIR/SHA256SUMS" >/dev/null
echo "$STAMP_TEXT" >"$TMP/stamp"
write_if_changed "$TMP/stamp" "$STAMP" >/dev/null
