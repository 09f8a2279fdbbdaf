// A trace opened for replay: the header and footer index are read at once; segments are decoded on demand and
// kept in a small LRU cache; events and per-thread facts are gathered on first use by reading every segment's
// frame (not its step stream). Positions are numbers: position p is the state after p steps, just before
// step p executes (docs/trace-format.md). Plain library: no UI, no engine.

import { TraceFormatError } from '../errors.ts';
import { kindMask, mappingOf, segmentThreadSteps, type ThreadInfo, ThreadTable, threadFromFooter } from '../trace/footer-index.ts';
import { InflateWorker } from '../trace/inflate-worker.ts';
import { TraceReader, type TraceOpenOptions } from '../trace/reader.ts';
import type { EventKind, FooterEntry, FooterMapping, Segment, TraceEvent, TraceHeader, TraceStub } from '../trace/schema.ts';
import { SegmentCursor } from './cursor.ts';
import { type DecodedSegment, decodeSegment, OP_OS, OP_STEP, OP_SWITCH } from './decode.ts';
import { PC_SLOT, type RegWords, regFileFromBytes, slotBigint, slotNumber, toBigints, WORDS_PER_REG } from './regfile.ts';
import { lateStubs } from './late-stubs.ts';
import type { PclntabLines } from './pclntab-lines.ts';
import { sourceLinesOf } from './source-lines.ts';
import { Symbols } from './symbols.ts';

/** An event with its position as a number and its rank in the whole trace's event list. */
export interface EventAt {
  readonly index: number;
  readonly position: number;
  readonly event: TraceEvent;
}

export type { ThreadInfo };

/** One executed instruction as the trace holds it. */
export interface StepInfo {
  /** Global step index: position `index` is just before it, `index + 1` just after. */
  readonly index: number;
  readonly tid: number;
  readonly pc: number;
  readonly nextPc: number;
  /** Registers the instruction changed: trace slot, value before and after. */
  readonly changes: ReadonlyArray<{ slot: number; before: bigint; after: bigint }>;
  readonly writes: ReadonlyArray<{ address: number; old: Uint8Array; data: Uint8Array }>;
}

/** The machine at a position, from the running thread's point of view. */
export interface Snapshot {
  readonly position: number;
  /** Thread on the CPU: the one that executes step `position` (at the end: the last one that ran). */
  readonly tid: number;
  readonly regs: readonly bigint[];
  readonly pc: bigint;
  /** Registers of every thread the trace knows at this position (live at the segment's keyframe or started since). */
  readonly threads: ReadonlyMap<number, readonly bigint[]>;
}

const CACHE_SEGMENTS = 24;
/** From this many segments on, a whole pass decompresses on a worker thread (framesAhead). */
export const PIPELINE_SEGMENTS = 32;

export class Trace {
  readonly path: string;
  readonly header: TraceHeader;
  readonly totalSteps: number;
  /** The file had no footer: a recording that stopped early, read up to its last complete segment. */
  readonly truncated: boolean;
  private symbolTable: Symbols | undefined;
  private stubList: readonly TraceStub[] | undefined;
  private lineTable: PclntabLines | null | undefined;
  readonly entries: readonly FooterEntry[];
  private readonly reader: TraceReader;
  private readonly firsts: Float64Array;
  private readonly cache = new Map<number, DecodedSegment>();
  private eventList: EventAt[] | undefined;
  private threadList: ThreadInfo[] | undefined;
  private perSegmentThreadSteps: Array<Map<number, number>> | undefined;
  private mappingList: readonly FooterMapping[] | undefined;
  /** With the footer's index: the rank in events() of each segment's first event. */
  private firstEvent: Float64Array | undefined;
  /** Events of the segments eventsOfKinds() read, by segment. */
  private readonly segmentEvents = new Map<number, EventAt[]>();

  private constructor(reader: TraceReader) {
    this.reader = reader;
    const t = reader.trace;
    this.path = t.path;
    this.header = t.header;
    this.truncated = t.truncated;
    this.entries = t.segments;
    this.totalSteps = Number(t.totalSteps);
    this.firsts = new Float64Array(t.segments.map((e) => Number(e.firstStep)));
    if (t.footer) this.symbolTable = new Symbols(t.header.symbols, t.footer.stubs);
    // The footer's index (recordings since 2026-12-03) answers threads, thread positions and mappings without
    // reading every frame; without it they come from the frames on first use.
    if (t.footer?.threads && t.segments.every((e) => e.threadSteps && e.events !== undefined)) {
      this.threadList = t.footer.threads.map(threadFromFooter).sort((a, b) => a.tid - b.tid);
      this.perSegmentThreadSteps = t.segments.map((e) => new Map(e.threadSteps));
      this.mappingList = t.segments.flatMap((e) => e.mappings ?? []);
      this.firstEvent = new Float64Array(t.segments.length);
      let n = t.header.events?.length ?? 0;
      t.segments.forEach((e, i) => {
        this.firstEvent![i] = n;
        n += e.events!;
      });
    }
  }

