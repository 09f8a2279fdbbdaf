// Tests for the Capstone wrapper and its register-access fixups (src/arch/disasm.ts).
// Every instruction word below was produced by an independent assembler
// (`llvm-mc -triple=aarch64 -show-encoding`, extensions enabled as needed) and each test also checks
// Capstone's text for it, so a wrong encoding fails loudly instead of testing something else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadDisassembler,
  canonicalRegister,
  parseOperands,
  fixRegisterAccess,
  REGISTER_FIXUPS,
  type Disassembler,
  type Instruction,
} from '../../src/arch/disasm.ts';
import { REGISTERS } from '../../src/arch/arm64.ts';

const BASE = 0x1000n;

/** Little-endian bytes of an instruction word. */
function le(word: number): Uint8Array {
  return Uint8Array.of(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
}

let shared: Disassembler | undefined;
async function dis(word: number, address = BASE): Promise<Instruction> {
  shared ??= await loadDisassembler();
  const insn = shared.disassemble(le(word), address);
  assert.ok(insn, `word ${word.toString(16)} gave no instruction`);
  return insn;
}

/** Decodes `word`, checks Capstone's text, and returns the instruction. */
async function expectText(word: number, text: string, address = BASE): Promise<Instruction> {
  const insn = await dis(word, address);
  assert.equal(insn.text, text, `text of ${word.toString(16).padStart(8, '0')}`);
  return insn;
}

function regs(insn: Instruction) {
  return { read: [...insn.regsRead], written: [...insn.regsWritten] };
}

test('loadDisassembler is memoised', async () => {
  const [a, b] = await Promise.all([loadDisassembler(), loadDisassembler()]);
  assert.equal(a, b);
  assert.equal(await loadDisassembler(), a);
});

test('basic integer ops: add/sub/mov, w registers map to x, fp/lr to x29/x30, sp kept', async () => {
  let i = await expectText(0x8b020020, 'add x0, x1, x2');
  assert.deepEqual(regs(i), { read: ['x1', 'x2'], written: ['x0'] });
  assert.equal(i.mnemonic, 'add');
  assert.equal(i.operands, 'x0, x1, x2');
  assert.equal(i.size, 4);
  assert.equal(i.address, BASE);
  assert.deepEqual([...i.bytes], [0x20, 0x00, 0x02, 0x8b]);
  assert.equal(i.bad, false);
  assert.deepEqual(i.groups, { branch: false, call: false, return: false, relative: false, interrupt: false });
  assert.equal(i.target, undefined);

  i = await expectText(0x0b020020, 'add w0, w1, w2');
  assert.deepEqual(regs(i), { read: ['x1', 'x2'], written: ['x0'] });

  i = await expectText(0xd10083ff, 'sub sp, sp, #0x20');
  assert.deepEqual(regs(i), { read: ['sp'], written: ['sp'] });

  i = await expectText(0xaa0103e0, 'mov x0, x1');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0'] });

  i = await expectText(0x910003fd, 'mov x29, sp'); // Capstone names x29 "fp"
  assert.deepEqual(regs(i), { read: ['sp'], written: ['x29'] });

  i = await expectText(0xaa1f03e0, 'mov x0, xzr'); // xzr is dropped
  assert.deepEqual(regs(i), { read: [], written: ['x0'] });

  i = await expectText(0xb1000420, 'adds x0, x1, #1');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0', 'nzcv'] });
});

test('movz: `mov x18, #0` writes x18 and does not read it; movk reads its destination', async () => {
  let i = await expectText(0xd2800012, 'mov x18, #0'); // movz x18, #0
  assert.deepEqual(regs(i), { read: [], written: ['x18'] });
  i = await expectText(0xd2c00020, 'mov x0, #0x100000000'); // movz x0, #1, lsl #32
  assert.deepEqual(regs(i), { read: [], written: ['x0'] });
  i = await expectText(0xf2a000a1, 'movk x1, #5, lsl #16');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x1'] });
});

test('cmp/cmn/tst write only nzcv (Capstone says they write their first operand)', async () => {
  let i = await expectText(0xf100001f, 'cmp x0, #0');
  assert.deepEqual(regs(i), { read: ['x0'], written: ['nzcv'] });
  assert.ok(i.fixups.includes('compare'));
  i = await expectText(0x6b01001f, 'cmp w0, w1');
  assert.deepEqual(regs(i), { read: ['x0', 'x1'], written: ['nzcv'] });
  i = await expectText(0xeb2063ff, 'cmp sp, x0');
  assert.deepEqual(regs(i), { read: ['x0', 'sp'], written: ['nzcv'] });
  i = await expectText(0xb100041f, 'cmn x0, #1');
  assert.deepEqual(regs(i), { read: ['x0'], written: ['nzcv'] });
  i = await expectText(0x6a01001f, 'tst w0, w1');
  assert.deepEqual(regs(i), { read: ['x0', 'x1'], written: ['nzcv'] });
  i = await expectText(0xfa411000, 'ccmp x0, x1, #0, ne');
  assert.deepEqual(regs(i), { read: ['x0', 'x1', 'nzcv'], written: ['nzcv'] });
  i = await expectText(0x9a820020, 'csel x0, x1, x2, eq');
  assert.deepEqual(regs(i), { read: ['x1', 'x2', 'nzcv'], written: ['x0'] });
});

test('shift/extract aliases of UBFM/SBFM do not read their destination; bfi does', async () => {
  let i = await expectText(0xd37df020, 'lsl x0, x1, #3');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0'] });
  i = await expectText(0x93407c20, 'sxtw x0, w1');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0'] });
  i = await expectText(0x93407c00, 'sxtw x0, w0');
  assert.deepEqual(regs(i), { read: ['x0'], written: ['x0'] });
  i = await expectText(0xd3442c20, 'ubfx x0, x1, #4, #8');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0'] });
  i = await expectText(0xb37c1c20, 'bfi x0, x1, #4, #8');
  assert.deepEqual(regs(i), { read: ['x0', 'x1'], written: ['x0'] });
});

test('loads and stores: base read, data read (stores) or written (loads), writeback writes the base', async () => {
  let i = await expectText(0xf9400020, 'ldr x0, [x1]');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0'] });
  i = await expectText(0xf9400420, 'ldr x0, [x1, #8]');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0'] });
  i = await expectText(0xf8408c20, 'ldr x0, [x1, #8]!'); // pre-index
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0', 'x1'] });
  i = await expectText(0xf8408420, 'ldr x0, [x1], #8'); // post-index
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0', 'x1'] });
  i = await expectText(0xf8627820, 'ldr x0, [x1, x2, lsl #3]');
  assert.deepEqual(regs(i), { read: ['x1', 'x2'], written: ['x0'] });
  i = await expectText(0xb862d820, 'ldr w0, [x1, w2, sxtw #2]');
  assert.deepEqual(regs(i), { read: ['x1', 'x2'], written: ['x0'] });
  i = await expectText(0x58000080, 'ldr x0, #0x1010'); // literal: no base register
  assert.deepEqual(regs(i), { read: [], written: ['x0'] });

  i = await expectText(0xf81f0ffe, 'str x30, [sp, #-0x10]!');
  assert.deepEqual(regs(i), { read: ['x30', 'sp'], written: ['sp'] });
  i = await expectText(0xf8008420, 'str x0, [x1], #8');
  assert.deepEqual(regs(i), { read: ['x0', 'x1'], written: ['x1'] });
  i = await expectText(0xf9000020, 'str x0, [x1]');
  assert.deepEqual(regs(i), { read: ['x0', 'x1'], written: [] });
  i = await expectText(0xb900003f, 'str wzr, [x1]');
  assert.deepEqual(regs(i), { read: ['x1'], written: [] });
  i = await expectText(0x59000020, 'stlurh w0, [x1]'); // Capstone lists nothing at all here
  assert.deepEqual(regs(i), { read: ['x0', 'x1'], written: [] });
});

test('stp/ldp frame push and pop', async () => {
  let i = await expectText(0xa9bf7bfd, 'stp x29, x30, [sp, #-0x10]!');
  assert.deepEqual(regs(i), { read: ['x29', 'x30', 'sp'], written: ['sp'] });
  assert.ok(i.fixups.includes('memory'));
  i = await expectText(0xa8c17bfd, 'ldp x29, x30, [sp], #0x10');
  assert.deepEqual(regs(i), { read: ['sp'], written: ['x29', 'x30', 'sp'] });
  i = await expectText(0xa90153f3, 'stp x19, x20, [sp, #0x10]');
  assert.deepEqual(regs(i), { read: ['x19', 'x20', 'sp'], written: [] });
  i = await expectText(0xa9400440, 'ldp x0, x1, [x2]');
  assert.deepEqual(regs(i), { read: ['x2'], written: ['x0', 'x1'] });
});

test('exclusives and atomics', async () => {
  let i = await expectText(0xc8027c20, 'stxr w2, x0, [x1]');
  assert.deepEqual(regs(i), { read: ['x0', 'x1'], written: ['x2'] });
  i = await expectText(0xc85f7c20, 'ldxr x0, [x1]');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x0'] });
  i = await expectText(0xf8200041, 'ldadd x0, x1, [x2]');
  assert.deepEqual(regs(i), { read: ['x0', 'x2'], written: ['x1'] });
  i = await expectText(0xf8e08041, 'swpal x0, x1, [x2]');
  assert.deepEqual(regs(i), { read: ['x0', 'x2'], written: ['x1'] });
  i = await expectText(0xc8a07c41, 'cas x0, x1, [x2]');
  assert.deepEqual(regs(i), { read: ['x0', 'x1', 'x2'], written: ['x0'] });
  i = await expectText(0x48207c82, 'casp x0, x1, x2, x3, [x4]');
  assert.deepEqual(regs(i), { read: ['x0', 'x1', 'x2', 'x3', 'x4'], written: ['x0', 'x1'] });
  i = await expectText(0xf820005f, 'stadd x0, [x2]');
  assert.deepEqual(regs(i), { read: ['x0', 'x2'], written: [] });
});

test('bl: call, direct target, writes x30', async () => {
  const i = await expectText(0x94000004, 'bl #0x1010');
  assert.deepEqual(i.groups, { branch: true, call: true, return: false, relative: true, interrupt: false });
  assert.equal(i.target, 0x1010n);
  assert.deepEqual(regs(i), { read: [], written: ['x30'] });
  // backwards: bl -8 at 0x2000
  const back = await expectText(0x97fffffe, 'bl #0x1ff8', 0x2000n);
  assert.equal(back.target, 0x1ff8n);
});

test('blr x1: indirect call, not relative, no target', async () => {
  const i = await expectText(0xd63f0020, 'blr x1');
  assert.deepEqual(i.groups, { branch: true, call: true, return: false, relative: false, interrupt: false });
  assert.equal(i.target, undefined);
  assert.deepEqual(regs(i), { read: ['x1'], written: ['x30'] });
  const br = await expectText(0xd61f0200, 'br x16');
  assert.deepEqual(br.groups, { branch: true, call: false, return: false, relative: false, interrupt: false });
  assert.deepEqual(regs(br), { read: ['x16'], written: [] });
});

test('ret: return, reads x30 (or its operand)', async () => {
  let i = await expectText(0xd65f03c0, 'ret');
  assert.equal(i.operands, '');
  assert.deepEqual(i.groups, { branch: true, call: false, return: true, relative: false, interrupt: false });
  assert.deepEqual(regs(i), { read: ['x30'], written: [] });
  i = await expectText(0xd65f0020, 'ret x1');
  assert.deepEqual(regs(i), { read: ['x1'], written: [] });
  assert.equal(i.groups.return, true);
});

test('b.eq / b.ne / b / cbz / tbnz: relative branches with targets', async () => {
  let i = await expectText(0x54000080, 'b.eq #0x1010');
  assert.deepEqual(i.groups, { branch: true, call: false, return: false, relative: true, interrupt: false });
  assert.equal(i.target, 0x1010n);
  assert.deepEqual(regs(i), { read: ['nzcv'], written: [] });

  i = await expectText(0x54ffff81, 'b.ne #0xff0');
  assert.equal(i.target, 0xff0n);

  i = await expectText(0x14000004, 'b #0x1010');
  assert.equal(i.target, 0x1010n);
  assert.equal(i.groups.call, false);

  i = await expectText(0xb4000080, 'cbz x0, #0x1010');
  assert.equal(i.target, 0x1010n);
  assert.deepEqual(regs(i), { read: ['x0'], written: [] }); // Capstone says it reads nzcv too
  assert.equal(i.groups.relative, true);

  i = await expectText(0x37f80080, 'tbnz w0, #0x1f, #0x1010');
  assert.equal(i.target, 0x1010n);
  assert.deepEqual(regs(i), { read: ['x0'], written: [] });

  // targets are computed modulo 2^64
  const wrap = await dis(0x54ffff81, 0n);
  assert.equal(wrap.target, 0xfffffffffffffff0n);
});

test('brk #0xf000, svc, udf: interrupt group', async () => {
  let i = await expectText(0xd43e0000, 'brk #0xf000');
  assert.equal(i.mnemonic, 'brk');
  assert.deepEqual(i.groups, { branch: false, call: false, return: false, relative: false, interrupt: true });
  i = await expectText(0xd4000001, 'svc #0');
  assert.equal(i.groups.interrupt, true);
  assert.deepEqual(regs(i), { read: [], written: [] }); // Capstone claims svc writes x30
  i = await expectText(0x00000000, 'udf #0');
  assert.equal(i.bad, false);
  assert.equal(i.groups.interrupt, true);
});

test('an undecodable word gives a (bad) instruction; fewer than 4 bytes give undefined', async () => {
  const d = await loadDisassembler();
  const i = await dis(0xffffffff, 0x5000n);
  assert.equal(i.bad, true);
  assert.equal(i.mnemonic, '(bad)');
  assert.equal(i.text, '(bad)');
  assert.equal(i.size, 4);
  assert.deepEqual([...i.bytes], [0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(regs(i), { read: [], written: [] });
  assert.deepEqual(i.groups, { branch: false, call: false, return: false, relative: false, interrupt: false });
  assert.equal(d.disassemble(Uint8Array.of(0x1f, 0x20, 0x03), 0x6000n), undefined);
  assert.equal(d.disassemble(new Uint8Array(0), 0x6000n), undefined);
});

test('SIMD/FP: b/h/s/d/q/v views map to v registers', async () => {
  let i = await expectText(0x9e670008, 'fmov d8, x0');
  assert.deepEqual(regs(i), { read: ['x0'], written: ['v8'] });
  i = await expectText(0x3dc00020, 'ldr q0, [x1]');
  assert.deepEqual(regs(i), { read: ['x1'], written: ['v0'] });
  i = await expectText(0x6dbf27e8, 'stp d8, d9, [sp, #-0x10]!');
  assert.deepEqual(regs(i), { read: ['sp', 'v8', 'v9'], written: ['sp'] });
  i = await expectText(0x1e222820, 'fadd s0, s1, s2');
  assert.deepEqual(regs(i), { read: ['v1', 'v2'], written: ['v0'] });
  i = await expectText(0x1e612000, 'fcmp d0, d1');
  assert.deepEqual(regs(i), { read: ['v0', 'v1'], written: ['nzcv'] });
  i = await expectText(0x1e6e1000, 'fmov d0, #1.00000000'); // Capstone says it reads d0
  assert.deepEqual(regs(i), { read: [], written: ['v0'] });
  i = await expectText(0x9eaf0000, 'fmov v0.d[1], x0'); // writes one lane: keeps the rest of v0
  assert.deepEqual(regs(i), { read: ['x0', 'v0'], written: ['v0'] });
  i = await expectText(0x4f001420, 'orr v0.4s, #1');
  assert.deepEqual(regs(i), { read: ['v0'], written: ['v0'] });
});

test('NEON structure loads/stores and SVE', async () => {
  let i = await expectText(0x4cdfa000, 'ld1 {v0.16b, v1.16b}, [x0], #32');
  assert.deepEqual(regs(i), { read: ['x0'], written: ['x0', 'v0', 'v1'] });
  i = await expectText(0x4c9fa000, 'st1 {v0.16b, v1.16b}, [x0], #32'); // Capstone: "writes v1"
  assert.deepEqual(regs(i), { read: ['x0', 'v0', 'v1'], written: ['x0'] });
  i = await expectText(0x4c400800, 'ld4 {v0.4s, v1.4s, v2.4s, v3.4s}, [x0]');
  assert.deepEqual(regs(i), { read: ['x0'], written: ['v0', 'v1', 'v2', 'v3'] });
  i = await expectText(0x0d409000, 'ld1 {v0.s}[1], [x0]'); // lane load merges
  assert.deepEqual(regs(i), { read: ['x0', 'v0'], written: ['v0'] });
  i = await expectText(0x4cc27000, 'ld1 {v0.16b}, [x0], x2'); // Capstone: "writes x2"
  assert.deepEqual(regs(i), { read: ['x0', 'x2'], written: ['x0', 'v0'] });

  i = await expectText(0xa5e0a000, 'ld1d {z0.d}, p0/z, [x0]');
  assert.deepEqual(regs(i), { read: ['x0'], written: ['v0'] });
  i = await expectText(0x04e20020, 'add z0.d, z1.d, z2.d'); // heuristic fallback
  assert.deepEqual(regs(i), { read: ['v1', 'v2'], written: ['v0'] });
  assert.ok(i.fixups.includes('unknown-fallback'));
  i = await expectText(0x65e20020, 'fmla z0.d, p0/m, z1.d, z2.d');
  assert.deepEqual(regs(i), { read: ['v0', 'v1', 'v2'], written: ['v0'] });
});

test('system registers: nzcv/fpcr/fpsr through mrs/msr', async () => {
  let i = await expectText(0xd53b4200, 'mrs x0, nzcv');
  assert.deepEqual(regs(i), { read: ['nzcv'], written: ['x0'] });
  i = await expectText(0xd51b4400, 'msr fpcr, x0');
  assert.deepEqual(regs(i), { read: ['x0'], written: ['fpcr'] });
  i = await expectText(0xd53bd040, 'mrs x0, tpidr_el0');
  assert.deepEqual(regs(i), { read: [], written: ['x0'] });
});

test('every register name produced is a register-file name (src/arch/arm64.ts)', async () => {
  const names = new Set(REGISTERS.map((r) => r.name));
  const d = await loadDisassembler();
  // a pseudo-random sample of the encoding space (fixed seed): exercises many instruction classes
  const bytes = new Uint8Array(4 * 20000);
  const view = new DataView(bytes.buffer);
  let x = 0x2545f491;
  for (let k = 0; k < 20000; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view.setUint32(4 * k, x >>> 0, true);
  }
  const insns = d.disassembleRange(bytes, 0x7ff700000000n);
  assert.equal(insns.length, 20000);
  let good = 0;
  for (const i of insns) {
    if (!i.bad) good++;
    for (const r of [...i.regsRead, ...i.regsWritten]) assert.ok(names.has(r), `${r} from '${i.text}'`);
    assert.ok(!i.regsRead.includes('pc') && !i.regsWritten.includes('pc'));
  }
  assert.ok(good > 5000, `only ${good} decodable words in the sample`);
});

test('cache: same address and word give the identical object; a changed word re-decodes', async () => {
  const d = await loadDisassembler();
  const addr = 0x140001000n;
  const a = d.disassemble(le(0x8b020020), addr)!; // add x0, x1, x2
  const b = d.disassemble(le(0x8b020020), addr)!;
  assert.equal(a, b);
  // a longer buffer: only the first word matters
  assert.equal(d.disassemble(Uint8Array.of(0x20, 0x00, 0x02, 0x8b, 0xff, 0xff), addr), a);

  const c = d.disassemble(le(0xcb020020), addr)!; // self-modified: sub x0, x1, x2
  assert.notEqual(c, a);
  assert.equal(c.text, 'sub x0, x1, x2');
  assert.equal(d.disassemble(le(0xcb020020), addr), c);

  // the same word elsewhere is a different instruction object (its address differs)
  const e = d.disassemble(le(0x8b020020), addr + 4n)!;
  assert.notEqual(e, a);
  assert.equal(e.text, a.text);
  assert.equal(e.address, addr + 4n);

  // PC-relative words are never shared between addresses
  const b1 = d.disassemble(le(0x94000004), 0x10000n)!;
  const b2 = d.disassemble(le(0x94000004), 0x20000n)!;
  assert.equal(b1.text, 'bl #0x10010');
  assert.equal(b2.text, 'bl #0x20010');
  assert.equal(b2.target, 0x20010n);
  const adrp = d.disassemble(le(0xb0000000), 0x30000n)!;
  assert.equal(adrp.text, 'adrp x0, #0x31000');

  const before = d.cacheSize;
  assert.ok(before > 0);
  d.clearCache();
  assert.equal(d.cacheSize, 0);
  const f = d.disassemble(le(0x8b020020), addr)!;
  assert.notEqual(f, a);
  assert.equal(f.text, a.text);
});

test('disassembleRange decodes consecutive words through the cache', async () => {
  const d = await loadDisassembler();
  const code = new Uint8Array([...le(0xa9bf7bfd), ...le(0x910003fd), ...le(0x94000004), ...le(0xa8c17bfd), ...le(0xd65f03c0), 0xaa]);
  const addr = 0x180002000n;
  const all = d.disassembleRange(code, addr);
  assert.deepEqual(
    all.map((i) => i.text),
    ['stp x29, x30, [sp, #-0x10]!', 'mov x29, sp', 'bl #0x180002018', 'ldp x29, x30, [sp], #0x10', 'ret'],
  );
  assert.deepEqual(
    all.map((i) => i.address),
    [addr, addr + 4n, addr + 8n, addr + 12n, addr + 16n],
  );
  assert.equal(all[2]!.target, 0x180002018n);
  const two = d.disassembleRange(code, addr, 2);
  assert.equal(two.length, 2);
  assert.equal(two[0], all[0]);
  assert.equal(two[1], all[1]);
  assert.equal(d.disassembleRange(code, addr, 0).length, 0);
  assert.equal(d.disassembleRange(code, addr, 99).length, 5);
});

test('canonicalRegister', () => {
  assert.equal(canonicalRegister('w5'), 'x5');
  assert.equal(canonicalRegister('fp'), 'x29');
  assert.equal(canonicalRegister('lr'), 'x30');
  assert.equal(canonicalRegister('wsp'), 'sp');
  assert.equal(canonicalRegister('xzr'), undefined);
  assert.equal(canonicalRegister('wzr'), undefined);
  assert.equal(canonicalRegister('q31'), 'v31');
  assert.equal(canonicalRegister('b3'), 'v3');
  assert.equal(canonicalRegister('z7'), 'v7');
  assert.equal(canonicalRegister('p0'), undefined);
  assert.equal(canonicalRegister('x31'), undefined);
  assert.equal(canonicalRegister('NZCV'), 'nzcv');
});

test('parseOperands', () => {
  const [a, b, m] = parseOperands('x29, x30, [sp, #-0x10]!');
  assert.deepEqual([a!.kind, a!.regs], ['reg', ['x29']]);
  assert.deepEqual([b!.kind, b!.regs], ['reg', ['x30']]);
  assert.equal(m!.kind, 'mem');
  assert.equal(m!.base, 'sp');
  assert.equal(m!.writeback, true);

  const post = parseOperands('x0, [x1], #8');
  assert.equal(post.length, 2); // the post-index immediate belongs to the memory operand
  assert.equal(post[1]!.writeback, true);

  const reg = parseOperands('{v0.16b}, [x0], x2');
  assert.equal(reg[1]!.postIndexReg, 'x2');
  assert.deepEqual(parseOperands('{v0.4s - v3.4s}, [x0]')[0]!.regs, ['v0', 'v1', 'v2', 'v3']);
  assert.deepEqual(parseOperands('{v30.4s - v1.4s}, [x0]')[0]!.regs, ['v30', 'v31', 'v0', 'v1']);

  const idx = parseOperands('w0, [x1, w2, sxtw #2]')[1]!;
  assert.deepEqual([idx.base, idx.index, idx.writeback], ['x1', 'x2', false]);

  const lane = parseOperands('v0.s[1], w1');
  assert.equal(lane[0]!.lane, true);
  assert.deepEqual(
    parseOperands('x0, x1, x2, lsl #3').map((o) => o.kind),
    ['reg', 'reg', 'reg', 'other'],
  );
  assert.deepEqual(parseOperands(''), []);
});

test('fixRegisterAccess works on Capstone-shaped input alone', () => {
  // what this Capstone build reports for `cmp x0, #0`
  assert.deepEqual(fixRegisterAccess('cmp', 'x0, #0', [], ['nzcv', 'x0']), {
    reads: ['x0'],
    writes: ['nzcv'],
    fixups: ['compare'],
  });
  // ... for `str x30, [sp, #-0x10]!`
  assert.deepEqual(fixRegisterAccess('str', 'x30, [sp, #-0x10]!', ['x30'], []), {
    reads: ['x30', 'sp'],
    writes: ['sp'],
    fixups: ['memory'],
  });
  // an instruction Capstone gets right passes through untouched
  assert.deepEqual(fixRegisterAccess('add', 'x0, x1, x2', ['x1', 'x2'], ['x0']), {
    reads: ['x1', 'x2'],
    writes: ['x0'],
    fixups: [],
  });
  // every rule has a name and an explanation, and names are unique
  const names = REGISTER_FIXUPS.map((r) => r.name);
  assert.equal(new Set(names).size, names.length);
  for (const r of REGISTER_FIXUPS) assert.ok(r.why.length > 20, r.name);
});

test('instructions and their shared parts are immutable', async () => {
  const i = await expectText(0xa9bf7bfd, 'stp x29, x30, [sp, #-0x10]!');
  assert.throws(() => (i.regsRead as string[]).push('x0'));
  assert.throws(() => ((i.groups as { branch: boolean }).branch = true));
});
