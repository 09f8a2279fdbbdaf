// Runs the real command line (tests/helpers/bin.ts: the installed command, or src/ when the build is older) as a user
// would and captures what it printed.

import { spawnSync } from 'node:child_process';
import { WINTRACE_BIN } from './bin.ts';

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** A bound for one command that only a hang reaches, even with every core busy (2,000 threads record in ~2 min idle). */
const CLI_TIMEOUT_MS = 300_000;

export function wintrace(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [WINTRACE_BIN, ...args], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  // A command the bound stopped exits however its SIGTERM handler chooses: say so, or the failure reads as its own.
  const killed = r.error ? `\n[test helper: ${r.error.message}; the command was stopped after ${CLI_TIMEOUT_MS / 1000} s]` : '';
  return { code: r.status, out: r.stdout, err: r.stderr + killed };
}
