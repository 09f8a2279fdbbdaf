// What opening a trace needs from its events, gathered once as the segments are written and kept in the footer
// (docs/trace-format.md, "Footer"): each segment's steps per thread, mapping changes and number and kinds of
// events, and the thread table. Without
// them a reader had to read every segment's frame before it could name a thread's own step or read memory
// (5 s for `show` on a 61M-step trace). The same code builds them for the writer and for a reader of a trace
// without them (a recording cut short, or one made before), so both ways give the same answers.

import type { EventKind, FooterEntry, FooterMapping, FooterThread, Segment, TraceEvent, TraceFooter, TraceHeader } from './schema.ts';

/** A thread's lifetime as the events tell it; positions are step numbers (negative before --start-at's window). */
export interface ThreadInfo {
  readonly tid: number;
  readonly teb: bigint;
  readonly stackBase: bigint;
  readonly stackLimit: bigint;
  /** Start routine (0 for the main thread, which starts at the image entry point). */
  readonly start: bigint;
  /** Position of thread-created (undefined: alive when the trace began). */
  readonly createdAt: number | undefined;
  readonly startedAt: number | undefined;
  readonly exitedAt: number | undefined;
  readonly exitCode: number | undefined;
}

type MutableThread = { -readonly [K in keyof ThreadInfo]: ThreadInfo[K] };

/** The thread table, event by event in trace order, starting from the header's threads. */
export class ThreadTable {
  private readonly map = new Map<number, MutableThread>();

  constructor(headerThreads: TraceHeader['threads']) {
    for (const t of headerThreads) {
      this.map.set(t.tid, { tid: t.tid, teb: t.teb, stackBase: t.stackBase, stackLimit: t.stackLimit, start: 0n, createdAt: undefined, startedAt: undefined, exitedAt: undefined, exitCode: undefined });
    }
  }

  add(e: TraceEvent | ThreadEvent): void {
    const position = Number(e.step);
    if (e.kind === 'thread-created') {
      this.map.set(e.newTid, { tid: e.newTid, teb: e.teb, stackBase: e.stackBase, stackLimit: e.stackLimit, start: e.start, createdAt: position, startedAt: undefined, exitedAt: undefined, exitCode: undefined });
    } else if (e.kind === 'thread-started') {
      const t = this.map.get(e.tid);
      if (t && t.startedAt === undefined) t.startedAt = position;
    } else if (e.kind === 'thread-exited') {
      const t = this.map.get(e.tid);
      if (t) {
        t.exitedAt = position;
        t.exitCode = e.exitCode;
      }
    }
  }

  list(): ThreadInfo[] {
    return [...this.map.values()].sort((a, b) => a.tid - b.tid);
  }
}

/**
 * Steps each thread runs in a segment, from its keyframe's current thread and its switch list (no step stream);
 * in order of first appearance. Undefined when the switches are out of order (the caller names the defect).
 */
export function segmentThreadSteps(s: Pick<Segment, 'switches' | 'steps' | 'keyframe'>): Array<[number, number]> | undefined {
  const counts = new Map<number, number>();
  let tid = s.keyframe.currentTid;
  let at = 0;
  for (const [rel, next] of s.switches) {
    if (rel < at || rel > s.steps) return undefined;
    counts.set(tid, (counts.get(tid) ?? 0) + rel - at);
    tid = next;
    at = rel;
  }
  counts.set(tid, (counts.get(tid) ?? 0) + s.steps - at);
  return [...counts];
}

/** Event kinds by their bit in a footer entry's `eventKinds` (append only: the bit numbers are the file format). */
export const EVENT_KIND_BITS: readonly EventKind[] = [
  'api-call', 'api-return', 'thread-created', 'thread-started', 'thread-switched', 'thread-exited', 'exception-raised',
  'handler-called', 'handler-returned', 'context-resumed', 'fail-fast', 'memory-mapped', 'memory-unmapped', 'process-exit',
];

/** The `eventKinds` bits of a set of kinds. */
export function kindMask(kinds: Iterable<EventKind>): number {
  let m = 0;
  for (const k of kinds) m |= 1 << EVENT_KIND_BITS.indexOf(k);
  return m;
}

/** A memory-mapped or memory-unmapped event inside the detail window, as the footer lists it; else undefined. */
export function mappingOf(e: TraceEvent): FooterMapping | undefined {
  if (e.step < 0n) return undefined;
  if (e.kind === 'memory-mapped') return [e.step, e.base, e.size, 1];
  if (e.kind === 'memory-unmapped') return [e.step, e.base, e.size, 0];
  return undefined;
}

/** The footer's form of a thread: positions as 64-bit integers, an unknown one left out. */
export function footerThread(t: ThreadInfo): FooterThread {
  const out: FooterThread = { tid: t.tid, teb: t.teb, stackBase: t.stackBase, stackLimit: t.stackLimit, start: t.start };
  if (t.createdAt !== undefined) out.createdAt = BigInt(t.createdAt);
  if (t.startedAt !== undefined) out.startedAt = BigInt(t.startedAt);
  if (t.exitedAt !== undefined) out.exitedAt = BigInt(t.exitedAt);
  if (t.exitCode !== undefined) out.exitCode = t.exitCode;
  return out;
}

