// The encodings the callee-saved blame reads as saves (src/replayer/insn.ts): 8-byte stores of X and D registers in
// every addressing mode, and whole-register copies. Words assembled with llvm-mc -triple=aarch64 -show-encoding.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copiedSlots, isSpBasedAccess, storedSlots } from '../../src/replayer/insn.ts';

const D = (n: number) => 34 + n;

test('stores of X and D registers give the trace slots they store, in the order of the bytes written', () => {
  const cases: Array<[number, string, number[] | undefined]> = [
    [0xa903d3f3, 'stp x19, x20, [sp, #0x38]', [19, 20]],
    [0xa9bf53f3, 'stp x19, x20, [sp, #-16]!', [19, 20]],
    [0xf81f83fd, 'stur x29, [sp, #-8]', [29]],
    [0xf90003ff, 'str xzr, [sp]', [-1]],
    [0x6d0127e8, 'stp d8, d9, [sp, #16]', [D(8), D(9)]],
    [0x6dbf27e8, 'stp d8, d9, [sp, #-16]!', [D(8), D(9)]],
    [0x6c813fee, 'stp d14, d15, [sp], #16', [D(14), D(15)]],
    [0x6c0027e8, 'stnp d8, d9, [sp]', [D(8), D(9)]],
    [0xfd000be8, 'str d8, [sp, #16]', [D(8)]],
    [0xfc1f0fe8, 'str d8, [sp, #-16]!', [D(8)]],
    [0xfc0107e8, 'str d8, [sp], #16', [D(8)]],
    [0xfc1f83e8, 'stur d8, [sp, #-8]', [D(8)]],
    [0xfc216be8, 'str d8, [sp, x1]', [D(8)]],
    [0x6d4027e8, 'ldp d8, d9, [sp]', undefined],
    [0xfd400be8, 'ldr d8, [sp, #16]', undefined],
    [0x3d8003e8, 'str q8, [sp] (16 bytes)', undefined],
    [0xbd0003e8, 'str s8, [sp] (4 bytes)', undefined],
  ];
  for (const [w, text, slots] of cases) assert.deepEqual(storedSlots(w), slots, text);
});

test('whole-register copies are saves too; moving zero is not', () => {
  const cases: Array<[number, string, { from: number; to: number } | undefined]> = [
    [0xaa1c03f1, 'mov x17, x28', { from: 28, to: 17 }],
    [0xaa1103fc, 'mov x28, x17', { from: 17, to: 28 }],
    [0xaa1f03f3, 'mov x19, xzr', undefined],
    [0x1e604120, 'fmov d0, d9', { from: D(9), to: D(0) }],
    [0x9e660121, 'fmov x1, d9', { from: D(9), to: 1 }],
    [0x9e670029, 'fmov d9, x1', { from: 1, to: D(9) }],
    [0x9e6703e8, 'fmov d8, xzr', undefined],
    [0x910003e8, 'mov x8, sp (add)', undefined],
  ];
  for (const [w, text, copy] of cases) assert.deepEqual(copiedSlots(w), copy, text);
});

test('loads and stores through SP, the accesses hardware checks SP alignment on, and what is not one', () => {
  const cases: Array<[number, string, boolean]> = [
    [0xf81f0fff, 'str xzr, [sp, #-16]!', true],
    [0xa9bf53f3, 'stp x19, x20, [sp, #-16]!', true],
    [0xf94003e0, 'ldr x0, [sp]', true],
    [0xc85f7fe0, 'ldxr x0, [sp]', true],
    [0x4c4073e0, 'ld1 {v0.16b}, [sp]', true],
    [0xfd000be8, 'str d8, [sp, #16]', true],
    [0xf9400083, 'ldr x3, [x4]', false],
    [0x580003e0, 'ldr x0, #0x7c (literal: bits 9-5 are offset, not a base)', false],
    [0xf98003e0, 'prfm pldl1keep, [sp]', false],
    [0x910043ff, 'add sp, sp, #16', false],
    [0xd10023ff, 'sub sp, sp, #8', false],
  ];
  for (const [w, text, want] of cases) assert.equal(isSpBasedAccess(w), want, text);
});
