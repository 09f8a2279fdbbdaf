// Guest memory at any position, from the trace alone. Every recorded write carries the bytes it replaced, so the
// value of a byte at position p is the new value of the last write before p, or equally the old value of the
// first write after p: the search runs in both directions from p, one segment at a time, and stops at the first
// answer. The footer's per-segment page index skips segments that never touch the pages asked for. A mapping
// event bounds both searches: writes before a fresh mapping are of older memory (a fresh mapping is zeros), and a
// write after a later remapping says nothing about p.

import { type DecodedSegment, opLimit, opPosition } from './decode.ts';
import type { Segment } from '../trace/schema.ts';
import type { Trace } from './trace.ts';
import { FIND_ALL, findWriteNative, windowWritesNative } from './native-decode.ts';
import { type BloomProbe, bloomProbe, mayHaveWrittenBytes } from './word-bloom.ts';

export interface WriteHit {
  /** Position from which the write is visible: its step's index + 1, or where the emulated Windows wrote. */
  readonly position: number;
  /** The step that wrote, or undefined when the emulated Windows wrote (an API's output, an exception frame). */
  readonly step: number | undefined;
  readonly tid: number;
  readonly address: number;
  readonly old: Uint8Array;
  readonly data: Uint8Array;
}

export interface MemoryBytes {
  readonly address: number;
  readonly bytes: Uint8Array;
  /** 1 where the address was mapped at that position, 0 where it was not (the byte is then 0). */
  readonly mapped: Uint8Array;
}

interface RegionEvent {
  position: number;
  base: number;
  end: number;
  mapped: boolean;
}

const PAGE = 4096;
/** Granularity of the written-lines summary kept per segment once it has been decoded. */
const LINE = 64;
/** Reads and searches up to this many bytes (512 words) test the word filters; longer ones only the page index. */
const PROBE_MAX_BYTES = 4096;

export class TraceMemory {
  private initial: Map<number, Uint8Array> | undefined;
  private initialRegions: Array<[number, number]> | undefined;
  private regionEvents: RegionEvent[] | undefined;
  /** Per segment, once decoded: the sorted 64-byte lines its writes touched (small, never evicted). */
  private readonly lines = new Map<number, Float64Array>();

  constructor(private readonly trace: Trace) {}

  /** `n` bytes at `address` as they were at `position`. */
  read(position: number, address: number, n: number): MemoryBytes {
    const t = this.trace;
    const p = t.clamp(position);
    const bytes = new Uint8Array(n);
    const mapped = new Uint8Array(n);
    const done = new Uint8Array(n);
    const floor = new Float64Array(n).fill(-Infinity);
    const ceil = new Float64Array(n).fill(Infinity);
    for (const [b, e] of this.regionsAtStart()) overlap(address, n, b, e, (j) => (mapped[j] = 1));
    for (const ev of this.mappingEvents()) {
      if (ev.position <= p) {
        overlap(address, n, ev.base, ev.end, (j) => {
          mapped[j] = ev.mapped ? 1 : 0;
          floor[j] = ev.position;
        });
      } else {
        overlap(address, n, ev.base, ev.end, (j) => (ceil[j] = Math.min(ceil[j]!, ev.position)));
      }
    }
    let left = 0;
    for (let j = 0; j < n; j++) {
      if (mapped[j]) left++;
      else done[j] = 1;
    }
    if (left === 0 || t.segmentCount === 0) return this.finish(address, bytes, mapped, done, floor);
    const S = t.segmentOf(p);
    let back = S;
    let fwd = S;
    // The filter probe covers the words still unknown: once most of a stack window is found nearby, the search
    // for the rest skips the segments that wrote only the words already found. Writes before a byte's mapping
    // (floor) do not count, nor writes after its next mapping change (ceil): the backward search ends past the
    // earliest floor of the bytes still unknown (a stack page mapped during the run, never written there, sent it
    // through the whole trace), and the forward shortcut past their latest ceil.
    let probe = n <= PROBE_MAX_BYTES ? pendingProbe(address, done) : undefined;
    let [lowest, highest] = pendingBounds(done, floor, ceil);
    let known = left;
    while (left > 0 && back >= 0 && this.segmentEnd(back) >= lowest) {
      if (this.touches(back, address, address + n, probe)) {
        const w = this.windowOf(back, back === S ? p : undefined, address, n, false);
        left -= w ? merge(w, bytes, done, (j, at) => at >= floor[j]!) : this.scanBackward(this.segment(back), back === S ? p : Infinity, address, bytes, done, floor);
      }
      back--;
      // The segment after it, in the other direction: the first write after p gives the value at p too.
      if (left > 0 && fwd < t.segmentCount && Number(t.entries[fwd]!.firstStep) < highest) {
        if (this.touches(fwd, address, address + n, probe)) {
          const w = this.windowOf(fwd, fwd === S ? p : undefined, address, n, true);
          left -= w ? merge(w, bytes, done, (j, at) => at < ceil[j]!) : this.scanForward(this.segment(fwd), fwd === S ? p : -Infinity, address, bytes, done, ceil);
        }
        fwd++;
      }
      if (left < known) {
        if (probe) probe = pendingProbe(address, done);
        [lowest, highest] = pendingBounds(done, floor, ceil);
        known = left;
      }
    }
    return this.finish(address, bytes, mapped, done, floor);
  }

