// Searches over a trace in either direction: the previous/next change of a register, the next/previous execution
// of an address, run to a breakpoint / watchpoint / event / violation, and search by value or instruction. Each
// returns undefined on a miss. Indexes built while recording let searches skip segments: the footer's
// per-thread register masks for register changes, its page lists for watchpoints.

import type { EventKind } from '../trace/schema.ts';
import { SegmentCursor } from './cursor.ts';
import { OP_OS_WRITE, OP_STEP, opLimit, opPosition } from './decode.ts';

export { opLimit, opPosition };
import { type WriteHit, writeHit } from './memory.ts';
import { slotBigint, WORDS_PER_REG } from './regfile.ts';
import type { Trace } from './trace.ts';

export type Direction = 1 | -1;

export interface RegisterChange {
  /** Position from which the new value is visible. */
  readonly position: number;
  /** The step that changed it; undefined when the emulated Windows did (an API's result, a restored CONTEXT). */
  readonly step: number | undefined;
  readonly tid: number;
  readonly slot: number;
  readonly before: bigint;
  readonly after: bigint;
}

function maskHas(trace: Trace, i: number, tid: number, slot: number): boolean {
  const rc = trace.entries[i]!.regsChanged;
  for (const [t, lo, hi] of rc) {
    if (t !== tid) continue;
    return slot < 64 ? ((lo >> BigInt(slot)) & 1n) === 1n : ((hi >> BigInt(slot - 64)) & 1n) === 1n;
  }
  return false;
}

/**
 * The previous (dir -1: last change visible at or before `position`) or next (dir 1: first change visible
 * after `position`) change of register `slot` of thread `tid`.
 */
export function registerChange(trace: Trace, position: number, tid: number, slot: number, dir: Direction): RegisterChange | undefined {
  if (trace.segmentCount === 0) return undefined;
  const p = trace.clamp(position);
  const first = trace.segmentOf(p);
  for (let i = first; dir < 0 ? i >= 0 : i < trace.segmentCount; i += dir) {
    if (!maskHas(trace, i, tid, slot)) continue;
    const seg = trace.decoded(i);
    const limit = i === first ? opLimit(seg, p) : dir < 0 ? seg.opCount : 0;
    const from = dir < 0 ? limit - 1 : limit;
    for (let k = from; dir < 0 ? k >= 0 : k < seg.opCount; k += dir) {
      if (seg.opKind[k] === OP_OS_WRITE || seg.opTid[k] !== tid) continue;
      for (let c = seg.opCh[k]!; c < seg.opCh[k + 1]!; c++) {
        if (seg.chReg[c] !== slot) continue;
        const cur = new SegmentCursor(seg);
        cur.seekOp(k);
        // The op's own thread: a switch op moves the cursor to it.
        cur.forward();
        const after = slotBigint(cur.files.get(tid)!, slot);
        cur.backward();
        const before = slotBigint(cur.files.get(tid) ?? cur.regs, slot);
        const step = seg.opKind[k] === OP_STEP ? seg.firstStep + seg.opArg[k]! : undefined;
        return { position: opPosition(seg, k), step, tid, slot, before, after };
      }
    }
  }
  return undefined;
}

export interface RunConditions {
  /** Stop where a step at one of these addresses is about to execute. */
  readonly breakpoints?: ReadonlySet<number>;
  /**
   * Stop on the instruction about to write to one of these ranges (for a write by the emulated Windows, where
   * it wrote): where a walk through the range's writes (navigate.ts writeMove) stands too.
   */
  readonly watches?: ReadonlyArray<{ readonly address: number; readonly size: number }>;
  readonly eventKinds?: ReadonlySet<EventKind>;
  /** Other positions to stop at, sorted (ABI violations). */
  readonly stops?: readonly number[];
  /** Only steps and events of this thread count. */
  readonly tid?: number;
  /** Give up after decoding this many segments (an interruptible search resumes from the returned position). */
  readonly maxSegments?: number;
}

export interface RunStop {
  readonly position: number;
  readonly reason: 'breakpoint' | 'watch' | 'event' | 'stop' | 'end' | 'interrupted';
  readonly detail?: string;
  /** The write a watch stopped at. */
  readonly write?: WriteHit;
}

