// The TUI's answers about values, on panic-recover recorded here: what a register's value points at beside it
// (value-places.ts), `o` the origin of a value as a tree whose rows go to their writes, `x` a Windows structure
// as a pane that follows the position with each field's last writer one Enter away.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CONTEXT } from '../../src/arch/windows-structs.ts';
import { locate } from '../../src/replayer/locate.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { structFields } from '../../src/replayer/struct-view.ts';
import { ValuePlaces } from '../../src/replayer/value-places.ts';
import { GENERAL_SLOTS, registersView } from '../../src/replayer/view.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { KEYS, startTui, type TuiHarness } from '../helpers/tui-app.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-tui-values-'));
let replay: Replay;
let ui: TuiHarness | undefined;

before(() => {
  const path = join(dir, 'pr.mp');
  new RecordSession({ program: fixtureExe('panic-recover'), output: path, args: [], env: {} }).run();
  replay = Replay.open(path);
});
after(() => {
  ui?.unmount();
  replay.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(position: number, size: { width?: number; height?: number } = {}): Promise<TuiHarness> {
  ui?.unmount();
  ui = await startTui(replay, position, size);
  return ui;
}

function exceptionEvents() {
  const events = replay.trace.events();
  const raised = events.find((e) => e.event.kind === 'exception-raised')!;
  const resumed = events.find((e) => e.event.kind === 'context-resumed' && e.position > raised.position)!;
  return { fault: raised.position - 1, context: Number(raised.event.kind === 'exception-raised' ? raised.event.context : 0), resumed: resumed.position };
}

const lines = (f: string) => f.split('\n');
/** The side pane's column of a frame at 80 columns (after the separator). */
const sidePane = (f: string) => lines(f).map((l) => l.split('│')[1] ?? '').join('\n');

describe('register values named', () => {
  test('at 80x24 each named value has its kind\'s letter, the selected register its whole name in the title', async () => {
    const { fault } = exceptionEvents();
    const regs = registersView(replay, fault, GENERAL_SLOTS);
    const places = new ValuePlaces(replay, fault, regs.tid);
    const sp = regs.rows.find((r) => r.name === 'sp')!;
    const lr = regs.rows.find((r) => r.name === 'lr')!;
    assert.equal(places.name(sp.value)?.kind, 'goroutine stack');
    const h = await open(fault);
    let f = h.frame();
    assert.match(f, new RegExp(`sp ${sp.value.toString(16).padStart(16, '0')} s`));
    assert.match(f, new RegExp(`lr ${lr.value.toString(16).padStart(16, '0')} c`));
    assert.match(f, / x0 0{16} {2}/, 'x0 = 0 points nowhere');
    // Select sp in the registers pane: the title names it whole.
    f = await h.press('2', ...Array.from({ length: GENERAL_SLOTS.indexOf(31) }, () => 'j'));
    assert.ok(lines(f)[0]!.includes(`sp: ${places.name(sp.value)!.text}`.slice(0, 40)), lines(f)[0]);
    for (const l of lines(f)) assert.ok(l.length <= 80);
    assert.equal(lines(f).length, 24);
  });

  test('on a terminal wide enough the names are beside the values, cut to the cell', async () => {
    const { fault } = exceptionEvents();
    const regs = registersView(replay, fault, GENERAL_SLOTS);
    const lr = regs.rows.find((r) => r.name === 'lr')!;
    const text = new ValuePlaces(replay, fault, regs.tid).name(lr.value)!.text;
    const h = await open(fault, { width: 120, height: 40 });
    // 120 columns: 4 cells of 30, 6 of room after the value: still a letter.
    assert.match(h.frame(), new RegExp(`lr ${lr.value.toString(16).padStart(16, '0')} c`));
    const wide = await open(fault, { width: 240, height: 40 });
    const row = lines(wide.frame()).find((l) => l.includes(' lr '))!;
    assert.ok(row.includes(` ${text.slice(0, 8)}`), `${text} beside lr in:\n${row}`);
  });
});

describe('o: where a value came from', () => {
  test('the nil pointer at the fault: x0 by default, a constant, 1 goes to main.main\'s mov x0, #0', async () => {
    const { fault } = exceptionEvents();
    const h = await open(fault);
    let f = await h.press('o');
    assert.match(f, /origin of \(x0, sp, \[sp\+0x10,8\]\) \[Enter: x0\]: _/);
    f = await h.press(KEYS.enter);
    assert.match(f, new RegExp(`origin of x0 at position ${fault}`));
    assert.match(f, /1 >- x0 = 0x0 {2}<- main\.main\+0x[0-9a-f]+ {2}mov x0, #0/);
    assert.match(f.replace(/\s+/g, ' '), /\(no inputs: a constant\)/);
    f = await h.press('1');
    assert.match(f, /\[disassembly\]/, 'the tree closed');
    assert.match(f, /=> main\.main\+0x[0-9a-f]+ +mov x0, #0/, 'standing on the instruction that wrote it');
    assert.match(f, /x0 = 0x0 written by main\.main/);
    assert.ok(h.position() < fault);
  });

  test('the good read opens through memory; right opens an address register, Enter on it goes to its write', async () => {
    const p = (await locate(replay, 'main.readValue')).position + 1;
    const h = await open(p);
    let f = await h.press('o', KEYS.enter);
    assert.match(f, /- x0 = 0x2a {2}<- main\.readValue {2}ldr x0, \[x0\]/);
    assert.match(f, /├─ - \[0x[0-9a-f]+, 8\] = 0x2a {2}<- main\.main\+0x[0-9a-f]+ {2}str x1, \[sp, #0x68\]/);
    assert.match(f, /│ {2}├─ - x1 = 0x2a {2}<- main\.main\+0x[0-9a-f]+ {2}mov x1, #0x2a/);
    const closedAddress = /└─ \+ address: x0 = (0x[0-9a-f]+) {2}<- main\.main\+0x[0-9a-f]+ {2}add x0, sp, #0x68/.exec(f);
    assert.ok(closedAddress, f);
    const before = lines(f).filter((l) => /^\d? [ >]/.test(l)).length;
    // The address register is the last row: down to it, open it.
    f = await h.press(...Array.from({ length: 6 }, () => 'j'), 'l');
    assert.match(f, /└─ - address: x0/);
    assert.ok(lines(f).filter((l) => /^\d? [ >]/.test(l)).length > before, 'its inputs are rows now');
    f = await h.press('h');
    assert.match(f, /└─ \+ address: x0/, 'left closes it again');
    f = await h.press(KEYS.enter);
    assert.match(f, /=> main\.main\+0x[0-9a-f]+ +add x0, sp, #0x68/);
  });

  test('the selected register is the default; a bad name says why and leaves the panes', async () => {
    const { fault } = exceptionEvents();
    const h = await open(fault);
    let f = await h.press('2', 'j', 'o');
    assert.match(f, /\[Enter: x1\]/);
    f = await h.press(KEYS.enter);
    assert.match(f, /origin of x1 at position/);
    f = await h.press(KEYS.escape, 'o', 'z', 'z', KEYS.enter);
    assert.match(f, /'zz' is not a register or memory range/);
    assert.match(f, /registers/);
  });
});

describe('x: a Windows structure as a pane', () => {
  test('TEB@x18 by default: the running thread\'s TEB, its Self field written before the trace', async () => {
    const { fault } = exceptionEvents();
    const teb = Number(replay.trace.tebOf(replay.trace.regWords(fault).tid));
    const h = await open(fault);
    let f = await h.press('x');
    assert.match(f, /\[Enter: TEB@x18\]/);
    f = await h.press(KEYS.enter);
    assert.ok(f.includes(`[structure] TEB at 0x${teb.toString(16)}`), f);
    assert.match(f, new RegExp(`Self +0x${teb.toString(16)}`));
  });

  test('CONTEXT at the resume: Pc is sigresume written by sigtramp_g0, Enter goes there; stepping keeps the field', async () => {
    const { context, resumed } = exceptionEvents();
    const h = await open(resumed);
    let f = await h.press('x', ...`CONTEXT@0x${context.toString(16)}`, KEYS.enter);
    assert.match(f, /\[structure\] CONTEXT at/);
    const pc = structFields(CONTEXT).findIndex((x) => x.name === 'Pc');
    f = await h.press(...Array.from({ length: pc }, () => 'j'));
    const by = /Pc written by sigtramp_g0\+0x[0-9a-f]+\s+at\s+(\d+)/.exec(sidePane(f));
    assert.ok(by, f);
    const step = Number(by[1]);
    assert.match(f, />[ *]Pc +0x[0-9a-f]+ \(sigresume\)/);
    f = await h.press(KEYS.enter);
    assert.equal(h.position(), step, 'standing on the storing instruction');
    assert.match(f, /=> sigtramp_g0\+0x[0-9a-f]+ +str/);
    f = await h.press('s');
    assert.match(f, />\*Pc +0x[0-9a-f]+ \(sigresume\)/, 'one step on: the store happened, the same field selected');
    f = await h.press('S');
    assert.match(f, /> Pc +0x/, 'on the store, not yet written by this step');
  });
});