  /** The last write at or before `position` touching [address, address + size). */
  lastWrite(position: number, address: number, size = 1): WriteHit | undefined {
    const t = this.trace;
    if (t.segmentCount === 0) return undefined;
    const p = t.clamp(position);
    const probe = probeFor(address, size);
    const first = t.segmentOf(p);
    for (let i = first; i >= 0; i--) {
      if (!this.touches(i, address, address + size, probe)) continue;
      const found = this.findWrite(i, i === first ? p : undefined, address, size, false);
      if (found) return found;
    }
    return undefined;
  }

  /** The first write after `position` (visible at a later position) touching [address, address + size). */
  nextWrite(position: number, address: number, size = 1): WriteHit | undefined {
    const t = this.trace;
    if (t.segmentCount === 0) return undefined;
    const p = t.clamp(position);
    const first = t.segmentOf(p);
    const probe = probeFor(address, size);
    for (let i = first; i < t.segmentCount; i++) {
      if (!this.touches(i, address, address + size, probe)) continue;
      const found = this.findWrite(i, i === first ? p : undefined, address, size, true);
      if (found) return found;
    }
    return undefined;
  }

  /** The position after segment i's last step: the latest a write of it becomes visible. */
  private segmentEnd(i: number): number {
    const e = this.trace.entries[i]!;
    return Number(e.firstStep) + e.steps;
  }

  /**
   * Segment i's frame for the C finder, and the step record it searches up to (backward) or from (forward):
   * position p's, or the whole segment when p is undefined (the position is in another segment).
   */
  private undecoded(i: number, p: number | undefined): { s: Segment; firstStep: number; limit: number } {
    const s = this.trace.frame(i);
    const firstStep = Number(s.firstStep);
    return { s, firstStep, limit: p === undefined ? FIND_ALL : Math.min(p - firstStep, s.steps) };
  }

  /**
   * Segment i's writes to [address, address + n) from its stream by the C finder, when it is not decoded: what
   * scanBackward (forward: scanForward) reads from the decoded segment, without building it. undefined: decode.
   */
  private windowOf(i: number, p: number | undefined, address: number, n: number, forward: boolean): NativeWindow | undefined {
    if (this.trace.isDecoded(i)) return undefined;
    const { s, firstStep, limit } = this.undecoded(i, p);
    const w = windowWritesNative(s.data, s.steps, s.keyframe.currentTid, limit, forward, address, n);
    if (w === undefined) return undefined;
    return { firstStep, bytes: w?.bytes, pos: w?.pos };
  }

