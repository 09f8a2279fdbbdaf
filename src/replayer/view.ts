// What a debugger shows at a position, as data: registers (with the ones the thread's last instruction or the
// emulated Windows changed, and X18/SP flagged when they break the ABI), the disassembly around pc with branch
// targets named, and the stack with frame records recognised. `wintrace show` prints it; the TUI draws it.

import type { MemoryReader } from './memory-window.ts';
import { dispatchStart, resumedBetween } from './navigate.ts';
import { slotBigint } from './regfile.ts';
import type { Replay } from './replay.ts';
import { slotName } from './describe.ts';
import { lineText } from './source-lines.ts';
import { threadAt, threadStep } from './stepping.ts';

export interface RegisterRow {
  readonly slot: number;
  readonly name: string;
  readonly value: bigint;
  /** Different from the thread's previous position (its last instruction, or the emulated Windows). */
  readonly changed: boolean;
  /** Why the value breaks the ABI here: X18 not this thread's TEB, SP not 16-byte aligned. */
  readonly flag?: string;
}

export interface RegistersView {
  readonly position: number;
  readonly tid: number;
  readonly pc: number;
  readonly rows: readonly RegisterRow[];
}

/** Slots shown by default: X0-X30, SP, PC, NZCV; D8-D15 on demand. */
export const GENERAL_SLOTS: readonly number[] = [...Array.from({ length: 31 }, (_, i) => i), 31, 32, 33];
export const D8_D15_SLOTS: readonly number[] = Array.from({ length: 8 }, (_, i) => 42 + i);

export function registersView(replay: Replay, position: number, slots: readonly number[] = GENERAL_SLOTS): RegistersView {
  const trace = replay.trace;
  const p = trace.clamp(position);
  const tid = threadAt(trace, p);
  const now = trace.regWords(p);
  // Just resumed from an exception: what changed is what the resume made different from the faulting instruction,
  // not from the handler's last one; a register the emulated Windows restored to its value at the fault is unchanged.
  const prevStep = threadStep(trace, p, tid, -1);
  const prevPos = (prevStep < p && resumedBetween(trace, prevStep, p, tid) ? dispatchStart(trace, p) : undefined) ?? prevStep;
  const prev = prevPos < p ? trace.regWords(prevPos) : undefined;
  const teb = trace.tebOf(tid);
  const rows = slots.map((slot) => {
    const value = slotBigint(now.regs, slot);
    const before = prev && prev.tid === tid ? slotBigint(prev.regs, slot) : value;
    const d = slot >= 34 && slot <= 65;
    const shown = d ? value & 0xffff_ffff_ffff_ffffn : value;
    let flag: string | undefined;
    if (slot === 18 && teb !== undefined && value !== teb) flag = `not this thread's TEB (${hex(teb)})`;
    if (slot === 31 && (value & 15n) !== 0n) flag = `not 16-byte aligned (off by ${value & 15n})`;
    return { slot, name: d ? `d${slot - 34}` : slotName(slot), value: shown, changed: before !== value, ...(flag ? { flag } : {}) };
  });
  return { position: p, tid, pc: Number(slotBigint(now.regs, 32)), rows };
}

export interface DisasmLine {
  readonly address: number;
  readonly word: number | undefined;
  /** `symbol` at a symbol's first instruction, else `symbol+0xoff`. */
  readonly location: string;
  readonly text: string;
  readonly current: boolean;
  /** A direct branch's target, named. */
  readonly target?: string;
  /** Go source position of the instruction (`main.go:42`), where the program's line tables give one. */
  readonly line?: string;
}

/**
 * Instructions around `pc`: `before` lines before it and `after` after (needs the disassembler loaded), as memory
 * held them at `position` (code the program rewrote shows as it ran); without a position, the initial code.
 */
export function disassemblyAround(replay: Replay, pc: number, before = 6, after = 10, position?: number): DisasmLine[] {
  const d = replay.loadedDisassembler;
  const out: DisasmLine[] = [];
  for (let a = pc - before * 4; a <= pc + after * 4; a += 4) {
    if (a < 0) continue;
    const w = position === undefined ? replay.code.word(a) : replay.codeWord(a, position);
    let text = '??';
    let target: string | undefined;
    if (w !== undefined && d) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, w, true);
      const insn = d.disassemble(b, BigInt(a));
      text = insn?.text ?? '??';
      if (insn?.target !== undefined) target = replay.trace.symbols.format(Number(insn.target));
    } else if (w !== undefined) text = `.word ${hex(w)}`;
    const line = lineText(replay.trace.sourceLines, a);
    out.push({ address: a, word: w, location: replay.trace.symbols.format(a), text, current: a === pc, ...(target ? { target } : {}), ...(line ? { line } : {}) });
  }
  return out;
}

export interface StackLine {
  readonly address: number;
  readonly offset: number;
  readonly value: bigint | undefined;
  /** `saved fp`, `saved lr -> symbol`, or the symbol a code pointer points into. */
  readonly note?: string;
}

/**
 * `words` 8-byte slots from SP upward (and `below` slots under it, which Windows may overwrite: no red zone).
 * `read` reads memory (a MemoryWindow's, to follow a stack from position to nearby position cheaply).
 */
export function stackView(replay: Replay, position: number, words = 16, below = 2, read: MemoryReader = (p, a, n) => replay.memory.read(p, a, n)): StackLine[] {
  const trace = replay.trace;
  const { regs } = trace.regWords(position);
  const sp = Number(slotBigint(regs, 31));
  let fp = Number(slotBigint(regs, 29));
  const start = sp - below * 8;
  const mem = read(position, start, (words + below) * 8);
  const records = new Map<number, string>();
  // Frame records on this stack: [fp] = caller's fp, [fp + 8] = return address.
  for (let n = 0; n < 32 && fp >= start && fp < start + (words + below) * 8; n++) {
    const next = Number(new DataView(mem.bytes.buffer).getBigUint64(fp - start, true));
    // A code address where fp points is no saved fp: fp is not (or no longer) a frame pointer here, as in the
    // middle of a prologue or after assembly that uses it as a scratch register.
    if (next !== 0 && replay.code.word(next) !== undefined) break;
    records.set(fp, 'saved fp');
    const o = fp - start + 8;
    const ret = o + 8 <= mem.bytes.length ? Number(new DataView(mem.bytes.buffer).getBigUint64(o, true)) : 0;
    records.set(fp + 8, `saved lr -> ${trace.symbols.format(ret)}`);
    if (next <= fp) break;
    fp = next;
  }
  const out: StackLine[] = [];
  for (let i = 0; i < words + below; i++) {
    const a = start + i * 8;
    const mapped = mem.mapped.slice(i * 8, i * 8 + 8).every((x) => x === 1);
    const value = mapped ? new DataView(mem.bytes.buffer).getBigUint64(i * 8, true) : undefined;
    let note = records.get(a);
    // Only code pointers are named: data that happens to lie near a symbol is not a reference to it.
    if (!note && value !== undefined && value !== 0n && value < 2n ** 53n && replay.code.word(Number(value)) !== undefined) {
      note = trace.symbols.format(Number(value));
    }
    out.push({ address: a, offset: a - sp, value, ...(note ? { note } : {}) });
  }
  return out;
}

function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}
