// A window of full detail (record --start-at N --stop-at M) holds exactly the instructions a full recording of
// the same program holds from instruction N to M, with the same effects. The window begins after the runtime
// has run code that the window runs again (lock2, save_g, the scheduler), which is where a tracer attached in
// the middle of a run can miss instructions (Unicorn 2 skips new code hooks in blocks translated before them).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DumpSelection } from '../../src/replayer/dump-selection.ts';
import { dumpLines } from '../../src/replayer/dump.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-window-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Around the start of the first threads of any Go program: the main thread's code runs again on new threads. */
const START = 281_000;
const STOP = 284_000;

function lines(replay: Replay, from: number, to: number): string[] {
  const sel: DumpSelection = { label: 'window', from, to, includes: () => true };
  return [...dumpLines(replay, sel)].map((l) => l.text);
}

test('a --start-at/--stop-at window records the same instructions as a full recording', async () => {
  const exe = fixtureExe('hello');
  const full = join(dir, 'full.mp');
  const window = join(dir, 'window.mp');
  assert.equal(wintrace('record', exe, '-o', full, '-q').code, 0);
  assert.equal(wintrace('record', exe, '-o', window, '--start-at', String(START), '--stop-at', String(STOP), '-q').code, 0);
  const f = Replay.open(full);
  const w = Replay.open(window);
  try {
    await f.disassembler();
    await w.disassembler();
    assert.equal(Number(w.trace.header.firstStep), START);
    assert.equal(w.trace.totalSteps, STOP - START);
    const expected = lines(f, START, STOP - 1);
    const actual = lines(w, 0, w.trace.totalSteps - 1);
    const i = expected.findIndex((l, k) => l !== actual[k]);
    assert.ok(i < 0 && expected.length === actual.length,
      `window line ${i + 1} differs from the full recording:\n  full:   ${expected[i]}\n  window: ${actual[i]}`);
  } finally {
    f.close();
    w.close();
  }
});
