// A synthetic trace with an exception dispatch (fault, handler on the same thread, resume with a restored
// register), a second thread and 2-step segments, so that every move crosses segment borders; the replayer's
// navigation tests and the TUI's edge tests travel through it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Replay } from '../../src/replayer/replay.ts';
import { A64, codeRegion, le64, SyntheticTrace } from './synthetic-trace.ts';

export const A = 0x1000;
export const B = 0x1004;
export const SP0 = 0x7000_0000n;
export const HEAP = 0x20000;
/** Where the emulated Windows writes the exception's CONTEXT (its first word: the faulting pc). */
export const CONTEXT = SP0 - 0x800n;
const PC = 32;
const SP = 31;

// Positions: 0 A x19=5 | 1 A faults | [2: raised, OS writes CONTEXT, sets pc] 2 A handler x19=7 x2=0x42 | 3 A handler
// writes HEAP | [4: resumed, OS restores x19=9 and x2=0 (its value at the fault); switch to B] 4 B x1=3 | 5 B writes HEAP | [6: switch to A] 6 A x19=11 | 7 A | end 8
export function buildDispatchTrace(file: string): void {
  const region = codeRegion(0x10000n, new Array(128).fill(A64.nop));
  const t = new SyntheticTrace({
    threads: [
      { tid: A, teb: 0x7ff8_0000_0000n, stackBase: SP0 + 0x1000n, stackLimit: SP0 - 0x10000n, regs: { [PC]: 0x10000n, [SP]: SP0, 18: 0x7ff8_0000_0000n } },
      { tid: B, teb: 0x7ff8_0001_0000n, stackBase: 0x6000_0000n, stackLimit: 0x5fff_0000n, regs: { [PC]: 0x10100n, [SP]: 0x5fff_f000n } },
    ],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x40 }, { name: 'main.handler', address: 0x10040n, size: 0x10 }, { name: 'main.worker', address: 0x10100n, size: 0x10 }],
    regions: [region, { base: BigInt(HEAP), size: 0x1000, prot: 'rw-', pages: [] }, { base: SP0 - 0x10000n, size: 0x11000, prot: 'rw-', pages: [] }, { base: 0x5fff_0000n, size: 0x10000, prot: 'rw-', pages: [] }],
    segmentSteps: 2,
  });
  t.step({ set: { 19: 5n } });
  t.step({ next: 0x10004n });
  t.event({ kind: 'exception-raised', tid: A, code: 0xc0000005, address: 0x10004n, information: [0n, 0n], context: CONTEXT, regs: t.regFile() });
  t.osWrite(CONTEXT, le64(0x10004n));
  t.os({ [PC]: 0x10040n });
  t.event({ kind: 'handler-called', tid: A, handler: 0x10040n, phase: 'vectored', regs: t.regFile() });
  t.step({ set: { 19: 7n, 2: 0x42n } });
  t.step({ write: [{ address: BigInt(HEAP), bytes: le64(0x55n) }] });
  t.event({ kind: 'handler-returned', tid: A, handler: 0x10040n, phase: 'vectored', result: -1, regs: t.regFile() });
  t.event({ kind: 'context-resumed', tid: A, pc: 0x10008n, sp: SP0, stackLimit: SP0 - 0x10000n, stackBase: SP0 + 0x1000n, regs: t.regFile() });
  t.os({ [PC]: 0x10008n, 19: 9n, 2: 0n });
  t.event({ kind: 'thread-switched', tid: B, from: A });
  t.switchTo(B);
  t.step({ set: { 1: 3n } });
  t.step({ write: [{ address: BigInt(HEAP), bytes: le64(0x66n) }] });
  t.event({ kind: 'thread-switched', tid: A, from: B });
  t.switchTo(A);
  t.step({ set: { 19: 11n } });
  t.step({});
  t.write(file);
}


/** A trace `build` writes, opened from a temporary directory that close() removes. */
export function openBuiltTrace(build: (file: string) => void): { readonly replay: Replay; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-synthetic-'));
  const file = join(dir, 'trace.mp');
  build(file);
  const replay = Replay.open(file);
  return {
    replay,
    close: () => {
      replay.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The dispatch trace for one test file: opened before its tests, removed after them; call the result for it. */
export function dispatchTraceForTests(): () => Replay {
  let opened: ReturnType<typeof openBuiltTrace> | undefined;
  before(() => {
    opened = openBuiltTrace(buildDispatchTrace);
  });
  after(() => opened?.close());
  return () => opened!.replay;
}
