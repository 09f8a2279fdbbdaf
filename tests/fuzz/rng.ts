// A seeded PRNG for the fuzz harness (SplitMix64 on BigInt state, folded to 32-bit draws). Every case is
// derived from (campaign seed, case index) alone, so any failure can be replayed on its own.

const MASK = (1n << 64n) - 1n;

export class Rng {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = seed & MASK;
  }

  /** The generator for case `index` of a campaign: independent of how many cases ran before it. */
  static forCase(campaignSeed: bigint, index: number): Rng {
    const r = new Rng(campaignSeed ^ (BigInt(index) * 0x9e3779b97f4a7c15n));
    r.next64();
    return r;
  }

  next64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  /** Uniform integer in [0, n) for n ≤ 2^32. */
  below(n: number): number {
    if (n <= 0) throw new RangeError(`below(${n})`);
    return Number((this.next64() >> 32n) % BigInt(n));
  }

  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return Number(this.next64() >> 11n) / 2 ** 53 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}
