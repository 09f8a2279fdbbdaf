// What a misaligned SP led to, for the sp-aligned rule's explanation. AArch64 checks SP alignment only when a load
// or store uses SP as its base (Windows enables the check), while the emulator checks nothing: so a misaligned SP
// either reaches such an access, where hardware raises an alignment fault and this run goes on where Windows would
// not, or is realigned first, where hardware notices nothing and only the ABI (an exception dispatched or a stack
// walked in between would see the bad SP) is broken.

import { OP_STEP } from '../decode.ts';
import { SegmentCursor } from '../cursor.ts';
import { type CodeWords, isSpBasedAccess } from '../insn.ts';
import { SP_SLOT, WORDS_PER_REG } from '../regfile.ts';
import type { Trace } from '../trace.ts';

const SP_LO = SP_SLOT * WORDS_PER_REG;
/** Steps of the thread followed at most: a misaligned SP that lasts longer is reported as still misaligned. */
const MAX_THREAD_STEPS = 100_000;

export type SpOutcome =
  | { kind: 'access'; position: number; pc: number }
  | { kind: 'realigned'; position: number; pc: number }
  | { kind: 'open' };

/**
 * Follows thread `tid` from the step at `position` (the one that misaligned SP) to the first of: a step about to
 * access memory through SP while SP is misaligned, or the step that made SP aligned again.
 */
export function spOutcome(trace: Trace, code: CodeWords, position: number, tid: number): SpOutcome {
  let seen = 0;
  let last = { position, pc: trace.stepAt(position).pc };
  for (let i = trace.segmentOf(position); i < trace.segmentCount; i++) {
    const seg = trace.decoded(i);
    const c = new SegmentCursor(seg);
    const from = Math.max(0, position + 1 - seg.firstStep);
    if (from >= seg.steps) continue;
    c.seekStep(from);
    for (; c.op < seg.opCount; c.forward()) {
      if (seg.opKind[c.op] !== OP_STEP || c.tid !== tid) continue;
      const k = seg.opArg[c.op]!;
      const at = seg.firstStep + k;
      const pc = seg.stepPc[k]!;
      if ((c.regs[SP_LO]! & 15) === 0) return { kind: 'realigned', ...last };
      const w = code.word(pc);
      if (w !== undefined && isSpBasedAccess(w)) return { kind: 'access', position: at, pc };
      last = { position: at, pc };
      if (++seen >= MAX_THREAD_STEPS) return { kind: 'open' };
    }
  }
  return { kind: 'open' };
}
