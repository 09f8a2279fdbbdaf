// Streams a trace to disk: magic, header frame, one frame per segment as it completes, footer with the index,
// trailer. Every frame is checksummed, and a segment is on disk before the next one is built, so a recording
// killed at any point leaves a file readable up to its last complete segment.
//
// With `background`, frames are compressed and written by a worker thread while the recorder goes on running
// the program (compression is ~20% of a recording's time): the recorder packs each frame and hands the bytes over; the
// worker compresses and appends them in order, so the file is byte for byte what the synchronous writer produces.
// At most a few frames are in flight (the recorder waits when more are), and flush/finish wait for all of them.

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { WintraceError } from '../errors.ts';
import { errnoText } from '../regular-file.ts';
import { packr } from './codec.ts';
import { FooterIndexBuilder, type FooterIndexPart } from './footer-index.ts';
import { encodePayload, frameLevel, requireZstd, workerCodecSource, WRITE_CODEC } from './frame-codec.ts';
import {
  BLOOM_GROUP, type BloomPart, END_MAGIC, FILE_MAGIC, FOOTER_SPLIT, type FooterEntry, type FooterPart, FRAME, FRAME_CODEC, FRAME_HEADER_BYTES,
  type Segment, type TraceFooter, type TraceHeader,
} from './schema.ts';

/** Frames handed to the worker and not yet on disk before the recorder waits (each ~50–150 KB packed). */
const MAX_IN_FLIGHT = 4;

/**
 * The worker: compress (frame-codec.ts's code), frame header, append; reports each frame's offset and counts
 * frames done in `ctl[0]`.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { fd, ctl, port } = workerData;
const fail = (e) => {
  Atomics.store(ctl, 1, 1);
  port.postMessage({ error: String((e && e.stack) || e), code: e && e.code });
};
// A thread that cannot start says so through ctl as well: the recorder, blocked in Atomics.wait, sees no events.
try {
  const { crc32 } = require('node:zlib');
  const { writeSync } = require('node:fs');
  ${workerCodecSource()}
  let offset = workerData.offset;
  parentPort.on('message', (m) => {
    try {
      if (Atomics.load(ctl, 1) === 0) {
        const payload = codec.encode(m.bytes, m.codec, m.level);
        const head = Buffer.alloc(${FRAME_HEADER_BYTES});
        head.writeUInt32LE(payload.length, 0);
        head.writeUInt8(m.type, 4);
        head.writeUInt32LE(crc32(payload), 5);
        writeSync(fd, head);
        writeSync(fd, payload);
        port.postMessage({ type: m.type, at: offset });
        offset += head.length + payload.length;
        port.postMessage({ end: offset });
      }
    } catch (e) {
      fail(e);
    }
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  });
} catch (e) {
  fail(e);
  Atomics.notify(ctl, 0);
}
`;

/** sysexits' EX_IOERR: the trace could not be written (a full disk, an I/O error), whatever the program did. */
const EXIT_IO_ERROR = 74;

