#!/usr/bin/env bash
# Builds wintrace's small C libraries (hooks that must not call into JavaScript per instruction) into build/native.
# Rebuilds only when a source is newer than its library.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/build/native"
mkdir -p "$out"
# Compiled against the Unicorn wintrace loads (scripts/unicorn.sh), found at run time through a relative rpath so
# a library loaded before the engine still binds to the same libunicorn.so.2.
uc="$root/.cache/unicorn"
[[ -f "$uc/lib/libunicorn.so.2" ]] || bash "$root/scripts/unicorn.sh"
for src in "$root"/native/*.c; do
  name="$(basename "$src" .c)"
  lib="$out/libwt_$name.so"
  if [[ ! -f "$lib" || "$src" -nt "$lib" || "$uc/stamp" -nt "$lib" ]]; then
    cc -O2 -fPIC -shared -Wall -Wextra -Werror -I"$uc/include" -o "$lib" "$src" \
      -L"$uc/lib" -l:libunicorn.so.2 -Wl,-rpath,'$ORIGIN/../../.cache/unicorn/lib'
    echo "native: built $(basename "$lib")"
  fi
done
