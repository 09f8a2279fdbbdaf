// Runs the real command line (bin/wintrace.js) as a user would and captures what it printed.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './fixtures.ts';

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** A bound for one command that only a hang reaches, even with every core busy (2,000 threads record in ~2 min idle). */
const CLI_TIMEOUT_MS = 300_000;

export function wintrace(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/wintrace.js'), ...args], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  // A command the bound stopped exits however its SIGTERM handler chooses: say so, or the failure reads as its own.
  const killed = r.error ? `\n[test helper: ${r.error.message}; the command was stopped after ${CLI_TIMEOUT_MS / 1000} s]` : '';
  return { code: r.status, out: r.stdout, err: r.stderr + killed };
}
