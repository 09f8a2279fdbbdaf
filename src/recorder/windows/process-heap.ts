// The allocator behind the strings the emulated Windows hands out of its process-data area (GetEnvironmentStringsW's
// block, the command line). A bump pointer never gave anything back, so a Go program calling os.Environ() about
// 2,000 times (each call gets a block and frees it with FreeEnvironmentStringsW) exhausted the 64 KiB area and
// ended the run. First fit over a list of free ranges, neighbours merged on free: the same calls in the same order
// give the same addresses on every run, which recordings need.

const ALIGN = 8n;

export class ProcessHeap {
  /** Free ranges [start, end), sorted, never adjacent. */
  private free: Array<[bigint, bigint]>;
  /** Live blocks: start to end. */
  private readonly live = new Map<bigint, bigint>();

  constructor(readonly base: bigint, readonly end: bigint) {
    this.free = [[base, end]];
  }

  /** The start of a block of `size` bytes (8-byte aligned), or undefined when no free range holds it. */
  alloc(size: number): bigint | undefined {
    const n = (BigInt(Math.max(size, 1)) + ALIGN - 1n) & ~(ALIGN - 1n);
    for (let i = 0; i < this.free.length; i++) {
      const [s, e] = this.free[i]!;
      if (e - s < n) continue;
      if (e - s === n) this.free.splice(i, 1);
      else this.free[i] = [s + n, e];
      this.live.set(s, s + n);
      return s;
    }
    return undefined;
  }

  /** Gives a block back; false when `at` is not the start of a live block (nothing changes then). */
  release(at: bigint): boolean {
    const end = this.live.get(at);
    if (end === undefined) return false;
    this.live.delete(at);
    let i = this.free.findIndex(([s]) => s > at);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, [at, end]);
    // Merge with the next range, then with the previous one.
    const next = this.free[i + 1];
    if (next && next[0] === end) this.free.splice(i, 2, [at, next[1]]);
    const prev = this.free[i - 1];
    if (prev && prev[1] === at) this.free.splice(i - 1, 2, [prev[0], this.free[i]![1]]);
    return true;
  }

  /** Bytes in live blocks. */
  get used(): bigint {
    let n = 0n;
    for (const [s, e] of this.live) n += e - s;
    return n;
  }
}
