// The trace file's records and the invariants a reader must check ("must" rules in docs/trace-format.md).
// Shared by the recorder (writer) and the replayer (reader); no UI, no engine.

export const FORMAT_VERSION = 5;
/** First 8 bytes of every trace file. */
export const FILE_MAGIC = 'WTRACE\r\n';
/** Last 8 bytes of a complete trace file (after the footer offset). */
export const END_MAGIC = 'WTRCEND\n';

/**
 * Frame types: a file is FILE_MAGIC, then frames [u32 length][u8 type][u32 crc32][payload], then the trailer. The
 * payload is a codec byte (FRAME_CODEC) and the frame's msgpack, compressed as that byte says (format version 3
 * and 4; version 2 deflated every payload, version 1 stored msgpack as is).
 */
export const FRAME = { header: 1, segment: 2, footer: 3, index: 4, bloom: 5 } as const;
export const FRAME_HEADER_BYTES = 9;
/** Upper bound on one frame's payload a reader accepts (a segment holds at most SEGMENT_STEPS steps). */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** First byte of a frame's payload: how the msgpack after it is stored. */
export const FRAME_CODEC = { stored: 0, brotli: 1, zstd: 2 } as const;
/**
 * Brotli quality of frames written with the brotli codec (the recorder wrote brotli before zstd). Measured on segment
 * frames of gc, goroutines, std-1000goroutines and breakpoint: quality 2 is 15-30% smaller than deflate level 1 at
 * about the same compression time (deflate level 6 is 10-20% smaller but 2-3x slower).
 */
export const FRAME_QUALITY = 2;
/**
 * zstd level of every frame the recorder writes. On segment frames of compute (Go 1.27), std-1000goroutines and gc
 * (docs/benchmarks.md, "Frame codec"): 91% of brotli quality 2's size, compressing 1.5x and decompressing 4.6x as
 * fast; level 6 is 3% smaller again but compresses slower than brotli quality 2 did.
 */
export const FRAME_ZSTD_LEVEL = 5;

/** Steps per segment: each segment opens with a keyframe, so a seek decodes at most this many steps. */
export const SEGMENT_STEPS = 16384;

/** Register slots in step records; see src/arch/arm64.ts (x0..x30, sp, pc, nzcv, v0..v31, fpcr, fpsr). */
export const TRACE_REGS = 68;

export interface TraceSymbol {
  name: string;
  address: bigint;
  size: number;
}

export interface TraceStub {
  name: string;
  address: bigint;
}

export interface MemoryRegion {
  base: bigint;
  size: number;
  /** 'rwx' letters. */
  prot: string;
  /** Page-sized chunks with non-zero contents: [offset in region, bytes]; absent pages are zero. */
  pages: Array<[number, Uint8Array]>;
  /**
   * Pages left out of `pages` because they equal the program file's bytes (a recording by reference, the default):
   * runs of [offset in region, offset in the program file, pages], increasing, overlapping neither each other nor
   * `pages`. The reader fills them from the program (src/trace/program-file.ts); absent in a self-contained trace.
   */
  fromProgram?: Array<[number, number, number]>;
}

/** A run of program pages: [offset in region, offset in the program file, page count]. */
export type ProgramRun = [number, number, number];

/** TRACE_REGS registers, 16 bytes each little-endian (codec.ts packRegs/unpackRegs). */
export type RegFile = Uint8Array;

export interface ThreadRegisters {
  tid: number;
  regs: RegFile;
  teb: bigint;
  stackBase: bigint;
  stackLimit: bigint;
}

export interface TraceHeader {
  formatVersion: number;
  wintraceVersion: string;
  /** goVersion: the Go release that built it ("go1.27.3", from its build info), absent for other programs. */
  /**
   * The program file. path: its absolute path as recorded, where a reader looks for it (after `--program` and
   * beside the trace) when regions hold `fromProgram` runs; absent in recordings made before 2026-12-03.
   */
  program: { name: string; sha256: string; size: number; goVersion?: string; path?: string };
  commandLine: string;
  options: Record<string, unknown>;
  segmentSteps: number;
  /** Executed-instruction count at which detailed recording starts (0 unless --start-at). */
  firstStep: bigint;
  symbols: TraceSymbol[];
  /** Emulated DLL entry points (`SVC #0; RET` stubs) placed so far: `kernel32.dll!WriteFile`, `wintrace!ThreadReturn`. */
  stubs: TraceStub[];
  regions: MemoryRegion[];
  threads: ThreadRegisters[];
  currentTid: number;
  /** Events before the detail window began (--start-at), with negative steps. */
  events: TraceEvent[];
}

