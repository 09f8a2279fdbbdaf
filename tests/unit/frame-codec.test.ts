// Frame payloads with each codec: what goes in comes out, on this thread and on the reader's worker thread, and a
// damaged or oversized zstd payload is one Error naming what is wrong (the reader adds file and offset).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import koffi from 'koffi';
import { decodePayload, encodePayload, WRITE_CODEC } from '../../src/trace/frame-codec.ts';
import { InflateWorker } from '../../src/trace/inflate-worker.ts';
import { FRAME_CODEC, MAX_FRAME_BYTES } from '../../src/trace/schema.ts';
import { zstdLibrary } from '../../src/trace/zstd.ts';

const samples = [
  new Uint8Array(0),
  Buffer.from('segment '.repeat(5000)),
  randomBytes(70_000),
  Buffer.concat([randomBytes(1000), Buffer.alloc(200_000, 7), randomBytes(1000)]),
];

/** A zstd frame header (single segment, 8-byte content size) stating `size` bytes, then an empty last raw block. */
function zstdClaiming(size: bigint): Buffer {
  const b = Buffer.alloc(4 + 1 + 8 + 3);
  b.writeUInt32LE(0xfd2fb528, 0);
  b[4] = 0xe0;
  b.writeBigUInt64LE(size, 5);
  b[13] = 1;
  return b;
}

test('the recorder writes zstd frames', () => {
  assert.equal(WRITE_CODEC, FRAME_CODEC.zstd);
  assert.equal(encodePayload(samples[1]!)[0], FRAME_CODEC.zstd);
});

test('every codec gives back the bytes it was given', () => {
  for (const codec of [FRAME_CODEC.stored, FRAME_CODEC.brotli, FRAME_CODEC.zstd]) {
    for (const s of samples) {
      const p = encodePayload(s, codec);
      assert.equal(p[0], codec);
      assert.deepEqual(Buffer.from(decodePayload(p)), Buffer.from(s), `codec ${codec}, ${s.length} bytes`);
    }
  }
  assert.ok(encodePayload(samples[1]!, FRAME_CODEC.zstd).length < 1000, 'zstd compresses');
});

test('a damaged zstd payload is one line saying it does not decompress', () => {
  const good = encodePayload(samples[3]!, FRAME_CODEC.zstd);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['not zstd at all', Buffer.from([FRAME_CODEC.zstd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /^frame payload does not decompress: not a zstd frame$/],
    ['cut short', good.subarray(0, good.length - 40), /^frame payload does not decompress: zstd: /],
    ['no body', Buffer.from([FRAME_CODEC.zstd]), /^frame payload does not decompress: not a zstd frame$/],
    ['a size over the limit', Buffer.concat([Buffer.from([FRAME_CODEC.zstd]), zstdClaiming(1n << 30n)]),
      new RegExp(`^frame payload does not decompress: zstd frame of ${2 ** 30} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit$`)],
    ['a size its blocks do not fill', Buffer.concat([Buffer.from([FRAME_CODEC.zstd]), zstdClaiming(100n)]), /^frame payload does not decompress: zstd: Data corruption detected$/],
  ];
  for (const [what, payload, message] of cases) assert.throws(() => decodePayload(payload), { message }, what);
});

test('the inflate worker decodes zstd as this thread does, errors included', async () => {
  const w = new InflateWorker();
  try {
    for (const s of samples) assert.deepEqual(Buffer.from(await w.decode(encodePayload(s, FRAME_CODEC.zstd))), Buffer.from(s));
    const bad = Buffer.concat([Buffer.from([FRAME_CODEC.zstd]), zstdClaiming(1n << 30n)]);
    const here = (() => {
      try {
        decodePayload(bad);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    await assert.rejects(w.decode(bad), (e: Error) => e.message === here);
  } finally {
    await w.close();
  }
});

test('a missing libzstd is one line naming the library and its package', () => {
  assert.throws(() => zstdLibrary(koffi, 'libzstd-missing.so.1'), /^Error: cannot load libzstd-missing\.so\.1 \(zstd, Debian package libzstd1\): [^\n]+$/);
});
