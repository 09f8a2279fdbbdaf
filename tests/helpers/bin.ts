// The command line the tests run: the installed command (bin/wintrace.js, the built bundle) when the build is as new
// as the sources, as on a clean checkout after the set-up and in CI; otherwise src/ through tsx
// (scripts/wintrace-src.js), so a developer's edit is tested without a build. Tests of the installed command itself
// (installed-command, code-cache, launcher) spawn bin/wintrace.js directly.
import { join } from 'node:path';
// @ts-expect-error plain JavaScript without declarations, shared with bin/wintrace.js
import { newerSource } from '../../bin/stale-build.js';
import { ROOT } from './fixtures.ts';

export const WINTRACE_BIN = (newerSource as (root: string, bundle: string) => string | undefined)(ROOT, join(ROOT, 'dist', 'wintrace.cjs')) === undefined
  ? join(ROOT, 'bin', 'wintrace.js')
  : join(ROOT, 'scripts', 'wintrace-src.js');
