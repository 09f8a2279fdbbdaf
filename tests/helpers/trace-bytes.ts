// Frame-level editing of trace files for robustness tests and the trace fuzz kind: split a file into its frames
// (decompressed, decoded msgpack values), change values, and write it back compressed with correct checksums, offsets
// and trailer, so a test reaches the reader's checks behind the checksum.

import { crc32 } from 'node:zlib';
import { packr } from '../../src/trace/codec.ts';
import { decodePayload, encodePayload, WRITE_CODEC } from '../../src/trace/frame-codec.ts';
import { END_MAGIC, FILE_MAGIC, FRAME, FRAME_CODEC, FRAME_HEADER_BYTES } from '../../src/trace/schema.ts';

export interface Frame {
  type: number;
  /** The decoded payload; edit it and rebuild. */
  value: Record<string, unknown>;
}

export interface Layout {
  frames: Frame[];
  /** Offset of each frame in the original file. */
  offsets: number[];
  hasTrailer: boolean;
}

export function parseFrames(file: Uint8Array): Layout {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const frames: Frame[] = [];
  const offsets: number[] = [];
  let at = FILE_MAGIC.length;
  const end = b.toString('latin1', b.length - 8) === END_MAGIC ? b.length - 16 : b.length;
  while (at + FRAME_HEADER_BYTES <= end) {
    const length = b.readUInt32LE(at);
    const type = b.readUInt8(at + 4);
    if (at + FRAME_HEADER_BYTES + length > end) break;
    offsets.push(at);
    frames.push({ type, value: packr.unpack(decodePayload(b.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length))) as Record<string, unknown> });
    at += FRAME_HEADER_BYTES + length;
  }
  return { frames, offsets, hasTrailer: end !== b.length };
}

/**
 * One frame's bytes: u32 length, u8 type, u32 crc32, payload, where the payload is `content` (msgpack bytes, for
 * a valid frame) behind a codec byte, compressed as the recorder does, `stored`, or with another `codec`; with `raw`,
 * `content` as is.
 */
export function frameBytes(type: number, content: Uint8Array, opts: { stored?: boolean; raw?: boolean; codec?: number } = {}): Buffer {
  const payload = opts.raw ? Buffer.from(content) : encodePayload(content, opts.codec ?? (opts.stored ? FRAME_CODEC.stored : WRITE_CODEC));
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt8(type, 4);
  head.writeUInt32LE(crc32(payload), 5);
  return Buffer.concat([head, payload]);
}

/**
 * Writes frames back as a file. Footer segment and Bloom part offsets are recomputed from where the frames land (unless
 * `keepOffsets`), and a trailer pointing at the footer is added when the layout has one. `stored` writes the
 * frames uncompressed (codec byte 0), so byte mutations land in the msgpack and the step streams; `codec` with
 * that codec.
 */
export function buildTrace(layout: Layout, opts: { keepOffsets?: boolean; trailer?: boolean; stored?: boolean; codec?: number } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from(FILE_MAGIC, 'latin1')];
  let at = FILE_MAGIC.length;
  const segmentOffsets: number[] = [];
  const bloomOffsets: number[] = [];
  let footerAt = -1;
  for (const f of layout.frames) {
    if (f.type === FRAME.footer) {
      footerAt = at;
      if (!opts.keepOffsets) {
        const segs = f.value.segments as Array<{ offset: number }>;
        segs.forEach((s, i) => {
          if (segmentOffsets[i] !== undefined) s.offset = segmentOffsets[i]!;
        });
        const blooms = f.value.blooms as { parts: number[] } | undefined;
        if (blooms) blooms.parts = blooms.parts.map((p, i) => bloomOffsets[i] ?? p);
      }
    }
    if (f.type === FRAME.segment) segmentOffsets.push(at);
    if (f.type === FRAME.bloom) bloomOffsets.push(at);
    const b = frameBytes(f.type, packr.pack(f.value), { stored: opts.stored ?? false, codec: opts.codec });
    parts.push(b);
    at += b.length;
  }
  if ((opts.trailer ?? layout.hasTrailer) && footerAt >= 0) {
    const t = Buffer.alloc(16);
    t.writeBigUInt64LE(BigInt(footerAt), 0);
    t.write(END_MAGIC, 8, 'latin1');
    parts.push(t);
  }
  return Buffer.concat(parts);
}

export function frameOf(layout: Layout, type: number, n = 0): Frame {
  const f = layout.frames.filter((x) => x.type === type)[n];
  if (!f) throw new Error(`no frame of type ${type} #${n}`);
  return f;
}

/** A segment's step stream (edit it, then setStream). */
export function streamOf(segment: Frame): Uint8Array {
  return new Uint8Array(segment.value.data as Uint8Array);
}

export function setStream(segment: Frame, stream: Uint8Array): void {
  segment.value.data = stream;
}

/**
 * Recomputes every frame's checksum in place, walking frames as far as their lengths allow: a mutated input
 * then reaches the checks behind the checksum (msgpack, shapes, stream decoding).
 */
export function repairChecksums(file: Uint8Array): void {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  let at = FILE_MAGIC.length;
  while (at + FRAME_HEADER_BYTES <= b.length) {
    const length = b.readUInt32LE(at);
    if (at + FRAME_HEADER_BYTES + length > b.length) break;
    b.writeUInt32LE(crc32(b.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length)), at + 5);
    at += FRAME_HEADER_BYTES + length;
  }
}
