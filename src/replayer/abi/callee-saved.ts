// Finding the instruction to blame when a callee-saved register does not survive a boundary. The checker only
// sees the mismatch at the return; this walks the span on that thread and follows the register's entry value
// through it: held, saved (stored to memory, or copied into another register, while held), overwritten, given
// back. From what the trace shows it blames, in this order:
//   - the first write that replaced the entry value before anything saved it (a loop that clobbers D9 is blamed
//     at its first iteration, not its last);
//   - a write after the register had been given back (restored, then overwritten again before the return);
//   - a write over the save slot after the save (what the restore would reload is gone);
//   - a restore cut down to its neighbour: the reload of the register saved next to it, without it (an LDP pair
//     cut to one LDR);
//   - else the return of the function that saved it: the instruction the restore should have come before.
// The explanation names the entry value (a sentinel says whose, src/trace/sentinels.ts), the save and the return.

import { SegmentCursor } from '../cursor.ts';
import { OP_STEP } from '../decode.ts';
import type { CodeWords } from '../insn.ts';
import { copiedSlots, isCall, isReturn, storedSlots } from '../insn.ts';
import type { TraceMemory } from '../memory.ts';
import { type RegWords, slotBigint, WORDS_PER_REG } from '../regfile.ts';
import { threadStep } from '../stepping.ts';
import type { Trace } from '../trace.ts';
import { describeSentinel } from '../../trace/sentinels.ts';
import { CALLEE_SAVED_D_SLOTS, CALLEE_SAVED_SLOTS, rule } from './rules.ts';
import { hex, type RelatedPosition, type Violation } from './violation.ts';

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
const LOW64 = 0xffff_ffff_ffff_ffffn;
const WATCHED = new Set([...CALLEE_SAVED_SLOTS, ...CALLEE_SAVED_D_SLOTS]);

export function regName(slot: number): string {
  if (slot === 31) return 'sp';
  if (slot === 29) return 'fp';
  if (slot >= 34 && slot <= 65) return `d${slot - 34}`;
  return `x${slot}`;
}

/** A save of a register's entry value: a store (address) or a copy into another register (`into`). */
interface Save {
  readonly step: number;
  readonly address?: number;
  readonly into?: number;
  /** Calls deep from the entry when it was made: its function returns at the first return at this depth. */
  readonly depth: number;
}

/** What the walk saw of every watched register, in step order. */
interface History {
  /** Each register's latest save while it held its entry value. */
  readonly save: Map<number, Save>;
  /** The first write that replaced the entry value while no save of it existed (cleared when it comes back). */
  readonly unsaved: Map<number, number>;
  /** The last step that gave the register its entry value back. */
  readonly restored: Map<number, number>;
  /** The first write that replaced the entry value after the last restore. */
  readonly afterRestore: Map<number, number>;
  /** Steps that gave a register its entry value back, in order. */
  readonly restores: Array<{ step: number; slot: number }>;
  /** Returns executed, with the depth of the function they return from. */
  readonly returns: Array<{ step: number; depth: number }>;
  walked: number;
}

function walk(trace: Trace, code: CodeWords, m: Mismatch): History {
  const entryVal = (slot: number) => slotBigint(m.entryRegs, slot) & LOW64;
  const h: History = { save: new Map(), unsaved: new Map(), restored: new Map(), afterRestore: new Map(), restores: [], returns: [], walked: 0 };
  if (m.exit - m.entry > MAX_WALK || trace.segmentCount === 0) return h;
  const held = (regs: RegWords, slot: number) => (slotBigint(regs, slot) & LOW64) === entryVal(slot);
  let depth = 0;
  for (let i = trace.segmentOf(m.entry); i < trace.segmentCount; i++) {
    const seg = trace.decoded(i);
    if (seg.firstStep >= m.exit) break;
    const c = new SegmentCursor(seg);
    c.seekStep(Math.max(0, m.entry - seg.firstStep));
    const stopOp = m.exit - seg.firstStep < seg.steps ? seg.stepOp[m.exit - seg.firstStep]! : seg.opCount;
    while (c.op < stopOp) {
      const k = c.op;
      if (seg.opKind[k] !== OP_STEP || seg.opTid[k] !== m.tid) {
        c.forward();
        continue;
      }
      h.walked++;
      const s = seg.opArg[k]!;
      const index = seg.firstStep + s;
      const regs = c.files.get(m.tid)!;
      const w = code.word(seg.stepPc[s]!);
      // Saves read the registers as the instruction found them.
      const stored = w === undefined ? undefined : storedSlots(w);
      if (stored) {
        // Writes come in address order: Rt's 8 bytes, then Rt2's.
        for (let wi = seg.opWr[k]!, j = 0; wi < seg.opWr[k + 1]! && j < stored.length; wi++, j++) {
          const r = stored[j]!;
          if (WATCHED.has(r) && seg.wrSize[wi] === 8 && held(regs, r)) saved(h, r, { step: index, address: seg.wrAddr[wi]!, depth });
        }
      }
      const copy = w === undefined ? undefined : copiedSlots(w);
      if (copy && WATCHED.has(copy.from) && held(regs, copy.from)) saved(h, copy.from, { step: index, into: copy.to, depth });
      const was = new Map<number, boolean>();
      for (let ch = seg.opCh[k]!; ch < seg.opCh[k + 1]!; ch++) {
        const slot = seg.chReg[ch]!;
        if (WATCHED.has(slot)) was.set(slot, held(regs, slot));
      }
      c.forward();
      const after = c.files.get(m.tid)!;
      for (const [slot, before] of was) {
        const now = held(after, slot);
        if (before && !now) {
          if (h.restored.has(slot)) {
            if (!h.afterRestore.has(slot)) h.afterRestore.set(slot, index);
          } else if (!h.save.has(slot) && !h.unsaved.has(slot)) h.unsaved.set(slot, index);
        } else if (!before && now) {
          h.unsaved.delete(slot);
          h.afterRestore.delete(slot);
          h.restored.set(slot, index);
          h.restores.push({ step: index, slot });
        }
      }
      if (w !== undefined && isReturn(w)) {
        h.returns.push({ step: index, depth });
        depth--;
      } else if (w !== undefined && isCall(w)) depth++;
    }
  }
  return h;
}

