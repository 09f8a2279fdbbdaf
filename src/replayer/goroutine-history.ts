// Every goroutine a program started up to a position, including those whose g the runtime has since handed to a
// later `go` (runtime.allgs holds only each g's latest occupant): one pass over the trace's memory writes, watching
// the goid, startpc and gopc fields of the gs in allgs. newproc1 writes startpc and gopc, then the new goid; each
// goid write is one goroutine's creation.

import { opPosition } from './decode.ts';
import { goroutinesAt, goRuntimeView } from './goroutines.ts';
import type { Replay } from './replay.ts';

export interface GoroutineCreated {
  readonly goid: number;
  readonly g: number;
  /** Position from which the g is this goroutine (just after the goid write). */
  readonly createdAt: number;
  readonly startpc: number;
  readonly gopc: number;
}

interface Shadow {
  readonly g: number;
  /** Bytes of [g + lo, g + hi): the watched fields as the writes so far left them. */
  readonly bytes: Uint8Array;
}

/** Goroutines created before `position`, in creation order; a string says why there are none to list. */
export function goroutineHistory(replay: Replay, position: number): GoroutineCreated[] | string {
  const trace = replay.trace;
  const view = goRuntimeView(trace);
  if (typeof view === 'string') return view;
  const gs = goroutinesAt(replay, position);
  if (typeof gs === 'string') return gs;
  const { goid, startpc, gopc } = view.layout.g;
  const lo = Math.min(goid, startpc, gopc);
  const hi = Math.max(goid, startpc, gopc) + 8;
  const shadows = new Map<number, Shadow>();
  for (const x of gs) shadows.set(x.g, { g: x.g, bytes: new Uint8Array(hi - lo) });
  // Writes are matched by the g whose watched span they touch; gs are at least hi bytes apart.
  const starts = [...shadows.keys()].sort((a, b) => a - b);
  const owner = (addr: number, size: number): Shadow | undefined => {
    let l = 0;
    let h = starts.length - 1;
    let best = -1;
    while (l <= h) {
      const mid = (l + h) >> 1;
      if (starts[mid]! + lo < addr + size) {
        best = mid;
        l = mid + 1;
      } else h = mid - 1;
    }
    const g = best < 0 ? undefined : starts[best]!;
    return g !== undefined && addr < g + hi ? shadows.get(g) : undefined;
  };
  const p = trace.clamp(position);
  const out: GoroutineCreated[] = [];
  const u64 = (b: Uint8Array, off: number) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(off, true));
  for (let i = 0; i < trace.segmentCount && Number(trace.entries[i]!.firstStep) < p; i++) {
    const seg = trace.decoded(i);
    for (let w = 0; w < seg.wrAddr.length; w++) {
      const addr = seg.wrAddr[w]!;
      const size = seg.wrSize[w]!;
      const s = owner(addr, size);
      if (!s) continue;
      const at = opPosition(seg, seg.wrOp[w]!);
      if (at > p) break;
      const data = seg.data.subarray(seg.wrNew[w]!, seg.wrNew[w]! + size);
      for (let j = 0; j < size; j++) {
        const o = addr + j - (s.g + lo);
        if (o >= 0 && o < s.bytes.length) s.bytes[o] = data[j]!;
      }
      if (addr < s.g + goid + 8 && addr + size > s.g + goid) {
        const id = u64(s.bytes, goid - lo);
        if (id !== 0) out.push({ goid: id, g: s.g, createdAt: at, startpc: u64(s.bytes, startpc - lo), gopc: u64(s.bytes, gopc - lo) });
      }
    }
  }
  return out;
}
