// Finding the instruction to blame when a callee-saved register does not survive a boundary. The checker only
// sees the mismatch at the return; this walks the span on that thread and tells apart:
//   - the save slot was overwritten after the save (blame the write),
//   - the register was restored, then overwritten again (blame the later write),
//   - the restore is missing: blame the restore that reloaded the register saved next to it (an LDP pair cut
//     down to one register, or the epilogue's nearest restore),
//   - the register was never saved: blame the last instruction that changed it.

import { SegmentCursor } from '../cursor.ts';
import { OP_STEP } from '../decode.ts';
import type { CodeWords } from '../insn.ts';
import { storedRegisters } from '../insn.ts';
import type { TraceMemory } from '../memory.ts';
import { type RegWords, slotBigint, WORDS_PER_REG } from '../regfile.ts';
import type { Trace } from '../trace.ts';
import { CALLEE_SAVED_D_SLOTS, CALLEE_SAVED_SLOTS, rule } from './rules.ts';
import { hex, type Violation } from './violation.ts';

export interface Mismatch {
  readonly span: 'callback' | 'stdcall' | 'handler' | 'thread';
  readonly label: string;
  readonly tid: number;
  /** Position of the entry (the callee's first instruction is about to run). */
  readonly entry: number;
  /** Position of the return (control is back at the LR given). */
  readonly exit: number;
  readonly exitPc: number;
  readonly slot: number;
  readonly before: bigint;
  readonly after: bigint;
  /** All registers at entry: the other callee-saved values tell restores apart. */
  readonly entryRegs: RegWords;
}

/** Spans longer than this many steps are not walked; the return is blamed. */
const MAX_WALK = 5_000_000;

export function regName(slot: number): string {
  if (slot === 31) return 'sp';
  if (slot === 29) return 'fp';
  if (slot >= 34 && slot <= 65) return `d${slot - 34}`;
  return `x${slot}`;
}

export function attributeCalleeSaved(trace: Trace, memory: TraceMemory, code: CodeWords, m: Mismatch): Violation {
  const watched = [...CALLEE_SAVED_SLOTS, ...CALLEE_SAVED_D_SLOTS];
  const entryVal = (slot: number) => slotBigint(m.entryRegs, slot) & 0xffff_ffff_ffff_ffffn;
  const saveAt = new Map<number, { address: number; step: number }>();
  const restores: Array<{ step: number; slot: number }> = [];
  const lastWriter = new Map<number, number>();
  const lastRestore = new Map<number, number>();
  let walked = 0;
  if (m.exit - m.entry <= MAX_WALK && trace.segmentCount > 0) {
    for (let i = trace.segmentOf(m.entry); i < trace.segmentCount; i++) {
      const seg = trace.decoded(i);
      if (seg.firstStep >= m.exit) break;
      const c = new SegmentCursor(seg);
      c.seekStep(Math.max(0, m.entry - seg.firstStep));
      const stopOp = m.exit - seg.firstStep < seg.steps ? seg.stepOp[m.exit - seg.firstStep]! : seg.opCount;
      while (c.op < stopOp) {
        const k = c.op;
        const isStep = seg.opKind[k] === OP_STEP && seg.opTid[k] === m.tid;
        c.forward();
        if (!isStep) continue;
        walked++;
        const s = seg.opArg[k]!;
        const index = seg.firstStep + s;
        const regs = c.files.get(m.tid)!;
        for (let ch = seg.opCh[k]!; ch < seg.opCh[k + 1]!; ch++) {
          const slot = seg.chReg[ch]!;
          if (!watched.includes(slot)) continue;
          lastWriter.set(slot, index);
          if ((slotBigint(regs, slot) & 0xffff_ffff_ffff_ffffn) === entryVal(slot) && saveAt.has(slot)) {
            restores.push({ step: index, slot });
            lastRestore.set(slot, index);
          }
        }
        const w = code.word(seg.stepPc[s]!);
        const stored = w === undefined ? undefined : storedRegisters(w);
        if (stored) {
          // Writes come in address order: Rt's 8 bytes, then Rt2's.
          for (let wi = seg.opWr[k]!, j = 0; wi < seg.opWr[k + 1]! && j < stored.length; wi++, j++) {
            const r = stored[j]!;
            if (watched.includes(r) && !saveAt.has(r) && seg.wrSize[wi] === 8) saveAt.set(r, { address: seg.wrAddr[wi]!, step: index });
          }
        }
      }
    }
  }

  const name = regName(m.slot);
  let blame: number | undefined;
  let detail: string;
  const save = saveAt.get(m.slot);
  const lw = lastWriter.get(m.slot);
  const lr = lastRestore.get(m.slot);
  if (walked === 0) {
    detail = `${name} changed across ${m.label} (span too long to analyse)`;
  } else if (save) {
    const over = memory.lastWrite(m.exit, save.address, 8);
    const overValue = over ? new DataView(over.data.buffer, over.data.byteOffset).getBigUint64(0, true) : undefined;
    if (over && over.step !== undefined && over.step > save.step && overValue !== entryVal(m.slot)) {
      blame = over.step;
      detail = `${name}'s save slot at ${hex(save.address)} was overwritten after ${trace.symbols.format(trace.stepAt(save.step).pc)} saved it`;
    } else if (lr !== undefined && lw !== undefined && lw > lr) {
      blame = lw;
      detail = `${name} was restored, then overwritten before the return`;
    } else if (lr === undefined) {
      const partner = restores.filter((x) => {
        const a = saveAt.get(x.slot)?.address;
        return a !== undefined && Math.abs(a - save.address) === 8;
      }).at(-1) ?? restores.at(-1);
      blame = partner?.step;
      detail = partner
        ? `${name} was saved at ${hex(save.address)} but never reloaded: this restore reloaded ${regName(partner.slot)} from beside it and skipped ${name}`
        : `${name} was saved at ${hex(save.address)} but never reloaded before the return`;
    } else {
      blame = lw;
      detail = `${name} does not hold its entry value at the return`;
    }
  } else if (lw !== undefined) {
    blame = lw;
    detail = `${name} was overwritten without being saved first`;
  } else {
    detail = `${name} was changed by the emulated Windows inside ${m.label}`;
  }
  const position = blame ?? m.exit;
  const pc = blame !== undefined ? trace.stepAt(blame).pc : m.exitPc;
  return {
    rule: 'callee-saved', position, step: blame, tid: m.tid, pc, symbol: trace.symbols.format(pc), instruction: '', subject: name,
    before: hex(m.before), after: hex(m.after),
    detail: `${detail} (${m.label}, entered at position ${m.entry}, returned at ${m.exit})`,
    why: rule('callee-saved')!.why, by: blame !== undefined ? 'program' : 'windows', detectedAt: m.exit,
  };
}

export { WORDS_PER_REG };
