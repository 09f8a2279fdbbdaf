// The written-words Bloom filter and the byte filter of stores to part of a word the recorder keeps per segment
// (native/trace.c) and the replayer reads (src/replayer/word-bloom.ts): the two must hash alike, so that no write
// is ever hidden from "last write", and the filters must reject most words and bytes a segment did not write, or
// they save nothing.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { Trace } from '../../src/replayer/trace.ts';
import { mayHaveWritten } from '../../src/replayer/word-bloom.ts';
import { BYTE_BLOOM_BYTES, WORD_BLOOM_BYTES } from '../../src/trace/schema.ts';
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

/** A filter of `bytes` built as native/trace.c builds it, with the top log2(bits) bits of each hash. */
function filterOf(words: readonly number[], bytes: number): Uint8Array {
  const f = new Uint8Array(bytes);
  const bits = BigInt(64 - Math.log2(bytes * 8));
  for (const w of words) {
    for (const m of [0x9e3779b97f4a7c15n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n]) {
      const h = Number(((BigInt(w) * m) & 0xffff_ffff_ffff_ffffn) >> bits);
      f[h >> 3]! |= 1 << (h & 7);
    }
  }
  return f;
}

describe('written-words Bloom filter', () => {
  test('the recorder writes 1,024-byte filters', () => {
    const i = trace.entries.findIndex((_, k) => trace.wordBloom(k));
    assert.equal(trace.wordBloom(i)?.length, WORD_BLOOM_BYTES);
    assert.equal(WORD_BLOOM_BYTES, 1024);
  });

  test('512-byte filters of older recordings are read with their own bit count', () => {
    const words = Array.from({ length: 300 }, (_, i) => 0x7ff_f000 + i * 3);
    for (const bytes of [512, 1024]) {
      const f = filterOf(words, bytes);
      for (const w of words) assert.ok(mayHaveWritten(f, undefined, w * 8, 8), `${bytes}-byte filter hides word 0x${w.toString(16)}`);
      let passed = 0;
      for (let i = 0; i < 1000; i++) if (mayHaveWritten(f, undefined, (0x9000_0000 + i * 5) * 8, 8)) passed++;
      assert.ok(passed < 50, `${bytes}-byte filter: ${passed} of 1000 unwritten words pass`);
    }
  });

  test('every segment with steps carries one, and every write of the segment passes it', () => {
    let writes = 0;
    for (let i = 0; i < trace.segmentCount; i++) {
      const e = trace.entries[i]!;
      if (e.steps === 0) continue;
      const bloom = trace.wordBloom(i);
      assert.ok(bloom, `segment ${i} has no filter`);
      const byteBloom = trace.byteBloom(i);
      assert.equal(byteBloom?.length ?? BYTE_BLOOM_BYTES, BYTE_BLOOM_BYTES);
      const seg = trace.decoded(i);
      for (let w = 0; w < seg.wrAddr.length; w++) {
        writes++;
        const a = seg.wrAddr[w]!;
        const size = seg.wrSize[w]!;
        // A read may ask for any byte the write wrote, alone or with the rest of its word.
        if (size < 8 || a % 8 !== 0) {
          for (let b = a; b < a + size; b++) {
            if (!mayHaveWritten(bloom, byteBloom, b, 1) || !mayHaveWritten(bloom, byteBloom, b - (b % 8), 8)) {
              assert.fail(`segment ${i} wrote byte 0x${b.toString(16)} (a ${size}-byte store at 0x${a.toString(16)}) but its filter says it did not`);
            }
          }
        }
        if (!mayHaveWritten(trace.bloomSummary(i)!, trace.byteSummary(i), seg.wrAddr[w]!, seg.wrSize[w]!)) {
          assert.fail(`segment ${i} wrote 0x${seg.wrAddr[w]!.toString(16)} (${seg.wrSize[w]} bytes) but its group's summary says none did`);
        }
        if (!mayHaveWritten(bloom, byteBloom, seg.wrAddr[w]!, seg.wrSize[w]!)) {
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
      const bloom = trace.wordBloom(i);
      if (!bloom) continue;
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
          if (mayHaveWritten(bloom, trace.byteBloom(i), (word + d) * 8, 8)) passed++;
        }
      }
    }
    assert.ok(tried > 1000);
    assert.ok(passed / tried < 0.1, `false positives ${(100 * passed / tried).toFixed(1)}% of ${tried}`);
  });

  test('a store to part of a word hides nothing and passes no read of the word\'s other bytes', () => {
    // As native/trace.c note_words keys a one-byte store at 0x1000_0006 (a bool beside seven old bytes) and an
    // 8-byte store at 0x1000_0010: the word number | 2^62 and the word number in the word filter, the byte's
    // address in the byte filter.
    const words = filterOfKeys([(0x1000_0000n / 8n) | (1n << 62n), 0x1000_0010n / 8n], WORD_BLOOM_BYTES);
    const bytes = filterOfKeys([0x1000_0006n], BYTE_BLOOM_BYTES);
    assert.ok(mayHaveWritten(words, bytes, 0x1000_0006, 1), 'the byte stored');
    assert.ok(mayHaveWritten(words, bytes, 0x1000_0000, 8), 'its whole word');
    assert.ok(mayHaveWritten(words, bytes, 0x1000_0004, 4), 'a half holding it');
    assert.ok(mayHaveWritten(words, bytes, 0x1000_0012, 2), 'part of the word stored whole');
    assert.ok(!mayHaveWritten(words, bytes, 0x1000_0000, 6), 'the six bytes before it were not written');
    assert.ok(!mayHaveWritten(words, bytes, 0x1000_0007, 1), 'nor the byte after it');
    assert.ok(!mayHaveWritten(words, bytes, 0x1000_0008, 8), 'nor the next word');
    assert.ok(mayHaveWritten(words, undefined, 0x1000_0000, 6), 'without a byte filter, any byte asked may have been written');
  });
});

/** A filter of `bytes` with these keys, hashed as native/trace.c note_key hashes them. */
function filterOfKeys(keys: readonly bigint[], bytes: number): Uint8Array {
  const f = new Uint8Array(bytes);
  const bits = BigInt(64 - Math.log2(bytes * 8));
  for (const key of keys) {
    for (const m of [0x9e3779b97f4a7c15n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n]) {
      const h = Number(((key * m) & 0xffff_ffff_ffff_ffffn) >> bits);
      f[h >> 3]! |= 1 << (h & 7);
    }
  }
  return f;
}
