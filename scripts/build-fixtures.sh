# Build the Go fixture programs (fixtures/go/<name>/) reproducibly, with every Go toolchain of
# toolchains/go.tsv (unpacked by scripts/toolchains.sh).
#
# For every toolchain and fixture:
#   1. the windows/arm64 program <- GOOS=windows GOARCH=arm64 CGO_ENABLED=0,
#      -trimpath -buildvcs=false -ldflags=-buildid=. It is built a second
#      time with a separate, independent build cache and the two sha256
#      hashes must match (reproducibility check).
#   2. The same source is built natively (linux, host arch) with the same
#      toolchain and run; its combined stdout+stderr, normalised by
#      scripts/normalize-output.ts, and its exit code become the expected
#      output. They are rewritten only when their content changes, so a
#      rebuild leaves the git tree clean.
#   3. A SHA256SUMS file lists the hashes of the toolchain's .exe files.
#
# Where things go. Go 1.19 (the golden traces' version) is the reference:
# fixtures/bin/<name>.exe, and its expected output is committed as
# fixtures/go/<name>/expected.out and expected.exit. Every other version X:
# fixtures/bin/goX/<name>.exe with fixtures/bin/goX/<name>.expected.out and
# .expected.exit beside it (rebuilt, not committed).
#
# Override files: where linux natively cannot produce the text the Windows
# program prints, fixtures/go/<name>/expected.windows.out holds the expected
# Windows output of every Go release (expected.windows.goX.out of release X
# where its runtime prints something else), written by hand (already
# normalised) from the runtime's source, and expected.windows[.goX].exit the
# exit code where Windows ends the process with an exception code (fault-no-g:
# 0xC0000005 as 3221225477). This script never writes or deletes them; tests
# prefer them over the native run's. Currently hostfile (it reads a
# host directory mounted into the emulated Windows),
# breakpoint (runtime.Breakpoint is a fatal SIGTRAP on linux, but on
# windows/arm64 BRK #0xf000 raises EXCEPTION_BREAKPOINT -> exceptionhandler
# -> sigpanic -> throw("fault"), see runtime/signal_windows.go and
# asm_arm64.s), fault-no-g (a thread Go did not create faults: 1.19's
# badsignal2 message storm, 1.21+'s silent pass-on) and last-continue (a
# fault in code outside the image reaches lastcontinuehandler's winthrow).
#
# Runaway fixtures: a fixture directory holding a file named `runaway` (which
# says why) is a program that never ends by itself (spin, deadlock). Step 2
# is skipped for it: a native run would never end, and it has no expected
# output; tests that run every fixture to its end leave it out.
#
# A fixture is skipped ("ok") when its .exe is newer than all of its sources
# (the fixture directory, go.mod, this script and the normaliser) and its
# expected files exist. --force rebuilds everything. A change of Go version
# or build flags also rebuilds that toolchain's fixtures (goX/.toolchain).
#
# Usage: scripts/build-fixtures.sh [--force] [--go X]...   (works from any directory)
#   --go X   only toolchain X (e.g. --go 1.27; repeatable); default: every one unpacked
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

die() { echo "build-fixtures: error: $*" >&2; exit 1; }

