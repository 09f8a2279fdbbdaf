#!/usr/bin/env bash
# Fetch and unpack the Go toolchains listed in toolchains/go.tsv, from Debian's packages.
#
# For each Go version: golang-X-go and golang-X-src at the pinned Debian version are downloaded with
# `apt-get download` through a private apt configuration (its own sources list, package lists and cache under
# the deb cache below: the machine's own apt sources and installed packages are never touched), checked against
# their pinned sha256, and unpacked with `dpkg-deb -x` into .cache/toolchains/goX/. An unpacked Go finds its own
# root from where its binary lives, so GOROOT is .cache/toolchains/goX/usr/lib/go-X as it is.
#
# The .deb files are kept in a cache shared by every checkout on this machine (WINTRACE_DEB_CACHE, default
# /var/cache/wintrace/debs when writable, else .cache/debs), so a clean clone unpacks without downloading and a
# pinned version that has since left its suite (sid moves on) stays usable where it was fetched once.
#
# Usage: scripts/toolchains.sh [--list] [VERSION...]
#   no argument   every toolchain in toolchains/go.tsv
#   VERSION       only these (e.g. 1.19 1.27)
#   --list        print "VERSION GOROOT" for each toolchain ready now, fetch nothing
# Quick when everything is unpacked already (a stamp file per toolchain holds the two sha256s).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PINS="$ROOT/toolchains/go.tsv"
DEST="$ROOT/.cache/toolchains"
MIRROR="http://deb.debian.org/debian"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

say() { printf 'toolchains: %s\n' "$*"; }
die() { printf 'toolchains: error: %s\n' "$*" >&2; exit 1; }

if [[ -n "${WINTRACE_DEB_CACHE:-}" ]]; then
  DEBS="$WINTRACE_DEB_CACHE"
elif mkdir -p /var/cache/wintrace/debs 2>/dev/null && [[ -w /var/cache/wintrace/debs ]]; then
  DEBS=/var/cache/wintrace/debs
else
  DEBS="$ROOT/.cache/debs"
fi

# pins: "go suite debver sha-go sha-src" per line.
mapfile -t PIN_LINES < <(grep -v '^#' "$PINS" | grep -v '^[[:space:]]*$')
((${#PIN_LINES[@]})) || die "no toolchains listed in $PINS"

goroot_of() { echo "$DEST/go$1/usr/lib/go-$1"; }

LIST=0
WANT=()
for a in "$@"; do
  case "$a" in
    --list) LIST=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    1.*) WANT+=("$a") ;;
    *) die "unknown argument: $a (try --help)" ;;
  esac
done

selected() {
  ((${#WANT[@]} == 0)) && return 0
  local w
  for w in "${WANT[@]}"; do [[ "$w" == "$1" ]] && return 0; done
  return 1
}

if ((LIST)); then
  for line in "${PIN_LINES[@]}"; do
    read -r go _ <<<"$line"
    selected "$go" || continue
    [[ -x "$(goroot_of "$go")/bin/go" && -f "$DEST/go$go/.stamp" ]] && echo "$go $(goroot_of "$go")"
  done
  exit 0
fi

for w in "${WANT[@]}"; do
  grep -q "^$w[[:space:]]" "$PINS" || die "Go $w is not listed in toolchains/go.tsv"
done

APT_DIR="$DEBS/apt"
apt_opts() {
  printf '%s\n' \
    -o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o "Dir::Etc::SourceParts=$APT_DIR/none" \
    -o "Dir::Etc::Preferences=$APT_DIR/preferences" -o "Dir::Etc::PreferencesParts=$APT_DIR/none" \
    -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache" -o "Dir::State::status=/dev/null" \
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
}
APT_UPDATED=0
apt_update() {
  ((APT_UPDATED)) && return 0
  command -v apt-get >/dev/null || die "apt-get not found: the toolchains come from Debian's packages"
  [[ -f "$KEYRING" ]] || die "$KEYRING missing (Debian's archive keyring)"
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/none"
  : >"$APT_DIR/preferences"
  local suite
  : >"$APT_DIR/sources.list"
  for suite in $(printf '%s\n' "${PIN_LINES[@]}" | awk '{print $2}' | sort -u); do
    echo "deb [signed-by=$KEYRING] $MIRROR $suite main" >>"$APT_DIR/sources.list"
  done
  say "reading Debian's package lists ($(awk '{print $4}' "$APT_DIR/sources.list" | paste -sd' '))"
  mapfile -t opts < <(apt_opts)
  apt-get "${opts[@]}" -qq update || die "apt-get update of the private sources list failed"
  APT_UPDATED=1
}

# fetch <package> <debian-version> <arch> <sha256>: sets FETCHED to the .deb in the cache, checked.
# (Not called in $(...): apt_update must run once in this shell, not once per subshell.)
fetch() {
  local pkg="$1" ver="$2" arch="$3" sha="$4"
  local file="$DEBS/${pkg}_${ver/:/%3a}_${arch}.deb"
  FETCHED="$file"
  if [[ -f "$file" ]] && [[ "$(sha256sum "$file" | cut -d' ' -f1)" == "$sha" ]]; then
    return 0
  fi
  apt_update
  say "downloading $pkg $ver"
  mapfile -t opts < <(apt_opts)
  (cd "$DEBS" && apt-get "${opts[@]}" -qq download "$pkg=$ver") ||
    die "cannot download $pkg=$ver from Debian (has it left its suite? update toolchains/go.tsv)"
  [[ -f "$file" ]] || die "apt-get download did not leave $file"
  local got
  got="$(sha256sum "$file" | cut -d' ' -f1)"
  if [[ "$got" != "$sha" ]]; then
    rm -f "$file"
    die "$pkg $ver: sha256 $got does not match the pinned $sha (toolchains/go.tsv)"
  fi
}

mkdir -p "$DEBS" "$DEST"
for line in "${PIN_LINES[@]}"; do
  read -r go suite ver sha_go sha_src <<<"$line"
  selected "$go" || continue
  dir="$DEST/go$go"
  stamp="$sha_go $sha_src"
  if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$stamp" && -x "$(goroot_of "$go")/bin/go" ]]; then
    continue
  fi
  fetch "golang-$go-go" "$ver" amd64 "$sha_go"
  deb_go="$FETCHED"
  fetch "golang-$go-src" "$ver" all "$sha_src"
  deb_src="$FETCHED"
  say "unpacking Go $go ($suite $ver)"
  rm -rf "$dir.tmp" "$dir"
  mkdir -p "$dir.tmp"
  dpkg-deb -x "$deb_go" "$dir.tmp"
  dpkg-deb -x "$deb_src" "$dir.tmp"
  echo "$stamp" >"$dir.tmp/.stamp"
  mv "$dir.tmp" "$dir"
  v="$("$(goroot_of "$go")/bin/go" version 2>&1)" || die "unpacked Go $go does not run: $v"
  say "$v at $(goroot_of "$go")"
done
