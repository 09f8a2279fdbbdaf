#!/usr/bin/env bash
# The README's demo command: set everything up, then record the bundled demo (a recovered nil-pointer
# dereference, panic-recover.exe) into trace.mp and print what was recorded.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
node bin/wintrace.js record -o trace.mp
