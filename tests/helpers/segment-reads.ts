// Which segments a replay asks for, to compare how much of a trace two ways of answering the same query read.

import type { Replay } from '../../src/replayer/replay.ts';

/**
 * From now on, the segments `r` asks for through these Trace methods (`decoded`: decoded into arrays; `frame`:
 * read from the file and searched in its stream), cached or not.
 */
export function segmentsRead(r: Replay, methods: ReadonlyArray<'decoded' | 'frame'>): Set<number> {
  const read = new Set<number>();
  const t = r.trace as unknown as Record<'decoded' | 'frame', (i: number) => unknown>;
  for (const m of methods) {
    const f = t[m].bind(t);
    t[m] = (i: number) => {
      read.add(i);
      return f(i);
    };
  }
  return read;
}
