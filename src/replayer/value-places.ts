// What a value points at, at one position: the code or data symbol it falls in, the stack of a thread or of the
// goroutine running (with its offset from SP on the thread's own stack), a thread's TEB (and the field), the PEB,
// KUSER_SHARED_DATA, or the memory the emulated Windows mapped. A register listing names its values with it, as a
// debugger's "x0 = 0xc000010000 (goroutine 1's stack, sp+0x40)". Values that point nowhere (counts, flags) get none.

import { KUSER_SHARED_DATA, type StructDef, TEB } from '../arch/windows-structs.ts';
import { tidName } from './describe.ts';
import { type GoroutineAt, goroutineAt, type GoRuntimeView, goRuntimeView } from './goroutines.ts';
import type { Replay } from './replay.ts';
import { SP_SLOT, slotNumber } from './regfile.ts';

export interface ValuePlace {
  readonly kind: 'code' | 'data' | 'g' | 'stack' | 'goroutine stack' | 'TEB' | 'PEB' | 'KUSER_SHARED_DATA' | 'mapped';
  /** `main.readValue+0x1c`, `stack of thread 0x1000, sp+0x40`, `TEB of thread 0x1000+0x1480 (TlsSlots[0])`. */
  readonly text: string;
}

/** Below the lowest page Windows maps and above user space, a value is a number, not an address. */
const MIN_ADDRESS = 0x10000;
const MAX_ADDRESS = 2 ** 47;
/** The PEB is one page of the process data area (its size is not in the trace; nothing the PEB holds lies beyond). */
const PEB_SIZE = 0x1000;

interface Range {
  readonly start: number;
  readonly end: number;
}

/**
 * The places values point at, at one position, from thread `tid`'s point of view (default: the thread on the CPU
 * there). Build one per position and ask it for each value: the facts it reads (stacks, TEBs, the goroutine) are
 * read once.
 */
export class ValuePlaces {
  private readonly position: number;
  private readonly tid: number;
  private readonly sp: number;
  private readonly threads: ReadonlyArray<{ tid: number; stack: Range; teb: Range }>;
  private readonly peb: Range | undefined;
  private readonly goroutine: { goid: number; stack: Range } | undefined;
  /** The runtime.g the thread runs. */
  private readonly g: { address: number; text: string } | undefined;

  constructor(private readonly replay: Replay, position: number, tid?: number) {
    const trace = replay.trace;
    this.position = trace.clamp(position);
    const snap = trace.regWords(this.position);
    this.tid = tid ?? snap.tid;
    const regs = this.tid === snap.tid ? snap.regs : undefined;
    this.sp = regs ? slotNumber(regs, SP_SLOT) : Number(trace.state(this.position).threads.get(this.tid)?.[SP_SLOT] ?? 0n);
    this.threads = trace.threads().map((t) => ({
      tid: t.tid,
      stack: { start: Number(t.stackLimit), end: Number(t.stackBase) },
      teb: { start: Number(t.teb), end: Number(t.teb) + TEB.size },
    }));
    const teb = trace.tebOf(this.tid);
    const peb = teb === undefined ? undefined : replay.memory.u64(this.position, Number(teb) + TEB.fields.ProcessEnvironmentBlock[0]);
    this.peb = peb ? { start: Number(peb), end: Number(peb) + PEB_SIZE } : undefined;
    const view = goRuntimeView(trace);
    const g = typeof view === 'string' ? undefined : goroutineAt(replay, this.position, this.tid);
    this.g = g && { address: g.g, text: g.kind === 'g0' ? `g0 of m${g.mid}` : `g of goroutine ${g.goid}` };
    this.goroutine = typeof view === 'string' || !g ? undefined : goroutineStack(replay, this.position, view, g);
  }

