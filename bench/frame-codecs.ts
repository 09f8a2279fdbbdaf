// Frame codecs on real segment frames: compressed size and single-thread compress / decompress speed of brotli
// qualities and zstd levels, on the msgpack of the segment frames of the given recordings (docs/benchmarks.md,
// "Frame codec").
//
//   node --import tsx bench/frame-codecs.ts [--mb N] [--rounds N] [--only 'brotli q2,zstd 5'] [--dict TRAINING.mp] TRACE.mp...
//
// Each trace contributes at most N MB (default 48) of segment msgpack, taken from segments spread evenly over the
// whole recording, so a long recording is not measured on its first seconds only. Every codec compresses and then
// decompresses the same frames, one at a time as the recorder and the reader do, on this thread; every round trip
// is checked. With `--rounds N` each codec's time is its fastest of N rounds. `--dict` adds zstd with a dictionary trained on 8 MB of TRAINING's segment frames.

import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { basename } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import koffi from 'koffi';
import { decodePayload } from '../src/trace/frame-codec.ts';
import { FILE_MAGIC, FRAME, FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from '../src/trace/schema.ts';
import { ZSTD_LIBRARY, zstdLibrary } from '../src/trace/zstd.ts';

interface Codec {
  name: string;
  compress(b: Uint8Array): Uint8Array;
  decompress(b: Uint8Array): Uint8Array;
}

function segmentFrames(path: string, capBytes: number): Uint8Array[] {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  const offsets: [number, number][] = [];
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  for (let at = FILE_MAGIC.length; at + FRAME_HEADER_BYTES <= size;) {
    readSync(fd, head, 0, FRAME_HEADER_BYTES, at);
    const length = head.readUInt32LE(0);
    const type = head.readUInt8(4);
    if (type < FRAME.header || type > FRAME.index) break;
    if (type === FRAME.segment) offsets.push([at + FRAME_HEADER_BYTES, length]);
    at += FRAME_HEADER_BYTES + length;
  }
  const all = offsets.map(([at, length]) => {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, at);
    return b;
  });
  closeSync(fd);
  // Spread the sample: every k-th segment, k chosen from the average decompressed size of the first few.
  const probe = all.slice(0, 8).map((p) => decodePayload(p).length);
  const average = probe.reduce((a, b) => a + b, 0) / Math.max(1, probe.length);
  const k = Math.max(1, Math.ceil((all.length * average) / capBytes));
  const out: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < all.length && total < capBytes; i += k) {
    const raw = decodePayload(all[i]!);
    out.push(raw);
    total += raw.length;
  }
  return out;
}

/**
 * zstd with a dictionary trained (ZDICT_trainFromBuffer, `dictBytes`) on other frames: what a dictionary could
 * gain on frames of ~100 KB. Measured only; where the dictionary would live (the header, the program) is open.
 */
function dictionaryCodecs(samples: Uint8Array[], dictBytes: number, levels: number[]): Codec[] {
  const lib = koffi.load(ZSTD_LIBRARY);
  const train = lib.func('size_t ZDICT_trainFromBuffer(void *, size_t, const void *, const size_t *, unsigned int)');
  const isError = lib.func('unsigned int ZDICT_isError(size_t)');
  const compress = lib.func('size_t ZSTD_compress_usingDict(void *, void *, size_t, const void *, size_t, const void *, size_t, int)');
  const decompress = lib.func('size_t ZSTD_decompress_usingDict(void *, void *, size_t, const void *, size_t, const void *, size_t)');
  const cctx = lib.func('void *ZSTD_createCCtx()')();
  const dctx = lib.func('void *ZSTD_createDCtx()')();
  const dict = Buffer.alloc(dictBytes);
  const n = train(dict, dictBytes, Buffer.concat(samples), samples.map((s) => s.length), samples.length) as number | bigint;
  if (isError(n)) throw new Error('ZDICT_trainFromBuffer failed');
  const d = dict.subarray(0, Number(n));
  return levels.map((level) => ({
    name: `zstd ${level} + ${Math.round(d.length / 1024)} KB dict`,
    compress: (b: Uint8Array) => {
      const out = Buffer.allocUnsafe(b.length + 65536);
      const m = compress(cctx, out, out.length, b, b.length, d, d.length, level) as number;
      return out.subarray(0, m);
    },
    decompress: (b: Uint8Array) => {
      const out = Buffer.allocUnsafe(4 << 20);
      const m = decompress(dctx, out, out.length, b, b.length, d, d.length) as number;
      return out.subarray(0, m);
    },
  }));
}

