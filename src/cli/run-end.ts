// How `run` and `record` tell the user why a run ended when the program did not end it itself, and what the
// sandbox refused. Both verbs print the same lines, after the program's own output (and, for record, after the
// trace is complete).

import type { RunEnd } from '../recorder/windows/process.ts';

export interface Limits {
  maxInstructions?: number;
  timeoutSeconds?: number;
}

export function endLines(end: RunEnd, limits: Limits): string[] {
  switch (end.reason) {
    case 'exit':
      return [];
    case 'budget':
      return [`wintrace: stopped after --max-instructions ${limits.maxInstructions}`];
    case 'timeout':
      return [`wintrace: stopped after --timeout ${limits.timeoutSeconds} s`];
    case 'interrupted':
      return ['wintrace: interrupted'];
    case 'deadlock': {
      const why = end.idleNs === 0n
        ? 'every thread waits with no timeout'
        : `every thread waits, and for ${Number(end.idleNs / 3_600_000_000_000n)} h of virtual time only timeouts expired, each into another wait`;
      return [`wintrace: deadlock: ${why}`, ...end.waits.map((w) => `  ${w}`)];
    }
  }
}

/** One line per distinct refusal, in the order first tried, with a count when repeated. */
export function denialLines(denials: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const d of denials) counts.set(d, (counts.get(d) ?? 0) + 1);
  return [...counts].map(([d, n]) => `wintrace: sandbox refused: ${d}${n > 1 ? ` (${n} times)` : ''}`);
}
