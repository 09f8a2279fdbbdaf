// Each key of the TUI moves the position exactly where the replayer's own call for that move goes: the TUI is
// driven through ink-testing-library on recordings of panic-recover (resumed exception dispatches) and of
// panic-recover with X18 clobbered in sigtramp (ABI violations), and every move is compared with the Replay API.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { evaluateRange } from '../../src/replayer/address-expr.ts';
import { isCall } from '../../src/replayer/insn.ts';
import { locate, resolveAddress } from '../../src/replayer/locate.ts';
import { adjacentEpisode, adjacentEvent, adjacentViolation, registerChangeMove, stepOver, threadSwitch, writeMove } from '../../src/replayer/navigate.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { findExecution, runTo } from '../../src/replayer/search.ts';
import { threadAt, threadStep } from '../../src/replayer/stepping.ts';
import { KEYS, startTui, type TuiHarness } from '../helpers/tui-app.ts';
import { openTuiTraces, type TuiTraces } from '../helpers/tui-trace.ts';

let traces: TuiTraces;
let r: Replay;
let rx: Replay;
let ui: TuiHarness | undefined;

before(() => {
  traces = openTuiTraces();
  r = traces.plain;
  rx = traces.x18;
});

after(() => {
  ui?.unmount();
  traces.close();
});

async function open(replay: Replay, position: number, opts: { lazyMs?: number } = {}): Promise<TuiHarness> {
  ui?.unmount();
  ui = await startTui(replay, position, opts);
  assert.equal(ui.position(), position);
  return ui;
}

const firstException = () => r.episodes().find((e) => e.kind === 'exception')!;

describe('stepping keys', () => {
  test('s/right and S/left step one instruction of the thread, as threadStep', async () => {
    const t = r.trace;
    const start = firstException().start - 50;
    const h = await open(r, start);
    let p = start;
    for (const [key, dir] of [['s', 1], [KEYS.right, 1], ['s', 1], ['S', -1], [KEYS.left, -1], ['S', -1], ['S', -1]] as const) {
      await h.press(key);
      p = threadStep(t, p, threadAt(t, p), dir);
      assert.equal(h.position(), p, `after ${JSON.stringify(key)}`);
    }
    assert.ok(p < start, 'the walk went back past its start');
  });

  test('n/N step over a call both ways, as stepOver', async () => {
    const t = r.trace;
    // A call that returns normally, made before the first exception (the call of the faulting function does not:
    // it is left by a recovered panic).
    let p = firstException().start - 1;
    while (p > 0 && !(isCall(r.code.word(t.stepAt(p).pc) ?? 0) && stepOver(t, r.code, stepOver(t, r.code, p, 1), -1) === p)) p--;
    const h = await open(r, p);
    const over = stepOver(t, r.code, p, 1);
    assert.ok(over > p + 1, 'the call is stepped over, not into');
    await h.press('n');
    assert.equal(h.position(), over);
    await h.press('N');
    assert.equal(h.position(), stepOver(t, r.code, over, -1));
    assert.equal(h.position(), p, 'back on the call');
  });

  test('from the resume of an exception, N goes back to the faulting instruction', async () => {
    const e = firstException();
    const resume = stepOver(r.trace, r.code, e.start, 1);
    const h = await open(r, e.start);
    await h.press('n');
    assert.equal(h.position(), resume);
    assert.ok(resume > e.start + 100, 'the whole dispatch is stepped over');
    await h.press('N');
    assert.equal(h.position(), stepOver(r.trace, r.code, resume, -1));
    assert.equal(h.position(), e.start);
    assert.match(h.frame(), /=> main\.readValue\s+ldr x0, \[x0\]/);
  });

  test('a held key (one burst of four) moves four steps and draws one frame', async () => {
    const t = r.trace;
    const start = firstException().start - 40;
    const h = await open(r, start, { lazyMs: 60_000 });
    const before = h.frames.length;
    await h.press('ssss');
    let p = start;
    for (let i = 0; i < 4; i++) p = threadStep(t, p, threadAt(t, p), 1);
    assert.equal(h.position(), p);
    assert.equal(h.frames.length - before, 1, 'one frame for the burst');
  });
});

