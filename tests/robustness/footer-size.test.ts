// Footers of any size. The footer holds one index entry per segment of 16,384 steps, so a long enough recording
// has an index above the 256 MiB a reader accepts in one frame: before, such a trace could not be opened at all.
// The writer splits a large index into FooterPart frames the footer lists, and moves the segments' 1 KiB Bloom
// filters (90% of an entry) into BloomPart frames a reader reads only when a query needs one
// (docs/trace-format.md, "Footer").

import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TraceFormatError } from '../../src/errors.ts';
import { TraceReader } from '../../src/trace/reader.ts';
import { BLOOM_GROUP, type FooterEntry, FRAME, MAX_FRAME_BYTES, type TraceFooter } from '../../src/trace/schema.ts';
import { TraceWriter } from '../../src/trace/writer.ts';
import { buildTrace, type Layout, parseFrames } from '../helpers/trace-bytes.ts';
import { SyntheticTrace } from '../helpers/synthetic-trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-footer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = new SyntheticTrace({ threads: [{ tid: 0x1000, teb: 0x7ff0_0000_0000n, stackBase: 0x20_0000n, stackLimit: 0x10_0000n }] }).header;

/** Pseudo-random (AES-CTR of zeros): incompressible, and the same in every file this test writes. */
function noise(bytes: number): Buffer {
  return createCipheriv('aes-128-ctr', Buffer.alloc(16), Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

/**
 * A trace whose footer indexes `n` segments of 0 steps, told apart by their regsChanged; with `blooms` each has a
 * random Bloom filter, with `pages` the same list of that many pages (one list, so the test's memory stays small).
 * The reader checks the index when it opens the file, and reads a segment only when asked.
 */
function writeIndexOnly(path: string, n: number, opts: { blooms?: boolean; pages?: number; split?: { inlineBytes: number; partBytes: number } }): FooterEntry[] {
  const w = new TraceWriter(path, { stored: true });
  w.writeHeader(HEADER);
  const first = w.bytesWritten;
  const blooms = opts.blooms ? noise(n * 1024) : undefined;
  // Page numbers above 2^32 take 9 bytes each in msgpack.
  const pages = Array.from({ length: opts.pages ?? 1 }, (_, k) => 2 ** 33 + k);
  const entries: FooterEntry[] = Array.from({ length: n }, (_, i) => ({
    offset: first + i, firstStep: 0n, steps: 0, regsChanged: [[0x1000, BigInt(i), 0n]], pagesWritten: pages,
    ...(blooms ? { wordBloom: blooms.subarray(i * 1024, (i + 1) * 1024) } : {}),
  }));
  const footer: TraceFooter = {
    segments: entries, totalSteps: 0n, stubs: [],
    summary: { instructions: 0n, threads: 1, exceptions: 0, apiCalls: 0, exitCode: 0, endReason: 'exit' },
  };
  w.finish({ ...footer, segments: [...entries] }, opts.split);
  return entries;
}

const types = (p: string) => parseFrames(new Uint8Array(readFileSync(p))).frames.map((f) => f.type);
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : 'none');

/** What a reader sees of each entry: offset, which entry (regsChanged) and its Bloom filter. */
function seen(path: string): string[] {
  const r = new TraceReader(path);
  try {
    return r.trace.segments.map((e, i) => `${e.offset} ${e.regsChanged[0]![1]} ${hex(r.wordBloom(i))}`);
  } finally {
    r.close();
  }
}

describe('the footer index', () => {
  test('above 256 MiB it is written in parts and reads back whole', () => {
    const path = join(dir, 'huge.mp');
    const n = 280_000;
    const pages = 110; // ~1 KiB an entry: 280,000 entries are ~280 MiB
    writeIndexOnly(path, n, { pages });
    assert.ok(statSync(path).size > MAX_FRAME_BYTES);
    const r = new TraceReader(path);
    try {
      assert.equal(r.trace.truncated, false);
      assert.equal(r.trace.segments.length, n);
      assert.equal(r.trace.segments[n - 1]!.regsChanged[0]![1], BigInt(n - 1));
      assert.equal(r.trace.segments[n - 1]!.pagesWritten.length, pages);
    } finally {
      r.close();
    }
  });

  test('split or not, the reader sees the same index; a small one stays inline in the footer', () => {
    const inline = join(dir, 'inline.mp');
    const split = join(dir, 'split.mp');
    const a = writeIndexOnly(inline, 300, { pages: 110 });
    writeIndexOnly(split, 300, { pages: 110, split: { inlineBytes: 10_000, partBytes: 40_000 } });
    assert.deepEqual(types(inline), [FRAME.header, FRAME.footer]);
    assert.deepEqual(types(split), [FRAME.header, ...new Array<number>(9).fill(FRAME.index), FRAME.footer], '300 entries of ~1.04 KiB, about 38 per 40,000-byte part');
    const expected = a.map((e) => `${e.offset} ${e.regsChanged[0]![1]} none`);
    assert.deepEqual(seen(inline), expected);
    assert.deepEqual(seen(split), expected);
  });
});

describe('Bloom filters outside the footer', () => {
  const n = 2 * BLOOM_GROUP + 10;

  test('they go to BloomPart frames of BLOOM_GROUP segments, none stays in the footer, and each reads back', () => {
    const path = join(dir, 'blooms.mp');
    const a = writeIndexOnly(path, n, { blooms: true });
    assert.deepEqual(types(path), [FRAME.header, FRAME.bloom, FRAME.bloom, FRAME.bloom, FRAME.footer]);
    const layout = parseFrames(new Uint8Array(readFileSync(path)));
    const footer = layout.frames.at(-1)!.value as unknown as TraceFooter;
    assert.ok(footer.segments.every((e) => e.wordBloom === undefined), 'no filter left in the entries');
    assert.equal(footer.blooms?.group, BLOOM_GROUP);
    assert.deepEqual(footer.blooms?.parts, layout.offsets.slice(1, 4));
    const or = (from: number) => {
      const out = new Uint8Array(1024);
      for (const e of a.slice(from, from + BLOOM_GROUP)) e.wordBloom!.forEach((x, k) => (out[k]! |= x));
      return hex(out);
    };
    assert.deepEqual(footer.blooms?.summaries.map(hex), [0, BLOOM_GROUP, 2 * BLOOM_GROUP].map(or), 'each group\'s summary is the OR of its filters');
    assert.deepEqual(seen(path), a.map((e) => `${e.offset} ${e.regsChanged[0]![1]} ${hex(e.wordBloom)}`));
  });

  test('with a split index too, every segment keeps its own filter', () => {
    const path = join(dir, 'blooms-split.mp');
    const a = writeIndexOnly(path, n, { blooms: true, pages: 110, split: { inlineBytes: 10_000, partBytes: 40_000 } });
    const t = types(path);
    assert.deepEqual(t.filter((x) => x === FRAME.bloom).length, 3);
    assert.ok(t.lastIndexOf(FRAME.bloom) < t.indexOf(FRAME.index), 'the filters come before the index parts');
    assert.deepEqual(seen(path), a.map((e) => `${e.offset} ${e.regsChanged[0]![1]} ${hex(e.wordBloom)}`));
  });

  test('a recording made before them, its filters in the footer entries, reads the same', () => {
    const path = join(dir, 'blooms.mp');
    const old = join(dir, 'blooms-inline.mp');
    const layout = parseFrames(new Uint8Array(readFileSync(path)));
    const footer = layout.frames.at(-1)!.value as unknown as TraceFooter;
    const parts = layout.frames.filter((f) => f.type === FRAME.bloom).map((f) => f.value.blooms as Uint8Array[]);
    footer.segments.forEach((e, i) => {
      e.wordBloom = parts[Math.floor(i / BLOOM_GROUP)]![i % BLOOM_GROUP];
    });
    delete footer.blooms;
    writeFileSync(old, buildTrace({ ...layout, frames: layout.frames.filter((f) => f.type !== FRAME.bloom) }, { keepOffsets: true, stored: true }));
    assert.deepEqual(types(old), [FRAME.header, FRAME.footer]);
    assert.deepEqual(seen(old), seen(path));
  });

  const cases: Array<[string, (l: Layout, footer: TraceFooter) => void, (b: Buffer) => string]> = [
    ['a footer listing too few parts', (_, f) => f.blooms!.parts.pop(), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer: blooms lists 2 parts for ${n} segments in groups of ${BLOOM_GROUP}`],
    ['a summary missing', (_, f) => f.blooms!.summaries.pop(), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer: blooms lists 2 summaries for 3 parts`],
    ['parts out of order', (_, f) => f.blooms!.parts.reverse(), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer: blooms.parts[1] offset ${offsetOf(b, FRAME.bloom, 1)} is not after the previous part and before the footer`],
    ['a part pointing at the header', (_, f) => (f.blooms!.parts[0] = 8), () => 'at offset 8: footer: blooms.parts[0] does not point at a Bloom frame'],
    ['a part holding other segments', (l) => (l.frames[2]!.value.first = 0), (b) => `at offset ${offsetOf(b, FRAME.bloom, 1)}: Bloom part 1 holds segments 0-${BLOOM_GROUP - 1}, expected ${BLOOM_GROUP}-${2 * BLOOM_GROUP - 1}`],
    ['a filter of 7 bytes', (l) => ((l.frames[1]!.value.blooms as Uint8Array[])[3] = new Uint8Array(7)), (b) => `at offset ${offsetOf(b, FRAME.bloom)}: Bloom part 0: blooms[3] must be a Bloom filter of 512 or 1024 bytes, or empty`],
    ['a footer entry carrying its own filter as well', (_, f) => (f.segments[5]!.wordBloom = new Uint8Array(1024)), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer: segments[5] carries a Bloom filter although the footer lists Bloom frames`],
  ];
  for (const [name, change, expected] of cases) {
    test(`malformed: ${name}, one line naming the offset`, () => {
      const layout = parseFrames(new Uint8Array(readFileSync(join(dir, 'blooms.mp'))));
      change(layout, layout.frames.at(-1)!.value as unknown as TraceFooter);
      const bytes = buildTrace(layout, { keepOffsets: true, stored: true });
      const path = join(dir, `${name.replace(/\W+/g, '-')}.mp`);
      writeFileSync(path, bytes);
      let message = 'ok';
      try {
        const r = new TraceReader(path);
        try {
          for (let i = 0; i < r.trace.segments.length; i++) r.wordBloom(i);
        } finally {
          r.close();
        }
      } catch (e) {
        if (!(e instanceof TraceFormatError)) throw e;
        message = e.message.slice(path.length + 2);
      }
      assert.equal(message, expected(bytes));
    });
  }
});

/** Offset of frame k of a type in a file. */
function offsetOf(bytes: Buffer, type: number, k = 0): number {
  const l = parseFrames(bytes);
  return l.offsets.filter((_, i) => l.frames[i]!.type === type)[k]!;
}
