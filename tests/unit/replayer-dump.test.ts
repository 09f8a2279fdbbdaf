// The text dump on a synthetic trace whose every line is known by construction: a call and return, stores of
// 4, 8 and 16 bytes, code and data pointers (symbolised) next to heap values (raw), an API call with the
// emulated Windows' result, clock and buffer writes, and a second thread created and switched to. Segments of
// 4 steps, so lines also cross segment boundaries.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { threadsSelection, wholeTrace } from '../../src/replayer/dump-selection.ts';
import { dumpLines, dumpText } from '../../src/replayer/dump.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { ValueNames } from '../../src/replayer/value-names.ts';
import { A64, codeRegion, le64, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const A = 0x1000;
const B = 0x1004;
const SP0 = 0x7000_0000n;
const HEAP = 0x20000n;
const STUB = 0x7ffa_0000_0000n;
const SP = 31;
const FP = 29;
const LR = 30;
const PC = 32;
const SVC0 = 0xd4000001;

const BLR_X16 = 0xd63f0200;

// main.main 0x10000: nop, bl main.f, blr x16, nop | main.f 0x10010: stp, bl main.g, ldp, ret | main.g 0x10020: nop, ret
const CODE = [A64.nop, A64.bl(3), BLR_X16, A64.nop, A64.stpFpLr, A64.bl(3), A64.ldpFpLr, A64.ret, A64.nop, A64.ret];

let dir: string;
let r: Replay;

function build(file: string): void {
  const words = [...CODE, ...new Array(64 - CODE.length).fill(A64.nop), A64.nop, A64.nop];
  const t = new SyntheticTrace({
    threads: [{ tid: A, teb: 0x7ff8_0000_0000n, stackBase: SP0 + 0x1000n, stackLimit: SP0 - 0x10000n, regs: { [PC]: 0x10000n, [SP]: SP0, 18: 0x7ff8_0000_0000n } }],
    symbols: [
      { name: 'main.main', address: 0x10000n, size: 0x10 }, { name: 'main.f', address: 0x10010n, size: 0x10 },
      { name: 'main.g', address: 0x10020n, size: 0x8 }, { name: 'main.worker', address: 0x10100n, size: 0x8 },
      { name: 'main.table', address: 0x11000n, size: 0x100 },
    ],
    stubs: [{ name: 'kernel32.dll!Sleep', address: STUB }],
    regions: [
      codeRegion(0x10000n, words), { base: 0x11000n, size: 0x1000, prot: 'rw-', pages: [] }, codeRegion(STUB, [SVC0, A64.ret]),
      { base: HEAP, size: 0x1000, prot: 'rw-', pages: [] }, { base: SP0 - 0x10000n, size: 0x11000, prot: 'rw-', pages: [] },
      { base: 0x7ffe0000n, size: 0x1000, prot: 'r--', pages: [] },
    ],
    segmentSteps: 4,
  });
  t.step({ set: { 0: 0x10008n, 1: 0x11010n, 2: HEAP, 16: STUB }, write: [{ address: HEAP, bytes: le64(0x10014n) }, { address: HEAP + 8n, bytes: Uint8Array.of(0x2a, 0, 0, 0) }] });
  t.step({ set: { [LR]: 0x10008n }, next: 0x10010n }); //                 bl main.f
  const frame = new Uint8Array(16);
  frame.set(le64(0x10008n), 8);
  t.step({ set: { [SP]: SP0 - 16n, [FP]: SP0 - 16n }, write: [{ address: SP0 - 16n, bytes: frame }] }); // stp
  t.step({ set: { [LR]: 0x10018n }, next: 0x10020n }); //                 bl main.g
  t.step({ set: { 1: 5n } }); //                                          main.g: nop
  t.step({ next: 0x10018n }); //                                          ret
  t.step({ set: { [SP]: SP0, [FP]: 0n, [LR]: 0x10008n } }); //            ldp
  t.step({ next: 0x10008n }); //                                          ret
  t.step({ set: { [LR]: 0x1000cn }, next: STUB }); //                     blr x16: into the stub
  t.step({}); //                                                          svc #0
  t.event({ kind: 'api-call', tid: A, api: 'kernel32.dll!Sleep', args: [0x10000n, 3n], caller: 0x1000cn });
  t.event({ kind: 'api-return', tid: A, api: 'kernel32.dll!Sleep', value: 0x11008n, lastError: 0 });
  t.osWrite(0x7ffe0008n, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
  const buffer = new Uint8Array(40);
  buffer.set(le64(0x10020n), 8);
  buffer.set(le64(0x1234n), 32);
  t.osWrite(HEAP + 0x100n, buffer);
  t.os({ 0: 0x77n });
  t.step({ next: 0x1000cn }); //                                          ret from the stub
  t.event({ kind: 'thread-created', tid: A, newTid: B, start: 0x10100n, parameter: HEAP, teb: 0x7ff8_0001_0000n, stackBase: 0x6000_0000n, stackLimit: 0x5fff_0000n, regs: t.regFile() });
  t.event({ kind: 'thread-switched', tid: B, from: A });
  t.switchTo(B, {}, { tid: B, teb: 0x7ff8_0001_0000n, stackBase: 0x6000_0000n, stackLimit: 0x5fff_0000n, regs: { [PC]: 0x10100n, [SP]: 0x6000_0000n, 0: HEAP, 18: 0x7ff8_0001_0000n } });
  t.event({ kind: 'thread-started', tid: B, pc: 0x10100n, regs: t.regFile() });
  t.step({ set: { 1: 9n } }); //                                          B: main.worker
  t.event({ kind: 'thread-switched', tid: A, from: B });
  t.switchTo(A);
  t.step({}); //                                                          A: main.main+0xc
  t.write(file);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-dump-'));
  build(join(dir, 't.mp'));
  r = Replay.open(join(dir, 't.mp'));
  await r.disassembler();
});

after(() => {
  r?.close();
  rmSync(dir, { recursive: true, force: true });
});

const squeeze = (s: string) => s.replace(/ {2,}/g, '  ');

describe('dump of every step', () => {
  test('one line per instruction with its effects, the emulated Windows and events between them', () => {
    const text = dumpText(r, wholeTrace(r.trace)).split('\n').map(squeeze);
    assert.deepEqual(text, [
      '# wintrace dump of synthetic.exe: every step',
      '0x1000 regs x18=0x7ff800000000 sp=0x70000000 pc=main.main',
      '0x1000 main.main  nop  x0=main.main+0x8 x1=main.table+0x10 x2=0x20000 x16=kernel32.dll!Sleep  [0x20000]=main.f+0x4 [0x20008]:4=0x0000002a',
      '0x1000 main.main+0x4  bl main.f  lr=main.main+0x8',
      '0x1000 main.f  stp x29, x30, [sp, #-0x10]!  fp=0x6ffffff0 sp=0x6ffffff0  [0x6ffffff0]=0x0,main.main+0x8',
      '0x1000 main.f+0x4  bl main.g  lr=main.f+0x8',
      '0x1000 main.g  nop  x1=0x5',
      '0x1000 main.g+0x4  ret',
      '0x1000 main.f+0x8  ldp x29, x30, [sp], #0x10  fp=0x0 lr=main.main+0x8 sp=0x70000000',
      '0x1000 main.f+0xc  ret',
      '0x1000 main.main+0x8  blr x16  lr=main.main+0xc',
      '0x1000 kernel32.dll!Sleep  svc #0',
      '0x1000 * kernel32.dll!Sleep(main.main, 0x3) from main.main+0x8',
      '0x1000 * kernel32.dll!Sleep returned main.table+0x8',
      '0x1000 os-write [0x7ffe0008] 12 bytes: clock',
      '0x1000 os-write [0x20100] 40 bytes: +0x8=main.g +0x20=0x1234',
      '0x1000 os x0=0x77',
      '0x1000 kernel32.dll!Sleep+0x4  ret',
      '0x1000 * thread 0x1004 created: start main.worker, parameter 0x20000, TEB 0x7ff800010000, stack [0x5fff0000, 0x60000000)',
      '0x1004 * switch to thread 0x1004 from 0x1000',
      '0x1004 * thread 0x1004 starts at main.worker',
      '0x1004 regs x0=0x20000 x18=0x7ff800010000 sp=0x60000000 pc=main.worker',
      '0x1004 main.worker  nop  x1=0x9',
      '0x1000 * switch to thread 0x1000 from 0x1004',
      '0x1000 main.main+0xc  nop',
      '# 13 steps shown; the run ended with exit code 0 (exit)',
      '',
    ]);
  });

  test('--raw writes every value in hex and shows the clock', () => {
    const text = dumpText(r, wholeTrace(r.trace), { raw: true });
    assert.match(text, /0x1000 main\.main\s+nop\s+x0=0x10008 x1=0x11010 x2=0x20000 x16=0x7ffa00000000\s+\[0x20000\]=0x10014/);
    assert.match(text, /bl #0x10010\s+lr=0x10008/);
    assert.match(text, /kernel32\.dll!Sleep\(0x10000, 0x3\) from main\.main\+0x8/);
    assert.match(text, /os-write \[0x7ffe0008\]:12=0x0c0b0a090807060504030201/);
    // Locations stay symbolic: they say where, not a value.
    assert.match(text, /0x1000 main\.f\+0x4\s+bl #0x10020/);
  });
});

describe('selections', () => {
  test('one thread: its own lines, its creation, and a fold where other threads ran', () => {
    const lines = [...dumpLines(r, threadsSelection(r.trace, [B]))].map((l) => squeeze(l.text));
    assert.deepEqual(lines, [
      '~ steps outside the selection',
      '0x1000 * thread 0x1004 created: start main.worker, parameter 0x20000, TEB 0x7ff800010000, stack [0x5fff0000, 0x60000000)',
      '0x1004 * thread 0x1004 starts at main.worker',
      '0x1004 regs x0=0x20000 x18=0x7ff800010000 sp=0x60000000 pc=main.worker',
      '0x1004 main.worker  nop  x1=0x9',
      '~ other threads run',
    ]);
  });

  test('--depth folds calls below the limit into one line that counts their steps', () => {
    const depth1 = [...dumpLines(r, wholeTrace(r.trace), { depth: 1 })].map((l) => squeeze(l.text));
    const i = depth1.indexOf('0x1000 main.f+0x4  bl main.g  lr=main.f+0x8');
    assert.ok(i > 0);
    assert.equal(depth1[i + 1], '0x1000 ~ 2 steps inside the call to main.g');
    assert.equal(depth1[i + 2], '0x1000 main.f+0x8  ldp x29, x30, [sp], #0x10  fp=0x0 lr=main.main+0x8 sp=0x70000000');
    // The call to the stub is made at depth 0: it stays, with its events and the emulated Windows' work.
    assert.ok(depth1.includes('0x1000 kernel32.dll!Sleep  svc #0'));
    const depth0 = [...dumpLines(r, wholeTrace(r.trace), { depth: 0 })].map((l) => squeeze(l.text));
    assert.ok(depth0.includes('0x1000 ~ 6 steps inside the call to main.f'));
    assert.ok(depth0.includes('0x1000 ~ 2 steps inside the call to kernel32.dll!Sleep'));
    assert.ok(!depth0.some((l) => l.includes('Sleep(')), 'events inside a folded call are folded with it');
  });
});

describe('value names', () => {
  test('symbolised where the symbol table covers the value, raw elsewhere', () => {
    const n = new ValueNames(r.trace.symbols);
    assert.equal(n.number(0x10014), 'main.f+0x4');
    assert.equal(n.number(0x10010), 'main.f');
    assert.equal(n.number(0x20000), '0x20000');
    assert.equal(n.words(0x10008, 0), 'main.main+0x8');
    assert.equal(n.words(0, 0xffffffff), '0xffffffff00000000');
    assert.equal(n.bigint(0xfffffffffffffff6n), '0xfffffffffffffff6');
    assert.equal(n.instruction('adrp x1, #0x11000'), 'adrp x1, main.table');
    assert.equal(n.instruction('mov x0, #0x10'), 'mov x0, #0x10');
    assert.ok(n.isClock(0x7ffe0014, 12));
    assert.ok(!n.isClock(0x7ffe0ff8, 16));
    assert.equal(new ValueNames(r.trace.symbols, true).number(0x10014), '0x10014');
  });
});