/** Typed events: the emulated Windows' view of what happened, at the step before which it happened. */
export type TraceEvent =
  | { kind: 'api-call'; step: bigint; tid: number; api: string; args: Array<bigint | string>; caller: bigint }
  | { kind: 'api-return'; step: bigint; tid: number; api: string; value: bigint | string; lastError: number }
  | { kind: 'thread-created'; step: bigint; tid: number; newTid: number; start: bigint; parameter: bigint; teb: bigint; stackBase: bigint; stackLimit: bigint; regs: RegFile }
  /** sentinels: [slot, value] of X19-X28 and D8-D15 at the entry (sentinels.ts); absent in older recordings. */
  | { kind: 'thread-started'; step: bigint; tid: number; pc: bigint; regs: RegFile; sentinels?: Array<[number, bigint]> }
  | { kind: 'thread-switched'; step: bigint; tid: number; from: number | undefined }
  /** sentinelsLost: when the start routine returned, the entry's sentinels that did not come back, with what did. */
  | { kind: 'thread-exited'; step: bigint; tid: number; exitCode: number; sentinelsLost?: Array<[number, bigint]> }
  | { kind: 'exception-raised'; step: bigint; tid: number; code: number; address: bigint; information: bigint[]; context: bigint; regs: RegFile }
  | { kind: 'handler-called'; step: bigint; tid: number; handler: bigint; phase: 'vectored' | 'continue'; regs: RegFile; sentinels?: Array<[number, bigint]> }
  | { kind: 'handler-returned'; step: bigint; tid: number; handler: bigint; phase: 'vectored' | 'continue'; result: number; regs: RegFile; sentinelsLost?: Array<[number, bigint]> }
  | { kind: 'context-resumed'; step: bigint; tid: number; pc: bigint; sp: bigint; stackLimit: bigint; stackBase: bigint; regs: RegFile }
  | { kind: 'fail-fast'; step: bigint; tid: number; code: number; reason: string; resume?: { sp: bigint; pc: bigint; stackLimit: bigint; stackBase: bigint; context: bigint } }
  | { kind: 'memory-mapped'; step: bigint; tid: number; base: bigint; size: number; prot: string }
  | { kind: 'memory-unmapped'; step: bigint; tid: number; base: bigint; size: number }
  | { kind: 'process-exit'; step: bigint; tid: number; exitCode: number; reason: string };

export type EventKind = TraceEvent['kind'];

export interface SegmentIndex {
  /** Registers changed by steps in this segment, per thread: [tid, slots 0-63 mask, slots 64-67 mask]. */
  regsChanged: Array<[number, bigint, bigint]>;
  /** Guest pages (address >> 12) written by steps or by the emulated Windows in this segment. */
  pagesWritten: number[];
}

/** Size of the written-words Bloom filter the recorder writes per segment (src/replayer/word-bloom.ts, native/trace.c). */
export const WORD_BLOOM_BYTES = 1024;
/** Sizes a reader accepts: recordings made before 2026-11-30 carry 512-byte filters. */
export const WORD_BLOOM_SIZES: readonly number[] = [512, 1024];
/** Size of the filter of bytes written by stores covering part of a word (FooterEntry.byteBloom). */
export const BYTE_BLOOM_BYTES = 256;

export interface Segment {
  index: number;
  firstStep: bigint;
  steps: number;
  keyframe: { currentTid: number; threads: ThreadRegisters[] };
  /** The native step stream (native/trace.c describes it); the frame around it is compressed. */
  data: Uint8Array;
  /** Step index (relative to firstStep) at which each byte range starts is not stored: streams decode in order. */
  events: TraceEvent[];
  /** Thread switches inside the segment: [relative step, tid]. */
  switches: Array<[number, number]>;
  idx: SegmentIndex;
}

