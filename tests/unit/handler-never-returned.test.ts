// A vectored or continue handler still running when the process ends: a violation only when another thread ended
// the process while the handler's thread had left it without returning. A handler that ends the process itself
// (Go's lastcontinuehandler exits through winthrow; 1.19's badsignal2 aborts into a fail fast) owes no return, and
// one cut short by the recording's end (an instruction budget) says nothing about the program: the golden windows
// of fault-no-g and last-continue were reported as "never returned" for both.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Replay } from '../../src/replayer/replay.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-never-returned-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const A = 0x1000;
const B = 0x1004;
const PC = 32;
const SP = 31;
const CODE = 0x10000n;
const HANDLER = CODE + 0x40n;

/** Thread A's handler is called; then `exitBy` ends the process with `reason`. */
async function neverReturned(exitBy: number, reason: string): Promise<string[]> {
  const teb = (tid: number) => 0x7ff8_0000_0000n + BigInt(tid - A) * 0x10000n;
  const t = new SyntheticTrace({
    threads: [
      { tid: A, teb: teb(A), stackBase: 0x7000_1000n, stackLimit: 0x6f00_0000n, regs: { [PC]: CODE, [SP]: 0x7000_0000n, 18: teb(A) } },
      { tid: B, teb: teb(B), stackBase: 0x7100_1000n, stackLimit: 0x7000_2000n, regs: { [PC]: CODE, [SP]: 0x7100_0000n, 18: teb(B) } },
    ],
    symbols: [{ name: 'main.code', address: CODE, size: 0x40 }, { name: 'runtime.lastcontinuetramp', address: HANDLER, size: 0x40 }],
    regions: [codeRegion(CODE, new Array<number>(64).fill(A64.nop))],
  });
  t.step();
  t.event({ kind: 'handler-called', tid: A, handler: HANDLER, phase: 'continue', regs: t.regFile() });
  t.os({ [PC]: HANDLER });
  t.step();
  t.step();
  if (exitBy === B) t.switchTo(B);
  t.step();
  t.event({ kind: 'process-exit', tid: exitBy, exitCode: 2, reason });
  const path = join(dir, `${exitBy}-${reason}.mp`);
  t.write(path);
  const r = Replay.open(path);
  try {
    const { violations } = await r.check({ engine: 'js' });
    return violations.filter((v) => v.after === 'never returned').map((v) => `${v.symbol} thread 0x${v.tid.toString(16)}`);
  } finally {
    r.close();
  }
}

test('a handler whose thread went elsewhere while another thread ended the process never returned', async () => {
  assert.deepEqual(await neverReturned(B, 'exit'), ['runtime.lastcontinuetramp thread 0x1000']);
});

test('a handler that ends the process itself, or one the recording cut short, is no violation', async () => {
  assert.deepEqual(await neverReturned(A, 'exit'), []);
  assert.deepEqual(await neverReturned(B, 'budget'), []);
});