function codecs(): Codec[] {
  const list: Codec[] = [];
  for (const q of [1, 2, 3, 4]) {
    list.push({
      name: `brotli q${q}`,
      compress: (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: q, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }),
      decompress: (b) => brotliDecompressSync(b, { maxOutputLength: MAX_FRAME_BYTES }),
    });
  }
  const z = zstdLibrary(koffi, ZSTD_LIBRARY);
  for (const level of [1, 2, 3, 4, 5, 6, 7, 9]) {
    list.push({ name: `zstd ${level}`, compress: (b) => z.compress(b, level, 0), decompress: (b) => z.decompress(b, MAX_FRAME_BYTES) });
  }
  return list;
}

const args = process.argv.slice(2);
let capMb = 48;
let dictFrom: string | undefined;
let only: string[] | undefined;
let rounds = 1;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mb') capMb = Number(args[++i]);
  else if (args[i] === '--dict') dictFrom = args[++i];
  else if (args[i] === '--only') only = args[++i]!.split(',');
  else if (args[i] === '--rounds') rounds = Number(args[++i]);
  else files.push(args[i]!);
}
if (files.length === 0 || !(capMb > 0) || !(rounds >= 1)) {
  console.error('usage: node --import tsx bench/frame-codecs.ts [--mb N] [--rounds N] [--only CODEC,...] [--dict TRAINING.mp] TRACE.mp...');
  process.exit(2);
}

const list = codecs().filter((c) => !only || only.includes(c.name));
if (dictFrom) list.push(...dictionaryCodecs(segmentFrames(dictFrom, 8e6), 112 * 1024, [1, 3]));
const mb = (n: number) => n / 1e6;
const totals = new Map<string, { raw: number; packed: number; cms: number; dms: number }>();
const lines: string[] = ['| trace | codec | size % of msgpack | size vs brotli q2 | compress MB/s | decompress MB/s |', '| --- | --- | ---: | ---: | ---: | ---: |'];
for (const file of files) {
  const frames = segmentFrames(file, capMb * 1e6);
  const raw = frames.reduce((a, f) => a + f.length, 0);
  const rows: { name: string; size: number; cms: number; dms: number }[] = [];
  const best = new Map<string, { cms: number; dms: number }>();
  // Rounds interleave the codecs, so a burst of load elsewhere hits them all; each keeps its fastest round.
  for (let round = 0; round < rounds; round++) for (const c of list) {
    const packed: Uint8Array[] = [];
    let t = performance.now();
    for (const f of frames) packed.push(c.compress(f));
    const cms = Math.min(performance.now() - t, best.get(c.name)?.cms ?? Infinity);
    t = performance.now();
    const back = packed.map((p) => c.decompress(p));
    const dms = Math.min(performance.now() - t, best.get(c.name)?.dms ?? Infinity);
    best.set(c.name, { cms, dms });
    if (round < rounds - 1) continue;
    back.forEach((b, i) => {
      if (Buffer.compare(b, frames[i]!) !== 0) throw new Error(`${c.name}: frame ${i} of ${file} does not round-trip`);
    });
    const size = packed.reduce((a, p) => a + p.length, 0);
    const sum = totals.get(c.name) ?? { raw: 0, packed: 0, cms: 0, dms: 0 };
    totals.set(c.name, { raw: sum.raw + raw, packed: sum.packed + size, cms: sum.cms + cms, dms: sum.dms + dms });
    rows.push({ name: c.name, size, cms, dms });
    process.stderr.write(`${basename(file)} ${c.name} done\n`);
  }
  const reference = rows.find((r) => r.name === 'brotli q2')!.size;
  for (const r of rows) {
    lines.push(`| ${basename(file)} (${frames.length} seg, ${mb(raw).toFixed(1)} MB) | ${r.name} | ${((100 * r.size) / raw).toFixed(1)} | ${((100 * r.size) / reference).toFixed(0)} % | ${(mb(raw) / (r.cms / 1000)).toFixed(0)} | ${(mb(raw) / (r.dms / 1000)).toFixed(0)} |`);
  }
}
const q2 = totals.get('brotli q2')!;
for (const [name, s] of totals) {
  lines.push(`| all | ${name} | ${((100 * s.packed) / s.raw).toFixed(1)} | ${((100 * s.packed) / q2.packed).toFixed(0)} % | ${(mb(s.raw) / (s.cms / 1000)).toFixed(0)} | ${(mb(s.raw) / (s.dms / 1000)).toFixed(0)} |`);
}
console.log(lines.join('\n'));