/**
 * Continue (dir 1) or reverse-continue (dir -1) from `position` to the nearest position, strictly after or
 * before it, where any condition holds; the end of the trace in that direction if none does.
 */
export function runTo(trace: Trace, position: number, dir: Direction, cond: RunConditions): RunStop {
  const p = trace.clamp(position);
  let best: RunStop | undefined;
  const offer = (q: number, reason: RunStop['reason'], detail?: string, write?: WriteHit) => {
    if (!(dir > 0 ? q > p : q < p)) return;
    if (best && !(dir > 0 ? q < best.position : q > best.position)) return;
    best = { position: q, reason, ...(detail === undefined ? {} : { detail }), ...(write ? { write } : {}) };
  };
  if (cond.eventKinds && cond.eventKinds.size > 0) {
    const e = trace.eventFrom(p, dir, (x) => cond.eventKinds!.has(x.event.kind) && (cond.tid === undefined || x.event.tid === cond.tid));
    if (e) offer(e.position, 'event', e.event.kind);
  }
  if (cond.stops && cond.stops.length > 0) {
    const q = dir > 0 ? cond.stops.find((x) => x > p) : [...cond.stops].reverse().find((x) => x < p);
    if (q !== undefined) offer(q, 'stop');
  }
  const bps = cond.breakpoints && cond.breakpoints.size > 0 ? cond.breakpoints : undefined;
  const watches = cond.watches && cond.watches.length > 0 ? cond.watches : undefined;
  let decodedCount = 0;
  for (let i = trace.segmentOf(p); (bps || watches) && (dir < 0 ? i >= 0 : i < trace.segmentCount); i += dir) {
    const e = trace.entries[i]!;
    const segStart = Number(e.firstStep);
    const segEnd = segStart + e.steps;
    // Nothing in this segment can beat what was already found.
    if (best && (dir > 0 ? segStart > best.position : segEnd < best.position)) break;
    if (!bps && !watches!.some((w) => touchesPages(e.pagesWritten, w.address, w.size))) continue;
    if (cond.maxSegments !== undefined && decodedCount >= cond.maxSegments) {
      return best ?? { position: dir > 0 ? Math.max(p, segStart) : Math.min(p, segEnd), reason: 'interrupted' };
    }
    decodedCount++;
    const seg = trace.decoded(i);
    if (bps) {
      for (let k = dir > 0 ? 0 : seg.steps - 1; dir > 0 ? k < seg.steps : k >= 0; k += dir) {
        const q = seg.firstStep + k;
        if (!(dir > 0 ? q > p : q < p)) continue;
        if (cond.tid !== undefined && seg.stepTid[k] !== cond.tid) continue;
        if (bps.has(seg.stepPc[k]!)) {
          offer(q, 'breakpoint');
          break;
        }
      }
    }
    if (watches) {
      for (let w = dir > 0 ? 0 : seg.wrAddr.length - 1; dir > 0 ? w < seg.wrAddr.length : w >= 0; w += dir) {
        const a = seg.wrAddr[w]!;
        const size = seg.wrSize[w]!;
        if (!watches.some((x) => a < x.address + x.size && a + size > x.address)) continue;
        const step = seg.wrStep[w]!;
        const q = step >= 0 ? seg.firstStep + step : opPosition(seg, seg.wrOp[w]!);
        if (!(dir > 0 ? q > p : q < p)) continue;
        if (cond.tid !== undefined && seg.opTid[seg.wrOp[w]!] !== cond.tid) continue;
        offer(q, 'watch', `0x${a.toString(16)}`, writeHit(seg, w));
        break;
      }
    }
  }
  return best ?? { position: dir > 0 ? trace.totalSteps : 0, reason: 'end' };
}

function touchesPages(pages: readonly number[], address: number, size: number): boolean {
  if (pages.length > 0 && pages[0] === -1) return true;
  const lo = Math.floor(address / 4096);
  const hi = Math.floor((address + size - 1) / 4096);
  return pages.some((x) => x >= lo && x <= hi);
}

