#!/usr/bin/env bash
# Installs everything wintrace needs on a Debian machine and builds the fixtures. Idempotent: when everything is
# already there it only checks, which takes a few seconds. Run as root (apt-get) the first time.
#
# Usage: scripts/setup.sh [--go X]...   only these Go toolchains and their fixtures (the demo needs 1.19 alone);
#                                        default: every toolchain of toolchains/go.tsv
set -euo pipefail
releases=()
while (($#)); do
  case "$1" in
    --go) (($# >= 2)) || { echo "setup: --go needs a version (e.g. --go 1.27)" >&2; exit 2; }; releases+=("$2"); shift ;;
    *) echo "setup: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf 'setup: %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------------------------
# tmux: the end-to-end terminal tests; g++/make/python3: node-gyp for native addons and the C hooks;
# python3-pip: fetches the Unicorn wheel (scripts/unicorn.sh, unpacked into .cache, not installed system-wide);
# debian-archive-keyring: checks the private package lists the Go toolchains come from (scripts/toolchains.sh).
packages=(tmux g++ make python3 debian-archive-keyring)
python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}; run this script as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Node ------------------------------------------------------------------------------------------------------
if ! command -v node >/dev/null; then
  say "node is not installed; wintrace needs Node.js >= 20.19" >&2
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
  say "Node.js $(node --version) is too old; wintrace needs >= 20.19" >&2
  exit 1
}
# Install from the lockfile only when it changed since the last install (npm keeps a copy in node_modules).
# `npm ci` is what we want, but npm 11.19 refuses this lockfile (it reports msgpackr-extract's platform packages
# for other systems as missing, even from a lockfile it has just written); `npm install` installs exactly the
# locked versions and leaves the lockfile untouched, which a test in CI's fresh clone confirms by git status.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "npm ci"
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/dev/null; then
    say "npm ci refused the lockfile (npm 11 optional-dependency bug); installing the locked versions with npm install"
    npm install --no-audit --no-fund --loglevel=error
  fi
fi

# --- The installed command's JavaScript (dist/, compiled from src/ by tsc, then bundled into dist/wintrace.cjs) --
# bin/wintrace.js runs the bundle; rebuilt when a source or the build settings changed since the last build.
if [[ ! -f dist/wintrace.cjs ]] || [[ -n $(find src tsconfig.json tsconfig.build.json package-lock.json scripts/bundle.ts scripts/narrow-text.ts -newer dist/wintrace.cjs -print -quit) ]]; then
  say "building dist/ (npm run build)"
  npm run build --silent
fi

# --- Go toolchains (1.19 to 1.27, Debian's packages unpacked into .cache/toolchains) ---------------------------
bash scripts/toolchains.sh "${releases[@]}"

# --- Unicorn 2.1.4 (the CPU emulator, from the upstream wheel into .cache/unicorn) and the C hooks built on it -----
bash scripts/unicorn.sh
bash scripts/build-native.sh

# --- Fixtures --------------------------------------------------------------------------------------------------
fixture_args=()
for r in "${releases[@]}"; do fixture_args+=(--go "$r"); done
bash scripts/build-fixtures.sh "${fixture_args[@]}"
say "ready"
