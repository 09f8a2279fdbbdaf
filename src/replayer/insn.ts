// Instruction words from the trace's code pages and the few encodings the replayer reasons about itself (calls,
// returns, stores and copies of registers). Go does not generate code at run time, so the words come from the initial
// memory in the header and the stubs the emulated Windows placed; a word the program itself rewrote is read through
// TraceMemory by callers that care.

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

const V0_SLOT = 34;

/**
 * Trace slots an 8-byte store writes, in the order of the bytes it writes: [Rt] or [Rt, Rt2] for STR/STP of X
 * registers and of D registers (slot 34 + n), any addressing mode; undefined for anything else. A store of XZR
 * gives -1 (it stores no register).
 */
export function storedSlots(w: number): number[] | undefined {
  const x = (r: number) => (r === 31 ? -1 : r);
  // STP/STNP of X registers, every index mode: opc=10, 101, V=0, L=0.
  if ((w & 0xfe400000) >>> 0 === 0xa8000000) return [x(w & 31), x((w >>> 10) & 31)];
  // STR (64-bit): unsigned offset, pre/post-index, unscaled, register offset.
  if ((w & 0xffc00000) >>> 0 === 0xf9000000 || (w & 0xffe00400) >>> 0 === 0xf8000400 || (w & 0xffe00c00) >>> 0 === 0xf8000000 ||
    (w & 0xffe00c00) >>> 0 === 0xf8200800) {
    return [x(w & 31)];
  }
  // STP/STNP of D registers: opc=01, 101, V=1, L=0.
  if ((w & 0xfe400000) >>> 0 === 0x6c000000) return [V0_SLOT + (w & 31), V0_SLOT + ((w >>> 10) & 31)];
  // STR Dt: unsigned offset, pre/post-index, unscaled, register offset.
  if ((w & 0xffc00000) >>> 0 === 0xfd000000 || (w & 0xffe00400) >>> 0 === 0xfc000400 || (w & 0xffe00c00) >>> 0 === 0xfc000000 ||
    (w & 0xffe00c00) >>> 0 === 0xfc200800) {
    return [V0_SLOT + (w & 31)];
  }
  return undefined;
}

/**
 * A register copied whole into another one, as trace slots: MOV Xd, Xm (ORR Xd, XZR, Xm), FMOV Dd, Dn, FMOV Xd, Dn
 * and FMOV Dd, Xn; undefined for anything else. Copying a callee-saved register aside is a save too (Go's sigtramp
 * keeps R27 and R28 in R16 and R17).
 */
export function copiedSlots(w: number): { from: number; to: number } | undefined {
  const rd = w & 31;
  const rm = (w >>> 16) & 31;
  // Register 31 is XZR in these encodings: moving zero copies nothing.
  if ((w & 0xffe0ffe0) >>> 0 === 0xaa0003e0 && rd !== 31 && rm !== 31) return { from: rm, to: rd };
  const rn = (w >>> 5) & 31;
  if ((w & 0xfffffc00) >>> 0 === 0x1e604000) return { from: V0_SLOT + rn, to: V0_SLOT + rd };
  if ((w & 0xfffffc00) >>> 0 === 0x9e660000 && rd !== 31) return { from: V0_SLOT + rn, to: rd };
  if ((w & 0xfffffc00) >>> 0 === 0x9e670000 && rn !== 31) return { from: rn, to: V0_SLOT + rd };
  return undefined;
}

/** Every stub of the emulated DLLs is `SVC #0; RET` (docs/trace-format.md, header `stubs`). */
const STUB_SVC = 0xd4000001;
const STUB_RET = 0xd65f03c0;

/** Instruction words by address, read once from the header's initial pages. */
export class CodeWords {
  private readonly pages = new Map<number, Uint8Array>();
  private readonly cache = new Map<number, number>();
  /** Pages the run wrote (the footer's page index), or 'all' when a segment's index overflowed. */
  private written: Set<number> | 'all' | undefined;
  private stubs: Map<number, number> | undefined;

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

  /**
   * The word at pc: the initial executable memory's, or a stub's for a stub the emulated Windows placed during the
   * run; undefined anywhere else.
   */
  word(pc: number): number | undefined {
    const hit = this.cache.get(pc);
    if (hit !== undefined) return hit;
    const page = this.pages.get(Math.floor(pc / 4096));
    const o = pc % 4096;
    let w = page && o + 4 <= page.length ? (page[o]! | (page[o + 1]! << 8) | (page[o + 2]! << 16) | (page[o + 3]! << 24)) >>> 0 : undefined;
    // A stub placed after the header lies in a page mapped later (ntdll.dll loaded by LoadLibraryExA) or in zeros
    // of an initial one (GetProcAddress of one more kernel32 function): the calls and returns the call stack and
    // step-over reason about were `??` or `udf #0` there. A placed stub never changes, so its words hold at every
    // position it can run at.
    if (w === undefined || w === 0) w = this.stubWords().get(pc) ?? w;
    if (w !== undefined) this.cache.set(pc, w);
    return w;
  }

  private stubWords(): Map<number, number> {
    if (this.stubs === undefined) {
      this.stubs = new Map();
      for (const s of this.trace.stubs) {
        this.stubs.set(Number(s.address), STUB_SVC);
        this.stubs.set(Number(s.address) + 4, STUB_RET);
      }
    }
    return this.stubs;
  }

  /**
   * Every executable initial page as its base address and bytes, for static scans (e.g. instructions that write
   * X18): a scan reads the words itself, as a generator of [pc, word] pairs cost ~0.1 s over a Go binary's text.
   */
  codePages(): Iterable<readonly [number, Uint8Array]> {
    return [...this.pages].map(([page, b]) => [page * 4096, b] as const);
  }
}

/**
 * A load or store whose base register is SP (Rn = 31 in the load/store class), the accesses AArch64 checks SP
 * alignment on when Windows enables it (SCTLR_EL1.SA0). Literal loads have no base; prefetches access nothing.
 */
export function isSpBasedAccess(w: number): boolean {
  if ((w & 0x0a000000) >>> 0 !== 0x08000000) return false; // not the load/store class
  if ((w & 0x3b000000) >>> 0 === 0x18000000) return false; // LDR (literal), LDRSW (literal), PRFM (literal)
  if ((w & 0xffc00000) >>> 0 === 0xf9800000 || (w & 0xffe00c00) >>> 0 === 0xf8800000 || (w & 0xffe00c00) >>> 0 === 0xf8a00800) return false; // PRFM, PRFUM
  return ((w >>> 5) & 31) === 31;
}