/**
 * Nearest position strictly after/before `position` where a step at `pc` (of thread tid, if given) is about to run;
 * with `maxSegments`, searched over that many segments at most.
 */
export function findExecution(trace: Trace, position: number, dir: Direction, pc: number, tid?: number, maxSegments?: number): number | undefined {
  const stop = runTo(trace, position, dir, { breakpoints: new Set([pc]), ...(tid !== undefined ? { tid } : {}), ...(maxSegments !== undefined ? { maxSegments } : {}) });
  return stop.reason === 'breakpoint' ? stop.position : undefined;
}

/** Nearest position strictly after/before `position` where step `q` matches `match(pc)` (e.g. an instruction text). */
export function findInstruction(trace: Trace, position: number, dir: Direction, match: (pc: number) => boolean, tid?: number): number | undefined {
  const p = trace.clamp(position);
  const memo = new Map<number, boolean>();
  for (let i = trace.segmentOf(p); dir < 0 ? i >= 0 : i < trace.segmentCount; i += dir) {
    const seg = trace.decoded(i);
    for (let k = dir > 0 ? 0 : seg.steps - 1; dir > 0 ? k < seg.steps : k >= 0; k += dir) {
      const q = seg.firstStep + k;
      if (!(dir > 0 ? q > p : q < p)) continue;
      if (tid !== undefined && seg.stepTid[k] !== tid) continue;
      const pc = seg.stepPc[k]!;
      let m = memo.get(pc);
      if (m === undefined) memo.set(pc, (m = match(pc)));
      if (m) return q;
    }
  }
  return undefined;
}

export interface ValueHit {
  readonly position: number;
  readonly where: 'register' | 'memory';
  readonly tid: number;
  readonly slot?: number;
  readonly address?: number;
}

/**
 * Nearest position strictly after/before `position` where a register (of any thread, or `tid`) takes the 64-bit
 * value, or a write of 4 or 8 bytes stores it.
 */
export function findValue(trace: Trace, position: number, dir: Direction, value: bigint, tid?: number): ValueHit | undefined {
  const p = trace.clamp(position);
  const v = BigInt.asUintN(64, value);
  const lo = Number(v & 0xffffffffn);
  const hi = Number(v >> 32n);
  const bytes8 = new Uint8Array(8);
  new DataView(bytes8.buffer).setBigUint64(0, v, true);
  for (let i = trace.segmentOf(p); dir < 0 ? i >= 0 : i < trace.segmentCount; i += dir) {
    const seg = trace.decoded(i);
    const cur = new SegmentCursor(seg);
    let found: ValueHit | undefined;
    // Walk the whole segment forward (register values need the cursor), keeping the nearest hit.
    for (let k = 0; k < seg.opCount; k++) {
      const q = opPosition(seg, k);
      const kind = seg.opKind[k]!;
      const t = seg.opTid[k]!;
      cur.forward();
      const inRange = dir > 0 ? q > p : q < p;
      if (!inRange || (tid !== undefined && t !== tid)) continue;
      if (kind !== OP_OS_WRITE) {
        const r = cur.files.get(t)!;
        for (let c = seg.opCh[k]!; c < seg.opCh[k + 1]!; c++) {
          const slot = seg.chReg[c]!;
          if (r[slot * WORDS_PER_REG] === lo && r[slot * WORDS_PER_REG + 1] === hi) {
            found = { position: q, where: 'register', tid: t, slot };
            break;
          }
        }
      }
      if (!(found && found.position === q)) {
        for (let w = seg.opWr[k]!; w < seg.opWr[k + 1]!; w++) {
          const size = seg.wrSize[w]!;
          if (size !== 8 && !(size === 4 && hi === 0)) continue;
          const at = seg.wrNew[w]!;
          let same = true;
          for (let j = 0; j < size && same; j++) same = seg.data[at + j] === bytes8[j];
          if (same) {
            found = { position: q, where: 'memory', tid: t, address: seg.wrAddr[w]! };
            break;
          }
        }
      }
      if (found && dir > 0) return found;
    }
    if (found) return found;
  }
  return undefined;
}
