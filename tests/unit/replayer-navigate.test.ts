// The debugger moves of navigate.ts, run-slices.ts, address-expr.ts and memory-view.ts on a synthetic trace with
// an exception dispatch (fault, handler on the same thread, resume with a restored register), a second thread
// and 2-step segments, so that every move crosses segment borders.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import type { Violation } from '../../src/replayer/abi/violation.ts';
import { evaluateAddress, evaluateRange } from '../../src/replayer/address-expr.ts';
import { memoryRows } from '../../src/replayer/memory-view.ts';
import {
  adjacentEpisode, adjacentEvent, adjacentViolation, episodeAt, indexAtOrBefore, registerChangeMove, stepOver, threadMove, threadSwitch, writeMove,
} from '../../src/replayer/navigate.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { runInSlices } from '../../src/replayer/run-slices.ts';
import { type Direction, type RunConditions, type RunStop, runTo } from '../../src/replayer/search.ts';
import { threadStep } from '../../src/replayer/stepping.ts';
import { registersView } from '../../src/replayer/view.ts';
import { A, B, dispatchTraceForTests, HEAP, SP0 } from '../helpers/dispatch-trace.ts';

const trace = dispatchTraceForTests();
let r: Replay;

before(() => {
  r = trace();
});

describe('step over an exception dispatch', () => {
  test('the trace is laid out as the comment says', () => {
    assert.equal(r.trace.totalSteps, 8);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((p) => r.trace.stepAt(p).tid), [A, A, A, A, B, B, A, A]);
  });

  test('forward from the faulting instruction: to where the thread is resumed', () => {
    assert.equal(stepOver(r.trace, r.code, 1, 1), 6);
    // Stepping in goes into the handler instead.
    assert.equal(threadStep(r.trace, 1, A, 1), 2);
  });

  test('backward from the resume: to the faulting instruction', () => {
    assert.equal(stepOver(r.trace, r.code, 6, -1), 1);
    assert.equal(threadStep(r.trace, 6, A, -1), 3);
  });

  test('elsewhere it is the ordinary step over', () => {
    assert.equal(stepOver(r.trace, r.code, 0, 1), 1);
    assert.equal(stepOver(r.trace, r.code, 7, -1), 6);
    assert.equal(stepOver(r.trace, r.code, 3, -1), 2);
  });

  test('the episode is the same span', () => {
    const eps = r.episodes();
    assert.deepEqual(eps.map((e) => [e.kind, e.start, e.end]), [['exception', 1, 6]]);
    assert.equal(episodeAt(eps, 3), eps[0]);
    assert.equal(episodeAt(eps, 7), undefined);
    assert.equal(adjacentEpisode(eps, 6, -1), eps[0]);
    assert.equal(adjacentEpisode(eps, 1, -1), undefined);
    assert.equal(adjacentEpisode(eps, 0, 1), eps[0]);
    assert.equal(adjacentEpisode(eps, 1, 1), undefined);
  });
});

describe('registers after a resume', () => {
  test('changed means changed since the faulting instruction: a register restored to its value then is not', () => {
    const changed = registersView(r, 6).rows.filter((x) => x.changed).map((x) => x.name);
    assert.deepEqual(changed, ['x19', 'pc']);
    // Elsewhere, changed by the thread's previous instruction.
    assert.deepEqual(registersView(r, 3).rows.filter((x) => x.changed).map((x) => x.name), ['x2', 'x19', 'pc']);
  });
});

