// Memory as a debugger's hex view shows it: rows of bytes at a position, unmapped bytes told apart from zeros,
// and the bytes the step just before this position wrote marked, so a store shows where it landed.

import type { MemoryReader } from './memory-window.ts';
import type { Replay } from './replay.ts';

export interface MemoryRow {
  readonly address: number;
  /** undefined: not mapped at this position. */
  readonly bytes: ReadonlyArray<number | undefined>;
  /** Written by the step just before this position. */
  readonly written: readonly boolean[];
}

export function memoryRows(replay: Replay, position: number, address: number, rows: number, perRow: number, read: MemoryReader = (p, a, n) => replay.memory.read(p, a, n)): MemoryRow[] {
  const trace = replay.trace;
  const p = trace.clamp(position);
  const n = Math.max(0, rows * perRow);
  const start = Math.max(0, address);
  const mem = read(p, start, n);
  const written = new Uint8Array(n);
  if (p > 0) {
    for (const w of trace.step(p - 1).writes) {
      for (let i = 0; i < w.data.length; i++) {
        const j = w.address + i - start;
        if (j >= 0 && j < n) written[j] = 1;
      }
    }
  }
  const out: MemoryRow[] = [];
  for (let r = 0; r < rows; r++) {
    const bytes: Array<number | undefined> = [];
    const marks: boolean[] = [];
    for (let i = r * perRow; i < (r + 1) * perRow; i++) {
      bytes.push(mem.mapped[i] ? mem.bytes[i]! : undefined);
      marks.push(written[i] === 1);
    }
    out.push({ address: start + r * perRow, bytes, written: marks });
  }
  return out;
}
