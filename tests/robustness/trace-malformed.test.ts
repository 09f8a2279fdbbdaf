// Hand-made malformed trace files, each with the exact error a user gets: one line naming the file, the byte
// offset and the invariant docs/trace-format.md states. Built from a small synthetic trace (two segments, events
// with register files) by editing its frames and writing them back with valid checksums, so each case reaches
// the check behind the checksum. A recording cut short still opens up to its last complete segment.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { TraceFormatError } from '../../src/errors.ts';
import { Trace } from '../../src/replayer/trace.ts';
import { packr } from '../../src/trace/codec.ts';
import { FRAME } from '../../src/trace/schema.ts';
import { buildTrace, frameBytes, frameOf, type Layout, parseFrames, repairChecksums, setStream, streamOf } from '../helpers/trace-bytes.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-trace-malformed-'));
let good: Buffer;

before(() => {
  const t = new SyntheticTrace({
    threads: [{ tid: 0x1000, teb: 0x7ff8_0000_0000n, stackBase: 0x7000_1000n, stackLimit: 0x6fff_0000n, regs: { 32: 0x10000n, 31: 0x7000_0000n, 18: 0x7ff8_0000_0000n } }],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x40 }],
    regions: [codeRegion(0x10000n, new Array(16).fill(A64.nop))],
    segmentSteps: 4,
  });
  for (let i = 0; i < 6; i++) {
    if (i === 2) t.event({ kind: 'handler-called', tid: 0x1000, handler: 0x10008n, phase: 'vectored', regs: t.regFile() });
    t.step({ set: { 0: BigInt(i + 1) } });
  }
  const file = join(dir, 'good.mp');
  t.write(file);
  good = readFileSync(file);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Opens a file and reads all of it as `wintrace check` would; returns 'ok' or the error message. */
function walk(bytes: Uint8Array, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  let t: Trace | undefined;
  try {
    t = Trace.open(path);
    t.events();
    for (let i = 0; i < t.segmentCount; i++) t.decoded(i);
    return 'ok';
  } catch (e) {
    if (!(e instanceof TraceFormatError)) throw e;
    assert.ok(!e.message.includes('\n'), 'one line');
    return e.message.slice(path.length + 2);
  } finally {
    t?.close();
  }
}

function edit(f: (l: Layout) => void, opts?: { keepOffsets?: boolean; trailer?: boolean }): Buffer {
  const l = parseFrames(good);
  f(l);
  return buildTrace(l, opts);
}

/** Offset of frame n of the given type in a rebuilt file. */
function offsetOf(bytes: Buffer, type: number, n = 0): number {
  const l = parseFrames(bytes);
  return l.offsets.filter((_, i) => l.frames[i]!.type === type)[n]!;
}

const header = (l: Layout) => frameOf(l, FRAME.header).value;
const footer = (l: Layout) => frameOf(l, FRAME.footer).value as { segments: Array<Record<string, unknown>>; totalSteps: bigint };
const seg = (l: Layout, n = 0) => frameOf(l, FRAME.segment, n).value;

