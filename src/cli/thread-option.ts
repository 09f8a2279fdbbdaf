// `--thread T` of the verbs that read a trace: a thread id in hex (0x1004) or decimal, which must be one of the
// trace's threads. An id the trace does not have would select nothing and look like a thread that did nothing.

import { UsageError } from '../errors.ts';
import { tidName } from '../replayer/describe.ts';
import type { Trace } from '../replayer/trace.ts';

export function parseTid(text: string): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--thread ${text}: expected a thread id such as 0x1004`);
  return n;
}

/** The ids `--thread` names, each one of the trace's threads. */
export function threadOption(trace: Trace, texts: readonly string[]): number[] {
  const tids = texts.map(parseTid);
  const known = new Set(trace.threads().map((t) => t.tid));
  const missing = tids.filter((t) => !known.has(t));
  if (missing.length) throw new UsageError(`--thread ${missing.map(tidName).join(', ')}: no such thread in ${trace.path} (it has ${[...known].map(tidName).join(', ')})`);
  return tids;
}
