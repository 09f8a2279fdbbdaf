// The wild-branch fuzz kind's encoder (tests/fuzz/a64-asm.ts) against an independent assembler: each expected
// word is what `llvm-mc -triple=aarch64 -show-encoding` printed for the instruction named beside it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addImm, addReg, blr, br, ldr, movImm64, movk, movz, ret, spin, subImm } from '../fuzz/a64-asm.ts';

test('each instruction the fuzz kind writes encodes as llvm-mc encodes it', () => {
  const cases: Array<[string, number, number]> = [
    ['mov x16, #0x12340000', movz(16, 0x1234, 1), 0xd2a24690],
    ['movk x16, #0xbeef, lsl #48', movk(16, 0xbeef, 3), 0xf2f7ddf0],
    ['br x16', br(16), 0xd61f0200],
    ['blr x16', blr(16), 0xd63f0200],
    ['ret x16', ret(16), 0xd65f0200],
    ['ldr x9, [x9]', ldr(9, 9), 0xf9400129],
    ['add x16, sp, #16', addImm(16, 31, 0x10), 0x910043f0],
    ['mov x16, sp', addImm(16, 31, 0), 0x910003f0],
    ['sub x16, x16, #3', subImm(16, 16, 3), 0xd1000e10],
    ['add x16, x0, x17', addReg(16, 0, 17), 0x8b110010],
    ['b .', spin, 0x14000000],
  ];
  for (const [text, got, want] of cases) assert.equal(got.toString(16), want.toString(16), text);
});

test('a 64-bit constant is one MOVZ and a MOVK for each other half-word that is not zero', () => {
  assert.deepEqual(movImm64(0, 0n), [movz(0, 0, 0)]);
  assert.deepEqual(movImm64(16, 0xffff_8000_0000_0002n), [movz(16, 2, 0), movk(16, 0x8000, 2), movk(16, 0xffff, 3)]);
  assert.deepEqual(movImm64(1, -4n), [movz(1, 0xfffc, 0), movk(1, 0xffff, 1), movk(1, 0xffff, 2), movk(1, 0xffff, 3)]);
});
