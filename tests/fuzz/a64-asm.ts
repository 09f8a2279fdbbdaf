// The few ARM64 instructions the wild-branch fuzz kind writes into a guest, encoded from their fields (Arm ARM
// C6.2); tests/unit/a64-asm.test.ts checks each against the disassembler the replayer uses.

export type Reg = number; // 0-30; 31 is SP or XZR as the instruction reads it

/** MOVZ Xd, #imm16, LSL #(16*hw) */
export const movz = (d: Reg, imm16: number, hw: number) => (0xd2800000 | (hw << 21) | ((imm16 & 0xffff) << 5) | d) >>> 0;
/** MOVK Xd, #imm16, LSL #(16*hw) */
export const movk = (d: Reg, imm16: number, hw: number) => (0xf2800000 | (hw << 21) | ((imm16 & 0xffff) << 5) | d) >>> 0;
/** BR Xn */
export const br = (n: Reg) => (0xd61f0000 | (n << 5)) >>> 0;
/** BLR Xn */
export const blr = (n: Reg) => (0xd63f0000 | (n << 5)) >>> 0;
/** RET Xn */
export const ret = (n: Reg) => (0xd65f0000 | (n << 5)) >>> 0;
/** LDR Xt, [Xn] */
export const ldr = (t: Reg, n: Reg) => (0xf9400000 | (n << 5) | t) >>> 0;
/** ADD Xd, Xn|SP, #imm12 (MOV Xd, SP when n is 31 and imm12 0) */
export const addImm = (d: Reg, n: Reg, imm12: number) => (0x91000000 | ((imm12 & 0xfff) << 10) | (n << 5) | d) >>> 0;
/** SUB Xd, Xn|SP, #imm12 */
export const subImm = (d: Reg, n: Reg, imm12: number) => (0xd1000000 | ((imm12 & 0xfff) << 10) | (n << 5) | d) >>> 0;
/** ADD Xd, Xn, Xm */
export const addReg = (d: Reg, n: Reg, m: Reg) => (0x8b000000 | (m << 16) | (n << 5) | d) >>> 0;
/** B . (a branch to itself: a thread that spins) */
export const spin = 0x14000000;

/** Xd = a 64-bit constant: MOVZ of the low half-word, a MOVK for each other one that is not zero. */
export function movImm64(d: Reg, v: bigint): number[] {
  const part = (hw: number) => Number((BigInt.asUintN(64, v) >> BigInt(16 * hw)) & 0xffffn);
  return [movz(d, part(0), 0), ...[1, 2, 3].filter((hw) => part(hw) !== 0).map((hw) => movk(d, part(hw), hw))];
}

export function wordBytes(words: readonly number[]): Uint8Array {
  const b = new Uint8Array(words.length * 4);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w, true));
  return b;
}
