// Register files as 32-bit words: the replayer applies millions of register deltas, and BigInt arithmetic is an
// order of magnitude slower than Uint32 arithmetic. A file holds TRACE_REGS slots of 4 words each: the low and
// high halves of the 64-bit value, then (V registers only) the low and high halves of bits 64-127.

import { TRACE_REGS } from '../trace/schema.ts';

export const WORDS_PER_REG = 4;
export const REGFILE_WORDS = TRACE_REGS * WORDS_PER_REG;
/** Trace slots of the V registers (v0..v31), whose deltas carry a second 64-bit half. */
export const V0_SLOT = 34;
export const V31_SLOT = 65;
export const SP_SLOT = 31;
export const PC_SLOT = 32;
export const X18_SLOT = 18;

export type RegWords = Uint32Array;

export function newRegFile(): RegWords {
  return new Uint32Array(REGFILE_WORDS);
}

/** From the on-disk layout (codec.ts packRegs: 16 bytes per slot, little-endian). */
export function regFileFromBytes(b: Uint8Array): RegWords {
  const out = newRegFile();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < REGFILE_WORDS && i * 4 + 4 <= b.length; i++) out[i] = v.getUint32(i * 4, true);
  return out;
}

/** Adds a delta (d0,d1 = low 64 bits; d2,d3 = high 64 bits of a V register) modulo 2^64 per half. */
export function addDelta(r: RegWords, slot: number, d0: number, d1: number, d2: number, d3: number): void {
  const k = slot * WORDS_PER_REG;
  const lo = r[k]! + d0;
  r[k] = lo;
  r[k + 1] = r[k + 1]! + d1 + (lo > 0xffffffff ? 1 : 0);
  if (slot >= V0_SLOT && slot <= V31_SLOT) {
    const lo2 = r[k + 2]! + d2;
    r[k + 2] = lo2;
    r[k + 3] = r[k + 3]! + d3 + (lo2 > 0xffffffff ? 1 : 0);
  }
}

export function subDelta(r: RegWords, slot: number, d0: number, d1: number, d2: number, d3: number): void {
  const k = slot * WORDS_PER_REG;
  const lo = r[k]! - d0;
  r[k] = lo;
  r[k + 1] = r[k + 1]! - d1 - (lo < 0 ? 1 : 0);
  if (slot >= V0_SLOT && slot <= V31_SLOT) {
    const lo2 = r[k + 2]! - d2;
    r[k + 2] = lo2;
    r[k + 3] = r[k + 3]! - d3 - (lo2 < 0 ? 1 : 0);
  }
}

/** The 64-bit value of a slot as a number: exact below 2^53 (addresses, pc, sp), approximate above. */
export function slotNumber(r: RegWords, slot: number): number {
  const k = slot * WORDS_PER_REG;
  return r[k + 1]! * 0x1_0000_0000 + r[k]!;
}

export function slotBigint(r: RegWords, slot: number): bigint {
  const k = slot * WORDS_PER_REG;
  const lo = (BigInt(r[k + 1]!) << 32n) | BigInt(r[k]!);
  if (slot < V0_SLOT || slot > V31_SLOT) return lo;
  return (((BigInt(r[k + 3]!) << 32n) | BigInt(r[k + 2]!)) << 64n) | lo;
}

export function slotEquals(a: RegWords, b: RegWords, slot: number): boolean {
  const k = slot * WORDS_PER_REG;
  return a[k] === b[k] && a[k + 1] === b[k + 1] && a[k + 2] === b[k + 2] && a[k + 3] === b[k + 3];
}

export function toBigints(r: RegWords): bigint[] {
  const out = new Array<bigint>(TRACE_REGS);
  for (let s = 0; s < TRACE_REGS; s++) out[s] = slotBigint(r, s);
  return out;
}
