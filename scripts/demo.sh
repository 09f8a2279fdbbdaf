#!/usr/bin/env bash
# The README's demo command: set everything up, record the bundled demo (a recovered nil-pointer dereference,
# panic-recover.exe) into trace.mp, print the ABI check's summary, then open the TUI at the first exception
# episode when run in a terminal (otherwise say how to open it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The demo is Go 1.19's build of panic-recover: only that toolchain is needed (the tests set up all of them).
bash scripts/setup.sh --go 1.19
node bin/wintrace.js record -o trace.mp
echo
# Exit 1 means violations were found: still a summary to show, not a failure of the demo.
status=0
node bin/wintrace.js check trace.mp -q || status=$?
if [ "$status" -gt 1 ]; then exit "$status"; fi
# The first exception dispatch: `episode:K  exception ...` in the episodes list.
episode=$(node bin/wintrace.js episodes trace.mp | awk '$2 == "exception" { print $1; exit }')
at=${episode:-0}
echo
if [ -t 0 ] && [ -t 1 ]; then
  echo "opening the TUI at ${at} (? lists the keys, q quits)"
  exec node bin/wintrace.js tui trace.mp --at "$at"
else
  echo "not a terminal: open the TUI with  node bin/wintrace.js tui trace.mp --at ${at}  (or print it: node bin/wintrace.js show trace.mp --at ${at})"
fi
