// Moves an interactive debugger makes, as positions: step over that also steps over an exception dispatch, the
// next/previous event, episode and violation, walks through the changes of one register or the writes to one
// address, and where a thread runs. Built on the queries of search.ts, stepping.ts and memory.ts; the TUI only
// calls these and draws the result.

import type { Violation } from './abi/violation.ts';
import { tidName } from './describe.ts';
import type { Episode } from './episodes.ts';
import type { CodeWords } from './insn.ts';
import type { TraceMemory, WriteHit } from './memory.ts';
import { type Direction, type RegisterChange, registerChange } from './search.ts';
import { onThread, stepOverBackward, stepOverForward, threadAt, threadStep } from './stepping.ts';
import type { EventAt, Trace } from './trace.ts';

/**
 * Step over, forward or backward, on the thread at `position`. A call is stepped over as stepping.ts does; an
 * exception dispatch too: the faulting instruction and the resume (or the fail-fast that ended it) are each
 * other's step over, as a call and its return are, so one key goes back from a resume to the fault.
 */
export function stepOver(trace: Trace, code: CodeWords, position: number, dir: Direction): number {
  const p = trace.clamp(position);
  const dispatch = dir > 0 ? dispatchEnd(trace, p) : dispatchStart(trace, p);
  if (dispatch !== undefined) return dispatch;
  return dir > 0 ? stepOverForward(trace, code, p) : stepOverBackward(trace, code, p);
}

/**
 * Where a step (`over`: a step over) from `position` goes without leaving its thread, or why it stays: at the
 * thread's first instruction there is nothing before it on that thread, and after its last one (when another
 * thread runs later) nothing after; the plain searches would land on some other thread's instruction there.
 */
export function threadMove(trace: Trace, code: CodeWords, position: number, dir: Direction, over: boolean): { readonly position: number; readonly note?: string } {
  const p = trace.clamp(position);
  const tid = threadAt(trace, p);
  const q = over ? stepOver(trace, code, p, dir) : threadStep(trace, p, tid, dir);
  if (q !== p && threadAt(trace, q) === tid) return { position: q };
  if (dir > 0 ? p >= trace.totalSteps : p === 0) return { position: p, note: dir > 0 ? 'end of the trace' : 'start of the trace' };
  return { position: p, note: `thread ${tidName(tid)} has no ${dir > 0 ? 'later' : 'earlier'} instruction in the trace` };
}

/** Where the dispatch of an exception raised by the step at `p` ends, if that step faults. */
function dispatchEnd(trace: Trace, p: number): number | undefined {
  if (p >= trace.totalSteps) return undefined;
  const tid = trace.stepAt(p).tid;
  // The emulated Windows raises right after the faulting step: the event sits at the next position.
  const raised = trace.eventsBetween(p + 1, p + 1).find((e) => e.event.kind === 'exception-raised' && e.event.tid === tid);
  if (!raised) return undefined;
  const later = trace.events().slice(raised.index + 1);
  let depth = 0;
  for (const e of later) {
    if (e.event.tid !== tid && e.event.kind !== 'process-exit') continue;
    if (e.event.kind === 'exception-raised') depth++;
    else if (e.event.kind === 'context-resumed' || e.event.kind === 'fail-fast') {
      if (depth === 0) return e.event.kind === 'context-resumed' ? onThread(trace, e.position, tid) : e.position;
      depth--;
    } else if (e.event.kind === 'process-exit') return e.position;
  }
  return trace.totalSteps;
}

/**
 * Whether thread `tid` was resumed from an exception after position `from` and at or before `to`. Reads only the
 * frames of those positions, not the whole event list (seconds on a long trace), so a view drawn at every
 * position can ask.
 */
export function resumedBetween(trace: Trace, from: number, to: number, tid: number): boolean {
  if (trace.segmentCount === 0) return false;
  const last = trace.segmentOf(to);
  for (let i = trace.segmentOf(Math.max(0, from)); i <= last; i++) {
    for (const e of trace.frame(i).events) {
      const q = Number(e.step);
      if (e.kind === 'context-resumed' && e.tid === tid && q > from && q <= to) return true;
    }
  }
  return false;
}

/** The faulting instruction of the dispatch the thread at `p` has just been resumed from, if it has. */
export function dispatchStart(trace: Trace, p: number): number | undefined {
  const tid = threadAt(trace, p);
  const prev = threadStep(trace, p, tid, -1);
  // Resumed between the thread's previous step and this position.
  const resumed = trace.eventsBetween(prev + 1, p).filter((e) => e.event.kind === 'context-resumed' && e.event.tid === tid).at(-1);
  if (!resumed) return undefined;
  const all = trace.events();
  let depth = 0;
  for (let i = resumed.index - 1; i >= 0; i--) {
    const e = all[i]!;
    if (e.event.tid !== tid || e.position < 0) continue;
    if (e.event.kind === 'context-resumed' || e.event.kind === 'fail-fast') depth++;
    else if (e.event.kind === 'exception-raised') {
      if (depth === 0) return Math.max(0, e.position - 1);
      depth--;
    }
  }
  return undefined;
}