  /**
   * The last write in segment i before position p (forward: the first from p on; p undefined: the whole
   * segment) touching [address, address + size). A segment not decoded yet is searched in its stream by the C
   * finder, which builds no arrays: decoding each candidate (1.5 MB of arrays for 16,384 steps) made the
   * garbage collector the tail of "last write".
   */
  private findWrite(i: number, p: number | undefined, address: number, size: number, forward: boolean): WriteHit | undefined {
    if (!this.trace.isDecoded(i)) {
      const { s, firstStep, limit } = this.undecoded(i, p);
      const f = findWriteNative(s.data, s.steps, s.keyframe.currentTid, limit, forward, address, address + size);
      if (f === null) return undefined;
      if (f) {
        const old = Uint8Array.from(s.data.subarray(f.dataAt, f.dataAt + f.size));
        const data = Uint8Array.from(s.data.subarray(f.newAt, f.newAt + f.size));
        if (f.byWindows) return { position: firstStep + f.step, step: undefined, tid: f.tid, address: f.address, old, data };
        return { position: firstStep + f.step + 1, step: firstStep + f.step, tid: f.tid, address: f.address, old, data };
      }
      // No native finder, or a stream it refuses: the decoder below says what is wrong with it.
    }
    const seg = this.segment(i);
    const end = address + size;
    if (forward) {
      const limit = p === undefined ? 0 : opLimit(seg, p);
      for (let w = 0; w < seg.wrAddr.length; w++) {
        if (seg.wrOp[w]! < limit) continue;
        const a = seg.wrAddr[w]!;
        if (a < end && a + seg.wrSize[w]! > address) return writeHit(seg, w);
      }
    } else {
      const limit = p === undefined ? seg.opCount : opLimit(seg, p);
      for (let w = seg.wrAddr.length - 1; w >= 0; w--) {
        if (seg.wrOp[w]! >= limit) continue;
        const a = seg.wrAddr[w]!;
        if (a < end && a + seg.wrSize[w]! > address) return writeHit(seg, w);
      }
    }
    return undefined;
  }

  /** Reads a little-endian u64 at a position (undefined if any byte was unmapped). */
  u64(position: number, address: number): bigint | undefined {
    const m = this.read(position, address, 8);
    if (m.mapped.some((x) => x === 0)) return undefined;
    return new DataView(m.bytes.buffer).getBigUint64(0, true);
  }

  /**
   * Could segment i have written any byte of [address, end)? The footer's page index answers first; a segment
   * already decoded once answers from its line summary, so it is never decoded again for bytes it did not write.
   */
  private touches(i: number, address: number, end: number, probe: BloomProbe | undefined): boolean {
    const entry = this.trace.entries[i]!;
    const pages = entry.pagesWritten;
    // The footer's lines of those pages when it has them: a stack page is written in nearly every segment, its
    // caller's frame record in none of them since the call (reading it asked every segment's word filter on a Go
    // 1.27 trace).
    if (!(pages.length > 0 && pages[0] === -1)) {
      const written = entry.linesWritten
        ? linesTouched(pages, entry.linesWritten, address, end)
        : anyInRange(pages, Math.floor(address / PAGE), Math.floor((end - 1) / PAGE));
      if (!written) return false;
    }
    if (probe) {
      // The group's summary first: a word none of its segments wrote does not read the group's filters.
      const summary = this.trace.bloomSummary(i);
      if (summary && !mayHaveWrittenBytes(summary, this.trace.byteSummary(i), probe)) return false;
      const bloom = this.trace.wordBloom(i);
      if (bloom && !mayHaveWrittenBytes(bloom, this.trace.byteBloom(i), probe)) return false;
    }
    const lines = this.lines.get(i);
    return lines === undefined || anyInRange(lines, Math.floor(address / LINE), Math.floor((end - 1) / LINE));
  }

  /** The decoded segment, noting its line summary on first sight when the footer has none. */
  private segment(i: number): DecodedSegment {
    const seg = this.trace.decoded(i);
    // The footer's linesWritten already says which lines the segment wrote; only a segment whose pages it could
    // not list (pagesWritten [-1]) needs its summary from the decoded writes.
    if (!this.lines.has(i) && !this.trace.entries[i]!.linesWritten) {
      const set = new Set<number>();
      for (let w = 0; w < seg.wrAddr.length; w++) {
        const a = seg.wrAddr[w]!;
        // Counted, not `l <= last; l++`: above 2^53 (a corrupt trace) l++ can leave l unchanged and never end.
        const first = Math.floor(a / LINE);
        const count = Math.floor((a + seg.wrSize[w]! - 1) / LINE) - first + 1;
        for (let k = 0; k < count; k++) set.add(first + k);
      }
      this.lines.set(i, Float64Array.from(set).sort());
    }
    return seg;
  }

