#!/usr/bin/env node
// Launcher: runs the compiled JavaScript in dist/ (`npm run build`, which scripts/setup.sh runs), so the installed
// command (`npm link`, `npm install -g .`) works from any directory and does not need tsx or a tsconfig at run time:
// dist/wintrace.cjs, tsc's dist/cli/main.js bundled with its dependencies (scripts/bundle.ts), which starts the TUI
// in about half the time the separate module files take to load (docs/benchmarks.md, "TUI start-up: the bundle"),
// run with V8's code cache (code-cache.js).
//
// In a checkout whose sources changed since the last build (a developer's edit; the tests spawn this file), it runs
// src/ through tsx instead, with the checkout's own tsconfig named explicitly (not looked up from the current
// directory), so what runs is always the code on disk. WINTRACE_FROM_SOURCE=1 forces src/, =0 forces dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = `${root}dist/wintrace.cjs`;

/** A source file newer than the bundle: dist/ no longer is the code on disk. (One stat per source, ~9 ms: the
 * bundle is written after every file tsc compiles, so it alone stands for dist/.) */
function sourcesChanged() {
  const src = `${root}src/`;
  if (!existsSync(src)) return false;
  const builtAt = statSync(built).mtimeMs;
  for (const f of readdirSync(src, { recursive: true })) {
    if (/\.tsx?$/.test(f) && statSync(`${src}${f}`).mtimeMs > builtAt) return true;
  }
  return false;
}

/** tsx, when installed (a development dependency): null in an install without them. */
function tsxApi() {
  try {
    return createRequire(import.meta.url).resolve('tsx/esm/api');
  } catch {
    return null;
  }
}

const force = process.env.WINTRACE_FROM_SOURCE;
const fromSource = force === '1' || (force !== '0' && existsSync(built) && sourcesChanged() && tsxApi() !== null);
if (fromSource) {
  if (tsxApi() === null) {
    process.stderr.write('wintrace: WINTRACE_FROM_SOURCE=1 needs tsx (a development dependency): run npm install in the checkout\n');
    process.exit(70);
  }
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: `${root}tsconfig.json` });
  await import(pathToFileURL(`${root}src/cli/main.ts`).href);
} else if (existsSync(built)) {
  const { runBundle } = await import('./code-cache.js');
  runBundle(built, process.argv[2]);
} else {
  process.stderr.write(`wintrace: not built yet (${root}dist/ is missing): run 'npm run build' (or 'bash scripts/setup.sh') in ${root}\n`);
  process.exit(70);
}
