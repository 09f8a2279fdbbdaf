// Every replayer query against a small synthetic trace whose answers are known by construction: two threads,
// a call and return, stack and heap writes, an API result, thread switches, and 4-step segments so that every
// query also crosses segment boundaries.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callStack } from '../../src/replayer/callstack.ts';
import { writeMove } from '../../src/replayer/navigate.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { findInstruction, findValue, registerChange, runTo } from '../../src/replayer/search.ts';
import { stepOverBackward, stepOverForward, threadAt, threadStep } from '../../src/replayer/stepping.ts';
import { A64, codeRegion, le64, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const A = 0x1000;
const B = 0x1004;
const SP0 = 0x7000_0000n;
const HEAP = 0x20000n;
const SP = 31;
const FP = 29;
const LR = 30;
const PC = 32;

// Code of thread A at 0x10000 and of thread B at 0x10100 (words matter for calls, returns and step-over).
const CODE_A = [A64.nop, A64.bl(4), A64.nop, A64.nop, A64.nop, A64.stpFpLr, A64.nop, A64.ldpFpLr, A64.ret, A64.nop, A64.nop, A64.nop];
const CODE_B = [A64.nop, A64.nop, A64.nop, A64.nop];

let dir: string;
let file: string;
let r: Replay;

function build(): void {
  const region = codeRegion(0x10000n, [...CODE_A, ...new Array(64 - CODE_A.length).fill(A64.nop), ...CODE_B]);
  const t = new SyntheticTrace({
    threads: [
      { tid: A, teb: 0x7ff8_0000_0000n, stackBase: SP0 + 0x1000n, stackLimit: SP0 - 0x10000n, regs: { [PC]: 0x10000n, [SP]: SP0, 18: 0x7ff8_0000_0000n } },
      { tid: B, teb: 0x7ff8_0001_0000n, stackBase: 0x6000_0000n, stackLimit: 0x5fff_0000n, regs: { [PC]: 0x10100n, [SP]: 0x5fff_f000n, 18: 0x7ff8_0001_0000n } },
    ],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x14 }, { name: 'main.f', address: 0x10014n, size: 0x1c }, { name: 'main.worker', address: 0x10100n, size: 0x10 }],
    regions: [region, { base: HEAP, size: 0x1000, prot: 'rw-', pages: [] }, { base: SP0 - 0x10000n, size: 0x11000, prot: 'rw-', pages: [] }, { base: 0x5fff_0000n, size: 0x10000, prot: 'rw-', pages: [] }],
    segmentSteps: 4,
  });
  t.step({ set: { 0: 1n } }); //                                       s0  0x10000 nop           x0 = 1
  t.step({ set: { [LR]: 0x10008n }, next: 0x10014n }); //             s1  0x10004 bl main.f
  t.step({ set: { [SP]: SP0 - 16n, [FP]: SP0 - 16n }, write: [{ address: SP0 - 16n, bytes: le64(0n) }, { address: SP0 - 8n, bytes: le64(0x10008n) }] }); // s2 0x10014 stp
  t.step({ set: { 19: 0xdeadn } }); //                                 s3  0x10018 nop           x19 = 0xdead
  t.step({ set: { [SP]: SP0, [FP]: 0n } }); //                         s4  0x1001c ldp
  t.step({ next: 0x10008n }); //                                       s5  0x10020 ret
  t.step({ set: { 0: 2n } }); //                                       s6  0x10008 nop           x0 = 2
  t.step({ write: [{ address: HEAP, bytes: le64(0x1122334455667788n) }] }); // s7 0x1000c
  t.event({ kind: 'api-call', tid: A, api: 'kernel32.dll!Sleep', args: [1n], caller: 0x10010n });
  t.os({ 0: 0x77n }); //                                               API result at position 8
  t.step({ next: 0x10024n }); //                                       s8  0x10010
  t.event({ kind: 'thread-switched', tid: B, from: A });
  t.switchTo(B);
  t.step({ set: { 1: 9n } }); //                                       s9  B 0x10100 x1 = 9
  t.step({ write: [{ address: HEAP, bytes: le64(0xaaaaaaaaaaaaaaaan) }] }); // s10 B 0x10104
  t.switchTo(A);
  t.step({}); //                                                       s11 A 0x10024
  t.step({ set: { 0: 0x1122334455667788n } }); //                      s12 A 0x10028
  t.write(file);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-queries-'));
  file = join(dir, 'synthetic.mp');
  build();
  r = Replay.open(file);
});

