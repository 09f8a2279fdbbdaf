// Instruction words from the trace's code pages and the few encodings the replayer reasons about itself (calls,
// returns, stores of register pairs). Go does not generate code at run time, so the words come from the initial
// memory in the header; a word the program itself rewrote is read through TraceMemory by callers that care.

import type { Trace } from './trace.ts';

export type ControlKind = 'call' | 'return' | 'branch' | 'other';

/** BL imm26 / BLR Xn (also the pointer-authenticated BLRAA/BLRAB/BLRAAZ/BLRABZ forms). */
export function isCall(w: number): boolean {
  return (w & 0xfc000000) >>> 0 === 0x94000000 || (w & 0xfffffc1f) >>> 0 === 0xd63f0000 || (w & 0xfefff800) >>> 0 === 0xd63f0800;
}

/** RET Xn (and RETAA/RETAB). */
export function isReturn(w: number): boolean {
  return (w & 0xfffffc1f) >>> 0 === 0xd65f0000 || (w >>> 0) === 0xd65f0bff || (w >>> 0) === 0xd65f0fff;
}

export function controlKind(w: number): ControlKind {
  if (isCall(w)) return 'call';
  if (isReturn(w)) return 'return';
  if ((w & 0x7c000000) >>> 0 === 0x14000000 || (w & 0xff000010) >>> 0 === 0x54000000 || (w & 0x7e000000) >>> 0 === 0x34000000 ||
    (w & 0x7e000000) >>> 0 === 0x36000000 || (w & 0xfe1ffc1f) >>> 0 === 0xd61f0000) return 'branch';
  return 'other';
}

/**
 * Registers a store instruction stores, in the order of the bytes it writes: [Rt] or [Rt, Rt2] for STR/STP of
 * X registers (any addressing mode); undefined for anything else. 31 is XZR.
 */
export function storedRegisters(w: number): number[] | undefined {
  // STP/STNP of X registers, every index mode: opc=10, 101, V=0, L=0.
  if ((w & 0xfe400000) >>> 0 === 0xa8000000) return [w & 31, (w >>> 10) & 31];
  // STR (64-bit): unsigned offset, pre/post-index, unscaled, register offset.
  if ((w & 0xffc00000) >>> 0 === 0xf9000000 || (w & 0xffe00400) >>> 0 === 0xf8000400 || (w & 0xffe00c00) >>> 0 === 0xf8000000 ||
    (w & 0xffe00c00) >>> 0 === 0xf8200800) {
    return [w & 31];
  }
  return undefined;
}

/** Instruction words by address, read once from the header's initial pages. */
export class CodeWords {
  private readonly pages = new Map<number, Uint8Array>();
  private readonly cache = new Map<number, number>();
  /** Pages the run wrote (the footer's page index), or 'all' when a segment's index overflowed. */
  private written: Set<number> | 'all' | undefined;

  constructor(private readonly trace: Trace) {
    for (const r of trace.header.regions) {
      if (!r.prot.includes('x')) continue;
      for (const [off, b] of r.pages) this.pages.set(Math.floor((Number(r.base) + off) / 4096), b);
    }
  }

  /**
   * Whether the run wrote the page of pc (code it modified, or stubs the emulated Windows placed): the initial word
   * is then not the word at every position, and a view must read memory at its position (Replay.codeWord).
   */
  writtenDuringRun(pc: number): boolean {
    if (this.written === undefined) {
      const set = new Set<number>();
      for (const e of this.trace.entries) {
        if (e.pagesWritten[0] === -1) {
          this.written = 'all';
          return true;
        }
        for (const p of e.pagesWritten) set.add(p);
      }
      this.written = set;
    }
    return this.written === 'all' || this.written.has(Math.floor(pc / 4096));
  }

  /** The word at pc, or undefined when pc is not in the initial executable memory. */
  word(pc: number): number | undefined {
    const hit = this.cache.get(pc);
    if (hit !== undefined) return hit;
    const page = this.pages.get(Math.floor(pc / 4096));
    if (!page) return undefined;
    const o = pc % 4096;
    if (o + 4 > page.length) return undefined;
    const w = (page[o]! | (page[o + 1]! << 8) | (page[o + 2]! << 16) | (page[o + 3]! << 24)) >>> 0;
    this.cache.set(pc, w);
    return w;
  }

  /**
   * Every executable initial page as its base address and bytes, for static scans (e.g. instructions that write
   * X18): a scan reads the words itself, as a generator of [pc, word] pairs cost ~0.1 s over a Go binary's text.
   */
  codePages(): Iterable<readonly [number, Uint8Array]> {
    return [...this.pages].map(([page, b]) => [page * 4096, b] as const);
  }
}
