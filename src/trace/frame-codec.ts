// A frame's payload: one codec byte (FRAME_CODEC), then the frame's msgpack, stored, brotli- or zstd-compressed.
// The one implementation of both directions, for the writer, its worker thread, the reader, the reader's inflate
// worker and the test helpers: the workers run frameCodec's source text (workerCodecSource), since they start
// without the TypeScript loader.

import type koffi from 'koffi';
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { ExitCode, WintraceError } from '../errors.ts';
import { FRAME_CODEC, FRAME_QUALITY, FRAME_ZSTD_LEVEL, MAX_FRAME_BYTES } from './schema.ts';
import { ZSTD_LIBRARY, zstdLibrary } from './zstd.ts';

interface CodecDeps {
  /** Called on the first zstd frame only: reading a brotli trace needs no libzstd. */
  koffi(): typeof koffi;
  zlib: typeof zlib;
  zstdLibrary: typeof zstdLibrary;
  soname: string;
  codes: typeof FRAME_CODEC;
  maxBytes: number;
}

export interface FrameCodec {
  encode(msgpack: Uint8Array, codec: number, level: number): Buffer;
  /** The msgpack bytes of a payload; throws an Error saying what is wrong (the reader adds the offset). */
  decode(payload: Uint8Array): Uint8Array;
  /** libzstd's version, the library loaded now: throws its Error if it cannot be. */
  zstd(): string;
}

/** Self-contained (it uses only its arguments): worker threads run its source text. */
export function frameCodec(deps: CodecDeps): FrameCodec {
  const { codes, maxBytes } = deps;
  let zstd: ReturnType<typeof zstdLibrary> | undefined;
  const lib = () => (zstd ??= deps.zstdLibrary(deps.koffi(), deps.soname));
  const tag = (codec: number, body: Uint8Array) => {
    const out = Buffer.allocUnsafe(1 + body.length);
    out[0] = codec;
    out.set(body, 1);
    return out;
  };
  return {
    encode(msgpack, codec, level) {
      if (codec === codes.stored) return tag(codec, msgpack);
      if (codec === codes.brotli) {
        const { BROTLI_PARAM_QUALITY, BROTLI_PARAM_SIZE_HINT } = deps.zlib.constants;
        return tag(codec, deps.zlib.brotliCompressSync(msgpack, { params: { [BROTLI_PARAM_QUALITY]: level, [BROTLI_PARAM_SIZE_HINT]: msgpack.length } }));
      }
      if (codec === codes.zstd) {
        const out = lib().compress(msgpack, level, 1);
        out[0] = codec;
        return out;
      }
      throw new Error(`unknown frame codec ${codec}`);
    },
    decode(payload) {
      if (payload.length === 0) throw new Error('frame payload is empty (no codec byte)');
      const codec = payload[0]!;
      const body = payload.subarray(1);
      if (codec === codes.stored) return body;
      if (codec !== codes.brotli && codec !== codes.zstd) throw new Error(`unknown frame codec ${codec}`);
      const unpack = codec === codes.zstd ? lib() : undefined;
      try {
        return unpack ? unpack.decompress(body, maxBytes) : deps.zlib.brotliDecompressSync(body, { maxOutputLength: maxBytes });
      } catch (e) {
        throw new Error(`frame payload does not decompress: ${String((e as Error).message).slice(0, 120)}`);
      }
    },
    zstd() {
      return lib().version;
    },
  };
}

const requireHere = createRequire(import.meta.url);
const KOFFI = requireHere.resolve('koffi');

/**
 * CommonJS source that defines `codec`, a FrameCodec, on a worker thread. koffi by its resolved path: an eval'd
 * worker resolves modules from the current directory, not from wintrace's own.
 */
export function workerCodecSource(): string {
  // Run through tsx (tests, scripts/wintrace-src.js), esbuild keeps function names by wrapping them in __name(),
  // a helper of the module the source text came from: the worker gets its own.
  return `var __name = (f) => f;
const codec = (${frameCodec.toString()})({
  koffi: () => require(${JSON.stringify(KOFFI)}),
  zlib: require('node:zlib'),
  zstdLibrary: ${zstdLibrary.toString()},
  soname: ${JSON.stringify(ZSTD_LIBRARY)},
  codes: ${JSON.stringify(FRAME_CODEC)},
  maxBytes: ${MAX_FRAME_BYTES},
});`;
}

const codec = frameCodec({ koffi: () => requireHere('koffi') as typeof koffi, zlib, zstdLibrary, soname: ZSTD_LIBRARY, codes: FRAME_CODEC, maxBytes: MAX_FRAME_BYTES });

/** The codec of every frame the recorder writes (unless it is told to store them). */
export const WRITE_CODEC = FRAME_CODEC.zstd;

export function frameLevel(codecByte: number): number {
  return codecByte === FRAME_CODEC.brotli ? FRAME_QUALITY : FRAME_ZSTD_LEVEL;
}

export function encodePayload(msgpack: Uint8Array, codecByte: number = WRITE_CODEC, level = frameLevel(codecByte)): Buffer {
  return codec.encode(msgpack, codecByte, level);
}

export function decodePayload(payload: Uint8Array): Uint8Array {
  return codec.decode(payload);
}

/**
 * Loads libzstd on this thread and returns its version, or says in one line why it cannot be loaded (before a
 * recording starts; `doctor`).
 */
export function requireZstd(): string {
  try {
    return codec.zstd();
  } catch (e) {
    throw new WintraceError((e as Error).message, ExitCode.internal);
  }
}
