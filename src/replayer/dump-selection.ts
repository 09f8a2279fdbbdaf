// What a text dump covers: a span of positions and, inside it, which thread's steps count. Steps outside the
// selection are folded into one line per run of them, so a dump of one thread reads as that thread's own story.

import type { Episode } from './episodes.ts';
import { tidName } from './describe.ts';
import type { Trace } from './trace.ts';

export interface DumpSelection {
  /** What the dump shows, for its first line. */
  readonly label: string;
  /** First and last step included (events at positions in [from, to] too). */
  readonly from: number;
  readonly to: number;
  /** Whether thread `tid`'s step (or event) at `position` belongs to the dump. */
  includes(tid: number, position: number): boolean;
  /** Events that concern a selected thread although another thread raised them (its creation). */
  concerns?(tid: number): boolean;
}

/** Events recorded after the last step of a --stop-at window belong to the rest of the run, not to the window. */
function lastEventPosition(trace: Trace): number {
  const stopAt = trace.header.options['stopAt'];
  return stopAt === null || stopAt === undefined ? trace.totalSteps : Math.max(0, trace.totalSteps - 1);
}

export function wholeTrace(trace: Trace): DumpSelection {
  return { label: 'every step', from: 0, to: lastEventPosition(trace), includes: () => true };
}

export function threadsSelection(trace: Trace, tids: readonly number[]): DumpSelection {
  const set = new Set(tids);
  return {
    label: `thread${tids.length > 1 ? 's' : ''} ${tids.map(tidName).join(', ')}`,
    from: 0,
    to: lastEventPosition(trace),
    includes: (tid) => set.has(tid),
    concerns: (tid) => set.has(tid),
  };
}

/**
 * An episode's span on its own threads. An exception dispatch: the faulting thread from the fault to where it
 * resumes. A thread start: the creating thread until CreateThread returns to it, then the new thread from its
 * creation to the episode's end.
 */
export function episodeSelection(trace: Trace, e: Episode): DumpSelection {
  const label = `episode ${e.index}: ${e.name} (${e.outcome})`;
  const end = Math.min(e.end, lastEventPosition(trace));
  if (e.kind === 'exception') {
    return { label, from: e.start, to: end, includes: (tid, p) => tid === e.tid && p >= e.start && p <= end };
  }
  const events = trace.eventsBetween(e.start, end);
  const created = events.find((x) => x.event.kind === 'thread-created' && x.event.newTid === e.tid);
  const creator = created?.event.tid;
  const returned = events.find((x) => x.position >= (created?.position ?? e.start) && x.event.tid === creator &&
    x.event.kind === 'api-return' && x.event.api.endsWith('!CreateThread'));
  // The stub's RET runs at the api-return's position; with no return in the span, the creator stops at creation.
  const creatorEnd = returned?.position ?? created?.position ?? e.start;
  return {
    label,
    from: e.start,
    to: end,
    includes: (tid, p) => p >= e.start && p <= end && (tid === e.tid || (tid === creator && p <= creatorEnd)),
    concerns: (tid) => tid === e.tid,
  };
}
