// Option parsing shared by the verbs.

import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { type Mount, normalize, Sandbox } from '../recorder/windows/sandbox.ts';

/** The guest's arguments: positionals after the program, then everything after `--` (populate-- is on). */
export function programArgs(argv: { args?: string[]; '--'?: unknown }): string[] {
  const rest = Array.isArray(argv['--']) ? argv['--'].map(String) : [];
  return [...(argv.args ?? []), ...rest];
}

/** `--env K=V` values into a record; a value without '=' is a usage error naming it. */
export function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--env expects K=V, got '${p}'`);
    env[p.slice(0, i)] = p.slice(i + 1);
  }
  return env;
}

/** `--mount HOST:GUEST`: GUEST is a drive path (C:\data); HOST, which may itself hold ':', an existing directory. */
export function parseMount(spec: string): Mount {
  const m = /^(.+):([A-Za-z]:(?:[\\/].*)?)$/.exec(spec);
  if (!m) throw new UsageError(`--mount expects HOST:GUEST with a drive path for GUEST (e.g. ./data:C:\\data), got '${spec}'`);
  const host = resolve(m[1]!);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(host).isDirectory();
  } catch {
    throw new UsageError(`--mount ${spec}: ${host} does not exist`);
  }
  if (!isDirectory) throw new UsageError(`--mount ${spec}: ${host} is not a directory`);
  return { host: realpathSync(host), guest: normalize(m[2]!).replace(/\\+$/, '') };
}

export function parseSandbox(specs: readonly string[]): Sandbox {
  return new Sandbox(specs.map(parseMount));
}

/** `--timeout SECONDS` in milliseconds, or undefined when not given. */
export function parseTimeout(seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout expects a positive number of seconds, got ${seconds}`);
  return seconds * 1000;
}

interface NumberRule {
  integer: boolean;
  /** Smallest value accepted; `above` makes it exclusive. */
  min: number;
  above?: boolean;
  max: number;
  what: string;
}

/**
 * Every numeric option of every verb. yargs turns `abc` into NaN and takes `-5` as a number, and a value nobody
 * checked became a BigInt(NaN) stack trace, "no limit", or a scheduler that never advances (quantum 0).
 */
export const NUMERIC_OPTIONS: Readonly<Record<string, NumberRule>> = {
  'max-instructions': { integer: true, min: 1, max: Number.MAX_SAFE_INTEGER, what: 'a whole number of instructions, 1 or more' },
  quantum: { integer: true, min: 1, max: 100_000_000, what: 'a whole number of instructions per slice, from 1 to 100000000' },
  timeout: { integer: false, min: 0, above: true, max: 1e9, what: 'a positive number of seconds' },
  context: { integer: true, min: 0, max: 1_000_000, what: 'a whole number of lines, 0 or more' },
  depth: { integer: true, min: 0, max: 1_000_000, what: 'a whole number of calls, 0 or more' },
  episode: { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER, what: 'an episode number, 0 or more (wintrace episodes lists them)' },
  stack: { integer: true, min: 0, max: 65_536, what: 'a whole number of stack words, from 0 to 65536' },
  jobs: { integer: true, min: 1, max: 256, what: 'a whole number of worker processes, from 1 to 256' },
  'jobs-share': { integer: true, min: 16_384, max: Number.MAX_SAFE_INTEGER, what: 'a whole number of instructions, a multiple of 16384' },
};

/** What the user typed for an option, for the message: the parsed value of `abc` is only NaN. */
function typed(raw: readonly string[], name: string, value: unknown): string {
  const camel = name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  let found: string | undefined;
  raw.forEach((a, i) => {
    for (const n of [name, camel]) {
      if (a === `--${n}` && i + 1 < raw.length) found = raw[i + 1];
      else if (a.startsWith(`--${n}=`)) found = a.slice(n.length + 3);
    }
  });
  return found ?? String(value);
}

/** A usage error for the first numeric option whose value its rule does not accept. */
export function checkNumericOptions(argv: Record<string, unknown>, raw: readonly string[]): void {
  for (const [name, rule] of Object.entries(NUMERIC_OPTIONS)) {
    const v = argv[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) throw new UsageError(`--${name} is given ${v.length} times: give it once`);
    const n = v as number;
    const ok = typeof n === 'number' && Number.isFinite(n) && (!rule.integer || Number.isInteger(n)) &&
      (rule.above ? n > rule.min : n >= rule.min) && n <= rule.max;
    if (!ok) throw new UsageError(`--${name} ${typed(raw, name, v)}: expected ${rule.what}`);
  }
}