  /** Resolves bytes from writes before position p (p = Infinity: the whole segment), latest first. */
  private scanBackward(seg: DecodedSegment, p: number, address: number, bytes: Uint8Array, done: Uint8Array, floor: Float64Array): number {
    const limit = p === Infinity ? seg.opCount : opLimit(seg, p);
    const end = address + bytes.length;
    let resolved = 0;
    for (let w = seg.wrAddr.length - 1; w >= 0; w--) {
      if (seg.wrOp[w]! >= limit) continue;
      const a = seg.wrAddr[w]!;
      const size = seg.wrSize[w]!;
      if (a >= end || a + size <= address) continue;
      const at = writePosition(seg, w);
      const newAt = seg.wrNew[w]!;
      for (let k = Math.max(0, address - a); k < size && a + k < end; k++) {
        const j = a + k - address;
        if (done[j] || at < floor[j]!) continue;
        bytes[j] = seg.data[newAt + k]!;
        done[j] = 1;
        resolved++;
      }
    }
    return resolved;
  }

  /** Resolves bytes from the old contents of writes after position p (p = -Infinity: the whole segment). */
  private scanForward(seg: DecodedSegment, p: number, address: number, bytes: Uint8Array, done: Uint8Array, ceil: Float64Array): number {
    const limit = p === -Infinity ? 0 : opLimit(seg, p);
    const end = address + bytes.length;
    let resolved = 0;
    for (let w = 0; w < seg.wrAddr.length; w++) {
      if (seg.wrOp[w]! < limit) continue;
      const a = seg.wrAddr[w]!;
      const size = seg.wrSize[w]!;
      if (a >= end || a + size <= address) continue;
      const at = writePosition(seg, w);
      const oldAt = seg.wrData[w]!;
      for (let k = Math.max(0, address - a); k < size && a + k < end; k++) {
        const j = a + k - address;
        if (done[j] || at >= ceil[j]!) continue;
        bytes[j] = seg.data[oldAt + k]!;
        done[j] = 1;
        resolved++;
      }
    }
    return resolved;
  }

  /** Bytes no write explains: zero after a fresh mapping, else the initial contents. */
  private finish(address: number, bytes: Uint8Array, mapped: Uint8Array, done: Uint8Array, floor: Float64Array): MemoryBytes {
    const init = this.initialPages();
    for (let j = 0; j < bytes.length; j++) {
      if (done[j] || !mapped[j] || floor[j] !== -Infinity) continue;
      const a = address + j;
      bytes[j] = init.get(Math.floor(a / PAGE))?.[a % PAGE] ?? 0;
    }
    return { address, bytes, mapped };
  }

  private initialPages(): Map<number, Uint8Array> {
    if (this.initial) return this.initial;
    const m = new Map<number, Uint8Array>();
    for (const r of this.trace.header.regions) {
      for (const [off, b] of r.pages) m.set(Math.floor((Number(r.base) + off) / PAGE), b);
    }
    this.initial = m;
    return m;
  }

  private regionsAtStart(): Array<[number, number]> {
    this.initialRegions ??= this.trace.header.regions.map((r) => [Number(r.base), Number(r.base) + r.size] as [number, number]);
    return this.initialRegions;
  }

  /** memory-mapped / memory-unmapped events in order (within the detail window). */
  mappingEvents(): readonly RegionEvent[] {
    if (this.regionEvents) return this.regionEvents;
    const out: RegionEvent[] = [];
    for (const [step, base, size, mapped] of this.trace.mappings()) {
      out.push({ position: Number(step), base: Number(base), end: Number(base) + size, mapped: mapped === 1 });
    }
    this.regionEvents = out;
    return out;
  }

  /** Is [address, address + size) mapped at a position? */
  isMapped(position: number, address: number, size = 1): boolean {
    return this.read(position, address, Math.min(size, 16)).mapped.every((x) => x === 1);
  }
}

