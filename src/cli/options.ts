// Option parsing shared by the verbs.

import { UsageError } from '../errors.ts';

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
