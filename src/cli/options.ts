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