describe('event, episode and violation keys', () => {
  test('e/E go to the adjacent event, as adjacentEvent', async () => {
    const t = r.trace;
    let p = firstException().start - 1000;
    const h = await open(r, p);
    for (const [key, dir] of [['e', 1], ['e', 1], ['E', -1], ['e', 1]] as const) {
      await h.press(key);
      p = Math.max(0, adjacentEvent(t, p, dir)!.position);
      assert.equal(h.position(), p, key);
    }
  });

  test('p/P go to the adjacent episode, as adjacentEpisode', async () => {
    let p = 0;
    const h = await open(r, p);
    for (const [key, dir] of [['p', 1], ['p', 1], ['p', 1], ['P', -1]] as const) {
      await h.press(key);
      p = adjacentEpisode(r.episodes(), p, dir)!.start;
      assert.equal(h.position(), p, key);
    }
  });

  test('v/V go to the adjacent ABI violation, as adjacentViolation after a check', async () => {
    const vs = (await rx.check()).violations;
    assert.ok(vs.length > 2);
    let p = 0;
    const h = await open(rx, p);
    for (const [key, dir] of [['v', 1], ['v', 1], ['v', 1], ['V', -1]] as const) {
      await h.press(key);
      await h.waitFor((f) => !f.includes('checking'));
      p = vs[adjacentViolation(vs, p, dir)!]!.position;
      assert.equal(h.position(), p, key);
    }
  });
});

describe('prompts', () => {
  test('g goes to a position, a percentage and an episode, as locate', async () => {
    const h = await open(r, 0);
    await h.press('g', '12345', KEYS.enter);
    assert.equal(h.position(), 12345);
    await h.press('g', '50%', KEYS.enter);
    assert.equal(h.position(), (await locate(r, '50%')).position);
    await h.press('g', 'episode:5', KEYS.enter);
    assert.equal(h.position(), r.episodes()[5]!.start);
    await h.press('g', 'no.such.symbol', KEYS.enter);
    assert.equal(h.position(), r.episodes()[5]!.start, 'a bad place does not move');
    assert.match(h.frame(), /no such position, symbol or place/);
  });

  test('/ searches a symbol: its next execution, as findExecution', async () => {
    const p = 1000;
    const h = await open(r, p);
    await h.press('/', 'main.safeRead', KEYS.enter);
    assert.equal(h.position(), findExecution(r.trace, p, 1, resolveAddress(r, 'main.safeRead')!));
  });

  test('B sets a breakpoint at a symbol; c and C continue to it (or an exception), as runTo', async () => {
    const t = r.trace;
    const bp = resolveAddress(r, 'main.safeRead')!;
    const cond = { breakpoints: new Set([bp]), eventKinds: new Set(['exception-raised'] as const) };
    let p = 1000;
    const h = await open(r, p);
    await h.press('B', 'main.safeRead', KEYS.enter);
    for (const [key, dir] of [['c', 1], ['c', 1], ['c', 1], ['C', -1]] as const) {
      await h.press(key);
      await h.waitFor((f) => !f.includes('continuing'));
      p = runTo(t, p, dir, cond).position;
      assert.equal(h.position(), p, key);
    }
  });

  test('Esc stops a continue between slices, short of where it would stop', async () => {
    const t = r.trace;
    const p = 100_000;
    // A breakpoint never reached: the run scans slice by slice up to the first exception.
    const full = runTo(t, p, 1, { breakpoints: new Set([4]), eventKinds: new Set(['exception-raised'] as const) }).position;
    const h = await open(r, p);
    await h.press('B', '0x4', KEYS.enter);
    const f = await h.burst('c', KEYS.escape);
    assert.match(f, /interrupted/);
    assert.ok(h.position() > p && h.position() < full, `stopped at ${h.position()}, between ${p} and ${full}`);
  });

    test('b at pc toggles a breakpoint shown in the disassembly and the status bar', async () => {
    const h = await open(r, firstException().start);
    let f = await h.press('b');
    assert.match(f, /b=> main\.readValue/);
    assert.match(f, /bp:1/);
    f = await h.press('b');
    assert.doesNotMatch(f, /b=>/);
  });

  test('w watches an address; [ and ] walk its writes, as writeMove', async () => {
    const p = firstException().start;
    const range = evaluateRange(r, p, 'sp-0x8');
    const h = await open(r, p);
    await h.press('w', 'sp-0x8', KEYS.enter);
    assert.match(h.frame(), /watch:sp-0x8/);
    let at = p;
    let anchor: number | undefined;
    for (const [key, dir] of [['[', -1], ['[', -1], [']', 1]] as const) {
      await h.press(key);
      const m = writeMove(r.memory, at, anchor, range.address, range.size, dir)!;
      at = m.position;
      anchor = m.anchor;
      assert.equal(h.position(), at, key);
    }
  });
});