  /** Where `value` points at this position, or undefined when it is no address the trace knows. */
  name(value: bigint | number): ValuePlace | undefined {
    const v = Number(value);
    if (v < MIN_ADDRESS || v >= MAX_ADDRESS) return undefined;
    const trace = this.replay.trace;
    const sym = trace.symbols.lookup(v);
    if (sym) {
      const code = sym.name.includes('!') || this.replay.code.word(v - (v % 4)) !== undefined;
      return { kind: code ? 'code' : 'data', text: trace.symbols.format(v) };
    }
    // A thread's stack before a goroutine's: g0's stack is the thread's own.
    for (const t of this.threads) {
      if (!inside(v, t.stack)) continue;
      return { kind: 'stack', text: `stack of thread ${tidName(t.tid)}${t.tid === this.tid && inside(this.sp, t.stack) ? `, ${spOffset(v, this.sp)}` : ''}` };
    }
    const g = this.goroutine;
    if (this.g && v === this.g.address) return { kind: 'g', text: this.g.text };
    if (g && inside(v, g.stack)) {
      return { kind: 'goroutine stack', text: `stack of goroutine ${g.goid}${inside(this.sp, g.stack) ? `, ${spOffset(v, this.sp)}` : ''}` };
    }
    for (const t of this.threads) {
      if (inside(v, t.teb)) return { kind: 'TEB', text: `TEB of thread ${tidName(t.tid)}${member(TEB, v - t.teb.start)}` };
    }
    if (this.peb && inside(v, this.peb)) return { kind: 'PEB', text: `PEB${offset(v - this.peb.start)}` };
    const kuser = 0x7ffe0000;
    if (v >= kuser && v < kuser + KUSER_SHARED_DATA.size) return { kind: 'KUSER_SHARED_DATA', text: `KUSER_SHARED_DATA${member(KUSER_SHARED_DATA, v - kuser)}` };
    const region = this.mappedRegion(v);
    if (region) return { kind: 'mapped', text: region };
    return undefined;
  }

  /** The mapping that holds v at this position: one the emulated Windows made during the run, or one of the start. */
  private mappedRegion(v: number): string | undefined {
    // The last mapping event over v decides: mapped then (and where), or unmapped since.
    let last: { base: number; position: number; mapped: boolean } | undefined;
    for (const e of this.replay.memory.mappingEvents()) {
      if (e.position > this.position) break;
      if (v >= e.base && v < e.end) last = e;
    }
    if (last) return last.mapped ? `memory mapped at position ${last.position}: 0x${last.base.toString(16)}${offset(v - last.base)}` : undefined;
    for (const r of this.replay.trace.header.regions) {
      const base = Number(r.base);
      if (v >= base && v < base + r.size) return `memory mapped at start: 0x${base.toString(16)}${offset(v - base)}`;
    }
    return undefined;
  }
}

/** The stack [lo, hi) of goroutine g (of the m's curg while g is a g0: the goroutine the system stack works for). */
function goroutineStack(replay: Replay, position: number, view: GoRuntimeView, g: GoroutineAt): { goid: number; stack: Range } | undefined {
  const mem = replay.memory;
  const user = g.kind === 'g0' ? mem.u64(position, g.m + view.layout.m.curg) : BigInt(g.g);
  const goid = g.kind === 'g0' ? g.curgGoid : g.goid;
  if (!user || goid === undefined) return undefined;
  const lo = mem.u64(position, Number(user) + view.layout.g.stackLo);
  const hi = mem.u64(position, Number(user) + view.layout.g.stackHi);
  if (!lo || !hi || hi <= lo) return undefined;
  return { goid, stack: { start: Number(lo), end: Number(hi) } };
}

function inside(v: number, r: Range): boolean {
  return v >= r.start && v < r.end;
}

function offset(n: number): string {
  return n === 0 ? '' : `+0x${n.toString(16)}`;
}

function spOffset(v: number, sp: number): string {
  return v === sp ? 'sp' : v > sp ? `sp+0x${(v - sp).toString(16)}` : `sp-0x${(sp - v).toString(16)}`;
}

/** `+0x1480 (TlsSlots[0])`: the offset into a structure and the field there, when the definition has one. */
function member(def: StructDef<string>, off: number): string {
  for (const [name, [at, size]] of Object.entries(def.fields) as Array<[string, readonly [number, number]]>) {
    const count = def.counts[name] ?? 1;
    if (off < at || off >= at + size * count) continue;
    const index = count > 1 ? `[${Math.floor((off - at) / size)}]` : '';
    const inner = (off - at) % size;
    return `${offset(off)} (${name}${index}${inner ? `+${inner}` : ''})`;
  }
  return offset(off);
}
