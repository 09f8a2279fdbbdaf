// Symbolisation for the replayer: addresses to `symbol+0xoff` from the trace's own symbol list (Go's pclntab
// functions, COFF symbols) and the emulated DLL stubs, and names back to addresses. Numbers, not bigints: a
// lookup per displayed instruction must be cheap.

import type { TraceStub, TraceSymbol } from '../trace/schema.ts';

/** How far past a symbol without a size an address is still named after it. */
const MAX_SIZELESS = 4096;

export interface SymbolHit {
  name: string;
  /** Start address of the symbol. */
  address: number;
  offset: number;
}

export class Symbols {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly names: string[];
  private readonly byName = new Map<string, number>();

  constructor(symbols: readonly TraceSymbol[], stubs: readonly TraceStub[]) {
    // A stub is `SVC #0; RET`: 8 bytes.
    const all = [
      ...symbols.map((s) => ({ name: s.name, start: Number(s.address), end: Number(s.address) + Math.max(s.size, 0) })),
      ...stubs.map((s) => ({ name: s.name, start: Number(s.address), end: Number(s.address) + 8 })),
    ].sort((a, b) => a.start - b.start || b.end - a.end);
    this.starts = new Float64Array(all.length);
    this.ends = new Float64Array(all.length);
    this.names = new Array<string>(all.length);
    all.forEach((s, i) => {
      this.starts[i] = s.start;
      // A symbol without a size reaches the next one, but not across the address space (`runtime.end`).
      this.ends[i] = s.end > s.start ? s.end : Math.min(all[i + 1]?.start ?? s.start + 4, s.start + MAX_SIZELESS);
      this.names[i] = s.name;
      if (!this.byName.has(s.name)) this.byName.set(s.name, s.start);
    });
  }

  get size(): number {
    return this.names.length;
  }

  lookup(address: number): SymbolHit | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let idx = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= address) {
        idx = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Nested or zero-sized symbols: walk back to one whose range covers the address.
    for (let k = idx; k >= 0 && k > idx - 8; k--) {
      if (address < this.ends[k]!) return { name: this.names[k]!, address: this.starts[k]!, offset: address - this.starts[k]! };
    }
    return undefined;
  }

  /** `name+0xoff`, `name` at offset 0, or the hex address. */
  format(address: number): string {
    const s = this.lookup(address);
    if (!s) return hex(address);
    return s.offset === 0 ? s.name : `${s.name}+${hex(s.offset)}`;
  }

  /** Address of a symbol by exact name, then by a unique suffix (`sigtramp` finds `runtime.sigtramp`). */
  resolve(name: string): number | undefined {
    const exact = this.byName.get(name);
    if (exact !== undefined) return exact;
    const hits = this.search(name).filter((n) => n.endsWith(`.${name}`) || n.endsWith(`·${name}`) || n === name);
    return hits.length === 1 ? this.byName.get(hits[0]!) : undefined;
  }

  /** Range [start, end) of the symbol named `name` (resolved as resolve() does). */
  range(name: string): [number, number] | undefined {
    const a = this.resolve(name);
    if (a === undefined) return undefined;
    const s = this.lookup(a);
    if (!s) return undefined;
    const i = this.names.indexOf(s.name);
    return [a, this.ends[i]!];
  }

  /** Names containing `text` (case-insensitive), in address order, at most `limit`. */
  search(text: string, limit = 100): string[] {
    const t = text.toLowerCase();
    const out: string[] = [];
    for (const n of this.names) {
      if (n.toLowerCase().includes(t)) out.push(n);
      if (out.length >= limit) break;
    }
    return out;
  }
}

export function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}