  /** Functions, data and the emulated DLLs' stubs by address. */
  get symbols(): Symbols {
    this.symbolTable ??= new Symbols(this.header.symbols, this.stubs);
    return this.symbolTable;
  }

  /**
   * Every stub the emulated Windows placed during the run. Without a footer (a recording cut short) the ones placed
   * after the header come from its events (late-stubs.ts), so a cut copy names what the whole one names.
   */
  get stubs(): readonly TraceStub[] {
    this.stubList ??= this.footer?.stubs ?? [...(this.header.stubs ?? []), ...lateStubs(this.header.stubs ?? [], this.events())];
    return this.stubList;
  }

  /** Go's pc -> file:line tables from the program's pclntab, read on first use; undefined for a program without them. */
  get sourceLines(): PclntabLines | undefined {
    if (this.lineTable === undefined) this.lineTable = sourceLinesOf(this.header) ?? null;
    return this.lineTable ?? undefined;
  }

  /** Opens a trace: reads the header and the footer index (or scans a truncated file); throws TraceFormatError. */
  static open(path: string, options: TraceOpenOptions = {}): Trace {
    return new Trace(new TraceReader(path, options));
  }

  close(): void {
    this.cache.clear();
    this.reader.close();
  }

  get footer() {
    return this.reader.trace.footer;
  }

  /** Segment i's written-words Bloom filter (word-bloom.ts), read on first use; undefined when it has none. */
  wordBloom(i: number): Uint8Array | undefined {
    return this.reader.wordBloom(i);
  }

  /** The filter of every word the segments of segment i's Bloom group wrote, from the footer; undefined when none. */
  bloomSummary(i: number): Uint8Array | undefined {
    return this.reader.bloomSummary(i);
  }

  /** Segment i's filter of bytes its stores to part of a word wrote (word-bloom.ts), read on first use. */
  byteBloom(i: number): Uint8Array | undefined {
    return this.reader.byteBloom(i);
  }

  /** The filter of the bytes the segments of segment i's Bloom group wrote in part of a word; undefined when none. */
  byteSummary(i: number): Uint8Array | undefined {
    return this.reader.byteSummary(i);
  }

  get segmentCount(): number {
    return this.entries.length;
  }

  /** Clamps a position into [0, totalSteps]. */
  clamp(position: number): number {
    return Math.max(0, Math.min(this.totalSteps, Math.trunc(position)));
  }

  /**
   * The segment holding step `position` (for the final position: the last segment with steps). Segments
   * without steps (events after --stop-at) hold no position.
   */
  segmentOf(position: number): number {
    const p = this.clamp(position);
    let lo = 0;
    let hi = this.entries.length - 1;
    let idx = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.firsts[mid]! <= p) {
        idx = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Step back over empty segments and, at the very end, to the segment whose last step ends the trace.
    while (idx > 0 && (this.entries[idx]!.steps === 0 || this.firsts[idx] === p && p === this.totalSteps)) idx--;
    return idx;
  }

  decoded(i: number): DecodedSegment {
    // A recording cut before its first segment was complete: position 0 is the header's initial state.
    if (this.entries.length === 0 && i === 0) return (this.initialOnly ??= this.headerSegment());
    const hit = this.cache.get(i);
    if (hit) {
      this.cache.delete(i);
      this.cache.set(i, hit);
      return hit;
    }
    const e = this.entries[i];
    if (!e) throw new RangeError(`segment ${i} does not exist (the trace has ${this.entries.length})`);
    const s = this.reader.segment(i);
    const d = decodeSegment(s, s.data, this.path, e.offset);
    this.cache.set(i, d);
    if (this.cache.size > CACHE_SEGMENTS) this.cache.delete(this.cache.keys().next().value!);
    return d;
  }

  /**
   * Decodes every segment in order for one forward pass, borrowing scratch arrays (each segment is valid only
   * until the next one is yielded).
   */
  *scan(from = 0, to = this.entries.length): Generator<DecodedSegment> {
    // A whole scan in order also gathers the events (what events() would read every frame again for).
    const acc = from === 0 && to === this.entries.length && !this.eventList ? this.frameAccumulator() : undefined;
    for (let i = from; i < to; i++) {
      const cached = this.cache.get(i);
      const e = this.entries[i]!;
      const s = cached && !acc ? undefined : this.reader.segment(i);
      if (acc) acc.add(s!, i);
      yield cached ?? decodeSegment(s!, s!.data, this.path, e.offset, true);
    }
    acc?.done();
  }