FORCE_ALL=0
ONLY=()
while (($#)); do
  case "$1" in
    --force) FORCE_ALL=1 ;;
    --go) (($# >= 2)) || die "--go needs a version (e.g. --go 1.27)"; ONLY+=("$2"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build-fixtures: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GO_DIR="$ROOT/fixtures/go"
SELF="$ROOT/scripts/build-fixtures.sh"
NORMALIZER="$ROOT/scripts/normalize-output.ts"
RUN_TIMEOUT=120 # seconds per native fixture run
REFERENCE=1.19  # its outputs are the committed expected.out files

command -v node >/dev/null 2>&1 || die "node not found; run scripts/setup.sh"
[[ -d "$ROOT/node_modules/tsx" ]] || die "tsx is not installed in $ROOT/node_modules; run npm ci"

# --- toolchains ------------------------------------------------------------
declare -A GOROOTS=()
while read -r v root; do GOROOTS[$v]="$root"; done < <(bash "$ROOT/scripts/toolchains.sh" --list)
if ((${#ONLY[@]})); then
  VERSIONS=("${ONLY[@]}")
else
  mapfile -t VERSIONS < <(printf '%s\n' "${!GOROOTS[@]}" | sort -V)
fi
((${#VERSIONS[@]})) || die "no Go toolchain unpacked; run scripts/toolchains.sh (or scripts/setup.sh)"
for v in "${VERSIONS[@]}"; do
  [[ -n "${GOROOTS[$v]:-}" ]] || die "Go $v is not unpacked; run scripts/toolchains.sh $v"
done

# A clean, machine-independent Go environment: no user config, no network,
# no inherited target or runtime settings.
unset GOOS GOARCH GOARM GO386 GOAMD64 GOWASM GOEXPERIMENT GOFLAGS GOROOT \
  GOTRACEBACK GODEBUG GOMAXPROCS GOGC GOMEMLIMIT CGO_ENABLED
export GOENV=off GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off GO111MODULE=on
export GOCACHE="$ROOT/.cache/go-build"
export GOPATH="$ROOT/.cache/gopath"
export TZ=UTC LANG=C LC_ALL=C

BUILD_FLAGS=(-trimpath -buildvcs=false -ldflags=-buildid=)
VERIFY_CACHE="$ROOT/.cache/go-build-verify"

mkdir -p "$GOCACHE" "$VERIFY_CACHE"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/build-fixtures.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

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

# Per toolchain (set by use_toolchain): GO, BIN_DIR, and where the expected output goes.
use_toolchain() {
  GO="${GOROOTS[$1]}/bin/go"
  if [[ "$1" == "$REFERENCE" ]]; then BIN_DIR="$ROOT/fixtures/bin"; else BIN_DIR="$ROOT/fixtures/bin/go$1"; fi
  mkdir -p "$BIN_DIR"
}
expected_out() { if [[ "$BIN_DIR" == "$ROOT/fixtures/bin" ]]; then echo "$GO_DIR/$1/expected.out"; else echo "$BIN_DIR/$1.expected.out"; fi; }
expected_exit() { if [[ "$BIN_DIR" == "$ROOT/fixtures/bin" ]]; then echo "$GO_DIR/$1/expected.exit"; else echo "$BIN_DIR/$1.expected.exit"; fi; }

# up_to_date <name>: .exe newer than every source, expected files present.
up_to_date() {
  local name="$1" dir="$GO_DIR/$1" exe="$BIN_DIR/$1.exe"
  [[ -f "$exe" ]] || return 1
  [[ -f "$dir/runaway" || (-f "$(expected_out "$name")" && -f "$(expected_exit "$name")") ]] || return 1
  local newer
  newer="$(find "$dir" "$GO_DIR/go.mod" "$SELF" "$NORMALIZER" -newer "$exe" \
    -type f ! -name 'expected.*' -print -quit)"
  [[ -z "$newer" ]]
}

# build_windows <name> <out.exe> <gocache>
build_windows() {
  (cd "$GO_DIR" && GOCACHE="$3" CGO_ENABLED=0 GOOS=windows GOARCH=arm64 \
    "$GO" build "${BUILD_FLAGS[@]}" -o "$2" "./$1")
}

build_fixture() {
  local name="$1" dir="$GO_DIR/$1" work="$TMP/$1"
  rm -rf "$work"
  mkdir -p "$work"

  # 1. windows/arm64, twice, with independent build caches.
  build_windows "$name" "$work/a.exe" "$GOCACHE" ||
    die "fixture $name: windows/arm64 build with Go $V failed"
  build_windows "$name" "$work/b.exe" "$VERIFY_CACHE" ||
    die "fixture $name: windows/arm64 verification build with Go $V failed"
  local sha_a sha_b
  sha_a="$(sha256 "$work/a.exe")"
  sha_b="$(sha256 "$work/b.exe")"
  [[ "$sha_a" == "$sha_b" ]] ||
    die "fixture $name: Go $V build is NOT reproducible: $sha_a != $sha_b (two builds of fixtures/go/$name)"

  # 2. native build and run (not for a program that never ends).
  if [[ -f "$dir/runaway" ]]; then
    mv -f "$work/a.exe" "$BIN_DIR/$name.exe"
    STATUS="built (runaway: no native run)"
    return 0
  fi
  (cd "$GO_DIR" && CGO_ENABLED=0 "$GO" build "${BUILD_FLAGS[@]}" -o "$work/native" "./$name") ||
    die "fixture $name: native build with Go $V failed"
  local code=0
  (cd "$work" && timeout --kill-after=5 "$RUN_TIMEOUT" ./native >"$work/raw.out" 2>&1 </dev/null) || code=$?
  if ((code == 124 || code == 137)); then
    die "fixture $name: native run (Go $V) timed out after ${RUN_TIMEOUT}s"
  fi
  (cd "$ROOT" && node --import tsx "$NORMALIZER" <"$work/raw.out" >"$work/expected.out") ||
    die "fixture $name: normalising output failed"
  echo "$code" >"$work/expected.exit"

  local changed=""
  changed+="$(write_if_changed "$work/expected.out" "$(expected_out "$name")")"
  changed+="$(write_if_changed "$work/expected.exit" "$(expected_exit "$name")")"

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

for V in "${VERSIONS[@]}"; do
  use_toolchain "$V"
  # Everything that changes the build output; if it differs from the last run, every fixture is rebuilt.
  STAMP="$BIN_DIR/.toolchain"
  STAMP_TEXT="$("$GO" version) $("$GO" env GOHOSTARCH) ${BUILD_FLAGS[*]}"
  FORCE=$FORCE_ALL
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_TEXT" ]] || FORCE=1
  for name in "${names[@]}"; do
    STATUS="ok"
    if ((FORCE)) || ! up_to_date "$name"; then
      build_fixture "$name"
    fi
    sha="$(sha256 "$BIN_DIR/$name.exe")"
    printf 'go%-5s %-20s %s  %s\n' "$V" "$name" "${sha:0:16}" "$STATUS"
  done

  # SHA256SUMS in sha256sum(1) format, for the fixtures that exist now.
  (cd "$BIN_DIR" && for name in "${names[@]}"; do sha256sum -- "$name.exe"; done) >"$TMP/SHA256SUMS"
  write_if_changed "$TMP/SHA256SUMS" "$BIN_DIR/SHA256SUMS" >/dev/null
  echo "$STAMP_TEXT" >"$TMP/stamp"
  write_if_changed "$TMP/stamp" "$STAMP" >/dev/null
done
