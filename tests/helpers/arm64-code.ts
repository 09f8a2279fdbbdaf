// Hand-assembled ARM64 snippets for engine tests: little-endian words, each verified with GNU as/objdump
// (aarch64-linux-gnu-as) when written; the comment is the disassembly.

export function words(ws: readonly number[]): Uint8Array {
  const b = new Uint8Array(ws.length * 4);
  const v = new DataView(b.buffer);
  ws.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return b;
}

export const ARITH = [
  0xd28000c0, // mov  x0, #6
  0xd28000e1, // mov  x1, #7
  0x9b017c02, // mul  x2, x0, x1
  0xd1000843, // sub  x3, x2, #2
  0xab030064, // adds x4, x3, x3
  0xd37df085, // lsl  x5, x4, #3
];

/** x0 = data base. */
export const LOADS_STORES = [
  0xf9400001, // ldr  x1, [x0]
  0x91000421, // add  x1, x1, #1
  0xf9000401, // str  x1, [x0, #8]
  0xa9010401, // stp  x1, x1, [x0, #16]
  0x39400402, // ldrb w2, [x0, #1]
  0x79004002, // strh w2, [x0, #32]
];

export const BRANCHES = [
  0xd2800000, // 0x00 mov  x0, #0
  0xd28000a1, // 0x04 mov  x1, #5
  0x8b010000, // 0x08 loop: add x0, x0, x1
  0xf1000421, // 0x0c subs x1, x1, #1
  0x54ffffc1, // 0x10 b.ne loop
  0x94000002, // 0x14 bl   fn
  0x14000003, // 0x18 b    end
  0x91019000, // 0x1c fn: add x0, x0, #100
  0xd65f03c0, // 0x20 ret
  0xd503201f, // 0x24 end: nop
];

export const FLOAT = [
  0x9e670008, // fmov d8, x0
  0x1e682909, // fadd d9, d8, d8
  0x9e660121, // fmov x1, d9
];

export const BRK_F000 = 0xd43e0000; // brk #0xf000
export const BRK_0 = 0xd4200000; // brk #0
export const BRK_F003 = 0xd43e0060; // brk #0xf003
export const SVC_0 = 0xd4000001; // svc #0
export const UDF_0 = 0x00000000; // udf #0
export const UNDEFINED = 0xffffffff; // no instruction
export const NOP = 0xd503201f;
export const LDR_X3_X4 = 0xf9400083; // ldr x3, [x4]
export const STR_X1_X2 = 0xf9000041; // str x1, [x2]
export const MOV_X0_10 = 0xd2800140; // mov x0, #10