  /** Is segment i in the decoded-segment cache (so its arrays cost nothing to use)? */
  isDecoded(i: number): boolean {
    return this.cache.has(i);
  }

  /** Segment i's frame as read from the file, its step stream not decoded. */
  frame(i: number): Segment {
    return this.reader.segment(i);
  }

  /**
   * Every segment frame in order, undecoded (the ABI checker's C pass reads step streams itself); a whole pass
   * gathers the events as scan() does.
   */
  *frames(): Generator<Segment> {
    const acc = !this.eventList ? this.frameAccumulator() : undefined;
    for (let i = 0; i < this.entries.length; i++) {
      const s = this.reader.segment(i);
      acc?.add(s, i);
      yield s;
    }
    acc?.done();
  }

  /**
   * frames(), with the next `ahead` frames decompressed on a worker thread while the caller works on the
   * current one. Errors surface at the segment they belong to, in order. Short traces (fewer than
   * PIPELINE_SEGMENTS segments) are read as frames() reads them: starting the worker would cost more.
   */
  async *framesAhead(ahead = 6): AsyncGenerator<Segment> {
    if (this.entries.length < PIPELINE_SEGMENTS) {
      yield* this.frames();
      return;
    }
    const acc = !this.eventList ? this.frameAccumulator() : undefined;
    const inflate = new InflateWorker();
    const queue: Array<Promise<Segment>> = [];
    let next = 0;
    try {
      for (let i = 0; i < this.entries.length; i++) {
        while (next < this.entries.length && queue.length < ahead) {
          const p = this.reader.segmentWith(next++, (payload) => inflate.decode(payload));
          // Awaited in order below; a rejection waiting its turn is not unhandled.
          p.catch(() => {});
          queue.push(p);
        }
        const s = await queue.shift()!;
        acc?.add(s, i);
        yield s;
      }
      acc?.done();
    } finally {
      await inflate.close();
    }
  }

  /** Have the events been gathered (by events() or a whole scan)? */
  get eventsLoaded(): boolean {
    return this.eventList !== undefined;
  }

  private initialOnly: DecodedSegment | undefined;

  /** The header's threads as a segment without steps. */
  private headerSegment(): DecodedSegment {
    const h = this.header;
    const s = {
      index: 0, firstStep: 0n, steps: 0, keyframe: { currentTid: h.currentTid, threads: h.threads }, data: new Uint8Array(0),
      events: [], switches: [], idx: { regsChanged: [], pagesWritten: [] },
    };
    return decodeSegment(s, new Uint8Array(0), this.path, 0);
  }

  /** A register cursor placed at a position. */
  cursorAt(position: number): SegmentCursor {
    const p = this.clamp(position);
    const seg = this.decoded(this.segmentOf(p));
    const c = new SegmentCursor(seg);
    c.seekStep(p - seg.firstStep);
    return c;
  }

  state(position: number): Snapshot {
    const p = this.clamp(position);
    const c = this.cursorAt(p);
    // The threads the segment knows: alive at its keyframe or started inside it (an exited thread is dropped at
    // the next keyframe); no event scan, so a seek costs one segment.
    const threads = new Map<number, readonly bigint[]>();
    for (const [tid, r] of c.files) threads.set(tid, toBigints(r));
    const regs = threads.get(c.tid) ?? toBigints(c.regs);
    return { position: p, tid: c.tid, regs, pc: slotBigint(c.regs, PC_SLOT), threads };
  }

  /** Registers of the running thread at a position as 32-bit words (a copy). */
  regWords(position: number): { tid: number; regs: RegWords } {
    const c = this.cursorAt(position);
    return { tid: c.tid, regs: c.regs.slice() };
  }

