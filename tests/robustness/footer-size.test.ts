// Footers of any size. The footer holds one index entry per segment of 16,384 steps, each with a 1 KiB Bloom
// filter of the words it wrote, so a recording of about 4 billion steps has a footer above the 256 MiB a reader
// accepts in one frame: before, such a trace could not be opened at all. The writer now splits a large index
// into FooterPart frames the footer lists (docs/trace-format.md).

import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TraceReader } from '../../src/trace/reader.ts';
import { type FooterEntry, MAX_FRAME_BYTES, type TraceFooter } from '../../src/trace/schema.ts';
import { TraceWriter } from '../../src/trace/writer.ts';
import { parseFrames } from '../helpers/trace-bytes.ts';
import { SyntheticTrace } from '../helpers/synthetic-trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-footer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = new SyntheticTrace({ threads: [{ tid: 0x1000, teb: 0x7ff0_0000_0000n, stackBase: 0x20_0000n, stackLimit: 0x10_0000n }] }).header;

/**
 * A trace whose footer indexes `n` segments, each entry with a random Bloom filter (so it cannot be compressed
 * away) and 0 steps: the reader checks the index when it opens the file, and reads a segment only when asked.
 */
function writeIndexOnly(path: string, n: number, split?: { inlineBytes: number; partBytes: number }): FooterEntry[] {
  const w = new TraceWriter(path, { stored: true });
  w.writeHeader(HEADER);
  const first = w.bytesWritten;
  // Pseudo-random (AES-CTR of zeros): incompressible, and the same in every file this test writes.
  const blooms = createCipheriv('aes-128-ctr', Buffer.alloc(16), Buffer.alloc(16)).update(Buffer.alloc(n * 1024));
  const entries: FooterEntry[] = Array.from({ length: n }, (_, i) => ({
    offset: first + i, firstStep: 0n, steps: 0, regsChanged: [[0x1000, BigInt(i), 0n]], pagesWritten: [i], wordBloom: blooms.subarray(i * 1024, (i + 1) * 1024),
  }));
  const footer: TraceFooter = {
    segments: entries, totalSteps: 0n, stubs: [],
    summary: { instructions: 0n, threads: 1, exceptions: 0, apiCalls: 0, exitCode: 0, endReason: 'exit' },
  };
  w.finish({ ...footer, segments: [...entries] }, split);
  return entries;
}

describe('the footer index', () => {
  test('above 256 MiB it is written in parts and reads back whole', () => {
    const path = join(dir, 'huge.mp');
    const n = 280_000; // 280,000 KiB of Bloom filters alone: 273 MiB
    assert.ok(n * 1024 > MAX_FRAME_BYTES);
    writeIndexOnly(path, n);
    assert.ok(statSync(path).size > MAX_FRAME_BYTES);
    const r = new TraceReader(path);
    try {
      assert.equal(r.trace.truncated, false);
      assert.equal(r.trace.segments.length, n);
      assert.equal(r.trace.segments[n - 1]!.pagesWritten[0], n - 1);
      assert.equal(r.trace.segments[n - 1]!.wordBloom!.length, 1024);
    } finally {
      r.close();
    }
  });

  test('split or not, the reader sees the same index; a small one stays inline in the footer', () => {
    const inline = join(dir, 'inline.mp');
    const split = join(dir, 'split.mp');
    const a = writeIndexOnly(inline, 300);
    writeIndexOnly(split, 300, { inlineBytes: 10_000, partBytes: 40_000 });
    const types = (p: string) => parseFrames(new Uint8Array(readFileSync(p))).frames.map((f) => f.type);
    assert.deepEqual(types(inline), [1, 3]);
    assert.deepEqual(types(split), [1, ...new Array<number>(9).fill(4), 3], '300 entries of ~1.06 KiB, about 37 per 40,000-byte part');
    for (const p of [inline, split]) {
      const r = new TraceReader(p);
      try {
        assert.equal(r.trace.segments.length, a.length);
        assert.deepEqual(r.trace.segments.map((e) => [e.offset, e.pagesWritten[0], Buffer.from(e.wordBloom!).toString('hex')]),
          a.map((e) => [e.offset, e.pagesWritten[0], Buffer.from(e.wordBloom!).toString('hex')]));
      } finally {
        r.close();
      }
    }
  });
});