after(() => {
  r.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('positions and state', () => {
  test('the trace has 13 steps in 4 segments and both threads', () => {
    assert.equal(r.trace.totalSteps, 13);
    assert.equal(r.trace.segmentCount, 4);
    assert.deepEqual(r.trace.threads().map((t) => t.tid), [A, B]);
  });

  test('registers at a position are those before the step at that position runs', () => {
    assert.equal(r.trace.state(0).regs[0], 0n);
    assert.equal(r.trace.state(1).regs[0], 1n);
    const s2 = r.trace.state(2);
    assert.equal(s2.regs[LR], 0x10008n);
    assert.equal(s2.pc, 0x10014n);
    assert.equal(r.trace.state(3).regs[SP], SP0 - 16n);
    // The API's result (an OS change) is part of position 8, before step 8 runs.
    assert.equal(r.trace.state(8).regs[0], 0x77n);
    assert.equal(r.trace.state(13).regs[0], 0x1122334455667788n);
  });

  test('the thread on the CPU follows the switches, and other threads keep their registers', () => {
    assert.equal(r.trace.state(9).tid, B);
    assert.equal(r.trace.state(10).regs[1], 9n);
    assert.equal(r.trace.state(10).threads.get(A)![0], 0x77n);
    assert.equal(r.trace.state(11).tid, A);
    assert.equal(r.trace.state(11).regs[1], 0n);
    assert.equal(threadAt(r.trace, 13), A);
  });

  test('a step reports the instruction, its changed registers and its writes', () => {
    const s = r.trace.step(1);
    assert.equal(s.pc, 0x10004);
    assert.equal(s.nextPc, 0x10014);
    assert.deepEqual(s.changes.map((c) => [c.slot, c.before, c.after]), [[LR, 0n, 0x10008n]]);
    const w = r.trace.step(2).writes;
    assert.deepEqual(w.map((x) => x.address), [Number(SP0 - 16n), Number(SP0 - 8n)]);
    assert.deepEqual([...w[1]!.data], [...le64(0x10008n)]);
  });

  test("each thread's own position counts only its steps", () => {
    assert.equal(r.trace.threadPosition(A, 13), 11);
    assert.equal(r.trace.threadPosition(B, 13), 2);
    assert.equal(r.trace.threadPosition(B, 10), 1);
  });
});

describe('memory', () => {
  test('reads see each write from the position after it, in both search directions', () => {
    const at = (p: number) => new DataView(r.memory.read(p, Number(HEAP), 8).bytes.buffer).getBigUint64(0, true);
    assert.equal(at(0), 0n);
    assert.equal(at(7), 0n);
    assert.equal(at(8), 0x1122334455667788n);
    assert.equal(at(10), 0x1122334455667788n);
    assert.equal(at(11), 0xaaaaaaaaaaaaaaaan);
    const stack = r.memory.read(4, Number(SP0 - 8n), 8);
    assert.equal(new DataView(stack.bytes.buffer).getBigUint64(0, true), 0x10008n);
  });

  test('unmapped memory is reported as such', () => {
    const m = r.memory.read(5, 0x9000_0000, 4);
    assert.deepEqual([...m.mapped], [0, 0, 0, 0]);
  });

  test('last and next write of an address name the step and thread', () => {
    const last = r.memory.lastWrite(13, Number(HEAP), 8)!;
    assert.equal(last.step, 10);
    assert.equal(last.tid, B);
    assert.equal(last.position, 11);
    assert.equal(r.memory.lastWrite(10, Number(HEAP), 8)!.step, 7);
    assert.equal(r.memory.lastWrite(7, Number(HEAP), 8), undefined);
    assert.equal(r.memory.nextWrite(0, Number(HEAP) + 4, 1)!.step, 7);
    assert.equal(r.memory.nextWrite(8, Number(HEAP), 8)!.step, 10);
  });
});

describe('searches', () => {
  test('previous change of a register finds instructions and the emulated Windows', () => {
    const c = registerChange(r.trace, 13, A, 0, -1)!;
    assert.equal(c.step, 12);
    const os = registerChange(r.trace, 12, A, 0, -1)!;
    assert.equal(os.step, undefined);
    assert.equal(os.position, 8);
    assert.equal(os.before, 2n);
    assert.equal(os.after, 0x77n);
    // At or before: from the position a change became visible, the one before it is found from position - 1.
    assert.equal(registerChange(r.trace, 8, A, 0, -1)!.position, 8);
    assert.equal(registerChange(r.trace, 7, A, 0, -1)!.step, 6);
    assert.equal(registerChange(r.trace, 0, A, 19, 1)!.position, 4);
    assert.equal(registerChange(r.trace, 13, B, 19, -1), undefined);
  });

  test('run to a breakpoint forward and backward', () => {
    assert.deepEqual(runTo(r.trace, 0, 1, { breakpoints: new Set([0x10008]) }), { position: 6, reason: 'breakpoint' });
    assert.deepEqual(runTo(r.trace, 12, -1, { breakpoints: new Set([0x10008]) }), { position: 6, reason: 'breakpoint' });
    assert.deepEqual(runTo(r.trace, 6, 1, { breakpoints: new Set([0x10008]) }), { position: 13, reason: 'end' });
    assert.equal(runTo(r.trace, 0, 1, { breakpoints: new Set([0x10100]), tid: A }).reason, 'end');
  });

  test('run to a watchpoint stops on the writing instruction, as a walk through the writes does', () => {
    const w = [{ address: Number(HEAP), size: 8 }];
    assert.equal(runTo(r.trace, 0, 1, { watches: w }).position, 7);
    // Standing on a writer, a run goes on to the next write, not this one again.
    assert.equal(runTo(r.trace, 7, 1, { watches: w }).position, 10);
    assert.equal(runTo(r.trace, 13, -1, { watches: w }).position, 10);
    assert.equal(runTo(r.trace, 10, -1, { watches: w }).position, 7);
    const stop = runTo(r.trace, 7, 1, { watches: w });
    assert.deepEqual([stop.write?.step, stop.write?.tid, [...stop.write!.old], [...stop.write!.data]], [10, B, [...le64(0x1122334455667788n)], [...le64(0xaaaaaaaaaaaaaaaan)]]);
    for (const from of [0, 7, 10, 13]) {
      for (const d of [1, -1] as const) {
        const run = runTo(r.trace, from, d, { watches: w });
        const walk = writeMove(r.memory, from, undefined, Number(HEAP), 8, d);
        assert.equal(run.reason === 'watch' ? run.position : undefined, walk?.position, `from ${from} dir ${d}`);
      }
    }
  });

  test('run to an event kind and to given stops, the nearest wins', () => {
    assert.deepEqual(runTo(r.trace, 0, 1, { eventKinds: new Set(['thread-switched']) }), { position: 9, reason: 'event', detail: 'thread-switched' });
    assert.equal(runTo(r.trace, 0, 1, { eventKinds: new Set(['thread-switched']), stops: [3, 12] }).position, 3);
    assert.equal(runTo(r.trace, 13, -1, { stops: [3, 12] }).position, 12);
  });

  test('an interruptible search gives up after its segment budget', () => {
    const stop = runTo(r.trace, 0, 1, { breakpoints: new Set([0x10028]), maxSegments: 1 });
    assert.equal(stop.reason, 'interrupted');
    assert.ok(stop.position > 0 && stop.position <= 12);
  });

  test('search by value finds registers and memory', () => {
    assert.deepEqual(findValue(r.trace, 0, 1, 0x1122334455667788n), { position: 8, where: 'memory', tid: A, address: Number(HEAP) });
    assert.deepEqual(findValue(r.trace, 8, 1, 0x1122334455667788n), { position: 13, where: 'register', tid: A, slot: 0 });
    assert.equal(findValue(r.trace, 13, -1, 0xdeadn)!.position, 4);
  });

  test('search by instruction', () => {
    assert.equal(findInstruction(r.trace, 0, 1, (pc) => r.code.word(pc) === A64.ret), 5);
    assert.equal(findInstruction(r.trace, 13, -1, (pc) => r.code.word(pc) === A64.stpFpLr), 2);
  });
});

describe('stepping and the call stack', () => {
  test('thread-local stepping skips the other thread', () => {
    assert.equal(threadStep(r.trace, 8, A, 1), 11);
    assert.equal(threadStep(r.trace, 11, A, -1), 8);
    assert.equal(threadStep(r.trace, 9, B, 1), 10);
    assert.equal(threadStep(r.trace, 12, A, 1), 13);
  });

  test('step over a call forward and back', () => {
    assert.equal(stepOverForward(r.trace, r.code, 1), 6);
    assert.equal(stepOverBackward(r.trace, r.code, 6), 1);
    assert.equal(stepOverForward(r.trace, r.code, 3), 4);
    assert.equal(stepOverBackward(r.trace, r.code, 4), 3);
  });

  test('inside the callee the shadow stack and the frame records agree on the caller', () => {
    const frames = callStack(r.trace, r.memory, r.code, 4);
    assert.equal(frames[0]!.pc, 0x1001c);
    assert.equal(frames[1]!.pc, 0x10004);
    assert.equal(frames[1]!.source, 'both');
    assert.equal(frames[1]!.callPosition, 1);
    assert.equal(frames[1]!.symbol, 'main.main+0x4');
    assert.equal(callStack(r.trace, r.memory, r.code, 7).length, 1);
  });
});

describe('symbols and events', () => {
  test('symbolisation and resolution', () => {
    assert.equal(r.trace.symbols.format(0x10018), 'main.f+0x4');
    assert.equal(r.trace.symbols.resolve('main.f'), 0x10014);
    assert.equal(r.trace.symbols.resolve('worker'), 0x10100);
  });

  test('events carry numeric positions in order', () => {
    assert.deepEqual(r.trace.events().map((e) => [e.position, e.event.kind]), [[8, 'api-call'], [9, 'thread-switched']]);
    assert.equal(r.trace.eventsBetween(9, 13).length, 1);
  });
});