/** A new save begins a new story: what happened after an earlier restore is that story's end. */
function saved(h: History, slot: number, s: Save): void {
  h.save.set(slot, s);
  h.restored.delete(slot);
  h.afterRestore.delete(slot);
}

/**
 * Walks of spans already made, by thread, entry and return: every register that came back changed from one span
 * reads the same walk (a thread that returns with D8-D15 all changed is walked once, not 8 times).
 */
export type WalkCache = Map<string, History>;

export function attributeCalleeSaved(trace: Trace, memory: TraceMemory, code: CodeWords, m: Mismatch, walks: WalkCache = new Map()): Violation {
  const span = `${m.tid}:${m.entry}:${m.exit}`;
  let h = walks.get(span);
  if (!h) walks.set(span, (h = walk(trace, code, m)));
  const sym = (pc: number) => trace.symbols.format(pc);
  const at = (position: number, role: RelatedPosition['role']): RelatedPosition => {
    const pc = trace.stepAt(position).pc;
    return { role, position, pc, symbol: sym(pc) };
  };
  const name = regName(m.slot);
  const entryVal = (slot: number) => slotBigint(m.entryRegs, slot) & LOW64;
  const entered = `${name} entered with ${describeSentinel(m.before) ?? hex(m.before)}`;
  // The return to the caller: the thread's last step before control is back at the LR given.
  const back = threadStep(trace, m.exit, m.tid, -1);
  const returned = back < m.exit && back >= m.entry && trace.stepAt(back).tid === m.tid ? at(back, 'returned') : undefined;
  const saveStory = (s: Save) => s.address !== undefined
    ? `saved at ${hex(s.address)} by ${sym(trace.stepAt(s.step).pc)}`
    : `copied to ${regName(s.into!)} by ${sym(trace.stepAt(s.step).pc)}`;
  let blame: number | undefined;
  let detail: string;
  const related: RelatedPosition[] = [];
  const save = h.save.get(m.slot);
  const unsaved = h.unsaved.get(m.slot);
  const again = h.afterRestore.get(m.slot);
  if (h.walked === 0) {
    detail = `${name} changed across ${m.label} (span too long to analyse)`;
  } else if (unsaved !== undefined) {
    blame = unsaved;
    detail = `${entered}; this instruction overwrote it before anything saved it, and it still held ${hex(m.after)} at the return`;
    if (returned) related.push(returned);
  } else if (again !== undefined) {
    blame = again;
    const restored = h.restored.get(m.slot)!;
    detail = `${entered}; it was given back by ${sym(trace.stepAt(restored).pc)}, then this instruction overwrote it again before the return`;
    related.push(at(restored, 'restored'));
    if (returned) related.push(returned);
  } else if (save) {
    related.push(at(save.step, 'saved'));
    const over = save.address === undefined ? undefined : memory.lastWrite(m.exit, save.address, 8);
    const overValue = over ? new DataView(over.data.buffer, over.data.byteOffset).getBigUint64(0, true) : undefined;
    const partner = save.address === undefined ? undefined : h.restores.filter((x) => {
      const a = h.save.get(x.slot)?.address;
      return x.step > save.step && x.slot !== m.slot && a !== undefined && Math.abs(a - save.address!) === 8;
    }).at(-1);
    const ret = h.returns.find((r) => r.step > save.step && r.depth === save.depth);
    if (over && over.step !== undefined && over.step > save.step && overValue !== entryVal(m.slot)) {
      blame = over.step;
      detail = `${entered}, ${saveStory(save)}; this instruction overwrote the save slot before the restore`;
    } else if (partner) {
      blame = partner.step;
      detail = `${entered}; ${name} was saved at ${hex(save.address!)} but never reloaded: this restore reloaded ${regName(partner.slot)} from beside it and skipped ${name}`;
    } else if (ret) {
      blame = ret.step;
      const fn = trace.symbols.lookup(trace.stepAt(save.step).pc)?.name ?? 'the function that saved it';
      detail = `${entered}, ${saveStory(save)}, but ${fn} returned here without giving it back (it held ${hex(m.after)})`;
    } else {
      blame = returned?.position;
      detail = `${entered}, ${saveStory(save)}, but it does not hold that value at the return`;
    }
  } else {
    detail = `${name} was changed by the emulated Windows inside ${m.label}`;
  }
  const position = blame ?? m.exit;
  const pc = blame !== undefined ? trace.stepAt(blame).pc : m.exitPc;
  return {
    rule: 'callee-saved', position, step: blame, tid: m.tid, pc, symbol: sym(pc), instruction: '', subject: name,
    before: hex(m.before), after: hex(m.after),
    detail: `${detail} (${m.label}, entered at position ${m.entry}, returned at ${m.exit})`,
    why: rule('callee-saved')!.why, by: blame !== undefined ? 'program' : 'windows', detectedAt: m.exit, boundary: { kind: m.span, label: m.label },
    ...(related.length ? { related } : {}),
  };
}

export { WORDS_PER_REG };
