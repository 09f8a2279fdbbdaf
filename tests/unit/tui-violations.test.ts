// The TUI on ABI violations, on recordings of fixtures/go/abi-seeded: `i` explains the selected violation whole
// (rule, position, thread, instruction, subject, detail, why, every place it names) and goes to those places; the
// registers a violation concerns carry `!` where it happened; arriving at a violation about D8-D15 shows them.
// start-clobber: a thread start routine zeroes x19, x20 and d8 (three callee-saved violations); sp-push8: SP
// pushed by 8 and then used (sp-aligned, with the access that faults); d9-loop: a call out clobbers d9.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Violation } from '../../src/replayer/abi/violation.ts';
import { tidName } from '../../src/replayer/describe.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import { handleToken } from '../../src/tui/dispatch.ts';
import { BINDINGS, keyLabel } from '../../src/tui/keys/bindings.ts';
import { PaneData } from '../../src/tui/pane-data.ts';
import { initialState } from '../../src/tui/state/ui-state.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { helpFrames, KEYS, startTui, type TuiHarness } from '../helpers/tui-app.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-tui-violations-'));
const replays = new Map<string, Replay>();
let ui: TuiHarness | undefined;

/** The recording of abi-seeded with `arg`, made once per file. */
function seeded(arg: string): Replay {
  let r = replays.get(arg);
  if (!r) {
    const out = join(dir, `${arg}.mp`);
    new RecordSession({ program: fixtureExe('abi-seeded'), output: out, args: [arg], env: {}, maxInstructions: 4_000_000n }).run();
    r = Replay.open(out);
    replays.set(arg, r);
  }
  return r;
}

before(() => {
  for (const arg of ['start-clobber', 'sp-push8', 'd9-loop']) seeded(arg);
});

