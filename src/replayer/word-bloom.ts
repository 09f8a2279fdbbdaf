// The per-segment Bloom filter of written 8-byte words and, for stores covering part of a word, of its bytes
// (docs/trace-format.md, `wordBloom`): the same three multiplicative hashes as native/trace.c note_key, the bit
// index being the top log2(bits) bits of each product.
// "Last write to this address" asks it before decoding a segment, so it decodes the segment that wrote the word
// (and a fraction of a percent of the others), not every segment that wrote its page.

const MASK = (1n << 64n) - 1n;
const MULTIPLIERS = [0x9e3779b97f4a7c15n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n] as const;

const PART_OF_WORD = 1n << 62n;

/** A query's keys, hashed: for the word filter, and for the byte filter of stores to part of a word. */
export interface BloomProbe {
  readonly words: Uint16Array;
  readonly bytes: Uint16Array;
}

/**
 * The keys that can tell whether a segment wrote a byte of [address, address + size) not yet known (`known[j]` for
 * address + j; none known when absent), hashed: three 16-bit hashes per key, computed once per query (BigInt
 * arithmetic, ~1 µs a key) and tested against every segment's filters. A word whose bytes are all wanted: its
 * number (a store covering it whole) and its number | 2^62 (a store to part of it) in the word filter; a word
 * only some of whose bytes are wanted: its number in the word filter and each wanted byte's address in the byte
 * filter (native/trace.c note_words).
 */
export function bloomProbe(address: number, size: number, known?: Uint8Array): BloomProbe {
  const words: bigint[] = [];
  const bytes: bigint[] = [];
  const first = Math.floor(address / 8);
  const last = Math.floor((address + size - 1) / 8);
  for (let w = first; w <= last; w++) {
    const lo = Math.max(w * 8, address);
    const hi = Math.min(w * 8 + 8, address + size);
    let wanted = 0;
    for (let b = lo; b < hi; b++) if (!known?.[b - address]) wanted++;
    if (wanted === 0) continue;
    words.push(BigInt(w));
    if (wanted === 8) {
      words.push(BigInt(w) | PART_OF_WORD);
      continue;
    }
    for (let b = lo; b < hi; b++) if (!known?.[b - address]) bytes.push(BigInt(b));
  }
  return { words: bloomProbeKeys(words), bytes: bloomProbeKeys(bytes) };
}

/** The probe of some keys: three hashes each, the top 16 bits of each product. */
export function bloomProbeKeys(keys: readonly bigint[]): Uint16Array {
  const out = new Uint16Array(keys.length * 3);
  let k = 0;
  for (const key of keys) {
    for (const m of MULTIPLIERS) out[k++] = Number(((key * m) & MASK) >> 48n);
  }
  return out;
}

/**
 * Could a segment (or a group, with its summaries) whose filters are these have written a byte the probe asks for?
 * Without a byte filter any byte asked of it may have been written.
 */
export function mayHaveWrittenBytes(words: Uint8Array, bytes: Uint8Array | undefined, probe: BloomProbe): boolean {
  if (mayHaveWrittenProbe(words, probe.words)) return true;
  return probe.bytes.length > 0 && (bytes === undefined || mayHaveWrittenProbe(bytes, probe.bytes));
}

/** Could the segment with this filter (512 or 1,024 bytes) have written a key of the probe? */
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

/** Could the segment with these filters have written any byte of [address, address + size)? */
export function mayHaveWritten(words: Uint8Array, bytes: Uint8Array | undefined, address: number, size: number): boolean {
  return mayHaveWrittenBytes(words, bytes, bloomProbe(address, size));
}