  /** The instruction executed by step `index` (0 <= index < totalSteps). */
  step(index: number): StepInfo {
    if (!(index >= 0 && index < this.totalSteps)) throw new RangeError(`step ${index} is outside the trace (0-${this.totalSteps - 1})`);
    const seg = this.decoded(this.segmentOf(index));
    const k = index - seg.firstStep;
    const c = new SegmentCursor(seg);
    c.seekStep(k);
    const op = seg.stepOp[k]!;
    const before = c.regs.slice();
    c.forward();
    const after = c.regs;
    const changes: Array<{ slot: number; before: bigint; after: bigint }> = [];
    for (let ch = seg.opCh[op]!; ch < seg.opCh[op + 1]!; ch++) {
      const slot = seg.chReg[ch]!;
      if (changes.some((x) => x.slot === slot)) continue;
      changes.push({ slot, before: slotBigint(before, slot), after: slotBigint(after, slot) });
    }
    const writes: Array<{ address: number; old: Uint8Array; data: Uint8Array }> = [];
    for (let w = seg.opWr[op]!; w < seg.opWr[op + 1]!; w++) {
      const at = seg.wrData[w]!;
      const newAt = seg.wrNew[w]!;
      const size = seg.wrSize[w]!;
      writes.push({ address: seg.wrAddr[w]!, old: seg.data.slice(at, at + size), data: seg.data.slice(newAt, newAt + size) });
    }
    return { index, tid: seg.stepTid[k]!, pc: seg.stepPc[k]!, nextPc: seg.stepNextPc[k]!, changes, writes };
  }

  /** Thread and pc of step `index`, without building the register view. */
  stepAt(index: number): { tid: number; pc: number } {
    const seg = this.decoded(this.segmentOf(index));
    const k = index - seg.firstStep;
    return { tid: seg.stepTid[k]!, pc: seg.stepPc[k]! };
  }

  // ---- events and threads ----------------------------------------------------------------------------------

  /** Every event of the run in order: those before the detail window first (negative positions). */
  events(): readonly EventAt[] {
    if (!this.eventList) this.loadFrames();
    return this.eventList!;
  }

  /**
   * The events of some kinds at positions up to `to`, in order, as events() lists them. With the footer's index
   * only the segments holding such an event are read, not every frame.
   */
  eventsOfKinds(kinds: readonly EventKind[], to = Infinity): EventAt[] {
    const wanted = new Set(kinds);
    const first = this.firstEvent;
    if (this.eventList || !first) return this.events().filter((e) => e.position <= to && wanted.has(e.event.kind));
    const out: EventAt[] = [];
    (this.header.events ?? []).forEach((event, index) => {
      if (wanted.has(event.kind) && Number(event.step) <= to) out.push({ index, position: Number(event.step), event });
    });
    const mask = kindMask(kinds);
    for (let i = 0; i < this.entries.length && this.firsts[i]! <= to; i++) {
      if ((this.entries[i]!.eventKinds! & mask) === 0) continue;
      for (const e of this.eventsOfSegment(i, first, true)) if (e.position <= to && wanted.has(e.event.kind)) out.push(e);
    }
    return out;
  }

