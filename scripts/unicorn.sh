#!/usr/bin/env bash
# Fetch upstream Unicorn 2.1.4 (libunicorn.so.2 and its headers) into .cache/unicorn, from the `unicorn` wheel on
# the Python package index, without touching the machine's own packages.
#
# Why 2.1.4 and not Debian's 2.0.1 (measured, docs/benchmarks.md "Unicorn build"): 2.1 lets an ARM64 engine use
# 4 KiB pages (2.0.1 refuses UC_CTL_UC_PAGE_SIZE for ARM64 and keeps 1 KiB pages), which makes every unmap,
# split and protect 4-8x cheaper (a 64 MiB unmap: 6 ms vs 21-56 ms) and raises QEMU's limit of memory sections
# from 1,024 to 4,096; and its store slow path runs Go's gc fixture 2.9x faster untraced.
#
# The wheel is pinned by version and sha256 and kept in the same machine-wide cache as the Go toolchains' .debs
# (WINTRACE_DEB_CACHE, default /var/cache/wintrace/debs when writable, else .cache/debs).
#
# Usage: scripts/unicorn.sh [--print]   --print: the path of the library, fetch nothing (exit 1 if absent)
set -euo pipefail

VERSION=2.1.4
WHEEL="unicorn-$VERSION-cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
SHA256=9d6e6dea140560de4ebd8446661f7ef84a357d428c14a3ef09dacd306ec8c239

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.cache/unicorn"
LIB="$DEST/lib/libunicorn.so.2"

say() { printf 'unicorn: %s\n' "$*"; }
die() { printf 'unicorn: error: %s\n' "$*" >&2; exit 1; }

if [[ "${1:-}" == --print ]]; then
  [[ -f "$LIB" ]] || exit 1
  echo "$LIB"
  exit 0
fi

[[ "$(uname -m)" == x86_64 ]] || die "only x86_64 hosts are supported (the pinned wheel is $WHEEL)"

if [[ -f "$DEST/stamp" && "$(cat "$DEST/stamp")" == "$SHA256" && -f "$LIB" ]]; then
  exit 0
fi

if [[ -n "${WINTRACE_DEB_CACHE:-}" ]]; then
  CACHE="$WINTRACE_DEB_CACHE"
elif mkdir -p /var/cache/wintrace/debs 2>/dev/null && [[ -w /var/cache/wintrace/debs ]]; then
  CACHE=/var/cache/wintrace/debs
else
  CACHE="$ROOT/.cache/debs"
fi
mkdir -p "$CACHE"

if [[ ! -f "$CACHE/$WHEEL" ]] || ! echo "$SHA256  $CACHE/$WHEEL" | sha256sum -c --quiet - 2>/dev/null; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    die "python3's pip is missing: install Debian's python3-pip (scripts/setup.sh does) and run again"
  fi
  say "downloading the unicorn $VERSION wheel"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
    --python-version 3.11 --implementation cp "unicorn==$VERSION" -d "$tmp" 2>"$tmp/pip.log" ||
    { cat "$tmp/pip.log" >&2; die "pip download unicorn==$VERSION failed"; }
  [[ -f "$tmp/$WHEEL" ]] || die "pip fetched $(ls "$tmp"), not $WHEEL"
  echo "$SHA256  $tmp/$WHEEL" | sha256sum -c --quiet - || die "$WHEEL: sha256 differs from the pinned $SHA256"
  mv "$tmp/$WHEEL" "$CACHE/$WHEEL"
fi

rm -rf "$DEST"
mkdir -p "$DEST/unpack"
python3 -m zipfile -e "$CACHE/$WHEEL" "$DEST/unpack"
mv "$DEST/unpack/unicorn/lib" "$DEST/lib"
mv "$DEST/unpack/unicorn/include" "$DEST/include"
rm -rf "$DEST/unpack"
[[ -f "$LIB" && -f "$DEST/include/unicorn/unicorn.h" ]] || die "the wheel holds no lib/libunicorn.so.2 and include/unicorn"
echo "$SHA256" >"$DEST/stamp"
say "Unicorn $VERSION in $DEST"