describe('events and violations', () => {
  test('next and previous event skip those at the position itself', () => {
    assert.equal(adjacentEvent(r.trace, 2, 1)!.event.kind, 'handler-returned');
    assert.equal(adjacentEvent(r.trace, 4, -1)!.event.kind, 'handler-called');
    assert.equal(adjacentEvent(r.trace, 0, -1), undefined);
    assert.equal(adjacentEvent(r.trace, 6, 1), undefined);
  });

  test('index of the last item at or before a position', () => {
    const evs = r.trace.events();
    assert.equal(indexAtOrBefore(evs, 1, (e) => e.position), -1);
    assert.equal(evs[indexAtOrBefore(evs, 3, (e) => e.position)]!.event.kind, 'handler-called');
    assert.equal(evs[indexAtOrBefore(evs, 8, (e) => e.position)]!.position, 6);
  });

  test('adjacent violation by position, whatever order the checker listed them in', () => {
    const vs = [{ position: 5 }, { position: 2 }, { position: 9 }] as Violation[];
    assert.equal(adjacentViolation(vs, 0, 1), 1);
    assert.equal(adjacentViolation(vs, 2, 1), 0);
    assert.equal(adjacentViolation(vs, 9, 1), undefined);
    assert.equal(adjacentViolation(vs, 9, -1), 0);
    assert.equal(adjacentViolation(vs, 2, -1), undefined);
  });
});

describe('walks through changes and writes', () => {
  test('a register walk backward stands on each instruction or where Windows changed it', () => {
    const moves: Array<[number, number, number | undefined]> = [];
    let anchor: number | undefined;
    for (let m = registerChangeMove(r.trace, 8, undefined, A, 19, -1); m; m = registerChangeMove(r.trace, m.position, anchor, A, 19, -1)) {
      anchor = m.anchor;
      moves.push([m.position, m.anchor, m.found.step]);
    }
    // s6 (x19=11); the resume's restore at 4, shown where A runs next (6); s2 (x19=7); s0 (x19=5).
    assert.deepEqual(moves, [[6, 7, 6], [6, 4, undefined], [2, 3, 2], [0, 1, 0]]);
  });

  test('a register walk forward', () => {
    const first = registerChangeMove(r.trace, 1, undefined, A, 19, 1)!;
    assert.deepEqual([first.position, first.found.after], [2, 7n]);
    const second = registerChangeMove(r.trace, first.position, first.anchor, A, 19, 1)!;
    assert.deepEqual([second.position, second.found.after], [6, 9n]);
  });

  test('a write walk in both directions', () => {
    const back = writeMove(r.memory, 8, undefined, HEAP, 8, -1)!;
    assert.deepEqual([back.position, back.found.tid], [5, B]);
    const earlier = writeMove(r.memory, back.position, back.anchor, HEAP, 8, -1)!;
    assert.deepEqual([earlier.position, earlier.found.tid], [3, A]);
    assert.equal(writeMove(r.memory, earlier.position, earlier.anchor, HEAP, 8, -1), undefined);
    const fwd = writeMove(r.memory, 0, undefined, HEAP, 8, 1)!;
    assert.equal(fwd.position, 3);
    assert.equal(writeMove(r.memory, fwd.position, fwd.anchor, HEAP, 8, 1)!.position, 5);
  });
});

describe('threads', () => {
  test('switching stands where the thread runs next, else where it ran last', () => {
    assert.equal(threadSwitch(r.trace, 0, A), 0);
    assert.equal(threadSwitch(r.trace, 0, B), 4);
    assert.equal(threadSwitch(r.trace, 7, B), 5);
    assert.equal(threadSwitch(r.trace, 5, A), 6);
    assert.equal(threadSwitch(r.trace, 3, 0x9999), undefined);
  });

  test('switching back returns to where a run of switches left the thread', () => {
    assert.equal(threadSwitch(r.trace, 4, A, new Map([[A, 3], [B, 4]])), 3);
    // A position the thread does not run at is no place to return to.
    assert.equal(threadSwitch(r.trace, 4, A, new Map([[A, 5]])), 6);
  });

  test('a step or step over stays on its thread at the edges of the thread', () => {
    const at = (p: number, d: Direction, over: boolean) => threadMove(r.trace, r.code, p, d, over);
    // B runs at 4 and 5 only: nothing before 4 or after 5 on it.
    for (const over of [false, true]) {
      assert.deepEqual(at(4, -1, over), { position: 4, note: 'thread 0x1004 has no earlier instruction in the trace' });
      assert.deepEqual(at(5, 1, over), { position: 5, note: 'thread 0x1004 has no later instruction in the trace' });
      assert.deepEqual(at(0, -1, over), { position: 0, note: 'start of the trace' });
      assert.deepEqual(at(8, 1, over), { position: 8, note: 'end of the trace' });
    }
    // A ran last: the end of the trace is on it.
    assert.deepEqual(at(7, 1, false), { position: 8 });
    assert.deepEqual(at(4, 1, false), { position: 5 });
    assert.deepEqual(at(6, -1, false), { position: 3 });
  });
});

