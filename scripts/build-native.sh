#!/usr/bin/env bash
# Builds wintrace's small C libraries (hooks that must not call into JavaScript per instruction) into build/native.
# Rebuilds only when a source is newer than its library.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/build/native"
mkdir -p "$out"
for src in "$root"/native/*.c; do
  name="$(basename "$src" .c)"
  lib="$out/libwt_$name.so"
  if [[ ! -f "$lib" || "$src" -nt "$lib" ]]; then
    cc -O2 -fPIC -shared -Wall -Wextra -Werror -o "$lib" "$src" -lunicorn
    echo "native: built $(basename "$lib")"
  fi
done
