// Stepping and continuing within one goroutine, whichever OS thread runs it: a goroutine migrates between threads
// (ms) whenever the scheduler parks and resumes it, so following a thread loses it at its first channel
// operation. A step belongs to goroutine N when its thread's X28 holds N's g while that g is N: a dead g is reused
// by a later `go`, which writes a new goid, so the writes of g.goid bound the positions where the g is N.

import { SegmentCursor } from './cursor.ts';
import { OP_STEP } from './decode.ts';
import { goroutineAt, goroutinesAt, goRuntimeView } from './goroutines.ts';
import { slotNumber } from './regfile.ts';
import type { Replay } from './replay.ts';
import { type Direction, type RunConditions, type RunStop, runTo } from './search.ts';

const X28_SLOT = 28;

/** A goroutine to follow: its id, the address of its g (compared against X28), and the positions the g is it. */
export interface GoroutineTarget {
  readonly goid: number;
  readonly g: number;
  /** [from, until): from the write of g.goid that made the g this goroutine to the next write of it. */
  readonly from: number;
  readonly until: number;
}

/**
 * Goroutine `goid` at a position: the current goroutine of any thread first (cheap), else from runtime.allgs.
 * A string says why there is none (one line for a user).
 */
export function findGoroutine(replay: Replay, position: number, goid: number): GoroutineTarget | string {
  const view = goRuntimeView(replay.trace);
  if (typeof view === 'string') return view;
  const here = goroutineAt(replay, position);
  if (here && here.goid === goid && here.kind !== 'g0') return targetAt(replay, position, goid, here.g);
  const all = goroutinesAt(replay, position);
  if (typeof all === 'string') return all;
  // A dead g still holding the id: the goroutine is being created there, or has ended (its steps are before).
  const hit = all.find((x) => x.goid === goid && x.status !== 'dead') ?? all.find((x) => x.goid === goid);
  if (hit) return targetAt(replay, position, goid, hit.g);
  const known = all.filter((x) => x.status !== 'dead').map((x) => x.goid).sort((a, b) => a - b);
  return `goroutine ${goid} does not exist at position ${position} (live goroutines there: ${known.join(', ') || 'none'})`;
}

/** Goroutine `goid`, which g `g` is at `position`, with the span of positions the g stays it. */
export function targetAt(replay: Replay, position: number, goid: number, g: number): GoroutineTarget {
  const view = goRuntimeView(replay.trace);
  const goidOffset = typeof view === 'string' ? 0 : view.layout.g.goid;
  const before = replay.memory.lastWrite(position, g + goidOffset, 8);
  const after = replay.memory.nextWrite(position, g + goidOffset, 8);
  return { goid, g, from: before?.position ?? 0, until: after?.position ?? replay.trace.totalSteps + 1 };
}

/**
 * The next (dir 1) or previous (dir -1) position at which goroutine `target` is about to execute a step, on any
 * thread; undefined when it runs no more in that direction (it ended, or had not started).
 */
export function goroutineStep(replay: Replay, position: number, target: GoroutineTarget, dir: Direction): number | undefined {
  return scan(replay, position, target, dir, undefined);
}

/** goroutineStep limited to steps at one of `pcs` (a goroutine's breakpoints) when given. */
function scan(replay: Replay, position: number, target: GoroutineTarget, dir: Direction, pcs: ReadonlySet<number> | undefined): number | undefined {
  const trace = replay.trace;
  // Steps before the g became this goroutine (or after it ended) are not its own: start at its life's edge.
  const p = trace.clamp(dir > 0 ? Math.max(position, target.from - 1) : Math.min(position, target.until));
  const lo = target.g % 0x1_0000_0000;
  const hi = Math.floor(target.g / 0x1_0000_0000);
  const first = trace.segmentOf(p);
  for (let i = first; dir > 0 ? i < trace.segmentCount : i >= 0; i += dir) {
    const e = trace.entries[i]!;
    // Outside the g's life as this goroutine: nothing more to find in this direction.
    if (dir > 0 ? Number(e.firstStep) >= target.until : Number(e.firstStep) + e.steps < target.from) break;
    const seg = trace.decoded(i);
    const cur = new SegmentCursor(seg);
    if (i === first) cur.seekStep(Math.min(seg.steps, Math.max(0, p - seg.firstStep)));
    else if (dir < 0) cur.seekOp(seg.opCount);
    // The registers before op k are the cursor's state with op == k.
    const visit = (): number | undefined => {
      const k = cur.op;
      if (seg.opKind[k] !== OP_STEP) return undefined;
      const q = seg.firstStep + seg.opArg[k]!;
      if (dir > 0 ? q <= p : q >= p) return undefined;
      if (pcs && !pcs.has(seg.stepPc[seg.opArg[k]!]!)) return undefined;
      const r = cur.files.get(seg.opTid[k]!) ?? cur.regs;
      if (r[X28_SLOT * 4] !== lo || r[X28_SLOT * 4 + 1] !== hi) return undefined;
      return q;
    };
    while (dir > 0 ? cur.op < seg.opCount : cur.op > 0) {
      if (dir < 0) cur.backward();
      const q = visit();
      if (dir > 0) cur.forward();
      if (q === undefined) continue;
      // The g holds another goroutine there: this one has not started yet (back) or has ended (forward).
      return q >= target.from && q < target.until ? q : undefined;
    }
  }
  return undefined;
}

/**
 * Continue (dir 1) or reverse-continue (dir -1) to the nearest stop of `cond` that goroutine `target` reaches,
 * skipping those other goroutines reach; the end of the trace in that direction if it reaches none. Breakpoints
 * are matched in one scan of the goroutine's own steps; watches, events and stops through runTo, one at a time.
 */
export function goroutineRunTo(replay: Replay, position: number, dir: Direction, target: GoroutineTarget, cond: RunConditions): RunStop {
  const trace = replay.trace;
  const end: RunStop = { position: dir > 0 ? trace.totalSteps : 0, reason: 'end' };
  const { breakpoints, maxSegments: _unbounded, ...rest } = cond;
  const q = breakpoints && breakpoints.size > 0 ? scan(replay, position, target, dir, breakpoints) : undefined;
  let best: RunStop = q === undefined ? end : { position: q, reason: 'breakpoint' };
  if (!rest.watches?.length && !rest.eventKinds?.size && !rest.stops?.length) return best;
  const beyond = (x: number) => (dir > 0 ? x >= target.until || (best !== end && x >= best.position) : x < target.from || (best !== end && x <= best.position));
  for (let p = trace.clamp(position); ;) {
    const stop = runTo(trace, p, dir, rest);
    if (stop.reason === 'end' || beyond(stop.position)) break;
    if (stop.position < trace.totalSteps && onGoroutine(replay, stop.position, target)) {
      best = stop;
      break;
    }
    p = stop.position;
  }
  return best;
}

/** Does the step at `position` run goroutine `target` (its thread's X28 is the g, and the g is still it)? */
export function onGoroutine(replay: Replay, position: number, target: GoroutineTarget): boolean {
  const trace = replay.trace;
  const { regs } = trace.regWords(position);
  return slotNumber(regs, X28_SLOT) === target.g && position >= target.from && position < target.until;
}

/** goroutineRunTo in the shape of runInSlices (run-slices.ts), for a UI that runs either: one slice. */
export function* goroutineRun(replay: Replay, position: number, dir: Direction, target: GoroutineTarget, cond: RunConditions): Generator<number, RunStop> {
  return goroutineRunTo(replay, position, dir, target, cond);
}
