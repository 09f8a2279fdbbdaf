// A frame's payload: one codec byte (FRAME_CODEC), then the frame's msgpack, stored or brotli-compressed.
// Shared by the writer (and its worker, which inlines the same steps), the reader and the test helpers.

import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { FRAME_CODEC, FRAME_QUALITY, MAX_FRAME_BYTES } from './schema.ts';

export function encodePayload(msgpack: Uint8Array, codec: number = FRAME_CODEC.brotli, quality = FRAME_QUALITY): Buffer {
  const body = codec === FRAME_CODEC.brotli
    ? brotliCompressSync(msgpack, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: msgpack.length } })
    : msgpack;
  return Buffer.concat([Buffer.from([codec]), body]);
}

/** The msgpack bytes of a payload; throws an Error saying what is wrong (the reader adds the offset). */
export function decodePayload(payload: Uint8Array): Uint8Array {
  if (payload.length === 0) throw new Error('frame payload is empty (no codec byte)');
  const codec = payload[0]!;
  const body = payload.subarray(1);
  if (codec === FRAME_CODEC.stored) return body;
  if (codec === FRAME_CODEC.brotli) {
    try {
      return brotliDecompressSync(body, { maxOutputLength: MAX_FRAME_BYTES });
    } catch (e) {
      throw new Error(`frame payload does not decompress: ${(e as Error).message.slice(0, 120)}`);
    }
  }
  throw new Error(`unknown frame codec ${codec}`);
}
