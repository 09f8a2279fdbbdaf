// Rebuilds machine state from a trace by replaying it from the start: registers of the running thread and all
// of guest memory (initial regions, then every step's and the emulated Windows' writes, zero-filled on map).
// Deliberately naive, so that it checks the recorder independently of the replayer's indexes.

import { TraceReader } from '../../src/trace/reader.ts';
import type { MemWrite } from '../../src/trace/stream.ts';

export class NaiveMemory {
  private readonly pages = new Map<bigint, Uint8Array>();

  page(addr: bigint): Uint8Array {
    const key = addr >> 12n;
    let p = this.pages.get(key);
    if (!p) {
      p = new Uint8Array(4096);
      this.pages.set(key, p);
    }
    return p;
  }

  write(addr: bigint, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const a = addr + BigInt(i);
      this.page(a)[Number(a & 0xfffn)] = bytes[i]!;
    }
  }

  read(addr: bigint, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = addr + BigInt(i);
      out[i] = this.pages.get(a >> 12n)?.[Number(a & 0xfffn)] ?? 0;
    }
    return out;
  }

  zero(base: bigint, size: number): void {
    for (let a = base; a < base + BigInt(size); a += 4096n) this.pages.delete(a >> 12n);
  }
}

export interface StateAt {
  position: bigint;
  tid: number;
  regs: bigint[];
}

/**
 * Registers of the running thread after `position` steps, for each wanted position (sorted ascending), by
 * replaying only the segments that hold them from their keyframes.
 */
export function registersAt(reader: TraceReader, positions: bigint[]): StateAt[] {
  const out: StateAt[] = [];
  let want = 0;
  for (let i = 0; i < reader.trace.segments.length && want < positions.length; i++) {
    const e = reader.trace.segments[i]!;
    const end = e.firstStep + BigInt(e.steps);
    if (positions[want]! > end) continue;
    reader.replaySegment(i, (step, regs) => {
      while (want < positions.length && positions[want] === step.index + 1n) {
        out.push({ position: step.index + 1n, tid: step.tid, regs: [...regs] });
        want++;
      }
    });
  }
  return out;
}

interface Write {
  position: bigint; // the write happened before this position was reached (during step position-1, or OS at it)
  address: bigint;
  data: Uint8Array;
}

interface PageWrites {
  /** Writes touching the page, in order. */
  list: Write[];
  /** Last byte written in the segment and the position of that write (-1 = not written). */
  last: Uint8Array;
  lastPos: Float64Array;
}

/**
 * Memory at a position from the trace alone: the latest write (by a step, by the emulated Windows, or a fresh
 * mapping, which is zeros) covering each byte up to the position, else the initial contents. Segments are
 * searched backwards through the footer's page index and decoded once each.
 */
export class MemoryOracle {
  private readonly initial = new NaiveMemory();
  private readonly cache = new Map<number, Map<number, PageWrites>>();
  private readonly maps: Write[] = [];

  constructor(private readonly reader: TraceReader) {
    for (const r of reader.trace.header.regions) for (const [off, bytes] of r.pages) this.initial.write(r.base + BigInt(off), bytes);
    for (let i = 0; i < reader.trace.segments.length; i++) {
      for (const ev of reader.segment(i).events) {
        if (ev.kind === 'memory-mapped' || ev.kind === 'memory-unmapped') {
          this.maps.push({ position: ev.step, address: ev.base, data: new Uint8Array(ev.size) });
        }
      }
    }
  }

  private pages(i: number): Map<number, PageWrites> {
    let m = this.cache.get(i);
    if (m) return m;
    const pages = new Map<number, PageWrites>();
    const add = (w: Write) => {
      for (let p = Number(w.address >> 12n); p <= Number((w.address + BigInt(w.data.length) - 1n) >> 12n); p++) {
        let pw = pages.get(p);
        if (!pw) {
          pw = { list: [], last: new Uint8Array(4096), lastPos: new Float64Array(4096).fill(-1) };
          pages.set(p, pw);
        }
        pw.list.push(w);
        for (let k = 0; k < w.data.length; k++) {
          const a = w.address + BigInt(k);
          if (Number(a >> 12n) !== p) continue;
          pw.last[Number(a & 0xfffn)] = w.data[k]!;
          pw.lastPos[Number(a & 0xfffn)] = Number(w.position);
        }
      }
    };
    let position = this.reader.trace.segments[i]!.firstStep;
    this.reader.replaySegment(i, (step) => {
      for (const x of step.writes) add({ position: step.index + 1n, address: x.address, data: x.data.slice() });
      position = step.index + 1n;
    }, (x) => add({ position, address: x.address, data: x.data.slice() }));
    if (this.cache.size >= 48) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(i, pages);
    m = pages;
    return m;
  }

  read(position: bigint, address: bigint, n: number): Uint8Array {
    const out = this.initial.read(address, n);
    const best = new Float64Array(n).fill(-1);
    const pos = Number(position);
    const put = (j: number, v: number, at: number) => {
      if (at <= pos && at >= best[j]!) {
        out[j] = v;
        best[j] = at;
      }
    };
    // Fresh mappings first: at the same position the emulated Windows maps, then writes (a new TEB, say).
    for (const m of this.maps) {
      if (m.position > position) continue;
      for (let j = 0; j < n; j++) {
        const a = address + BigInt(j);
        if (a >= m.address && a < m.address + BigInt(m.data.length)) put(j, 0, Number(m.position));
      }
    }
    const segs = this.reader.trace.segments;
    let i = segs.findIndex((e) => position <= e.firstStep + BigInt(e.steps));
    if (i < 0) i = segs.length - 1;
    const firstPage = Number(address >> 12n);
    const lastPage = Number((address + BigInt(n) - 1n) >> 12n);
    for (; i >= 0; i--) {
      const e = segs[i]!;
      const segEnd = Number(e.firstStep) + e.steps;
      // Every byte already has a value from later than this segment: older writes cannot matter.
      if (best.every((b) => b >= segEnd)) break;
      const pw = e.pagesWritten;
      if (pw[0] !== -1 && !pw.some((p) => p >= firstPage && p <= lastPage)) continue;
      const pages = this.pages(i);
      for (let p = firstPage; p <= lastPage; p++) {
        const w = pages.get(p);
        if (!w) continue;
        const whole = segEnd <= pos;
        if (whole) {
          for (let j = 0; j < n; j++) {
            const a = address + BigInt(j);
            if (Number(a >> 12n) !== p) continue;
            const off = Number(a & 0xfffn);
            if (w.lastPos[off]! >= 0) put(j, w.last[off]!, w.lastPos[off]!);
          }
        } else {
          for (const x of w.list) {
            if (x.position > position) continue;
            for (let k = 0; k < x.data.length; k++) {
              const a = x.address + BigInt(k);
              if (a < address || a >= address + BigInt(n)) continue;
              put(Number(a - address), x.data[k]!, Number(x.position));
            }
          }
        }
      }
    }
    return out;
  }
}