/** The first event strictly after (dir 1) or the last strictly before (dir -1) `position`; never one of those before the trace's first step. */
export function adjacentEvent(trace: Trace, position: number, dir: Direction): EventAt | undefined {
  return trace.eventFrom(trace.clamp(position), dir);
}

/** Index of the last item at or before `position` in a list sorted by position (-1 when none is). */
export function indexAtOrBefore<T>(items: readonly T[], position: number, positionOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (positionOf(items[mid]!) <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The episode starting first after (dir 1) or last before (dir -1) `position`. */
export function adjacentEpisode(episodes: readonly Episode[], position: number, dir: Direction): Episode | undefined {
  return dir > 0 ? episodes.find((e) => e.start > position) : episodes.findLast((e) => e.start < position);
}

/** Innermost episode under way at `position` (started at or before it, not yet ended). */
export function episodeAt(episodes: readonly Episode[], position: number): Episode | undefined {
  let best: Episode | undefined;
  for (const e of episodes) if (e.start <= position && position <= e.end && (!best || e.start >= best.start)) best = e;
  return best;
}

/** Index (in the checker's list) of the violation first after (dir 1) or last before (dir -1) `position`. */
export function adjacentViolation(violations: readonly Violation[], position: number, dir: Direction): number | undefined {
  let best: number | undefined;
  violations.forEach((v, i) => {
    if (dir > 0 ? v.position <= position : v.position >= position) return;
    const b = best === undefined ? undefined : violations[best]!.position;
    if (b === undefined || (dir > 0 ? v.position < b : v.position > b)) best = i;
  });
  return best;
}

/**
 * One move of a walk through the changes of a register or the writes to a range: where to stand (the
 * instruction responsible, about to run, or where the emulated Windows acted) and the position the change is
 * visible from, which the next move continues from (standing on the instruction is before its change).
 */
export interface WalkMove<T> {
  readonly position: number;
  readonly anchor: number;
  readonly found: T;
}

/**
 * The previous (dir -1) or next (dir 1) change of register `slot` of thread `tid`. A new walk starts at
 * `position` (backward, the change visible there counts: it is the one that made the value now shown); a walk
 * under way passes the anchor of its last move.
 */
export function registerChangeMove(trace: Trace, position: number, anchor: number | undefined, tid: number, slot: number, dir: Direction): WalkMove<RegisterChange> | undefined {
  const from = anchor === undefined ? position : dir < 0 ? anchor - 1 : anchor;
  if (from < 0) return undefined;
  let c = registerChange(trace, from, tid, slot, dir);
  // Standing on the instruction that makes the next change, forward is the change after it.
  if (c && anchor === undefined && dir > 0 && c.step === position) c = registerChange(trace, c.position, tid, slot, dir);
  return c && { position: c.step ?? onThread(trace, c.position, tid), anchor: c.position, found: c };
}

/** The previous (dir -1) or next (dir 1) write touching [address, address + size), as registerChangeMove walks. */
export function writeMove(memory: TraceMemory, position: number, anchor: number | undefined, address: number, size: number, dir: Direction): WalkMove<WriteHit> | undefined {
  const from = anchor === undefined ? position : dir < 0 ? anchor - 1 : anchor;
  if (from < 0) return undefined;
  let w = dir < 0 ? memory.lastWrite(from, address, size) : memory.nextWrite(from, address, size);
  // Standing on the instruction that makes the next write, forward is the write after it (as runTo goes on).
  if (w && anchor === undefined && dir > 0 && w.step === position) w = memory.nextWrite(w.position, address, size);
  return w && { position: w.step ?? w.position, anchor: w.position, found: w };
}

/**
 * Where to stand to follow thread `tid` from `position`: where a run of switches last left it (`left`: thread to
 * position, so that switching away and back returns to the same instruction), else here if it runs here, else
 * where it next runs, else where it last ran; undefined if it never runs in the trace.
 */
export function threadSwitch(trace: Trace, position: number, tid: number, left?: ReadonlyMap<number, number>): number | undefined {
  const p = trace.clamp(position);
  const back = left?.get(tid);
  if (back !== undefined && threadAt(trace, back) === tid) return back;
  if (threadAt(trace, p) === tid) return p;
  const next = threadStep(trace, p, tid, 1);
  if (next < trace.totalSteps && trace.stepAt(next).tid === tid) return next;
  const prev = threadStep(trace, p, tid, -1);
  if (prev < p && trace.stepAt(prev).tid === tid) return prev;
  return undefined;
}
