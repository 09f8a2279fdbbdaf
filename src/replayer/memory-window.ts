// A debugger reads the same few hundred bytes (the stack around SP, a watched buffer) at position after nearby
// position. A full read may scan far back through the trace for a byte last written long ago; from a window
// already read at a nearby position, the bytes at the new one are that window with the writes in between applied
// (their new bytes going forward, their old bytes going back), which costs only the segments in between.

import { opPosition } from './decode.ts';
import type { MemoryBytes, TraceMemory } from './memory.ts';
import type { Trace } from './trace.ts';

export type MemoryReader = (position: number, address: number, n: number) => MemoryBytes;

/** Farthest move, in segments, made from the window; farther, the window is read anew. */
const MAX_SEGMENTS = 8;

/** Moves bytes read at `from` to position `to`; undefined when a mapping changes in between or it is too far. */
export function moveBytes(trace: Trace, memory: TraceMemory, mem: MemoryBytes, from: number, to: number): MemoryBytes | undefined {
  const a = trace.clamp(Math.min(from, to));
  const b = trace.clamp(Math.max(from, to));
  if (a === b) return mem;
  const end = mem.address + mem.bytes.length;
  if (memory.mappingEvents().some((e) => e.position > a && e.position <= b && e.base < end && e.end > mem.address)) return undefined;
  const first = trace.segmentOf(a);
  const last = Math.min(trace.segmentCount - 1, trace.segmentOf(b) + 1);
  if (last - first > MAX_SEGMENTS) return undefined;
  const bytes = mem.bytes.slice();
  const forward = to > from;
  const order = forward ? [...Array(last - first + 1).keys()].map((k) => first + k) : [...Array(last - first + 1).keys()].map((k) => last - k);
  for (const i of order) {
    const seg = trace.decoded(i);
    const n = seg.wrAddr.length;
    for (let k = 0; k < n; k++) {
      const w = forward ? k : n - 1 - k;
      const addr = seg.wrAddr[w]!;
      const size = seg.wrSize[w]!;
      if (addr >= end || addr + size <= mem.address) continue;
      const v = opPosition(seg, seg.wrOp[w]!);
      if (v <= a || v > b) continue;
      // Forward: the write's new bytes; backward: the bytes it replaced.
      const src = forward ? seg.wrNew[w]! : seg.wrData[w]!;
      for (let j = 0; j < size; j++) {
        const o = addr + j - mem.address;
        if (o >= 0 && o < bytes.length) bytes[o] = seg.data[src + j]!;
      }
    }
  }
  return { address: mem.address, bytes, mapped: mem.mapped };
}

/**
 * Reads through a window kept from the last read: a read inside it at a nearby position moves the window there
 * instead of reading anew. Windows are `span` bytes, aligned, around what was asked.
 */
export class MemoryWindow {
  private win: { position: number; mem: MemoryBytes } | undefined;

  constructor(private readonly trace: Trace, private readonly memory: TraceMemory, private readonly span = 512) {}

  readonly read: MemoryReader = (position, address, n) => {
    const p = this.trace.clamp(position);
    const w = this.win;
    if (w && address >= w.mem.address && address + n <= w.mem.address + w.mem.bytes.length) {
      const moved = moveBytes(this.trace, this.memory, w.mem, w.position, p);
      if (moved) {
        this.win = { position: p, mem: moved };
        return slice(moved, address, n);
      }
    }
    const size = Math.max(this.span, n + 128);
    const start = Math.max(0, Math.floor((address - (size - n) / 2) / 64) * 64);
    const span = Math.ceil((address + n - start) / 64) * 64 >= size ? Math.ceil((address + n - start) / 64) * 64 : size;
    const mem = this.memory.read(p, start, span);
    this.win = { position: p, mem };
    return slice(mem, address, n);
  };
}

function slice(mem: MemoryBytes, address: number, n: number): MemoryBytes {
  const o = address - mem.address;
  return { address, bytes: mem.bytes.slice(o, o + n), mapped: mem.mapped.slice(o, o + n) };
}
