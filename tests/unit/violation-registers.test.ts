// Which registers a violation marks, and where; the places its detail lists; prose wrapped to a pane. Violations
// here are written by hand, in the shapes the checker reports (the TUI tests check them on real recordings).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Violation } from '../../src/replayer/abi/violation.ts';
import { markViolationRegisters, violationRegistersAt, violationSlots } from '../../src/replayer/abi/violation-registers.ts';
import { violationPlaces } from '../../src/replayer/abi/violation-places.ts';
import type { RegistersView } from '../../src/replayer/view.ts';
import { wrapWords } from '../../src/text/wrap.ts';

function violation(over: Partial<Violation>): Violation {
  return {
    rule: 'callee-saved', position: 100, step: 100, tid: 0x1000, pc: 0x1000, symbol: 'f', instruction: 'mov x19, #0', subject: 'x19',
    before: '0x5e17', after: '0x0', detail: 'detail', why: 'why', by: 'program', ...over,
  };
}

describe('violationSlots', () => {
  test('the register the subject names: x19, fp, lr, d8, sp, x18', () => {
    assert.deepEqual(violationSlots(violation({ subject: 'x19' })), [19]);
    assert.deepEqual(violationSlots(violation({ subject: 'fp' })), [29]);
    assert.deepEqual(violationSlots(violation({ subject: 'lr' })), [30]);
    assert.deepEqual(violationSlots(violation({ subject: 'd8' })), [42]);
    assert.deepEqual(violationSlots(violation({ subject: 'd15' })), [49]);
    assert.deepEqual(violationSlots(violation({ rule: 'sp-aligned', subject: 'sp' })), [31]);
    assert.deepEqual(violationSlots(violation({ rule: 'teb-consistent', subject: 'x18' })), [18]);
  });

  test('a memory subject names no register, unless the rule is about one', () => {
    assert.deepEqual(violationSlots(violation({ rule: 'resume-in-stack', subject: 'CONTEXT.Sp @ 0x2001ff000' })), []);
    assert.deepEqual(violationSlots(violation({ rule: 'x18-untouched', subject: 'the TEB pointer' })), [18]);
    assert.deepEqual(violationSlots(violation({ rule: 'sp-aligned', subject: 'stack pointer' })), [31]);
  });
});

describe('violationRegistersAt', () => {
  const vs = [
    violation({ position: 100, subject: 'x19', detectedAt: 106, related: [{ role: 'saved', position: 90, pc: 0, symbol: 'f' }, { role: 'returned', position: 105, pc: 0, symbol: 'f+0x10' }] }),
    violation({ position: 101, subject: 'd8', detectedAt: 106, related: [{ role: 'returned', position: 105, pc: 0, symbol: 'f+0x10' }] }),
    violation({ rule: 'sp-aligned', position: 200, subject: 'sp', related: [{ role: 'faults', position: 203, pc: 0, symbol: 'g+0xc' }, { role: 'realigned', position: 204, pc: 0, symbol: 'g+0x10' }] }),
  ];

  test('at the blamed position: the violation\'s register, with its index, rule and values', () => {
    assert.deepEqual(violationRegistersAt(vs, 100), [{ slot: 19, violation: 0, note: 'violation #0 callee-saved: 0x5e17 -> 0x0' }]);
    assert.deepEqual(violationRegistersAt(vs, 101).map((m) => [m.slot, m.violation]), [[42, 1]]);
    assert.deepEqual(violationRegistersAt(vs, 200).map((m) => [m.slot, m.violation]), [[31, 2]]);
  });

  test('where the wrong value is handed on: the return, the faulting access, where the checker noticed', () => {
    assert.deepEqual(violationRegistersAt(vs, 105).map((m) => [m.slot, m.note]), [
      [19, 'violation #0 callee-saved: returned with it wrong'], [42, 'violation #1 callee-saved: returned with it wrong'],
    ]);
    assert.deepEqual(violationRegistersAt(vs, 106).map((m) => m.slot), [19, 42]);
    assert.deepEqual(violationRegistersAt(vs, 203).map((m) => m.note), ['violation #2 sp-aligned: hardware faults here']);
  });

  test('not where the value was saved, nor after SP was aligned again, nor anywhere else', () => {
    for (const p of [90, 99, 102, 204, 0]) assert.deepEqual(violationRegistersAt(vs, p), [], `position ${p}`);
    assert.deepEqual(violationRegistersAt([], 100), []);
  });
});

describe('markViolationRegisters', () => {
  const view: RegistersView = {
    position: 100, tid: 0x1000, pc: 0x1000,
    rows: [{ slot: 18, name: 'x18', value: 1n, changed: false, flag: 'not this thread\'s TEB (0x2000)' }, { slot: 19, name: 'x19', value: 0n, changed: true }, { slot: 20, name: 'x20', value: 0n, changed: false }],
  };

  test('flags the marked rows, after a flag the row already had; leaves the others', () => {
    const out = markViolationRegisters(view, [{ slot: 19, violation: 0, note: 'n19' }, { slot: 18, violation: 1, note: 'n18' }]);
    assert.equal(out.rows[0]!.flag, 'not this thread\'s TEB (0x2000); n18');
    assert.equal(out.rows[1]!.flag, 'n19');
    assert.equal(out.rows[2]!.flag, undefined);
    assert.equal(view.rows[1]!.flag, undefined, 'the view itself is not changed');
  });

  test('a mark on a register the view does not show (D8 with D8-D15 hidden) flags nothing', () => {
    assert.deepEqual(markViolationRegisters(view, [{ slot: 42, violation: 0, note: 'n' }]).rows.map((r) => r.flag ?? ''), [view.rows[0]!.flag, '', '']);
  });
});

describe('violationPlaces', () => {
  test('each related position in order, then where it was noticed', () => {
    const v = violation({ detectedAt: 106, related: [{ role: 'saved', position: 90, pc: 0, symbol: 'f+0x4' }, { role: 'returned', position: 105, pc: 0, symbol: 'f+0x10' }] });
    assert.deepEqual(violationPlaces(v), [
      { role: 'saved', position: 90, symbol: 'f+0x4' }, { role: 'returned', position: 105, symbol: 'f+0x10' }, { role: 'noticed', position: 106, symbol: undefined },
    ]);
  });

  test('the noticing position once only: not when it is the violation\'s own or a related one', () => {
    assert.deepEqual(violationPlaces(violation({ detectedAt: 100 })), []);
    assert.deepEqual(violationPlaces(violation({ detectedAt: 105, related: [{ role: 'returned', position: 105, pc: 0, symbol: 'r' }] })).map((p) => p.role), ['returned']);
    assert.deepEqual(violationPlaces(violation({})), []);
  });
});

describe('wrapWords', () => {
  test('breaks at spaces within the width, keeping every word', () => {
    const text = 'SP became 8 bytes off a 16-byte boundary; hardware raises an SP alignment fault at push8+0xc';
    const lines = wrapWords(text, 30);
    assert.ok(lines.every((l) => l.length <= 30), lines.join('|'));
    assert.equal(lines.join(' '), text);
    assert.deepEqual(wrapWords('a b c', 3), ['a b', 'c']);
  });

  test('a word longer than the width is split; empty text gives no lines', () => {
    assert.deepEqual(wrapWords('0123456789 ab', 4), ['0123', '4567', '89', 'ab']);
    assert.deepEqual(wrapWords('   ', 10), []);
  });
});