after(() => {
  ui?.unmount();
  for (const r of replays.values()) r.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(replay: Replay, position: number, size: { width?: number } = {}): Promise<TuiHarness> {
  ui?.unmount();
  ui = await startTui(replay, position, size);
  return ui;
}

/** `fn` on a second Replay of the recording, not yet checked; closed, with the TUI on it, afterwards. */
async function unchecked(arg: string, fn: (fresh: Replay) => Promise<void>): Promise<void> {
  const fresh = Replay.open(seeded(arg).trace.path);
  try {
    await fn(fresh);
  } finally {
    ui?.unmount();
    ui = undefined;
    fresh.close();
  }
}

async function violations(arg: string): Promise<Violation[]> {
  return (await seeded(arg).check()).violations;
}

/** The register cell `name` of a frame: its `>*!` marks and value, or undefined when not shown. */
function cell(frame: string, name: string): { flagged: boolean; value: bigint } | undefined {
  const m = new RegExp(`[> ][* ]([! ])\\s*${name} ([0-9a-f]{16})`).exec(frame);
  return m ? { flagged: m[1] === '!', value: BigInt(`0x${m[2]}`) } : undefined;
}

/** Frame text with runs of whitespace as one space: wrapped prose reads as the string it was cut from. */
const flat = (s: string) => s.replace(/\s+/g, ' ');

describe('i: a violation explained whole', () => {
  test('before the check, i runs it; the explanation has every field and the whole detail and why', async () => {
    await unchecked('start-clobber', async (fresh) => {
      assert.equal(fresh.violations, undefined, 'not checked yet');
      const vs = await violations('start-clobber');
      const v = vs[0]!;
      const h = await open(fresh, v.position);
      const f = await h.press('i');
      assert.ok(fresh.violations, 'i ran the check');
      assert.match(f, new RegExp(`ABI violation #0 of ${vs.length}: callee-saved`));
      assert.ok(f.includes(`${v.position} on thread ${tidName(v.tid)}`), f);
      assert.match(f, /instruction\s+startClobber\s+mov x19, #0/);
      assert.ok(f.includes(`x19: ${v.before} -> ${v.after}`), f);
      assert.ok(v.detail.length > 200, 'a detail too long for one line');
      assert.ok(flat(f).includes(flat(v.detail)), `the whole detail in:\n${f}`);
      assert.ok(flat(f).includes(flat(v.why)), `the whole why in:\n${f}`);
      const ret = v.related!.find((x) => x.role === 'returned')!;
      assert.match(f, new RegExp(`1\\s+${ret.position}\\s+${ret.symbol.replace('+', '\\+')}\\s+returned`));
      assert.match(f, new RegExp(`2\\s+${v.detectedAt}\\s+\\S+\\s+noticed`));
      assert.doesNotMatch(f, /\[registers\]| registers /, 'in place of the panes');
      assert.match(f, /Enter: go to the violation  1-9: go to a place it names  i\/Esc: close/);
      const closed = await h.press(KEYS.escape);
      assert.match(closed, /registers/);
      assert.equal(h.position(), v.position, 'Esc leaves the position as it was');
    });
  });

  test('i explains the row selected in the violations pane; Enter goes to it, 1 and 2 to the places it names', async () => {
    const vs = await violations('start-clobber');
    const v = vs[2]!;
    const h = await open(seeded('start-clobber'), 0);
    let f = await h.press('8', 'j', 'j', 'i');
    assert.match(f, /ABI violation #2 of 3: callee-saved/);
    assert.match(f, /fmov d8, xzr/);
    await h.press(KEYS.enter);
    assert.equal(h.position(), v.position);
    f = await h.press('i', '1');
    assert.equal(h.position(), v.related![0]!.position, 'the return that gave d8 back');
    assert.match(f, /returned \(violation #2 callee-saved\)/);
    await h.press('8', 'j', 'j', 'i', '2');
    assert.equal(h.position(), v.detectedAt, 'where the checker noticed');
    f = await h.press('8', 'j', 'j', 'i', '3');
    assert.match(f, /violation #2 names no place 3/);
    assert.match(f, /ABI violation #2/, 'still open');
  });

  test('sp-push8: the misaligned SP, and 1 goes to the access hardware faults on', async () => {
    const [v] = await violations('sp-push8');
    const faults = v!.related!.find((x) => x.role === 'faults')!;
    const h = await open(seeded('sp-push8'), v!.position);
    const f = await h.press('i');
    assert.match(f, /ABI violation #0 of 1: sp-aligned/);
    assert.match(flat(f), /hardware raises an SP alignment fault/);
    assert.ok(flat(f).includes(flat(v!.detail)), f);
    assert.match(f, new RegExp(`1\\s+${faults.position}\\s+push8\\+0xc\\s+faults`));
    await h.press('1');
    assert.equal(h.position(), faults.position);
  });

  test('up/down scroll an explanation longer than the screen, and stop at its last line', async () => {
    const r = seeded('start-clobber');
    const vs = await violations('start-clobber');
    const data = new PaneData(r);
    const long: Violation = { ...vs[0]!, detail: Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ') };
    data.violations = () => [long];
    const viewport = { width: 80, height: 24 };
    let s = handleToken(data, initialState(long.position), 'i', viewport).state;
    assert.deepEqual(s.explain, { index: 0, scroll: 0 });
    const seen: number[] = [];
    for (let i = 0; i < 40; i++) {
      s = handleToken(data, s, 'down', viewport).state;
      seen.push(s.explain!.scroll);
    }
    const max = Math.max(...seen);
    assert.ok(max > 0 && max < 40, `scrolled to ${max}, then stopped`);
    s = handleToken(data, s, 'up', viewport).state;
    assert.equal(s.explain!.scroll, max - 1, 'the first up scrolls back at once');
    s = handleToken(data, s, 'pageup', viewport).state;
    assert.equal(s.explain!.scroll, Math.max(0, max - 11));
    const wide = { width: 200, height: 60 };
    assert.equal(handleToken(data, { ...s, explain: { index: 0, scroll: 0 } }, 'down', wide).state.explain!.scroll, 0, 'all of it fits: nothing to scroll');
  });

  test('? at 80x24 lists every key with its help, i among them', async () => {
    const h = await open(seeded('sp-push8'), 0);
    // More keys than 24 rows hold: the list scrolls, and every key is on one of its frames.
    const f = (await helpFrames(h)).join('\n');
    for (const b of BINDINGS) assert.ok(f.includes(`${keyLabel(b).padEnd(10)}${b.help.slice(0, 20)}`), `${keyLabel(b)} in:\n${f}`);
    assert.match(f, /i {9}explain the violation in full/);
  });
});

describe('! on the registers a violation concerns', () => {
  test('x19 and x20 at their violations, not before the check nor after them', async () => {
    const vs = await violations('start-clobber');
    await unchecked('start-clobber', async (fresh) => {
      const h = await open(fresh, vs[0]!.position);
      assert.equal(cell(h.frame(), 'x19')?.flagged, false, 'no mark before the check');
      let f = await h.press('v');
      assert.equal(h.position(), vs[1]!.position);
      assert.equal(cell(f, 'x20')?.flagged, true, f);
      assert.equal(cell(f, 'x19')?.flagged, false, 'x19 has its own violation, one step earlier');
      assert.ok(f.includes('! x20: violation #1 callee-saved'), f);
      f = await h.press('V');
      assert.equal(cell(f, 'x19')?.flagged, true);
      assert.equal(cell(f, 'x20')?.flagged, false);
      f = await h.press('s', 's', 's');
      assert.equal(h.position(), vs[2]!.position + 1);
      assert.equal(cell(f, 'x19')?.flagged, false, 'the step after the last violation');
      assert.equal(cell(f, 'x20')?.flagged, false);
    });
  });

  test('at the return that hands the clobbered value back, x19, x20 and d8 are marked too', async () => {
    const vs = await violations('start-clobber');
    const ret = vs[0]!.related!.find((x) => x.role === 'returned')!.position;
    const h = await open(seeded('start-clobber'), ret);
    const f = await h.press('f');
    for (const name of ['x19', 'x20', 'd8']) assert.equal(cell(f, name)?.flagged, true, `${name} in:\n${f}`);
    assert.equal(cell(f, 'x21')?.flagged, false);
  });

  test('sp at an sp-aligned violation, and at the access that faults beside the misalignment', async () => {
    const [v] = await violations('sp-push8');
    const faults = v!.related!.find((x) => x.role === 'faults')!;
    const h = await open(seeded('sp-push8'), 0, { width: 160 });
    let f = await h.press('v');
    assert.equal(h.position(), v!.position);
    assert.equal(cell(f, 'sp')?.flagged, true, 'the instruction about to misalign it');
    assert.ok(f.includes(`! sp: violation #0 sp-aligned: ${v!.before} -> ${v!.after}`), f);
    f = await h.press('g', String(faults.position), KEYS.enter);
    assert.equal(cell(f, 'sp')?.flagged, true);
    assert.ok(f.includes('! sp: not 16-byte aligned (off by 8); violation #0 sp-aligned: hardware faults here'), f);
  });
});

describe('arriving at a D-register violation shows D8-D15', () => {
  test('v to the d8 violation shows them, marked, with a message; f hides them again there', async () => {
    const vs = await violations('start-clobber');
    const h = await open(seeded('start-clobber'), 0);
    let f = await h.press('v', 'v');
    assert.equal(h.position(), vs[1]!.position);
    assert.equal(cell(f, 'd8'), undefined, 'x20\'s violation leaves them hidden');
    f = await h.press('v');
    assert.equal(h.position(), vs[2]!.position);
    assert.equal(cell(f, 'd8')?.flagged, true, f);
    assert.equal(cell(f, 'd9')?.flagged, false);
    assert.match(f, /\(D8-D15 shown for d8: f hides them\) violation 2: callee-saved/);
    f = await h.press('f');
    assert.equal(cell(f, 'd8'), undefined, 'f hides them at the violation');
    assert.equal(h.position(), vs[2]!.position);
  });

  test('go to violation:K, and Enter in the violations pane, show them too', async () => {
    const [v] = await violations('d9-loop');
    let h = await open(seeded('d9-loop'), 0);
    let f = await h.press('g', 'violation:0', KEYS.enter);
    assert.equal(h.position(), v!.position);
    assert.equal(cell(f, 'd9')?.flagged, true, f);
    assert.match(f, /D8-D15 shown for d9/);
    h = await open(seeded('start-clobber'), 0);
    f = await h.press('8', 'j', 'j', KEYS.enter);
    assert.equal(cell(f, 'd8')?.flagged, true, f);
  });
});
