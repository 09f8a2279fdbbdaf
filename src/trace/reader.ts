// Opens a trace file lazily and checks every invariant of docs/trace-format.md on what it reads. A file without a
// valid footer (a recording killed early) is scanned frame by frame and opens up to its last complete segment.

import { closeSync, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import { ExitCode, TraceFormatError, WintraceError } from '../errors.ts';
import { openRegularFile } from '../regular-file.ts';
import { packr, unpackRegs } from './codec.ts';
import { decodePayload } from './frame-codec.ts';
import { fillProgramPages, findProgram, needsProgram } from './program-file.ts';
import {
  type BloomPart, END_MAGIC, FILE_MAGIC, FORMAT_VERSION, FRAME, FRAME_HEADER_BYTES, type FooterEntry, type FooterPart, MAX_FRAME_BYTES,
  type Segment, TRACE_REGS, type TraceFooter, type TraceHeader,
} from './schema.ts';
import { applyForward, type MemWrite, REG_PC, StreamDecoder, StreamError } from './stream.ts';
import { BLOOM_PART_SHAPE, checkEvents, checkShape, FOOTER_PART_SHAPE, FOOTER_SHAPE, HEADER_SHAPE, SEGMENT_SHAPE, sortedPages } from './validate.ts';

/** The largest segment a reader accepts (the recorder writes 16,384 steps): decoding allocates per step. */
const MAX_SEGMENT_STEPS = 1 << 22;

export interface OpenedTrace {
  path: string;
  header: TraceHeader;
  segments: FooterEntry[];
  footer: TraceFooter | undefined;
  /** True when the file had no valid footer and was recovered by scanning. */
  truncated: boolean;
  totalSteps: bigint;
}

/** One decoded step: the thread that ran it, its pc, and registers after it. */
export interface DecodedStep {
  /** Global step index (0-based): the state after this step is position index + 1. */
  index: bigint;
  tid: number;
  /** Address of the instruction executed. */
  pc: bigint;
  writes: MemWrite[];
}

/** How to open a trace. program: the file a trace recorded by reference names, when it is elsewhere (program-file.ts). */
export interface TraceOpenOptions {
  program?: string;
}

/** A trace path that names no readable regular file: bad input, like a malformed trace. */
export class BadTraceFileError extends WintraceError {
  constructor(readonly file: string, defect: string) {
    super(`${file}: ${defect}`, ExitCode.traceFormat);
  }
}

export class TraceReader {
  private fd: number;
  private size: number;
  readonly trace: OpenedTrace;

  constructor(readonly path: string, private readonly options: TraceOpenOptions = {}) {
    const o = openRegularFile(path);
    if ('defect' in o) throw new BadTraceFileError(path, o.defect);
    this.fd = o.fd;
    this.size = o.size;
    try {
      this.trace = this.open();
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private read(offset: number, length: number): Buffer {
    const b = Buffer.alloc(length);
    const n = readSync(this.fd, b, 0, length, offset);
    if (n !== length) throw new TraceFormatError(this.path, offset, `file ends after ${n} of ${length} bytes`);
    return b;
  }

  private fail(offset: number, what: string): never {
    throw new TraceFormatError(this.path, offset, what);
  }

  /** Reads the frame at `offset`: checks length bound, type, checksum; returns type, payload and next offset. */
  private frame(offset: number): { type: number; value: unknown; next: number } {
    const f = this.frameBytes(offset);
    let raw: Uint8Array;
    try {
      raw = decodePayload(f.payload);
    } catch (e) {
      if (offset === FILE_MAGIC.length) this.olderVersion(f.payload);
      this.fail(offset + FRAME_HEADER_BYTES, (e as Error).message);
    }
    return { type: f.type, value: this.unpack(offset, raw), next: f.next };
  }

  /** The frame at `offset` as stored: length bound, type and checksum checked, payload not yet decompressed. */
  private frameBytes(offset: number): { type: number; payload: Buffer; next: number } {
    if (offset + FRAME_HEADER_BYTES > this.size) this.fail(offset, 'frame header runs past the end of the file');
    const head = this.read(offset, FRAME_HEADER_BYTES);
    const length = head.readUInt32LE(0);
    const type = head.readUInt8(4);
    const crc = head.readUInt32LE(5);
    if (type !== FRAME.header && type !== FRAME.segment && type !== FRAME.footer && type !== FRAME.index && type !== FRAME.bloom) this.fail(offset, `unknown frame type ${type}`);
    if (length > MAX_FRAME_BYTES) this.fail(offset, `frame length ${length} exceeds the ${MAX_FRAME_BYTES}-byte limit`);
    if (offset + FRAME_HEADER_BYTES + length > this.size) this.fail(offset, `frame of ${length} bytes runs past the end of the file`);
    const payload = this.read(offset + FRAME_HEADER_BYTES, length);
    if (crc32(payload) !== crc) this.fail(offset, 'frame checksum mismatch');
    return { type, payload, next: offset + FRAME_HEADER_BYTES + length };
  }

  /** The msgpack value of a decompressed frame payload. */
  private unpack(offset: number, raw: Uint8Array): unknown {
    try {
      return packr.unpack(raw);
    } catch (e) {
      // msgpackr appends a dump of what it decoded to some messages: keep the reason, one short line.
      const why = (e as Error).message.split(' {')[0]!.slice(0, 120);
      this.fail(offset + FRAME_HEADER_BYTES, `frame payload is not valid msgpack: ${why}`);
    }
  }

  /**
   * A header frame that does not decode may be from an older version: version 1 stored plain msgpack, version 2
   * deflated it. Say which, rather than that the payload is damaged.
   */
  private olderVersion(payload: Uint8Array): void {
    let v: unknown;
    for (const decode of [(p: Uint8Array) => p, (p: Uint8Array) => inflateRawSync(p, { maxOutputLength: MAX_FRAME_BYTES })]) {
      try {
        v = (packr.unpack(decode(payload)) as { formatVersion?: unknown } | null)?.formatVersion;
        break;
      } catch {
        // not this one
      }
    }
    if (typeof v === 'number' && v !== FORMAT_VERSION) {
      this.fail(FILE_MAGIC.length, `format version ${v} is not supported (this wintrace reads version ${FORMAT_VERSION}): record the program again`);
    }
  }

  private open(): OpenedTrace {
    if (this.size < FILE_MAGIC.length) this.fail(0, `file is ${this.size} bytes, too small for the trace magic`);
    if (this.read(0, FILE_MAGIC.length).toString('latin1') !== FILE_MAGIC) this.fail(0, 'not a wintrace trace (bad magic)');
    const h = this.frame(FILE_MAGIC.length);
    if (h.type !== FRAME.header) this.fail(FILE_MAGIC.length, 'first frame is not the header');
    let header = h.value as TraceHeader;
    if (typeof header !== 'object' || header === null) this.fail(FILE_MAGIC.length, 'header is not a map');
    if (header.formatVersion === undefined) this.fail(FILE_MAGIC.length, 'header: formatVersion is missing');
    if (header.formatVersion !== FORMAT_VERSION) {
      this.fail(FILE_MAGIC.length, `format version ${String(header.formatVersion)} is not supported (this wintrace reads version ${FORMAT_VERSION}): record the program again`);
    }
    if (!Array.isArray(header.threads) || header.threads.some((t) => !(t.regs instanceof Uint8Array) || t.regs.length !== TRACE_REGS * 16)) {
      this.fail(FILE_MAGIC.length, `header threads must each carry ${TRACE_REGS} registers of 16 bytes`);
    }
    const shape = checkShape(header, HEADER_SHAPE) ?? checkEvents(header.events, 'events');
    if (shape) this.fail(FILE_MAGIC.length, `header: ${shape}`);
    if (header.segmentSteps === 0 || header.segmentSteps > MAX_SEGMENT_STEPS) {
      this.fail(FILE_MAGIC.length, `header: segmentSteps ${header.segmentSteps} is outside 1-${MAX_SEGMENT_STEPS}`);
    }
    this.segmentSteps = header.segmentSteps;
    if (needsProgram(header)) {
      header = fillProgramPages(header, findProgram(this.path, header, this.options.program), (what) => this.fail(FILE_MAGIC.length, what));
    }
    const footer = this.readFooter();
    if (footer) {
      this.checkIndex(footer.segments, h.next, footer.totalSteps, this.footerAt);
      this.checkBloomParts(footer);
      return { path: this.path, header, segments: footer.segments, footer, truncated: false, totalSteps: footer.totalSteps };
    }
    // No footer: recover every complete segment frame in order.
    const segments: FooterEntry[] = [];
    let at = h.next;
    let step = 0n;
    while (at < this.size) {
      let f;
      try {
        f = this.frame(at);
      } catch {
        break; // the torn tail of a killed recording
      }
      if (f.type !== FRAME.segment) break;
      const s = this.checkSegment(f.value, at, segments.length);
      if (s.firstStep !== step) this.fail(at, `segment ${s.index} starts at step ${s.firstStep}, expected ${step}`);
      segments.push({ offset: at, firstStep: s.firstStep, steps: s.steps, regsChanged: s.idx.regsChanged, pagesWritten: s.idx.pagesWritten });
      step += BigInt(s.steps);
      at = f.next;
    }
    return { path: this.path, header, segments, footer: undefined, truncated: true, totalSteps: step };
  }

  private readFooter(): TraceFooter | undefined {
    if (this.size < 16) return undefined;
    const trailer = this.read(this.size - 16, 16);
    if (trailer.toString('latin1', 8) !== END_MAGIC) return undefined;
    const at = Number(trailer.readBigUInt64LE(0));
    if (at <= 0 || at >= this.size - 16) this.fail(this.size - 16, `footer offset ${at} is outside the file`);
    const f = this.frame(at);
    if (f.type !== FRAME.footer) this.fail(at, 'trailer does not point at the footer frame');
    const shape = checkShape(f.value, FOOTER_SHAPE);
    if (shape) this.fail(at, `footer: ${shape}`);
    const footer = f.value as TraceFooter;
    this.footerAt = at;
    if (footer.parts) footer.segments = this.footerParts(at, footer);
    footer.segments.forEach((e, i) => {
      if (!sortedPages(e.pagesWritten)) this.fail(at, `footer: segments[${i}].pagesWritten must be increasing page numbers, or [-1]`);
    });
    return footer;
  }

  /** A split footer's index, read from its parts: each must continue the previous and lie before the footer. */
  private footerParts(at: number, footer: TraceFooter): FooterEntry[] {
    if (footer.segments.length > 0) this.fail(at, 'footer: a split footer must not list segments itself');
    const out: FooterEntry[] = [];
    let last = -1;
    for (const [i, p] of footer.parts!.entries()) {
      if (p <= last || p >= at) this.fail(at, `footer: parts[${i}] offset ${p} is not after the previous part and before the footer`);
      last = p;
      const f = this.frame(p);
      if (f.type !== FRAME.index) this.fail(p, `footer: parts[${i}] does not point at an index frame`);
      const shape = checkShape(f.value, FOOTER_PART_SHAPE);
      if (shape) this.fail(p, `footer part ${i}: ${shape}`);
      const part = f.value as FooterPart;
      if (part.first !== out.length) this.fail(p, `footer part ${i} starts at segment ${part.first}, expected ${out.length}`);
      for (const e of part.segments) out.push(e);
    }
    return out;
  }

  /**
   * A footer that lists BloomPart frames: one per `group` segments, in order before the footer; its entries carry
   * no filter themselves. The frames are read when a query needs them (wordBloom).
   */
  private checkBloomParts(footer: TraceFooter): void {
    const b = footer.blooms;
    if (!b) return;
    const at = this.footerAt;
    const n = footer.segments.length;
    if (b.group < 1) this.fail(at, 'footer: blooms.group must be at least 1');
    if (b.parts.length !== Math.ceil(n / b.group)) this.fail(at, `footer: blooms lists ${b.parts.length} parts for ${n} segments in groups of ${b.group}`);
    if (b.summaries.length !== b.parts.length) this.fail(at, `footer: blooms lists ${b.summaries.length} summaries for ${b.parts.length} parts`);
    if (b.byteSummaries && b.byteSummaries.length !== b.parts.length) this.fail(at, `footer: blooms lists ${b.byteSummaries.length} byte summaries for ${b.parts.length} parts`);
    let last = -1;
    for (const [i, p] of b.parts.entries()) {
      if (p <= last || p >= at) this.fail(at, `footer: blooms.parts[${i}] offset ${p} is not after the previous part and before the footer`);
      last = p;
    }
    const carried = footer.segments.findIndex((e) => e.wordBloom !== undefined);
    if (carried >= 0) this.fail(at, `footer: segments[${carried}] carries a Bloom filter although the footer lists Bloom frames`);
  }

  private readonly bloomGroups = new Map<number, { blooms: Uint8Array[]; bytes: Uint8Array[] | undefined }>();

  /** The OR of the Bloom filters of the group holding segment i (TraceFooter.blooms), when the footer has one. */
  bloomSummary(i: number): Uint8Array | undefined {
    return this.groupSummary(i, 'summaries');
  }

  /** The OR of the byte filters of the group holding segment i, when the footer has one. */
  byteSummary(i: number): Uint8Array | undefined {
    return this.groupSummary(i, 'byteSummaries');
  }

  private groupSummary(i: number, which: 'summaries' | 'byteSummaries'): Uint8Array | undefined {
    const b = this.trace.footer?.blooms;
    const s = b?.[which]?.[Math.floor(i / b.group)];
    return s && s.length > 0 ? s : undefined;
  }

  /**
   * Segment i's written-words Bloom filter, or undefined when it has none: from its footer entry in an older
   * recording, else from the BloomPart frame holding it, read and checked on first use.
   */
  wordBloom(i: number): Uint8Array | undefined {
    const e = this.entry(i);
    const b = this.trace.footer?.blooms;
    if (!b) return e.wordBloom;
    const bloom = this.bloomGroup(i, b).blooms[i % b.group]!;
    return bloom.length > 0 ? bloom : undefined;
  }

  /** Segment i's filter of bytes written by stores to part of a word (FooterEntry.byteBloom), like wordBloom. */
  byteBloom(i: number): Uint8Array | undefined {
    const e = this.entry(i);
    const b = this.trace.footer?.blooms;
    if (!b) return e.byteBloom;
    const bloom = this.bloomGroup(i, b).bytes?.[i % b.group];
    return bloom && bloom.length > 0 ? bloom : undefined;
  }

  private bloomGroup(i: number, b: NonNullable<TraceFooter['blooms']>): { blooms: Uint8Array[]; bytes: Uint8Array[] | undefined } {
    const g = Math.floor(i / b.group);
    let group = this.bloomGroups.get(g);
    if (!group) {
      const p = b.parts[g]!;
      const f = this.frame(p);
      if (f.type !== FRAME.bloom) this.fail(p, `footer: blooms.parts[${g}] does not point at a Bloom frame`);
      const shape = checkShape(f.value, BLOOM_PART_SHAPE);
      if (shape) this.fail(p, `Bloom part ${g}: ${shape}`);
      const part = f.value as BloomPart;
      const first = g * b.group;
      const count = Math.min(b.group, this.trace.segments.length - first);
      if (part.first !== first || part.blooms.length !== count) {
        this.fail(p, `Bloom part ${g} holds segments ${part.first}-${part.first + part.blooms.length - 1}, expected ${first}-${first + count - 1}`);
      }
      if (part.byteBlooms && part.byteBlooms.length !== count) this.fail(p, `Bloom part ${g} holds ${part.byteBlooms.length} byte filters for ${count} segments`);
      group = { blooms: part.blooms, bytes: part.byteBlooms };
      this.bloomGroups.set(g, group);
    }
    return group;
  }

  /** Segments must be in order, contiguous in steps, and start at frame boundaries after the header. */
  private checkIndex(entries: FooterEntry[], firstOffset: number, totalSteps: bigint, footerAt: number): void {
    let step = 0n;
    let last = firstOffset - 1;
    for (const [i, e] of entries.entries()) {
      if (e.offset <= last) this.fail(e.offset, `segment ${i} offset is not after the previous segment`);
      if (e.offset >= this.size) this.fail(this.size, `segment ${i} offset ${e.offset} is outside the file`);
      if (e.steps > this.segmentSteps) this.fail(e.offset, `segment ${i} declares ${e.steps} steps, more than the header's ${this.segmentSteps} per segment`);
      if (e.firstStep !== step) this.fail(e.offset, `segment ${i} starts at step ${e.firstStep}, expected ${step}`);
      if (e.threadSteps && e.threadSteps.reduce((n, [, k]) => n + k, 0) !== e.steps) this.fail(footerAt, `footer: segments[${i}].threadSteps do not add up to its ${e.steps} steps`);
      if (e.linesWritten && (e.linesWritten.length !== 8 * e.pagesWritten.length || e.pagesWritten[0] === -1)) {
        this.fail(footerAt, `footer: segments[${i}].linesWritten must hold 8 bytes for each of its ${e.pagesWritten.length} pages written`);
      }
      step += BigInt(e.steps);
      last = e.offset;
    }
    if (totalSteps !== step) this.fail(footerAt, `footer totalSteps ${totalSteps} does not match its segments, which hold ${step} steps`);
  }

  segment(i: number): Segment {
    const e = this.entry(i);
    const f = this.frame(e.offset);
    return this.indexedSegment(i, e, f.type, f.value);
  }

  /**
   * segment(i) with the payload decompressed by `inflate` (an InflateWorker's decode): the file is read and the
   * checksum checked now, synchronously; the errors are segment(i)'s.
   */
  async segmentWith(i: number, inflate: (payload: Uint8Array) => Promise<Uint8Array>): Promise<Segment> {
    const e = this.entry(i);
    const f = this.frameBytes(e.offset);
    let raw: Uint8Array;
    try {
      raw = await inflate(f.payload);
    } catch (err) {
      this.fail(e.offset + FRAME_HEADER_BYTES, (err as Error).message);
    }
    return this.indexedSegment(i, e, f.type, this.unpack(e.offset, raw));
  }

  private entry(i: number): FooterEntry {
    const e = this.trace.segments[i];
    if (!e) throw new RangeError(`segment ${i} does not exist`);
    return e;
  }

  private indexedSegment(i: number, e: FooterEntry, type: number, value: unknown): Segment {
    if (type !== FRAME.segment) this.fail(e.offset, `index entry ${i} does not point at a segment`);
    const s = this.checkSegment(value, e.offset, i);
    if (s.firstStep !== e.firstStep || s.steps !== e.steps) this.fail(e.offset, `segment ${i} disagrees with the index`);
    return s;
  }

  private segmentSteps = 0;
  private footerAt = 0;

  /** A segment frame's fields, events and bounds; `i` is its place in the file. */
  private checkSegment(v: unknown, offset: number, i: number): Segment {
    const shape = checkShape(v, SEGMENT_SHAPE);
    if (shape) this.fail(offset, `segment ${i}: ${shape}`);
    const s = v as Segment;
    const events = checkEvents(s.events, 'events');
    if (events) this.fail(offset, `segment ${i}: ${events}`);
    if (s.steps > this.segmentSteps) this.fail(offset, `segment ${i} declares ${s.steps} steps, more than the header's ${this.segmentSteps} per segment`);
    if (!sortedPages(s.idx.pagesWritten)) this.fail(offset, `segment ${i}: idx.pagesWritten must be increasing page numbers, or [-1]`);
    // A segment of events only (after --stop-at, possibly when every thread has exited) needs no running thread.
    if (s.steps > 0 && !s.keyframe.threads.some((t) => t.tid === s.keyframe.currentTid)) {
      this.fail(offset, `segment ${i} keyframe has no registers for its current thread ${s.keyframe.currentTid}`);
    }
    return s;
  }

  /**
   * Replays segment i from its keyframe, calling `onStep` after each step with the current thread's registers
   * (the array is live: copy what you keep). Memory writes are reported with their old and new bytes.
   */
  replaySegment(
    i: number,
    onStep: (step: DecodedStep, regs: readonly bigint[]) => void,
    onOsWrite?: (w: MemWrite) => void,
    /** Before each step applies, with the registers at that position (after the emulated Windows' changes). */
    onBeforeStep?: (index: bigint, regs: readonly bigint[]) => void,
  ): void {
    const entry = this.trace.segments[i]!;
    const s = this.segment(i);
    const data = s.data;
    const threads = new Map(s.keyframe.threads.map((t) => [t.tid, unpackRegs(t.regs)]));
    let tid = s.keyframe.currentTid;
    let regs = threads.get(tid);
    if (!regs) this.fail(entry.offset, `segment ${i} keyframe has no registers for its current thread ${tid}`);
    const dec = new StreamDecoder(data, regs[REG_PC]!);
    let rel = 0;
    while (!dec.done) {
      let rec;
      try {
        rec = dec.next();
      } catch (e) {
        if (e instanceof StreamError) this.fail(entry.offset, `segment ${i} stream at byte ${e.offset}: ${e.message}`);
        throw e;
      }
      if (rec.kind === 'switch') {
        // Changes are relative to the incoming thread's own last registers (zero for a thread not yet seen).
        threads.set(tid, regs);
        tid = rec.tid;
        regs = [...(threads.get(tid) ?? new Array<bigint>(TRACE_REGS).fill(0n))];
        for (const c of rec.regs) applyForward(regs, c);
        dec.pc = regs[REG_PC]!;
        continue;
      }
      if (rec.kind === 'os') {
        for (const c of rec.regs) applyForward(regs, c);
        dec.pc = regs[REG_PC]!;
        continue;
      }
      if (rec.kind === 'os-write') {
        onOsWrite?.(rec.write);
        continue;
      }
      onBeforeStep?.(s.firstStep + BigInt(rel), regs);
      const pc = regs[REG_PC]!;
      regs[REG_PC] = rec.pc;
      for (const c of rec.regs) applyForward(regs, c);
      onStep({ index: s.firstStep + BigInt(rel), tid, pc, writes: rec.writes }, regs);
      rel++;
    }
    if (rel !== s.steps) this.fail(entry.offset, `segment ${i} declares ${s.steps} steps but its stream holds ${rel}`);
  }
}