describe('run in slices', () => {
  const conds: RunConditions[] = [
    { breakpoints: new Set([0x10008]) },
    { breakpoints: new Set([0x10000, 0x10104]) },
    { watches: [{ address: HEAP, size: 8 }] },
    { breakpoints: new Set([0x10044]), eventKinds: new Set(['context-resumed']) },
    { watches: [{ address: HEAP, size: 1 }], stops: [1, 7] },
    { breakpoints: new Set([0x10100]), tid: A },
  ];

  test('gives the same stop as one runTo, from every position, both ways, one segment a slice', () => {
    for (const cond of conds) {
      for (let p = 0; p <= 8; p++) {
        for (const d of [1, -1] as Direction[]) {
          const it = runInSlices(r.trace, p, d, cond, 2);
          let step = it.next();
          while (!step.done) step = it.next();
          const whole = runTo(r.trace, p, d, cond);
          assert.equal((step.value as RunStop).position, whole.position, `from ${p} dir ${d} ${JSON.stringify(cond, (_k, v) => (v instanceof Set ? [...v] : v))}`);
        }
      }
    }
  });

  test('yields the scan position between slices, moving one way', () => {
    const seen: number[] = [];
    const it = runInSlices(r.trace, 0, 1, { breakpoints: new Set([0x1001c]) }, 2);
    let step = it.next();
    while (!step.done) {
      seen.push(step.value);
      step = it.next();
    }
    assert.ok(seen.length >= 2, `slices: ${seen}`);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
    assert.equal(step.value.reason, 'end');
  });
});

describe('addresses typed by a user', () => {
  test('hex, symbols, and registers with offsets at a position', () => {
    assert.equal(evaluateAddress(r, 0, '0x20000'), HEAP);
    assert.equal(evaluateAddress(r, 0, 'main.handler+0x4'), 0x10044);
    assert.equal(evaluateAddress(r, 0, 'sp+0x10'), Number(SP0) + 16);
    assert.equal(evaluateAddress(r, 0, 'SP - 8'), Number(SP0) - 8);
    assert.equal(evaluateAddress(r, 1, 'x19'), 5);
    assert.throws(() => evaluateAddress(r, 0, 'nowhere'), (e: unknown) => e instanceof UsageError && /'nowhere' is not an address/.test(e.message));
  });

  test('a range takes a size after a colon', () => {
    assert.deepEqual(evaluateRange(r, 0, '0x20000:4'), { address: HEAP, size: 4, label: '0x20000:4' });
    assert.deepEqual(evaluateRange(r, 0, 'sp'), { address: Number(SP0), size: 8, label: 'sp = 0x70000000' });
    assert.throws(() => evaluateRange(r, 0, 'sp:0'), UsageError);
  });
});

describe('memory rows', () => {
  test('bytes, unmapped ones, and those the last step wrote', () => {
    const rows = memoryRows(r, 4, HEAP - 8, 2, 8);
    assert.deepEqual(rows.map((x) => x.address), [HEAP - 8, HEAP]);
    assert.deepEqual(rows[0]!.bytes, new Array(8).fill(undefined));
    assert.deepEqual(rows[1]!.bytes, [0x55, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(rows[1]!.written, new Array(8).fill(true));
    assert.deepEqual(memoryRows(r, 5, HEAP, 1, 8)[0]!.written, new Array(8).fill(false));
  });
});