describe('malformed trace files: one line naming the offset and the broken invariant', () => {
  test('the unmodified file reads cleanly', () => assert.equal(walk(good, 'good.mp'), 'ok'));

  const cases: Array<[string, () => Buffer, (b: Buffer) => string]> = [
    ['empty file', () => Buffer.alloc(0), () => 'at offset 0: file is 0 bytes, too small for the trace magic'],
    ['another kind of file', () => Buffer.from('MZ\x90\x00 this is a PE file, not a trace'), () => 'at offset 0: not a wintrace trace (bad magic)'],
    ['cut inside the header frame', () => good.subarray(0, 40), () => 'at offset 8: frame of %HEADER% bytes runs past the end of the file'],
    ['cut inside the first frame header', () => good.subarray(0, 12), () => 'at offset 8: frame header runs past the end of the file'],
    ['a flipped header byte (checksum)', () => flip(good, 30), () => 'at offset 8: frame checksum mismatch'],
    ['unknown frame type', () => setByte(good, 12, 9), () => 'at offset 8: unknown frame type 9'],
    ['absurd frame length', () => setU32(good, 8, 0x7fffffff), () => 'at offset 8: frame length 2147483647 exceeds the 268435456-byte limit'],
    ['payload that does not decompress', () => Buffer.concat([good.subarray(0, 8), frameBytes(FRAME.header, Buffer.from([1, 0xff, 0xff, 0xff, 0xff]), { raw: true })]), () => /^at offset 17: frame payload does not decompress: /.source],
    ['an empty payload', () => Buffer.concat([good.subarray(0, 8), frameBytes(FRAME.header, Buffer.alloc(0), { raw: true })]), () => 'at offset 17: frame payload is empty (no codec byte)'],
    ['a zstd payload that does not decompress', () => Buffer.concat([good.subarray(0, 8), frameBytes(FRAME.header, Buffer.from([2, 0xff, 0xff, 0xff, 0xff]), { raw: true })]), () => 'at offset 17: frame payload does not decompress: not a zstd frame'],
    ['a zstd frame larger than the limit', () => Buffer.concat([good.subarray(0, 8), frameBytes(FRAME.header, Buffer.from([2, 0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0x40, 0, 0, 0, 0, 1, 0, 0]), { raw: true })]), () => 'at offset 17: frame payload does not decompress: zstd frame of 1073741824 bytes exceeds the 268435456-byte limit'],
    ['an unknown frame codec', () => Buffer.concat([good.subarray(0, 8), frameBytes(FRAME.header, Buffer.from([7, 0x80]), { raw: true })]), () => 'at offset 17: unknown frame codec 7'],
    ['payload that is not msgpack', () => Buffer.concat([good.subarray(0, 8), frameBytes(FRAME.header, Buffer.from([0xc1, 0xc1]))]), () => /^at offset 17: frame payload is not valid msgpack: /.source],
    ['a version 1 file (frames of plain msgpack)', () => Buffer.concat([good.subarray(0, 8), frameBytes(FRAME.header, packr.pack({ formatVersion: 1 }), { raw: true })]), () => 'at offset 8: format version 1 is not supported (this wintrace reads version 5): record the program again'],
    ['a version 2 file (deflated frames)', () => Buffer.concat([good.subarray(0, 8), frameBytes(FRAME.header, deflateRawSync(packr.pack({ formatVersion: 2 })), { raw: true })]), () => 'at offset 8: format version 2 is not supported (this wintrace reads version 5): record the program again'],
    ['a segment frame that does not decompress', () => garbleSegment(), () => /^at offset OFF: frame payload does not decompress: /.source.replace('OFF', String(offsetOf(good, FRAME.segment) + 9))],
    ['a segment where the header belongs', () => edit((l) => l.frames.unshift(l.frames.splice(1, 1)[0]!)), () => 'at offset 8: first frame is not the header'],
    ['a version 3 file (brotli frames, the image in the header)', () => edit((l) => (header(l).formatVersion = 3)), () => 'at offset 8: format version 3 is not supported (this wintrace reads version 5): record the program again'],
    ['a version 4 file (word filters that cannot tell the bytes of a word apart)', () => edit((l) => (header(l).formatVersion = 4)), () => 'at offset 8: format version 4 is not supported (this wintrace reads version 5): record the program again'],
    ['format version 6', () => edit((l) => (header(l).formatVersion = 6)), () => 'at offset 8: format version 6 is not supported (this wintrace reads version 5): record the program again'],
    ['a header thread with a short register file', () => edit((l) => ((header(l).threads as Array<{ regs: Uint8Array }>)[0]!.regs = new Uint8Array(16))), () => 'at offset 8: header threads must each carry 68 registers of 16 bytes'],
    ['a symbol address that is text', () => edit((l) => ((header(l).symbols as Array<{ address: unknown }>)[0]!.address = 'main')), () => 'at offset 8: header: symbols[0].address must be an unsigned 64-bit integer'],
    ['a region page that is not 4096 bytes', () => edit((l) => ((header(l).regions as Array<{ pages: Array<[number, Uint8Array]> }>)[0]!.pages[0]![1] = new Uint8Array(10))), () => 'at offset 8: header: regions[0].pages[0][1] must be a 4096-byte page'],
    ['a header without segmentSteps', () => edit((l) => delete header(l).segmentSteps), () => 'at offset 8: header: segmentSteps is missing'],
    ['segmentSteps 0', () => edit((l) => (header(l).segmentSteps = 0)), () => 'at offset 8: header: segmentSteps 0 is outside 1-4194304'],
    ['an event of unknown kind in the header', () => edit((l) => (header(l).events = [{ kind: 'bogus', step: -1n, tid: 1 }])), () => "at offset 8: header: events[0].kind 'bogus' is not an event kind"],
    ['a trailer pointing outside the file', () => setU64(good, good.length - 16, 1n << 40n), (b) => `at offset ${b.length - 16}: footer offset ${2 ** 40} is outside the file`],
    ['a trailer pointing at a segment', () => setU64(good, good.length - 16, BigInt(offsetOf(good, FRAME.segment))), () => `at offset ${offsetOf(good, FRAME.segment)}: trailer does not point at the footer frame`],
    ['footer segments out of step order', () => edit((l) => (footer(l).segments[1]!.firstStep = 7n)), (b) => `at offset ${offsetOf(b, FRAME.segment, 1)}: segment 1 starts at step 7, expected 4`],
    ['footer totalSteps that its segments do not hold', () => edit((l) => (footer(l).totalSteps = 99n)), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer totalSteps 99 does not match its segments, which hold 6 steps`],
    ['a footer page index out of order', () => edit((l) => (footer(l).segments[0]!.pagesWritten = [5, 3])), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer: segments[0].pagesWritten must be increasing page numbers, or [-1]`],
    ['a footer entry with a negative step count', () => edit((l) => (footer(l).segments[0]!.steps = -4)), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer: segments[0].steps must be a non-negative integer`],
    ['a footer entry pointing into the header', () => edit((l) => (footer(l).segments[0]!.offset = 8), { keepOffsets: true }), () => 'at offset 8: segment 0 offset is not after the previous segment'],
    ['a footer entry pointing at the footer', () => edit((l) => (footer(l).segments[1]!.offset = offsetOf(good, FRAME.footer)), { keepOffsets: true }), () => `at offset ${offsetOf(good, FRAME.footer)}: index entry 1 does not point at a segment`],
    ['a segment that disagrees with the index', () => edit((l) => {
      const e = footer(l).segments[0]!;
      e.steps = 3;
      e.threadSteps = [[(e.threadSteps as Array<[number, number]>)[0]![0], 3]];
      footer(l).segments[1]!.firstStep = 3n;
      footer(l).totalSteps = 5n;
    }), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0 disagrees with the index`],
    ['footer line masks that do not match its pages', () => edit((l) => {
      const e = footer(l).segments[0]!;
      e.linesWritten = new Uint8Array(8 * (e.pagesWritten as number[]).length + 3);
    }), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer: segments[0].linesWritten must hold 8 bytes for each of its 0 pages written`],
    ['footer thread steps that do not add up to the segment', () => edit((l) => (footer(l).segments[0]!.threadSteps = [[1, 1]])), (b) => `at offset ${offsetOf(b, FRAME.footer)}: footer: segments[0].threadSteps do not add up to its 4 steps`],
    ['a segment with more steps than a segment may hold', () => edit((l) => (seg(l).steps = 5, footer(l).segments[0]!.steps = 5, footer(l).segments[1]!.firstStep = 5n, footer(l).totalSteps = 7n)), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0 declares 5 steps, more than the header's 4 per segment`],
    ['a keyframe without the thread it says runs', () => edit((l) => ((seg(l).keyframe as { currentTid: number }).currentTid = 0x2000)), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0 keyframe has no registers for its current thread 8192`],
    ['an event without its register file', () => edit((l) => delete (seg(l).events as Array<Record<string, unknown>>)[0]!.regs), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0: events[0].regs is missing`],
    ['an unknown record tag in the stream', () => editStream((s) => Buffer.concat([s, Buffer.from([0x90])])), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0 stream at byte %LEN%: unknown record tag 0x90`],
    ['a register number out of range', () => editStream((s) => Buffer.concat([Buffer.from([0x80, 1, 99, 0]), s])), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0 stream at byte 2: register number 99 out of range`],
    ['a record cut short', () => editStream((s) => Buffer.concat([s, Buffer.from([0x81, 0, 0])])), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0 stream at byte %LEN+1%: record runs past the end of the segment data`],
    ['a step writing 17 bytes', () => editStream((s) => Buffer.concat([Buffer.from([0x40, 1, 0, 17]), s.subarray(0)])), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0 stream at byte 3: memory write of 17 bytes`],
    ['fewer steps in the stream than declared', () => editStream((s) => s.subarray(0, firstStepLength(s))), (b) => `at offset ${offsetOf(b, FRAME.segment)}: segment 0 declares 4 steps but its stream holds 1`],
  ];

  for (const [name, make, expected] of cases) {
    test(name, () => {
      const bytes = make();
      const stream = streamOf(frameOf(parseFrames(good), FRAME.segment));
      const want = expected(bytes)
        .replace('%HEADER%', String(good.readUInt32LE(8)))
        .replace('%LEN%', String(stream.length))
        .replace('%LEN+1%', String(stream.length + 1));
      const got = walk(bytes, `${name.replace(/\W+/g, '-')}.mp`);
      if (want.startsWith('^')) assert.match(got, new RegExp(want));
      else assert.equal(got, want);
    });
  }

  test('a recording cut mid-segment opens up to its last complete segment', () => {
    const l = parseFrames(good);
    const cut = l.offsets[2]! + 20; // inside the second segment frame
    const path = join(dir, 'killed.mp');
    writeFileSync(path, good.subarray(0, cut));
    const t = Trace.open(path);
    try {
      assert.equal(t.truncated, true);
      assert.equal(t.segmentCount, 1);
      assert.equal(t.totalSteps, 4);
      assert.equal(t.state(4).regs[0], 4n);
    } finally {
      t.close();
    }
  });
});

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = c[at]! ^ 0x40;
  return c;
}

function setByte(b: Buffer, at: number, v: number): Buffer {
  const c = Buffer.from(b);
  c[at] = v;
  return c;
}

function setU32(b: Buffer, at: number, v: number): Buffer {
  const c = Buffer.from(b);
  c.writeUInt32LE(v, at);
  return c;
}

function setU64(b: Buffer, at: number, v: bigint): Buffer {
  const c = Buffer.from(b);
  c.writeBigUInt64LE(v, at);
  return c;
}

/** The first segment frame's compressed payload overwritten with bytes that are not zstd data, checksum repaired. */
function garbleSegment(): Buffer {
  const c = Buffer.from(good);
  const at = offsetOf(good, FRAME.segment);
  c.fill(0xff, at + 10, at + 9 + c.readUInt32LE(at));
  repairChecksums(c);
  return c;
}

function editStream(f: (s: Buffer) => Buffer): Buffer {
  return edit((l) => {
    const s = frameOf(l, FRAME.segment);
    setStream(s, f(Buffer.from(streamOf(s))));
  });
}

/** Length of the first step record of a synthetic stream (a tag and one register change: 3 bytes). */
function firstStepLength(s: Buffer): number {
  assert.equal(s[0]! & 0x80, 0);
  return 3;
}
