// The state of every page of one reservation: 0 = reserved only, else the PAGE_* protection it is committed with.
// Stored in 16 MiB chunks, a chunk that is all reserved-only not stored at all, so that reserving a terabyte (which
// Windows allows and costs nothing there) costs nothing here either: committed pages are bounded by the commit
// limit, reserved-only ones are free.

const CHUNK = 4096; // pages

export class PageStates {
  private readonly chunks = new Map<number, Uint16Array>();

  constructor(readonly length: number) {}

  get(i: number): number {
    return this.chunks.get(Math.floor(i / CHUNK))?.[i % CHUNK] ?? 0;
  }

  fill(value: number, from = 0, to = this.length): void {
    for (let i = from; i < to; ) {
      const c = Math.floor(i / CHUNK);
      const lo = i - c * CHUNK;
      const hi = Math.min(CHUNK, to - c * CHUNK);
      let chunk = this.chunks.get(c);
      if (value === 0 && (!chunk || (lo === 0 && hi === CHUNK))) {
        this.chunks.delete(c);
      } else {
        if (!chunk) this.chunks.set(c, (chunk = new Uint16Array(CHUNK)));
        chunk.fill(value, lo, hi);
      }
      i = c * CHUNK + hi;
    }
  }

  /** The first index in [from, to) whose state does not satisfy `same`, or `to`. Skips unstored chunks at once. */
  runEnd(from: number, to: number, same: (state: number) => boolean): number {
    const zeroSame = same(0);
    let i = from;
    while (i < to) {
      const c = Math.floor(i / CHUNK);
      const chunk = this.chunks.get(c);
      const hi = Math.min((c + 1) * CHUNK, to);
      if (!chunk) {
        if (!zeroSame) return i;
        i = hi;
        continue;
      }
      for (; i < hi; i++) if (!same(chunk[i - c * CHUNK]!)) return i;
    }
    return to;
  }

  /** Pages in [from, to) whose state is not 0. */
  countCommitted(from = 0, to = this.length): number {
    let n = 0;
    for (const [c, chunk] of this.chunks) {
      const lo = Math.max(from - c * CHUNK, 0);
      const hi = Math.min(to - c * CHUNK, CHUNK);
      for (let k = lo; k < hi; k++) if (chunk[k] !== 0) n++;
    }
    return n;
  }
}
