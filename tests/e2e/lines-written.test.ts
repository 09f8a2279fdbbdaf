// The footer's per-page lines written (`linesWritten`): what the recorder notes in C equals the 64-byte lines of the
// writes each segment holds (steps' and the emulated Windows'), and memory read at a position with them is what it
// is without them, while fewer segments are read to prove a stack word unwritten. Go 1.19 and 1.27 recordings.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import type { FooterEntry } from '../../src/trace/schema.ts';
import { callStack } from '../../src/replayer/callstack.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { slotNumber } from '../../src/replayer/regfile.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { segmentsRead } from '../helpers/segment-reads.ts';

const FIXTURES = ['goroutines', 'callback', 'std-sort'];

for (const release of ['1.19', '1.27']) {
  describe(`lines written on go${release}`, () => {
    let dir: string;
    const counts = { with: 0, without: 0 };
    before(() => {
      dir = mkdtempSync(join(tmpdir(), `wintrace-lines-${release}-`));
      for (const name of FIXTURES) new RecordSession({ program: fixtureExe(name, release), output: join(dir, `${name}.mp`), args: [], env: {} }).run();
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const name of FIXTURES) {
      test(`${name}: each segment's line masks are the lines of its writes`, () => {
        const r = Replay.open(join(dir, `${name}.mp`));
        try {
          for (let i = 0; i < r.trace.segmentCount; i++) {
            const e = r.trace.entries[i]!;
            if (e.steps === 0) continue;
            assert.ok(e.linesWritten, `segment ${i} has line masks`);
            const seg = r.trace.decoded(i);
            const expected = new Set<string>();
            for (let w = 0; w < seg.wrAddr.length; w++) {
              for (let l = Math.floor(seg.wrAddr[w]! / 64); l <= Math.floor((seg.wrAddr[w]! + seg.wrSize[w]! - 1) / 64); l++) expected.add(`${Math.floor(l / 64)}:${l % 64}`);
            }
            const got = new Set<string>();
            for (const [k, page] of e.pagesWritten.entries()) {
              for (let l = 0; l < 64; l++) if (e.linesWritten[8 * k + (l >> 3)]! & (1 << (l & 7))) got.add(`${page}:${l}`);
            }
            assert.deepEqual([...got].sort(), [...expected].sort(), `segment ${i}`);
          }
        } finally {
          r.close();
        }
      });

      test(`${name}: the stack and frame records read the same with line masks as without, reading fewer segments`, () => {
        const fast = Replay.open(join(dir, `${name}.mp`));
        const slow = Replay.open(join(dir, `${name}.mp`));
        try {
          for (const e of slow.trace.entries) delete (e as FooterEntry).linesWritten;
          const fastRead = segmentsRead(fast, ['decoded', 'frame']);
          const slowRead = segmentsRead(slow, ['decoded', 'frame']);
          const total = Number(fast.trace.totalSteps);
          for (let k = 1; k < 30; k++) {
            const p = Math.floor((total * k) / 30);
            const sp = slotNumber(fast.trace.regWords(p).regs, 31);
            for (const [a, n] of [[sp - 16, 256], [sp + 256, 64], [sp & ~4095, 4096]] as const) {
              assert.deepEqual(fast.memory.read(p, a, n), slow.memory.read(p, a, n), `[0x${a.toString(16)}, ${n}] at ${p}`);
            }
            assert.deepEqual(callStack(fast.trace, fast.memory, fast.code, p), callStack(slow.trace, slow.memory, slow.code, p), `call stack at ${p}`);
          }
          assert.ok(fastRead.size <= slowRead.size, `read ${fastRead.size} segments with line masks, ${slowRead.size} without`);
          counts.with += fastRead.size;
          counts.without += slowRead.size;
        } finally {
          fast.close();
          slow.close();
        }
      });
    }

    test('line masks spare segment reads', () => {
      assert.ok(counts.with < counts.without, `read ${counts.with} segments with line masks, ${counts.without} without`);
    });
  });
}