export function threadFromFooter(t: FooterThread): ThreadInfo {
  const n = (v: bigint | undefined) => (v === undefined ? undefined : Number(v));
  return { tid: t.tid, teb: t.teb, stackBase: t.stackBase, stackLimit: t.stackLimit, start: t.start, createdAt: n(t.createdAt), startedAt: n(t.startedAt), exitedAt: n(t.exitedAt), exitCode: t.exitCode };
}

/** What the thread table needs of a thread event (a share of a parallel recording hands these over, not the events). */
export type ThreadEvent =
  | Pick<Extract<TraceEvent, { kind: 'thread-created' }>, 'kind' | 'step' | 'tid' | 'newTid' | 'teb' | 'stackBase' | 'stackLimit' | 'start'>
  | Pick<Extract<TraceEvent, { kind: 'thread-started' }>, 'kind' | 'step' | 'tid'>
  | Pick<Extract<TraceEvent, { kind: 'thread-exited' }>, 'kind' | 'step' | 'tid' | 'exitCode'>;

/** The index of a run of consecutive segments: what one writer saw, for the writer of the whole file to absorb. */
export interface FooterIndexPart {
  threadEvents: ThreadEvent[];
  /** Per segment, in order: [tid, steps]; undefined for a segment whose switches are out of order. */
  steps: Array<Array<[number, number]> | undefined>;
  /** Per segment, in order: its mapping changes. */
  mappings: FooterMapping[][];
  /** Per segment, in order: [number of events, kindMask of their kinds]. */
  events: Array<[number, number]>;
}

export function emptyPart(): FooterIndexPart {
  return { threadEvents: [], steps: [], mappings: [], events: [] };
}

/** How long each list of a part is at some moment: what partSince leaves out of a later part. */
export type PartMark = { [K in keyof FooterIndexPart]: number };

export function partMark(p: FooterIndexPart): PartMark {
  return { threadEvents: p.threadEvents.length, steps: p.steps.length, mappings: p.mappings.length, events: p.events.length };
}

/** What a part gained since `m`: one share's frames of a parallel recording. */
export function partSince(p: FooterIndexPart, m: PartMark): FooterIndexPart {
  return { threadEvents: p.threadEvents.slice(m.threadEvents), steps: p.steps.slice(m.steps), mappings: p.mappings.slice(m.mappings), events: p.events.slice(m.events) };
}

/**
 * Gathers the footer's event index from the header and every segment, in the order they are written; a writer
 * that appends frames written elsewhere absorbs their writer's part().
 */
export class FooterIndexBuilder {
  private headerThreads: TraceHeader['threads'] | undefined;
  private readonly gathered = emptyPart();

  /** The header's events lie before the detail window: they change threads, never the mappings inside it. */
  header(h: TraceHeader): void {
    this.headerThreads = h.threads;
    for (const e of h.events ?? []) this.threadEvent(e);
  }

  segment(s: Segment): void {
    const mappings: FooterMapping[] = [];
    for (const e of s.events) {
      this.threadEvent(e);
      const m = mappingOf(e);
      if (m) mappings.push(m);
    }
    this.gathered.steps.push(segmentThreadSteps(s));
    this.gathered.mappings.push(mappings);
    this.gathered.events.push([s.events.length, kindMask(s.events.map((e) => e.kind))]);
  }

  private threadEvent(e: TraceEvent): void {
    const g = this.gathered;
    if (e.kind === 'thread-created') {
      g.threadEvents.push({ kind: e.kind, step: e.step, tid: e.tid, newTid: e.newTid, teb: e.teb, stackBase: e.stackBase, stackLimit: e.stackLimit, start: e.start });
    } else if (e.kind === 'thread-started') {
      g.threadEvents.push({ kind: e.kind, step: e.step, tid: e.tid });
    } else if (e.kind === 'thread-exited') {
      g.threadEvents.push({ kind: e.kind, step: e.step, tid: e.tid, exitCode: e.exitCode });
    }
  }

  /** What this writer gathered, header events included. */
  part(): FooterIndexPart {
    return this.gathered;
  }

  /** Adds the segments another writer wrote (their frames appended after the ones this writer saw). */
  absorb(p: FooterIndexPart): void {
    const g = this.gathered;
    for (const e of p.threadEvents) g.threadEvents.push(e);
    for (const s of p.steps) g.steps.push(s);
    for (const m of p.mappings) g.mappings.push(m);
    for (const e of p.events) g.events.push(e);
  }

  /** The footer with the index added; unchanged when the writer did not see the header and every segment. */
  apply(f: TraceFooter): TraceFooter {
    const g = this.gathered;
    if (!this.headerThreads || g.steps.length !== f.segments.length || g.events.length !== f.segments.length || g.steps.some((s) => s === undefined)) return f;
    const table = new ThreadTable(this.headerThreads);
    for (const e of g.threadEvents) table.add(e);
    // Per entry, so that they split with the index however many there are; most segments map nothing.
    const segments: FooterEntry[] = f.segments.map((e, i) => ({
      ...e, threadSteps: g.steps[i]!, ...(g.mappings[i]!.length ? { mappings: g.mappings[i] } : {}), events: g.events[i]![0], eventKinds: g.events[i]![1],
    }));
    return { ...f, segments, threads: table.list().map(footerThread) };
  }
}
