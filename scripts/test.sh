#!/usr/bin/env bash
# The README's test command: set everything up, type-check, then run the whole test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
echo "test: type-checking"
npx --no-install tsc --noEmit -p .
echo "test: running the test suite"
npm test --silent
