// Stepping as a debugger user means it: one instruction of the thread being followed, forward or backward, and
// step over a call (forward: to the return; backward: from the return back to the call) on that thread. Other
// threads' instructions in between are skipped, as WinDbg TTD and gdb do.

import { isCall, isReturn } from './insn.ts';
import type { CodeWords } from './insn.ts';
import { SP_SLOT, slotNumber } from './regfile.ts';
import type { Trace } from './trace.ts';

/** Budget for step-over scans: a call that never returns stops the search after this many segments. */
const MAX_SEGMENTS = 4096;

/**
 * The next (dir 1) or previous (dir -1) position at which thread `tid` is about to execute a step; the end or
 * start of the trace when there is none.
 */
export function threadStep(trace: Trace, position: number, tid: number, dir: 1 | -1): number {
  const p = trace.clamp(position);
  if (trace.segmentCount === 0) return p;
  for (let i = trace.segmentOf(p); dir < 0 ? i >= 0 : i < trace.segmentCount; i += dir) {
    // A thread that does not run in a segment (known once the frames are read) has no step there.
    if (trace.threadStepsIn(i, tid) === 0) continue;
    const seg = trace.decoded(i);
    const from = dir > 0 ? Math.max(0, p + 1 - seg.firstStep) : Math.min(seg.steps - 1, p - 1 - seg.firstStep);
    for (let k = from; dir > 0 ? k < seg.steps : k >= 0; k += dir) if (seg.stepTid[k] === tid) return seg.firstStep + k;
  }
  return dir > 0 ? trace.totalSteps : 0;
}

/** The first position at or after `position` where thread `tid` is about to run (the end if it never does). */
export function onThread(trace: Trace, position: number, tid: number): number {
  const p = trace.clamp(position);
  if (p < trace.totalSteps && trace.stepAt(p).tid === tid) return p;
  return threadStep(trace, p, tid, 1);
}

/** Thread that runs step `position` (at the end: the thread that ran last). */
export function threadAt(trace: Trace, position: number): number {
  const p = trace.clamp(position);
  if (trace.totalSteps === 0) return trace.header.currentTid;
  if (p < trace.totalSteps) return trace.stepAt(p).tid;
  return trace.totalSteps > 0 ? trace.stepAt(p - 1).tid : trace.header.currentTid;
}

function spAt(trace: Trace, position: number): number {
  return slotNumber(trace.regWords(position).regs, SP_SLOT);
}

/**
 * Step over forward from `position`: if the instruction about to run is a call, to where the thread comes back
 * to the next instruction with the same SP; otherwise one step of the thread.
 */
export function stepOverForward(trace: Trace, code: CodeWords, position: number): number {
  const p = trace.clamp(position);
  if (p >= trace.totalSteps) return p;
  const { tid, pc } = trace.stepAt(p);
  const w = code.word(pc);
  if (w === undefined || !isCall(w)) return threadStep(trace, p, tid, 1);
  const ret = pc + 4;
  const sp = spAt(trace, p);
  let segments = 0;
  for (let i = trace.segmentOf(p); i < trace.segmentCount && segments < MAX_SEGMENTS; i++, segments++) {
    const seg = trace.decoded(i);
    for (let k = Math.max(0, p + 1 - seg.firstStep); k < seg.steps; k++) {
      if (seg.stepTid[k] !== tid || seg.stepPc[k] !== ret) continue;
      const q = seg.firstStep + k;
      if (spAt(trace, q) === sp) return q;
    }
  }
  return threadStep(trace, p, tid, 1);
}

/**
 * Step over backward from `position`: if the thread's previous instruction was the return of a call made just
 * before this instruction, back to that call; otherwise one step back.
 */
export function stepOverBackward(trace: Trace, code: CodeWords, position: number): number {
  const p = trace.clamp(position);
  const tid = threadAt(trace, p);
  const q = threadStep(trace, p, tid, -1);
  // No earlier step of this thread: threadStep gave the start of the trace.
  if (q >= p || trace.stepAt(q).tid !== tid) return q;
  const prev = trace.stepAt(q);
  const w = code.word(prev.pc);
  const here = p < trace.totalSteps ? trace.stepAt(p).pc : trace.step(q).nextPc;
  if (w === undefined || !isReturn(w)) return q;
  const callPc = here - 4;
  const cw = code.word(callPc);
  if (cw === undefined || !isCall(cw)) return q;
  const sp = spAt(trace, p);
  let segments = 0;
  for (let i = trace.segmentOf(q); i >= 0 && segments < MAX_SEGMENTS; i--, segments++) {
    const seg = trace.decoded(i);
    for (let k = Math.min(seg.steps - 1, q - 1 - seg.firstStep); k >= 0; k--) {
      if (seg.stepTid[k] !== tid || seg.stepPc[k] !== callPc) continue;
      const c = seg.firstStep + k;
      if (spAt(trace, c) === sp) return c;
    }
  }
  return q;
}
