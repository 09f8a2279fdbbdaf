#!/usr/bin/env node
// Launcher: runs the compiled JavaScript in dist/ (`npm run build`, which scripts/setup.sh runs), so the installed
// command (`npm link`, `npm install -g .`) works from any directory and does not need tsx or a tsconfig at run time:
// dist/wintrace.cjs, tsc's dist/cli/main.js bundled with its dependencies (scripts/bundle.ts), which starts the TUI
// in about half the time the separate module files take to load (docs/benchmarks.md, "TUI start-up: the bundle"),
// run with V8's code cache (code-cache.js).
//
// In a checkout whose sources changed since the last build it still runs dist/, after one line saying so: the code
// on disk without building is scripts/wintrace-src.js (tsx, a development dependency), which the tests use then.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { newerSource } from './stale-build.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = `${root}dist/wintrace.cjs`;

if (!existsSync(built)) {
  process.stderr.write(`wintrace: not built yet (${root}dist/ is missing): run 'npm run build' (or 'bash scripts/setup.sh') in ${root}\n`);
  process.exit(70);
}
const changed = newerSource(root, built);
if (changed !== undefined) {
  process.stderr.write(`wintrace: ${root}src/${changed} is newer than the build: running the last build; run 'npm run build' in ${root}\n`);
}
const { runBundle } = await import('./code-cache.js');
runBundle(built, process.argv[2]);
