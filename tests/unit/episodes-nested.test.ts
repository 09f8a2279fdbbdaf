// Episodes of a program whose exception handler faults again and again (found by the wild-branch fuzz kind: a
// thread Go did not create faults, and Go's handler calls runtime.abort, which faults, until the stack is gone).
// Every nested dispatch stays open to the end of the run, and each was searched on its own for the runtime's
// dispatch routines over the next 64 segments, decoding the same segments again each time: a recording with
// 9,809 nested dispatches did not list its episodes in 10 minutes. Each segment must be decoded about once, and
// each dispatch still name the routines it entered.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { episodes } from '../../src/replayer/episodes.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { TraceReader } from '../../src/trace/reader.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-nested-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TID = 0x1000;
const PC = 32;
const SP = 31;
const CODE = 0x10000n;
/** Go 1.19's dispatch path; the test's handler enters the first two and never the rest. */
const ROUTINES = ['runtime.exceptiontramp', 'sigtramp', 'sigtramp_g0', 'runtime.exceptionhandler', 'runtime.firstcontinuetramp', 'runtime.firstcontinuehandler', 'sigresume'];
const NESTED = 400;

function nestedTrace(path: string): void {
  const at = (i: number) => CODE + BigInt(0x40 * (i + 1));
  const t = new SyntheticTrace({
    threads: [{ tid: TID, teb: 0x7ff8_0000_0000n, stackBase: 0x7000_1000n, stackLimit: 0x6f00_0000n, regs: { [PC]: CODE, [SP]: 0x7000_0000n, 18: 0x7ff8_0000_0000n } }],
    symbols: [{ name: 'runtime.abort', address: CODE, size: 0x40 }, ...ROUTINES.map((name, i) => ({ name, address: at(i), size: 0x40 }))],
    regions: [codeRegion(CODE, new Array<number>(512).fill(A64.nop))],
    segmentSteps: 16,
  });
  t.header.program.goVersion = 'go1.19.13';
  for (let k = 0; k < NESTED; k++) {
    // runtime.abort faults; the handler goes through exceptiontramp and sigtramp, then calls abort again.
    t.step({ next: CODE + 4n });
    t.event({ kind: 'exception-raised', tid: TID, code: 0xc0000005, address: CODE + 4n, information: [0n, 0n], context: 0x6f00_0000n, regs: t.regFile() });
    t.event({ kind: 'handler-called', tid: TID, handler: at(0), phase: 'vectored', regs: t.regFile() });
    t.os({ [PC]: at(0) });
    for (let s = 0; s < 8; s++) t.step();
    t.step({ next: at(1) });
    for (let s = 0; s < 8; s++) t.step();
    t.step({ next: CODE });
  }
  t.step();
  t.event({ kind: 'process-exit', tid: TID, exitCode: 0xc0000005, reason: 'exit' });
  t.write(path);
}

test(`${NESTED} nested dispatches that never resume: each segment decoded about once, each dispatch names the routines it entered`, () => {
  const path = join(dir, 'nested.mp');
  nestedTrace(path);
  const r = Replay.open(path);
  const read = TraceReader.prototype.segment;
  let reads = 0;
  try {
    r.trace.events();
    TraceReader.prototype.segment = function (this: TraceReader, ...a: Parameters<typeof read>) {
      reads++;
      return read.apply(this, a);
    };
    const list = episodes(r.trace);
    assert.equal(list.length, NESTED);
    for (const e of list) {
      assert.deepEqual(e.path?.routines, ['runtime.exceptiontramp', 'sigtramp'], `episode ${e.index}`);
      // The first entries after the dispatch's own start: the nested dispatch's, not an earlier one's.
      const entered = e.marks.filter((m) => m.label.startsWith('enters ')).map((m) => m.position);
      assert.deepEqual(entered, [e.start + 1, e.start + 10], `episode ${e.index}`);
    }
    assert.ok(reads <= 2 * r.trace.segmentCount, `${reads} segment reads for ${r.trace.segmentCount} segments`);
  } finally {
    TraceReader.prototype.segment = read;
    r.close();
  }
});
