// What the TUI's frames show, read as text: registers with their values and the changed/ABI marks the replayer
// computes, the current instruction and named branch targets, the status bar, the side panes, the help, and the
// layout at 80x24 and on a wide terminal. Without colour every mark is still there as text.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tidName } from '../../src/replayer/describe.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { threadAt, threadStep } from '../../src/replayer/stepping.ts';
import { D8_D15_SLOTS, disassemblyAround, GENERAL_SLOTS, registersView } from '../../src/replayer/view.ts';
import { BINDINGS, keyLabel } from '../../src/tui/keys/bindings.ts';
import { colorWanted } from '../../src/tui/run.tsx';
import { helpFrames, KEYS, startTui, type TuiHarness } from '../helpers/tui-app.ts';
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

async function open(replay: Replay, position: number, size: { width?: number; height?: number } = {}): Promise<TuiHarness> {
  ui?.unmount();
  ui = await startTui(replay, position, size);
  return ui;
}

interface Cell { selected: boolean; changed: boolean; flagged: boolean; name: string; value: bigint }

/** The register cells of a frame: `>*! name 0123456789abcdef`. */
function cells(frame: string): Map<string, Cell> {
  const out = new Map<string, Cell>();
  for (const m of frame.matchAll(/([> ])([* ])([! ])\s*(x\d+|fp|lr|sp|pc|nzcv|d\d+) ([0-9a-f]{16})/g)) {
    out.set(m[4]!, { selected: m[1] === '>', changed: m[2] === '*', flagged: m[3] === '!', name: m[4]!, value: BigInt(`0x${m[5]}`) });
  }
  return out;
}

const exception = () => r.episodes().find((e) => e.kind === 'exception')!;

describe('registers', () => {
  test('every register shown with its value and the changed mark of registersView, step after step', async () => {
    const t = r.trace;
    let p = exception().start - 6;
    const h = await open(r, p);
    for (let i = 0; i < 8; i++) {
      const view = registersView(r, p);
      const shown = cells(h.frame());
      assert.equal(shown.size, GENERAL_SLOTS.length, 'x0-x30, sp, pc, nzcv');
      for (const row of view.rows) {
        const c = shown.get(row.name);
        assert.ok(c, `${row.name} shown`);
        assert.equal(c.value, row.value, `${row.name} at ${p}`);
        assert.equal(c.changed, row.changed, `${row.name} changed mark at ${p}`);
        assert.equal(c.flagged, row.flag !== undefined, `${row.name} flag at ${p}`);
      }
      await h.press('s');
      p = threadStep(t, p, threadAt(t, p), 1);
    }
    assert.ok([...cells(h.frame()).values()].some((c) => c.changed), 'some register changed on the last step');
  });

  test('X18 that is not the TEB is flagged, with the reason in the title', async () => {
    const vs = (await rx.check({ rules: ['x18-untouched'] })).violations;
    const v = vs.find((x) => x.step !== undefined)!;
    // Just after the instruction that wrote X18.
    const p = v.position + 1;
    const view = registersView(rx, p);
    const row = view.rows.find((x) => x.slot === 18)!;
    assert.ok(row.flag, 'the replayer flags x18 there');
    const h = await open(rx, p);
    const c = cells(h.frame()).get('x18')!;
    assert.ok(c.flagged && c.changed, 'x18 marked changed and flagged');
    assert.equal(c.value, row.value);
    assert.ok(h.frame().includes(`! x18: not this thread's TEB`), h.frame());
  });

  test('f shows D8-D15; up/down in the registers pane selects a register', async () => {
    const p = exception().start;
    const h = await open(r, p);
    let f = await h.press('f');
    const view = registersView(r, p, [...GENERAL_SLOTS, ...D8_D15_SLOTS]);
    const shown = cells(f);
    for (const row of view.rows.filter((x) => x.slot >= 34)) assert.equal(shown.get(row.name)?.value, row.value, row.name);
    f = await h.press('f', '2', 'j', 'j');
    assert.equal(cells(f).get('x2')?.selected, true);
    assert.equal(cells(f).get('d8'), undefined, 'D8-D15 hidden again');
  });
});