export interface FooterEntry {
  offset: number;
  firstStep: bigint;
  steps: number;
  regsChanged: Array<[number, bigint, bigint]>;
  pagesWritten: number[];
  /**
   * For each page of pagesWritten, in its order, the 64-byte lines written (bit k: bytes 64k to 64k + 63) as 8
   * bytes little-endian; absent when the pages are unknown and in recordings made before 2026-12-04.
   */
  linesWritten?: Uint8Array;
  /**
   * Bloom filter (WORD_BLOOM_SIZES, 3 hashes) of the 8-byte words the segment wrote; absent for an events-only
   * segment. The writer moves it to a BloomPart frame (TraceFooter.blooms); older files have it here.
   */
  wordBloom?: Uint8Array;
  /**
   * Bloom filter (BYTE_BLOOM_BYTES, 3 hashes) of the bytes written by the segment's stores that cover part of a
   * word, whose words the word filter holds as `w | 2^62`; moved to the BloomPart frame like wordBloom.
   */
  byteBloom?: Uint8Array;
  /**
   * [tid, open, unreturned] of every thread whose calls and returns in the segment do not balance (call-balance.ts);
   * absent in recordings made before 2026-12-04, whose call stacks decode the segment instead.
   */
  calls?: Array<[number, number, number]>;
  /** [tid, steps] of every thread that ran in the segment (footer-index.ts); absent in recordings made before 2026-12-03. */
  threadSteps?: Array<[number, number]>;
  /** The segment's memory-mapped and memory-unmapped events, when it has any (with `threadSteps` only). */
  mappings?: FooterMapping[];
  /** Number of events in the segment, and the bits (EVENT_KIND_BITS) of their kinds (with `threadSteps` only). */
  events?: number;
  eventKinds?: number;
}

/** A thread of the footer's thread table (footer-index.ts): positions of its creation, first run and exit. */
export interface FooterThread {
  tid: number;
  teb: bigint;
  stackBase: bigint;
  stackLimit: bigint;
  start: bigint;
  createdAt?: bigint;
  startedAt?: bigint;
  exitedAt?: bigint;
  exitCode?: number;
}

/** A memory-mapped (1) or memory-unmapped (0) event in the footer: [step, base, size, mapped]. */
export type FooterMapping = [bigint, bigint, number, 0 | 1];

/**
 * Part of a split footer's segment index (frame type 4): the entries of segments first..first+n-1. A footer whose
 * index would not fit one frame (MAX_FRAME_BYTES; about 4 billion recorded steps) lists these frames instead.
 */
export interface FooterPart {
  first: number;
  segments: FooterEntry[];
}

/**
 * A group of the segments' written-words Bloom filters (frame type 5): the filters of segments first..first+n-1,
 * an empty byte string for a segment without one. They are 90% of a footer entry's bytes and only a last-write
 * query reads them, so they live outside the footer, read a group at a time when a query needs them.
 */
export interface BloomPart {
  first: number;
  blooms: Uint8Array[];
  /** The segments' byte filters (FooterEntry.byteBloom) likewise; absent when no segment of the group has one. */
  byteBlooms?: Uint8Array[];
}

/** Segments per BloomPart frame the writer groups: 256 KiB of filters, ~100 KB compressed. */
export const BLOOM_GROUP = 256;

/** When the writer splits the footer's index: above `inlineBytes` of packed entries, into parts of `partBytes`. */
export const FOOTER_SPLIT = { inlineBytes: 64 * 1024 * 1024, partBytes: 32 * 1024 * 1024 } as const;

export interface TraceFooter {
  /** The segment index; empty when the footer is split (`parts`), and the reader fills it from the parts. */
  segments: FooterEntry[];
  /** File offsets of the FooterPart frames holding the index, in order; absent when `segments` holds it. */
  parts?: number[];
  /**
   * The segments' Bloom filters: BloomPart frames of `group` segments each, in order. Absent in recordings made
   * before these frames (2026-12-03), whose entries carry their filter as `wordBloom`.
   */
  blooms?: {
    group: number;
    parts: number[];
    /**
     * Per part, its filters OR-ed together (empty when they differ in size): a word its summary rejects no segment
     * of the group wrote, so a last-write query passes the group without reading its frame.
     */
    summaries: Uint8Array[];
    /** Per part, its byte filters OR-ed together (empty when it has none). */
    byteSummaries?: Uint8Array[];
  };
  totalSteps: bigint;
  /** Every stub placed during the run (GetProcAddress places more after the header was written). */
  stubs: TraceStub[];
  /**
   * Every thread of the run (footer-index.ts); absent in recordings made before 2026-12-03. With it, every
   * segment entry holds `threadSteps`, `events`, `eventKinds` and its `mappings`.
   */
  threads?: FooterThread[];
  summary: {
    instructions: bigint;
    threads: number;
    exceptions: number;
    apiCalls: number;
    exitCode: number;
    endReason: string;
  };
}