/** Does any page of `pages` have a line written (`lines`, the footer's linesWritten) in [address, end)? */
function linesTouched(pages: readonly number[], lines: Uint8Array, address: number, end: number): boolean {
  const firstLine = Math.floor(address / LINE);
  const lastLine = Math.floor((end - 1) / LINE);
  const linesPerPage = PAGE / LINE;
  let k = lowerBound(pages, Math.floor(firstLine / linesPerPage));
  for (; k < pages.length; k++) {
    const base = pages[k]! * linesPerPage;
    if (base > lastLine) return false;
    const lo = Math.max(firstLine, base) - base;
    const hi = Math.min(lastLine, base + linesPerPage - 1) - base;
    for (let l = lo; l <= hi; l++) if (lines[8 * k + (l >> 3)]! & (1 << (l & 7))) return true;
  }
  return false;
}

/** The index of the first value of the sorted list at or above x (its length when none is). */
function lowerBound(sorted: ArrayLike<number>, x: number): number {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (sorted[mid]! < x) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** Does the sorted list hold a value in [lo, hi]? */
function anyInRange(sorted: ArrayLike<number>, lo: number, hi: number): boolean {
  const a = lowerBound(sorted, lo);
  return a < sorted.length && sorted[a]! <= hi;
}

function overlap(address: number, n: number, base: number, end: number, f: (j: number) => void): void {
  const lo = Math.max(address, base);
  const hi = Math.min(address + n, end);
  for (let a = lo; a < hi; a++) f(a - address);
}

/** A segment's writes to a window, from the C finder (bytes and pos absent: none touched it). */
interface NativeWindow {
  readonly firstStep: number;
  readonly bytes: Uint8Array | undefined;
  readonly pos: Float64Array | undefined;
}

/** Takes the bytes of a native window that `keep` accepts (by where they came from) into a read; returns how many. */
function merge(w: NativeWindow, bytes: Uint8Array, done: Uint8Array, keep: (j: number, at: number) => boolean): number {
  if (!w.bytes || !w.pos) return 0;
  let resolved = 0;
  for (let j = 0; j < bytes.length; j++) {
    if (done[j] || w.pos[j]! < 0) continue;
    const at = w.firstStep + w.pos[j]!;
    if (!keep(j, at)) continue;
    bytes[j] = w.bytes[j]!;
    done[j] = 1;
    resolved++;
  }
  return resolved;
}

/** The earliest floor and the latest ceil of the bytes of a read not yet found. */
function pendingBounds(done: Uint8Array, floor: Float64Array, ceil: Float64Array): [number, number] {
  let lowest = Infinity;
  let highest = -Infinity;
  for (let j = 0; j < done.length; j++) {
    if (done[j]) continue;
    lowest = Math.min(lowest, floor[j]!);
    highest = Math.max(highest, ceil[j]!);
  }
  return [lowest, highest];
}

/** The filter probe of the bytes of a read not yet found. */
function pendingProbe(address: number, done: Uint8Array): BloomProbe {
  return bloomProbe(address, done.length, done);
}

/** The Bloom filter probe of a range; none for ranges over PROBE_MAX_BYTES, which the page index answers. */
function probeFor(address: number, size: number): BloomProbe | undefined {
  return size <= PROBE_MAX_BYTES ? bloomProbe(address, size) : undefined;
}

/** Position from which write w is visible. */
function writePosition(seg: DecodedSegment, w: number): number {
  return opPosition(seg, seg.wrOp[w]!);
}

/** Write w of a decoded segment as a hit: where, by whom, and the bytes before and after. */
export function writeHit(seg: DecodedSegment, w: number): WriteHit {
  const at = seg.wrData[w]!;
  const newAt = seg.wrNew[w]!;
  const size = seg.wrSize[w]!;
  const step = seg.wrStep[w]!;
  // The thread that wrote: a step's own thread; for an OS write, the thread on the CPU at that op.
  const tid = seg.opTid[seg.wrOp[w]!]!;
  return {
    position: writePosition(seg, w), step: step >= 0 ? seg.firstStep + step : undefined, tid,
    address: seg.wrAddr[w]!, old: seg.data.slice(at, at + size), data: seg.data.slice(newAt, newAt + size),
  };
}
