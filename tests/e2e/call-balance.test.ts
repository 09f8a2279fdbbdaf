// The footer's per-thread call balance (`calls`, src/trace/call-balance.ts): what the recorder counts in C equals
// what the replayer sees decoding each segment, and a call stack that passes segments by it is the call stack that
// decodes them, while decoding fewer. Recordings with exceptions resumed, callbacks from C and several threads, by
// the oldest and the newest Go.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { thenCalls } from '../../src/trace/call-balance.ts';
import type { FooterEntry } from '../../src/trace/schema.ts';
import { callStack } from '../../src/replayer/callstack.ts';
import { isCall, isReturn } from '../../src/replayer/insn.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { segmentsRead } from '../helpers/segment-reads.ts';

const FIXTURES = ['callback', 'panic-recover', 'goroutines'];

/** Positions to take a call stack at: spread over the run, and beside every place Windows moved a thread. */
function positions(r: Replay): number[] {
  const total = Number(r.trace.totalSteps);
  const out = new Set<number>();
  for (let k = 1; k < 40; k++) out.add(Math.floor((total * k) / 40));
  for (const { position, event } of r.trace.eventsOfKinds(['exception-raised', 'context-resumed', 'thread-started', 'handler-called'], total)) {
    if (event.kind === 'handler-called' && out.size > 400) continue;
    for (const d of [-1, 0, 1, 50]) if (position + d > 0 && position + d < total) out.add(position + d);
  }
  return [...out].sort((a, b) => a - b);
}

for (const release of ['1.19', '1.27']) {
  describe(`call balance on go${release}`, () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), `wintrace-call-balance-${release}-`));
      for (const name of FIXTURES) new RecordSession({ program: fixtureExe(name, release), output: join(dir, `${name}.mp`), args: [], env: {} }).run();
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const asked = { fast: 0, slow: 0 };

    for (const name of FIXTURES) {
      test(`${name}: each segment's calls are its decoded steps' calls and returns, per thread`, () => {
        const r = Replay.open(join(dir, `${name}.mp`));
        try {
          let unbalanced = 0;
          for (let i = 0; i < r.trace.segmentCount; i++) {
            const e = r.trace.entries[i]!;
            assert.ok(e.calls, `segment ${i} has a call balance`);
            const seg = r.trace.decoded(i);
            const byTid = new Map<number, [number, number]>();
            for (let k = 0; k < seg.steps; k++) {
              const w = r.code.word(seg.stepPc[k]!);
              if (w === undefined) continue;
              const step: [number, number] = isCall(w) ? [1, 0] : isReturn(w) ? [0, 1] : [0, 0];
              if (step[0] || step[1]) byTid.set(seg.stepTid[k]!, thenCalls(byTid.get(seg.stepTid[k]!) ?? [0, 0], step));
            }
            const expected = [...byTid].filter(([, [o, u]]) => o || u).map(([t, [o, u]]) => `${t}:${o}/${u}`).sort();
            assert.deepEqual(e.calls.map(([t, o, u]) => `${t}:${o}/${u}`).sort(), expected, `segment ${i}`);
            unbalanced += e.calls.length;
          }
          assert.ok(unbalanced > 0, 'some segment leaves calls open');
        } finally {
          r.close();
        }
      });

      test(`${name}: call stacks passing segments by their balance equal call stacks decoding them`, () => {
        const fast = Replay.open(join(dir, `${name}.mp`));
        const slow = Replay.open(join(dir, `${name}.mp`));
        try {
          for (const e of slow.trace.entries) delete (e as FooterEntry).calls;
          const fastAsked = segmentsRead(fast, ['decoded']);
          const slowAsked = segmentsRead(slow, ['decoded']);
          const ps = positions(fast);
          for (const p of ps) {
            const a = callStack(fast.trace, fast.memory, fast.code, p, { maxFrames: 32 });
            const b = callStack(slow.trace, slow.memory, slow.code, p, { maxFrames: 32 });
            assert.deepEqual(a, b, `call stack at ${p}`);
          }
          assert.ok(fastAsked.size <= slowAsked.size, `passing by balance decoded ${fastAsked.size} segments, decoding ${slowAsked.size}`);
          asked.fast += fastAsked.size;
          asked.slow += slowAsked.size;
        } finally {
          fast.close();
          slow.close();
        }
      });
    }

    test('passing segments by their balance decodes fewer of them', () => {
      assert.ok(asked.slow > 0 && asked.fast < asked.slow, `decoded ${asked.fast} segments passing by balance, ${asked.slow} decoding every one`);
    });
  });
}
