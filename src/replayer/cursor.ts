// A register-state cursor inside one decoded segment: every thread's registers at an op boundary, moved forward
// or backward one op at a time (deltas are reversible), so stepping back costs what stepping forward costs.

import { addDelta, PC_SLOT, type RegWords, newRegFile, subDelta, WORDS_PER_REG } from './regfile.ts';
import { type DecodedSegment, OP_OS, OP_STEP, OP_SWITCH } from './decode.ts';

const TWO32 = 0x1_0000_0000;

export function setPc(r: RegWords, pc: number): void {
  r[PC_SLOT * WORDS_PER_REG] = pc % TWO32;
  r[PC_SLOT * WORDS_PER_REG + 1] = Math.floor(pc / TWO32);
}

export class SegmentCursor {
  /** Index of the next op to apply: the state is after ops [0, op). */
  op = 0;
  tid: number;
  readonly files = new Map<number, RegWords>();

  constructor(readonly seg: DecodedSegment) {
    for (const [tid, r] of seg.keyframe) this.files.set(tid, r.slice());
    this.tid = seg.keyTid;
  }

  /** Registers of the thread on the CPU (live: copy what you keep). */
  get regs(): RegWords {
    return this.files.get(this.tid)!;
  }

  /** The op index at which position `firstStep + k` is reached: just before step k (k = steps: the end). */
  opOfStep(k: number): number {
    return k < this.seg.steps ? this.seg.stepOp[k]! : this.seg.opCount;
  }

  /** Step index (in the segment) of the next step to execute from the cursor. */
  get stepIndex(): number {
    const s = this.seg;
    for (let k = this.op; k < s.opCount; k++) if (s.opKind[k] === OP_STEP) return s.opArg[k]!;
    return s.steps;
  }

  seekOp(target: number): void {
    while (this.op < target) this.forward();
    while (this.op > target) this.backward();
  }

  seekStep(k: number): void {
    this.seekOp(this.opOfStep(k));
  }

  forward(): void {
    const s = this.seg;
    const k = this.op++;
    const kind = s.opKind[k]!;
    if (kind === OP_SWITCH) {
      this.tid = s.opArg[k]!;
      if (!this.files.has(this.tid)) this.files.set(this.tid, newRegFile());
    }
    if (kind === OP_STEP || kind === OP_OS || kind === OP_SWITCH) {
      const r = this.files.get(this.tid)!;
      const v = s.chVal;
      for (let c = s.opCh[k]!, end = s.opCh[k + 1]!; c < end; c++) addDelta(r, s.chReg[c]!, v[c * 4]!, v[c * 4 + 1]!, v[c * 4 + 2]!, v[c * 4 + 3]!);
      if (kind === OP_STEP) setPc(r, s.stepNextPc[s.opArg[k]!]!);
    }
  }

  backward(): void {
    const s = this.seg;
    const k = --this.op;
    const kind = s.opKind[k]!;
    if (kind === OP_STEP || kind === OP_OS || kind === OP_SWITCH) {
      const r = this.files.get(this.tid)!;
      const v = s.chVal;
      for (let c = s.opCh[k + 1]! - 1, end = s.opCh[k]!; c >= end; c--) subDelta(r, s.chReg[c]!, v[c * 4]!, v[c * 4 + 1]!, v[c * 4 + 2]!, v[c * 4 + 3]!);
      if (kind === OP_STEP) setPc(r, s.stepPc[s.opArg[k]!]!);
    }
    if (kind === OP_SWITCH) this.tid = s.opPrev[k]!;
  }
}
