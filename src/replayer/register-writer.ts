// The last instruction that wrote a register, including writes that left its value unchanged. The trace records
// register changes only: `mov x2, #0` on an x2 that already holds 0 leaves no record, so the last recorded change
// names an older instruction that is not where the value now comes from. The steps of the thread after that
// change are scanned for an instruction whose decoded register writes include the register.

import type { Disassembler } from '../arch/disasm.ts';
import { slotName } from './describe.ts';
import { registerChange } from './search.ts';
import type { Trace } from './trace.ts';

export interface RegisterWrite {
  /** Position from which the value is visible. */
  readonly position: number;
  /** The step that wrote it; undefined when the emulated Windows did (os or switch record). */
  readonly step: number | undefined;
  /** The value did not change (found by decoding, not in the trace's deltas). */
  readonly silent: boolean;
}

/** Steps scanned back for a silent write before settling for the recorded change (about 60 segments). */
const SCAN_LIMIT = 1 << 20;

/** Canonical register written by `svc` in a Windows stub: the API's result. */
const SVC_WRITES = new Set(['x0']);

export class RegisterWriters {
  private readonly writes = new Map<number, readonly string[]>();

  constructor(private readonly trace: Trace, private readonly disasm: Disassembler, private readonly word: (pc: number, position: number) => number | undefined) {}

  /** Canonical registers the instruction at pc (as memory held it at `position`) writes. */
  written(pc: number, position: number): readonly string[] {
    const hit = this.writes.get(pc);
    if (hit) return hit;
    const w = this.word(pc, position);
    let regs: readonly string[] = [];
    if (w !== undefined) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, w, true);
      const insn = this.disasm.disassemble(b, BigInt(pc));
      regs = insn ? (insn.mnemonic === 'svc' ? [...SVC_WRITES] : insn.regsWritten) : [];
    }
    this.writes.set(pc, regs);
    return regs;
  }

  /**
   * The last write of register `slot` of thread `tid` visible at `position`; undefined: never written. A resumed
   * exception loads every register from its CONTEXT, those it leaves unchanged too.
   */
  lastWrite(position: number, tid: number, slot: number): RegisterWrite | undefined {
    const found = this.lastStepOrRecord(position, tid, slot);
    const resume = this.trace.eventFrom(position + 1, -1, (e) => e.event.tid === tid && e.event.kind === 'context-resumed');
    if (resume && resume.position > (found?.position ?? -1)) return { position: resume.position, step: undefined, silent: found?.position !== resume.position };
    return found;
  }

  private lastStepOrRecord(position: number, tid: number, slot: number): RegisterWrite | undefined {
    const change = registerChange(this.trace, position, tid, slot, -1);
    const floor = Math.max(change?.position ?? 0, position - SCAN_LIMIT);
    const name = canonicalName(slot);
    const t = this.trace;
    // Steps with index in [floor, position) ran after the change became visible.
    for (let i = t.segmentOf(Math.max(0, position - 1)); i >= 0 && position > floor; i--) {
      const seg = t.decoded(i);
      if (seg.firstStep + seg.steps <= floor) break;
      for (let k = Math.min(seg.steps, position - seg.firstStep) - 1; k >= 0; k--) {
        const s = seg.firstStep + k;
        if (s < floor) break;
        if (seg.stepTid[k] !== tid) continue;
        if (this.written(seg.stepPc[k]!, s).includes(name)) return { position: s + 1, step: s, silent: true };
      }
    }
    return change && { position: change.position, step: change.step, silent: false };
  }
}

/** The disassembler's canonical name of a trace slot (x29/x30, not fp/lr). */
export function canonicalName(slot: number): string {
  return slot === 29 ? 'x29' : slot === 30 ? 'x30' : slotName(slot);
}