/** Writing the trace failed: one line naming the file as the user gave it and the system's reason. */
export class TraceWriteError extends WintraceError {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: cannot write the trace: ${reason}`, EXIT_IO_ERROR);
  }
}

interface Background {
  worker: Worker;
  port: MessagePort;
  /** [0] frames done, [1] 1 after an error. */
  ctl: Int32Array;
  posted: number;
  error: string | undefined;
  code: string | undefined;
}

export class TraceWriter {
  private fd: number;
  private offset = 0;
  bytesWritten = 0;
  /** File offset of each segment frame, in order (complete after flush() in background mode). */
  readonly segmentOffsets: number[] = [];
  private bg: Background | undefined;
  /** The footer's thread table, mappings and per-segment thread steps, gathered from what is written. */
  private readonly index = new FooterIndexBuilder();

  /**
   * `stored` writes frames uncompressed (tests and the fuzzer, so byte mutations land in the msgpack); `background`
   * compresses and writes frames on a worker thread.
   */
  constructor(readonly path: string, private readonly opts: { stored?: boolean; background?: boolean; name?: string } = {}) {
    // Here, in one line, rather than from the first frame or the worker thread.
    if (!opts.stored && WRITE_CODEC === FRAME_CODEC.zstd) requireZstd();
    this.fd = this.io(() => openSync(path, 'w'));
    this.raw(Buffer.from(FILE_MAGIC, 'latin1'));
    if (opts.background) {
      const ctl = new Int32Array(new SharedArrayBuffer(8));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd: this.fd, ctl, port: port2, offset: this.offset }, transferList: [port2] });
      worker.unref();
      port1.unref();
      this.bg = { worker, port: port1, ctl, posted: 0, error: undefined, code: undefined };
      worker.on('error', (e) => {
        // Reported asynchronously, which a synchronous recording never sees: the ctl flag is what it checks.
        if (this.bg) this.bg.error ??= String(e);
      });
    }
  }

  /** A file system call whose errno becomes a TraceWriteError (ENOSPC, EIO, EFBIG...); anything else is a bug. */
  private io<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (typeof (e as NodeJS.ErrnoException).code === 'string') throw new TraceWriteError(this.opts.name ?? this.path, errnoText(e));
      throw e;
    }
  }

  private raw(b: Uint8Array): void {
    this.io(() => writeSync(this.fd, b));
    this.offset += b.length;
    this.bytesWritten = this.offset;
  }

  private frame(type: number, value: unknown): number {
    const codec = this.opts.stored ? FRAME_CODEC.stored : WRITE_CODEC;
    if (this.bg) {
      // packr reuses its buffer: the worker gets its own copy, transferred rather than cloned.
      const bytes = new Uint8Array(packr.pack(value));
      this.wait(MAX_IN_FLIGHT - 1);
      this.bg.worker.postMessage({ type, codec, level: frameLevel(codec), bytes }, [bytes.buffer]);
      this.bg.posted++;
      this.collect();
      return -1;
    }
    const at = this.offset;
    const payload = encodePayload(packr.pack(value), codec);
    const head = Buffer.alloc(FRAME_HEADER_BYTES);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt8(type, 4);
    head.writeUInt32LE(crc32(payload), 5);
    this.raw(head);
    this.raw(payload);
    if (type === FRAME.segment) this.segmentOffsets.push(at);
    return at;
  }

  /** Takes the worker's reports (frame offsets, bytes on disk) without waiting. */
  private collect(): void {
    const bg = this.bg!;
    for (let m = receiveMessageOnPort(bg.port); m; m = receiveMessageOnPort(bg.port)) {
      const r = m.message as { type?: number; at?: number; end?: number; error?: string; code?: string };
      if (r.error !== undefined) bg.error ??= r.error;
      if (r.code) bg.code ??= r.code;
      if (r.type === FRAME.segment) this.segmentOffsets.push(r.at!);
      if (r.end !== undefined) this.offset = this.bytesWritten = r.end;
    }
    if (bg.error !== undefined || Atomics.load(bg.ctl, 1) !== 0) {
      if (bg.code) throw new TraceWriteError(this.opts.name ?? this.path, errnoText({ code: bg.code }));
      throw new Error(`trace writer: ${bg.error ?? 'the compressing thread failed'}`);
    }
  }

  /** Waits until at most `n` frames are in flight. */
  private wait(n: number): void {
    const bg = this.bg!;
    for (;;) {
      const done = Atomics.load(bg.ctl, 0);
      if (bg.posted - done <= n) break;
      if (bg.error !== undefined || Atomics.load(bg.ctl, 1) !== 0) break;
      Atomics.wait(bg.ctl, 0, done, 1000);
    }
    this.collect();
  }

  /** Waits until every frame handed over is on disk (background mode; a no-op otherwise). */
  flush(): void {
    if (this.bg) this.wait(0);
  }

  writeHeader(h: TraceHeader): void {
    this.index.header(h);
    this.frame(FRAME.header, h);
  }

  /**
   * Appends frames another writer wrote (a parallel recording's share, src/recorder/parallel-record.ts), byte for
   * byte; `segments` are the offsets of its segment frames within `frames`.
   */
  appendFrames(frames: Uint8Array, segments: readonly number[]): void {
    this.flush();
    for (const s of segments) this.segmentOffsets.push(this.offset + s);
    this.raw(frames);
  }

  /**
   * The footer index of what this writer wrote (header events and segments), for the writer that appends its
   * frames to absorb: without it that writer's footer carries no thread table and readers fall back to the frames.
   */
  indexPart(): FooterIndexPart {
    return this.index.part();
  }

  /** Takes the footer index of frames another writer wrote and this one appends (indexPart()), in order. */
  absorbIndex(p: FooterIndexPart): void {
    this.index.absorb(p);
  }

  /** Returns the segment's file offset, for the footer index; -1 in background mode (see segmentOffsets). */
  writeSegment(s: Segment): number {
    this.index.segment(s);
    return this.frame(FRAME.segment, s);
  }

  /**
   * Writes the footer (its segment offsets taken from segmentOffsets when they are -1, its thread table, mappings
   * and per-segment thread steps from the frames written) and the trailer. The entries' Bloom filters go first, in
   * BloomPart frames the footer lists, and so does an index too large for one frame, in FooterPart frames
   * (`split` is for tests).
   */
  finish(f: TraceFooter, split: { inlineBytes: number; partBytes: number } = FOOTER_SPLIT): void {
    this.flush();
    this.stopWorker();
    f.segments.forEach((e, i) => {
      if (e.offset < 0) e.offset = this.segmentOffsets[i]!;
    });
    f = this.index.apply(f);
    if (f.segments.some((e) => e.wordBloom)) f = this.bloomParts(f);
    const parts = footerParts(f.segments, split);
    if (parts) f = { ...f, segments: [], parts: parts.map((p) => this.frame(FRAME.index, p)) };
    const at = this.frame(FRAME.footer, f);
    const trailer = Buffer.alloc(16);
    trailer.writeBigUInt64LE(BigInt(at), 0);
    trailer.write(END_MAGIC, 8, 'latin1');
    this.raw(trailer);
    this.close();
  }

  /**
   * Writes the entries' Bloom filters as BloomPart frames of BLOOM_GROUP segments and returns the footer without
   * them: a reader opening the trace then reads a footer a tenth the size (26 MB of filters on a 365M-step
   * recording), and a group only when a last-write query gets to one of its segments.
   */
  private bloomParts(f: TraceFooter): TraceFooter {
    const parts: number[] = [];
    const summaries: Uint8Array[] = [];
    const byteSummaries: Uint8Array[] = [];
    const anyBytes = f.segments.some((e) => e.byteBloom);
    for (let first = 0; first < f.segments.length; first += BLOOM_GROUP) {
      const group = f.segments.slice(first, first + BLOOM_GROUP);
      const part: BloomPart = { first, blooms: group.map((e) => e.wordBloom ?? new Uint8Array(0)) };
      if (anyBytes) part.byteBlooms = group.map((e) => e.byteBloom ?? new Uint8Array(0));
      parts.push(this.frame(FRAME.bloom, part));
      summaries.push(summaryOf(part.blooms));
      if (part.byteBlooms) byteSummaries.push(summaryOf(part.byteBlooms));
    }
    const segments = f.segments.map(({ wordBloom: _, byteBloom: __, ...e }) => e);
    return { ...f, segments, blooms: { group: BLOOM_GROUP, parts, summaries, ...(anyBytes ? { byteSummaries } : {}) } };
  }

  private stopWorker(): void {
    if (!this.bg) return;
    void this.bg.worker.terminate();
    this.bg.port.close();
    this.bg = undefined;
  }

  /** Closes the file after every frame handed over is written (what was recorded so far stays readable). */
  close(): void {
    if (this.fd < 0) return;
    try {
      if (this.bg) this.flush();
    } catch {
      // The compressing thread failed: the recording is failing already, with its own error.
    } finally {
      this.stopWorker();
      const fd = this.fd;
      this.fd = -1;
      try {
        this.io(() => fsyncSync(fd));
      } finally {
        closeSync(fd);
      }
    }
  }
}

/**
 * Filters of one size OR-ed together: a Bloom filter of every word any of them holds (on a 365M-step recording
 * 58% of a group's bits are set, so a word written by none of its 256 segments skips it four times in five).
 */
function summaryOf(blooms: readonly Uint8Array[]): Uint8Array {
  const sized = blooms.filter((b) => b.length > 0);
  if (sized.length === 0 || sized.some((b) => b.length !== sized[0]!.length)) return new Uint8Array(0);
  const out = new Uint8Array(sized[0]!.length);
  for (const b of sized) for (let k = 0; k < b.length; k++) out[k]! |= b[k]!;
  return out;
}

/** The index in parts of about `partBytes` packed bytes, or undefined when it fits the footer frame itself. */
function footerParts(entries: readonly FooterEntry[], split: { inlineBytes: number; partBytes: number }): FooterPart[] | undefined {
  const sizes = entries.map((e) => packr.pack(e).length);
  if (sizes.reduce((a, b) => a + b, 0) <= split.inlineBytes) return undefined;
  const parts: FooterPart[] = [];
  let first = 0;
  let bytes = 0;
  for (let i = 0; i <= entries.length; i++) {
    if (i === entries.length || (i > first && bytes + sizes[i]! > split.partBytes)) {
      parts.push({ first, segments: entries.slice(first, i) });
      first = i;
      bytes = 0;
    }
    if (i < entries.length) bytes += sizes[i]!;
  }
  return parts;
}
