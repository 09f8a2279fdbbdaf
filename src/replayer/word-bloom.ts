// The per-segment Bloom filter of written 8-byte words (docs/trace-format.md, `wordBloom`): the same three
// multiplicative hashes as native/trace.c note_words, the bit index being the top log2(bits) bits of each product.
// "Last write to this address" asks it before decoding a segment, so it decodes the segment that wrote the word
// (and a fraction of a percent of the others), not every segment that wrote its page.

const MASK = (1n << 64n) - 1n;
const MULTIPLIERS = [0x9e3779b97f4a7c15n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n] as const;

/**
 * The hashes of the words of [address, address + size), computed once per query (BigInt arithmetic, ~1 µs a
 * word) and tested against every segment's filter: the top 16 bits of each product, three per word.
 */
export function bloomProbe(address: number, size: number): Uint16Array {
  const first = Math.floor(address / 8);
  const last = Math.floor((address + size - 1) / 8);
  return bloomProbeWords(Array.from({ length: last - first + 1 }, (_, k) => first + k));
}

/** The probe of some 8-byte words, by word number (address / 8). */
export function bloomProbeWords(words: readonly number[]): Uint16Array {
  const out = new Uint16Array(words.length * 3);
  let k = 0;
  for (const word of words) {
    const w = BigInt(word);
    for (const m of MULTIPLIERS) out[k++] = Number(((w * m) & MASK) >> 48n);
  }
  return out;
}

/** Could the segment with this filter (512 or 1,024 bytes) have written a word of the probe? */
export function mayHaveWrittenProbe(bloom: Uint8Array, probe: Uint16Array): boolean {
  // 512 bytes = 4,096 bits: the top 12 bits; 1,024 bytes: the top 13.
  const shift = 16 - Math.log2(bloom.length * 8);
  for (let k = 0; k < probe.length; k += 3) {
    let all = true;
    for (let j = 0; j < 3; j++) {
      const h = probe[k + j]! >>> shift;
      if ((bloom[h >>> 3]! & (1 << (h & 7))) === 0) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

/** Could the segment with this filter have written any byte of [address, address + size)? */
export function mayHaveWritten(bloom: Uint8Array, address: number, size: number): boolean {
  return mayHaveWrittenProbe(bloom, bloomProbe(address, size));
}