  /**
   * The events in order, segment by segment as they are read: with the footer's index a reader prints the first
   * ones before the last segment is read, and with `kinds` reads only the segments holding one of them. The same
   * events, with the same ranks, as events() lists.
   */
  *eventStream(kinds?: ReadonlySet<EventKind>): Generator<EventAt> {
    const first = this.firstEvent;
    if (this.eventList || !first) {
      yield* this.events();
      return;
    }
    const header = this.header.events ?? [];
    for (let j = 0; j < header.length; j++) yield { index: j, position: Number(header[j]!.step), event: header[j]! };
    const mask = kinds ? kindMask(kinds) : -1;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.events === 0 || (e.eventKinds! & mask) === 0) continue;
      yield* this.eventsOfSegment(i, first, false);
    }
  }

  /** Segment i's events with their ranks in events() (`first`: the footer index's first rank of each segment);
   * kept for later when `keep` (a search reads the same few segments again; a stream reads each once). */
  private eventsOfSegment(i: number, first: Float64Array, keep: boolean): EventAt[] {
    const kept = this.segmentEvents.get(i);
    if (kept) return kept;
    const list = this.reader.segment(i).events.map((event, j) => ({ index: first[i]! + j, position: Number(event.step), event }));
    if (keep) this.segmentEvents.set(i, list);
    return list;
  }

  /** Events whose position lies in [from, to]. */
  eventsBetween(from: number, to: number): EventAt[] {
    const all = this.events();
    const out: EventAt[] = [];
    for (let i = this.firstEventFrom(from); i < all.length && all[i]!.position <= to; i++) out.push(all[i]!);
    return out;
  }

  /**
   * The first event strictly after (dir 1) or the last strictly before (dir -1) `position` that `wanted` accepts;
   * never one before the trace's first step or past its end. Walks from a binary search, not a list of every
   * event on that side (tens of thousands in a trace of many thread switches).
   */
  eventFrom(position: number, dir: 1 | -1, wanted: (e: EventAt) => boolean = () => true): EventAt | undefined {
    const all = this.events();
    if (dir > 0) {
      for (let i = this.firstEventFrom(position + 1); i < all.length && all[i]!.position <= this.totalSteps; i++) if (wanted(all[i]!)) return all[i];
    } else {
      for (let i = this.firstEventFrom(position) - 1; i >= 0 && all[i]!.position >= 0; i--) if (wanted(all[i]!)) return all[i];
    }
    return undefined;
  }

  /** Index in events() of the first event at or after `position` (events().length when there is none). */
  firstEventFrom(position: number): number {
    const all = this.events();
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid]!.position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  threads(): readonly ThreadInfo[] {
    if (this.threadList) return this.threadList;
    const table = new ThreadTable(this.header.threads);
    for (const { event } of this.events()) table.add(event);
    this.threadList = table.list();
    return this.threadList;
  }

  /**
   * Every memory-mapped and memory-unmapped event inside the detail window, in order, as [step, base, size,
   * mapped]: from the footer when it lists them, else from events().
   */
  mappings(): readonly FooterMapping[] {
    if (!this.mappingList) {
      const out: FooterMapping[] = [];
      for (const { event } of this.events()) {
        const m = mappingOf(event);
        if (m) out.push(m);
      }
      this.mappingList = out;
    }
    return this.mappingList;
  }

  thread(tid: number): ThreadInfo | undefined {
    return this.threads().find((t) => t.tid === tid);
  }

  /** A thread's TEB. A thread there at the start has it in the header (thread ids are never reused), so the
   * registers pane of a TUI's first frame does not read every segment's events as threads() does. */
  tebOf(tid: number): bigint | undefined {
    return this.header.threads.find((t) => t.tid === tid)?.teb ?? this.thread(tid)?.teb;
  }

  /** Steps thread `tid` executed before `position`: its own position in the trace. */
  threadPosition(tid: number, position: number): number {
    if (!this.perSegmentThreadSteps) this.loadFrames();
    const p = this.clamp(position);
    const si = this.segmentOf(p);
    let n = 0;
    for (let i = 0; i < si; i++) n += this.perSegmentThreadSteps![i]!.get(tid) ?? 0;
    const seg = this.decoded(si);
    const upto = p - seg.firstStep;
    for (let k = 0; k < upto; k++) if (seg.stepTid[k] === tid) n++;
    return n;
  }

  /**
   * Steps thread `tid` runs in segment i, known once the frames have been read (events() reads them); undefined
   * before. A search for a thread's steps skips the segments where it never runs without decoding them.
   */
  threadStepsIn(i: number, tid: number): number | undefined {
    const per = this.perSegmentThreadSteps;
    return per ? per[i]?.get(tid) ?? 0 : undefined;
  }

  /** Reads every segment frame once (not the step streams): events, and steps per thread per segment. */
  private loadFrames(): void {
    const acc = this.frameAccumulator();
    for (let i = 0; i < this.entries.length; i++) acc.add(this.reader.segment(i), i);
    acc.done();
  }

  /**
   * Gathers, segment by segment in order, the events and each thread's step count; done() publishes them. A
   * full scan feeds it as it goes, so the checker's pass reads every frame once, not twice.
   */
  private frameAccumulator() {
    const events: EventAt[] = [];
    const push = (e: TraceEvent) => events.push({ index: events.length, position: Number(e.step), event: e });
    for (const e of this.header.events ?? []) push(e);
    const perSeg: Array<Map<number, number>> = [];
    return {
      add: (s: Pick<Segment, 'events' | 'switches' | 'steps' | 'keyframe'>, i: number) => {
        for (const e of s.events) push(e);
        const counts = segmentThreadSteps(s);
        if (!counts) throw new TraceFormatError(this.path, this.entries[i]!.offset, `segment ${i} has a thread switch out of order`);
        perSeg.push(new Map(counts));
      },
      done: () => {
        this.eventList = events;
        this.perSegmentThreadSteps ??= perSeg;
      },
    };
  }

  // ---- helpers for queries ---------------------------------------------------------------------------------

  /** Kinds of op, re-exported for queries that walk a decoded segment. */
  static readonly OP = { step: OP_STEP, os: OP_OS, switch: OP_SWITCH } as const;

  /** PC of a register file as a number. */
  static pcOf(r: RegWords): number {
    return slotNumber(r, PC_SLOT);
  }

  /** Registers from an event's `regs` field. */
  static eventRegs(b: Uint8Array): RegWords {
    return regFileFromBytes(b);
  }
}

export { WORDS_PER_REG };