describe('register and thread keys', () => {
  test('r/R walk the changes of the selected register, as registerChangeMove', async () => {
    const t = r.trace;
    const p0 = firstException().start;
    const tid = threadAt(t, p0);
    const h = await open(r, p0);
    await h.press('2');
    for (let i = 0; i < 19; i++) await h.press('j');
    assert.match(h.frame(), />[* ][! ] x19 /, 'x19 selected');
    let p = p0;
    let anchor: number | undefined;
    for (const [key, dir] of [['r', -1], ['r', -1], ['R', 1]] as const) {
      await h.press(key);
      const m = registerChangeMove(t, p, anchor, tid, 19, dir)!;
      p = m.position;
      anchor = m.anchor;
      assert.equal(h.position(), p, key);
    }
  });

  test('t/T switch thread, as threadSwitch', async () => {
    const t = r.trace;
    const p0 = firstException().start - 5000;
    const h = await open(r, p0);
    const tids = t.threads().map((x) => x.tid);
    const cur = threadAt(t, p0);
    await h.press('t');
    let expect: number | undefined;
    for (let k = 1; k < tids.length && expect === undefined; k++) expect = threadSwitch(t, p0, tids[(tids.indexOf(cur) + k) % tids.length]!);
    assert.equal(h.position(), expect);
    assert.notEqual(threadAt(t, h.position()), cur);
    // T goes the other way round the threads: back to where t left the thread.
    const p1 = h.position();
    const cur1 = threadAt(t, p1);
    await h.press('T');
    let back: number | undefined;
    const left = new Map([[cur, p0], [cur1, p1]]);
    for (let k = 1; k < tids.length && back === undefined; k++) back = threadSwitch(t, p1, tids[(tids.indexOf(cur1) - k + tids.length * k) % tids.length]!, left);
    assert.equal(h.position(), back);
  });

  test('Enter in the episodes and violations lists goes to the selected one', async () => {
    const h = await open(r, 0);
    await h.press('7', 'j', 'j', 'j', KEYS.enter);
    assert.equal(h.position(), r.episodes()[3]!.start);
    const vs = (await rx.check()).violations;
    const hx = await open(rx, 0);
    await hx.press('8');
    await hx.waitFor((f) => f.includes('#0 '));
    await hx.press('j', 'j', KEYS.enter);
    assert.equal(hx.position(), vs[2]!.position);
  });

  test('Enter in the events list goes to the selected event', async () => {
    const p0 = firstException().start;
    const h = await open(r, p0);
    await h.press('6', 'k', 'k', KEYS.enter);
    const events = r.trace.events();
    let i = events.length - 1;
    while (events[i]!.position > p0) i--;
    assert.equal(h.position(), Math.max(0, events[i - 2]!.position));
  });
});