describe('disassembly, status bar and side panes', () => {
  test('the current instruction is marked with its symbol, and the status bar says where we are', async () => {
    const e = exception();
    const h = await open(r, e.start);
    const f = h.frame();
    assert.match(f, /=> main\.readValue\s+ldr x0, \[x0\]/);
    const total = r.trace.totalSteps;
    assert.ok(f.includes(` ${e.start}/${total} ${((e.start / total) * 100).toFixed(2)}% `), f);
    assert.ok(f.includes(`thread ${tidName(threadAt(r.trace, e.start))} main.readValue`), f);
    assert.ok(f.includes('? keys'), 'the key hint');
  });

  test('branch targets are named (wide terminal)', async () => {
    const t = r.trace;
    // A position whose disassembly window holds a direct branch or call.
    let p = exception().start;
    await r.disassembler();
    const around = (q: number) => disassemblyAround(r, t.stepAt(q).pc, 10, 18);
    while (!around(p).some((l) => l.target)) p--;
    const h = await open(r, p, { width: 200, height: 40 });
    const lines = around(p).filter((l) => l.target);
    for (const l of lines) assert.ok(h.frame().includes(`${l.text}  ; ${l.target}`), `target ${l.target} named`);
  });

  test('stack, call stack, events, episodes and violations panes', async () => {
    const e = exception();
    let h = await open(r, e.start);
    let f = h.frame();
    assert.match(f, /│ stack/);
    assert.match(f, /=>sp\+0 /, 'SP row marked');
    assert.match(f, /saved (fp|lr)/, 'frame records recognised');
    f = await h.press('5');
    assert.match(f, /\[call stack\]/);
    assert.match(f, /#0\s+main\.readValue/);
    f = await h.press('6');
    assert.match(f, /\[events\]/);
    f = await h.press('7');
    assert.match(f, /\[episodes\]/);
    assert.ok(f.includes(`${e.start}-${e.end} ${e.name.slice(0, 10)}`), f);
    h = await open(rx, 0);
    f = await h.press('8');
    f = await h.waitFor((x) => x.includes('#0 '));
    assert.match(f, /\[ABI violations\]/);
    const vs = rx.violations!;
    assert.ok(f.includes(`#0 ${vs[0]!.rule} ${vs[0]!.position}`), f);
  });

  test('m shows memory at a typed address, and marks the bytes the last step wrote', async () => {
    const t = r.trace;
    // A step that stores to the stack.
    let p = exception().start - 1;
    while (p > 0 && !t.step(p - 1).writes.some((w) => w.data.length === 8)) p--;
    const w = t.step(p - 1).writes.find((x) => x.data.length === 8)!;
    const h = await open(r, p);
    const f = await h.press('m', `0x${w.address.toString(16)}`, KEYS.enter);
    assert.match(f, /\[memory\]/);
    assert.ok(f.includes(w.address.toString(16)), 'the row of the address');
    const written = [...w.data].map((b) => `${b.toString(16).padStart(2, '0')}*`).join('');
    assert.ok(f.includes(written), `written bytes marked: ${written}\n${f}`);
  });

  test('? lists every key of the bindings table', async () => {
    const h = await open(r, 0);
    const frames = await helpFrames(h);
    const f = frames.join('\n');
    for (const b of BINDINGS) assert.ok(f.includes(keyLabel(b)), `key ${keyLabel(b)}`);
    assert.ok(frames.length > 1, 'at 80x24 the list scrolls');
    assert.match(frames[frames.length - 1]!, /keys \d+-(\d+) of \1 rows/, 'down stops at the last row');
    const back = await h.press('?');
    assert.match(back, /\[disassembly\]/);
  });
});

describe('terminal size and colour', () => {
  test('80x24: exactly 24 lines, none wider than 80', async () => {
    const h = await open(r, exception().start);
    for (const f of [h.frame(), await h.press('?'), await h.press(KEYS.escape, '6'), await h.press('f')]) {
      const lines = f.split('\n');
      assert.equal(lines.length, 24, f);
      for (const l of lines) assert.ok(l.length <= 80, `${l.length}: ${l}`);
    }
  });

  test('a wide terminal gets more register columns and a second side pane', async () => {
    const h = await open(r, exception().start, { width: 180, height: 50 });
    const f = h.frame();
    const lines = f.split('\n');
    assert.equal(lines.length, 50);
    assert.ok(lines.every((l) => l.length <= 180));
    assert.match(f, /│ stack .*│ call stack/, 'call stack next to the stack');
    // Six columns: x0, x6, x12 ... on the first register row.
    assert.match(lines[1]!, /x0 .* x6 .* x12 .* x18 .* x24 .* lr /);
  });

  test('NO_COLOR turns colour off; without colour the frame has no escape sequences', async () => {
    assert.equal(colorWanted({ NO_COLOR: '1' }), false);
    assert.equal(colorWanted({}), true);
    assert.equal(colorWanted({ NO_COLOR: '' }), true);
    const h = await open(r, exception().start);
    assert.doesNotMatch(h.frame(), /\x1b\[/);
  });
});
