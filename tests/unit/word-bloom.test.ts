// The written-words Bloom filter the recorder keeps per segment (native/trace.c) and the replayer reads
// (src/replayer/word-bloom.ts): the two must hash alike, so that no write is ever hidden from "last write",
// and the filter must reject most words a segment did not write, or it saves nothing.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { Trace } from '../../src/replayer/trace.ts';
import { mayHaveWritten } from '../../src/replayer/word-bloom.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-bloom-'));
let trace: Trace;

before(() => {
  const file = join(dir, 'goroutines.mp');
  new RecordSession({ program: fixtureExe('goroutines'), output: file, args: [], env: {} }).run();
  trace = Trace.open(file);
});
after(() => {
  trace.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('written-words Bloom filter', () => {
  test('every segment with steps carries one, and every write of the segment passes it', () => {
    let writes = 0;
    for (let i = 0; i < trace.segmentCount; i++) {
      const e = trace.entries[i]!;
      if (e.steps === 0) continue;
      assert.ok(e.wordBloom, `segment ${i} has no filter`);
      const seg = trace.decoded(i);
      for (let w = 0; w < seg.wrAddr.length; w++) {
        writes++;
        if (!mayHaveWritten(e.wordBloom!, seg.wrAddr[w]!, seg.wrSize[w]!)) {
          assert.fail(`segment ${i} wrote 0x${seg.wrAddr[w]!.toString(16)} (${seg.wrSize[w]} bytes) but its filter says it did not`);
        }
      }
    }
    assert.ok(writes > 100_000, `only ${writes} writes checked`);
  });

  test('words a segment did not write mostly fail it', () => {
    let tried = 0;
    let passed = 0;
    for (let i = 0; i < trace.segmentCount; i++) {
      const e = trace.entries[i]!;
      if (!e.wordBloom) continue;
      const seg = trace.decoded(i);
      const written = new Set<number>();
      for (let w = 0; w < seg.wrAddr.length; w++) {
        for (let a = Math.floor(seg.wrAddr[w]! / 8); a <= Math.floor((seg.wrAddr[w]! + seg.wrSize[w]! - 1) / 8); a++) written.add(a);
      }
      // Words near the ones written (same pages), where a page index cannot tell them apart.
      for (const word of [...written].slice(0, 200)) {
        for (const d of [1, 3, 7, 16]) {
          if (written.has(word + d)) continue;
          tried++;
          if (mayHaveWritten(e.wordBloom, (word + d) * 8, 8)) passed++;
        }
      }
    }
    assert.ok(tried > 1000);
    assert.ok(passed / tried < 0.1, `false positives ${(100 * passed / tried).toFixed(1)}% of ${tried}`);
  });
});
