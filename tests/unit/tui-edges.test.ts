// The TUI at the edges issue 17 found, on the synthetic dispatch trace (tests/helpers/dispatch-trace.ts: thread A
// at 0-3 and 6-7, thread B at 4-5 only): steps that would leave a thread stay and say why, a thread switch and its
// reverse come back, a watch can be removed, and continue and the write walk stop on the same instruction, saying
// what it wrote and who (the emulated Windows included).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Replay } from '../../src/replayer/replay.ts';
import { buildDispatchTrace, CONTEXT, openBuiltTrace } from '../helpers/dispatch-trace.ts';
import { KEYS, startTui, type TuiHarness } from '../helpers/tui-app.ts';

let opened: ReturnType<typeof openBuiltTrace>;
let r: Replay;
let ui: TuiHarness | undefined;

before(() => {
  opened = openBuiltTrace(buildDispatchTrace);
  r = opened.replay;
});

after(() => {
  ui?.unmount();
  opened.close();
});

async function open(position: number): Promise<TuiHarness> {
  ui?.unmount();
  ui = await startTui(r, position, { width: 100, height: 30 });
  assert.equal(ui.position(), position);
  return ui;
}

describe('stepping at the edges of a thread', () => {
  test('S and N at the first instruction of a thread stay on it', async () => {
    const h = await open(4);
    for (const key of ['S', KEYS.left, 'N']) {
      const f = await h.press(key);
      assert.equal(h.position(), 4, JSON.stringify(key));
      assert.match(f, /thread 0x1004 has no earlier instruction in the trace/);
    }
  });

  test('s and n at the last instruction of a thread that others outlive stay on it', async () => {
    const h = await open(5);
    for (const key of ['s', 'n']) {
      const f = await h.press(key);
      assert.equal(h.position(), 5, key);
      assert.match(f, /thread 0x1004 has no later instruction in the trace/);
    }
  });

  test('s at the last instruction of the thread that ran last goes to the end', async () => {
    const h = await open(7);
    await h.press('s');
    assert.equal(h.position(), 8);
  });

  test('t then T comes back to the same instruction', async () => {
    const h = await open(2);
    await h.press('t');
    assert.equal(h.position(), 4);
    await h.press('T');
    assert.equal(h.position(), 2);
    await h.press('T', 't');
    assert.equal(h.position(), 2);
  });
});

describe('watches', () => {
  test('w then Enter on an empty line removes the watch; Esc keeps it and says how', async () => {
    const h = await open(0);
    let f = await h.press('w', '0x20000', KEYS.enter);
    assert.match(f, /watch:0x20000/);
    f = await h.press('w', KEYS.escape);
    assert.match(f, /watch:0x20000/);
    assert.match(f, /still watching 0x20000 \(w then Enter on an empty line removes it\)/);
    f = await h.press('w', KEYS.enter);
    assert.doesNotMatch(f, /watch:/);
    assert.match(f, /removed the watch on 0x20000/);
    await h.press(']');
    assert.match(h.frame(), /no watched address/);
  });

  test('c, C, [ and ] stop on the writing instruction and show old -> new', async () => {
    const h = await open(0);
    await h.press('w', '0x20000', KEYS.enter);
    // c stops at the exception first (raised at 2), then at the handler's store (step 3).
    await h.press('c');
    assert.equal(h.position(), 2);
    let f = await h.press('c');
    assert.equal(h.position(), 3);
    assert.match(f, /write to 0x20000: 0x0 -> 0x55 by main\.handler\+0x4 on thread 0x1000/);
    f = await h.press(']');
    assert.equal(h.position(), 5);
    assert.match(f, /next write to 0x20000: 0x55 -> 0x66 by main\.worker\+0x4 on thread 0x1004/);
    await h.press('C');
    assert.equal(h.position(), 3);
    await h.press('c');
    assert.equal(h.position(), 5);
    f = await h.press('[');
    assert.equal(h.position(), 3);
    assert.match(f, /last write to 0x20000: 0x0 -> 0x55/);
  });

  test('a write by the emulated Windows is labelled as such', async () => {
    const h = await open(8);
    await h.press('w', `0x${CONTEXT.toString(16)}`, KEYS.enter);
    let f = await h.press('[');
    assert.equal(h.position(), 2);
    assert.match(f, /last write to 0x6ffff800: 0x0 -> 0x10004 by the emulated Windows on thread 0x1000/);
    // Part of a write: where it wrote and how much.
    await h.press('w', `0x${(CONTEXT + 4n).toString(16)}:1`, KEYS.enter, 'g', '8', KEYS.enter);
    f = await h.press('[');
    assert.match(f, /0x0 -> 0x10004 at 0x6ffff800 \(8 bytes\) by the emulated Windows/);
  });
});
