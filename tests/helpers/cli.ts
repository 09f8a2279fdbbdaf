// Runs the real command line (bin/wintrace.js) as a user would and captures what it printed.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './fixtures.ts';

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

export function wintrace(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/wintrace.js'), ...args], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
