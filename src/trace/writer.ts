// Streams a trace to disk: magic, header frame, one frame per segment as it completes, footer with the index,
// trailer. Every frame is checksummed, and a segment is on disk before the next one is built, so a recording
// killed at any point leaves a file readable up to its last complete segment.

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import { packr } from './codec.ts';
import { END_MAGIC, FILE_MAGIC, FRAME, FRAME_HEADER_BYTES, FRAME_LEVEL, type Segment, type TraceFooter, type TraceHeader } from './schema.ts';

export class TraceWriter {
  private fd: number;
  private offset = 0;
  bytesWritten = 0;

  /** `level` overrides every frame's deflate level (tests store frames uncompressed with 0). */
  constructor(readonly path: string, private readonly opts: { level?: number } = {}) {
    this.fd = openSync(path, 'w');
    this.raw(Buffer.from(FILE_MAGIC, 'latin1'));
  }

  private raw(b: Uint8Array): void {
    writeSync(this.fd, b);
    this.offset += b.length;
    this.bytesWritten = this.offset;
  }

  private frame(type: number, value: unknown, level: number): number {
    const at = this.offset;
    const payload = deflateRawSync(packr.pack(value), { level: this.opts.level ?? level });
    const head = Buffer.alloc(FRAME_HEADER_BYTES);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt8(type, 4);
    head.writeUInt32LE(crc32(payload), 5);
    this.raw(head);
    this.raw(payload);
    return at;
  }

  writeHeader(h: TraceHeader): void {
    this.frame(FRAME.header, h, FRAME_LEVEL.header);
  }

  /** Returns the segment's file offset, for the footer index. */
  writeSegment(s: Segment): number {
    return this.frame(FRAME.segment, s, FRAME_LEVEL.segment);
  }

  finish(f: TraceFooter): void {
    const at = this.frame(FRAME.footer, f, FRAME_LEVEL.footer);
    const trailer = Buffer.alloc(16);
    trailer.writeBigUInt64LE(BigInt(at), 0);
    trailer.write(END_MAGIC, 8, 'latin1');
    this.raw(trailer);
    this.close();
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
