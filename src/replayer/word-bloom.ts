// The per-segment Bloom filter of written 8-byte words (docs/trace-format.md, `wordBloom`): the same three
// multiplicative hashes as native/trace.c note_words. "Last write to this address" asks it before decoding a
// segment, so it decodes the segment that wrote the word (and ~3% others), not every segment that wrote its page.

const MASK = (1n << 64n) - 1n;
const MULTIPLIERS = [0x9e3779b97f4a7c15n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n] as const;

/** Could the segment with this filter have written any byte of [address, address + size)? */
export function mayHaveWritten(bloom: Uint8Array, address: number, size: number): boolean {
  const first = BigInt(Math.floor(address / 8));
  const last = BigInt(Math.floor((address + size - 1) / 8));
  for (let w = first; w <= last; w++) {
    let all = true;
    for (const m of MULTIPLIERS) {
      const h = Number(((w * m) & MASK) >> 52n);
      if ((bloom[h >> 3]! & (1 << (h & 7))) === 0) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}
