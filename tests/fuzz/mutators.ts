// Byte-level mutations shared by the fuzz kinds. A kind describes its input as named fields (offset, width) and
// hot ranges (where structure lives); the mutators aim most edits there, because a random byte in a 2 MB Go
// binary almost always lands in code or data the parser never reads.

import type { Rng } from './rng.ts';

export interface Field {
  name: string;
  offset: number;
  size: 1 | 2 | 4 | 8;
}

/** [start, end) byte ranges worth mutating. */
export type Range = readonly [number, number];

export interface InputMap {
  fields: readonly Field[];
  hot: readonly Range[];
}

export interface Mutated {
  bytes: Uint8Array;
  /** One entry per mutation applied, e.g. "field COFF.NumberOfSections = 0xffff". */
  steps: string[];
}

const INTERESTING: readonly bigint[] = [
  0n, 1n, 2n, 3n, 4n, 7n, 8n, 0x10n, 0x20n, 0x40n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x200n, 0x1000n, 0x7fffn, 0x8000n,
  0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn,
];

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
const widthMask = (size: number): bigint => (1n << BigInt(size * 8)) - 1n;

function readField(b: Uint8Array, f: Field): bigint {
  let v = 0n;
  for (let i = f.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[f.offset + i] ?? 0);
  return v;
}

function writeField(b: Uint8Array, f: Field, v: bigint): void {
  for (let i = 0; i < f.size && f.offset + i < b.length; i++) b[f.offset + i] = Number((v >> BigInt(i * 8)) & 0xffn);
}

/** A position: mostly inside a hot range, sometimes anywhere in the input. */
function position(rng: Rng, map: InputMap, length: number): number {
  if (map.hot.length > 0 && rng.chance(0.85)) {
    const [s, e] = rng.pick(map.hot);
    const end = Math.min(e, length);
    if (end > s) return rng.between(s, end - 1);
  }
  return rng.below(length);
}

function fieldValue(rng: Rng, b: Uint8Array, f: Field, map: InputMap): bigint {
  const cur = readField(b, f);
  const mask = widthMask(f.size);
  switch (rng.below(5)) {
    case 0: return rng.pick(INTERESTING) & mask;
    case 1: return (cur + BigInt(rng.between(-16, 16))) & mask;
    case 2: return (BigInt(b.length) + BigInt(rng.between(-8, 8))) & mask;
    case 3: return (cur * BigInt(rng.between(2, 4096))) & mask;
    default: return readField(b, rng.pick(map.fields)) & mask; // another field's value (a splice)
  }
}

type Mutator = (rng: Rng, b: Uint8Array, map: InputMap) => { bytes: Uint8Array; step: string };

export const MUTATORS: ReadonlyArray<{ name: string; weight: number; apply: Mutator }> = [
  {
    name: 'bitflip', weight: 3, apply: (rng, b, map) => {
      const at = position(rng, map, b.length);
      const bit = rng.below(8);
      b[at] = b[at]! ^ (1 << bit);
      return { bytes: b, step: `bitflip ${hex(at)} bit ${bit}` };
    },
  },
  {
    name: 'byteset', weight: 2, apply: (rng, b, map) => {
      const at = position(rng, map, b.length);
      const v = rng.chance(0.5) ? rng.pick([0x00, 0x01, 0x7f, 0x80, 0xff]) : rng.below(256);
      b[at] = v;
      return { bytes: b, step: `byteset ${hex(at)} = ${hex(v)}` };
    },
  },
  {
    name: 'field', weight: 5, apply: (rng, b, map) => {
      const f = rng.pick(map.fields);
      const v = fieldValue(rng, b, f, map);
      writeField(b, f, v);
      return { bytes: b, step: `field ${f.name} @${hex(f.offset)} = ${hex(v)}` };
    },
  },
  {
    name: 'truncate', weight: 2, apply: (rng, b, map) => {
      const near = rng.chance(0.6) && map.fields.length > 0 ? rng.pick(map.fields).offset + rng.between(-4, 12) : position(rng, map, b.length);
      const at = Math.max(0, Math.min(b.length - 1, near));
      return { bytes: b.slice(0, at), step: `truncate at ${hex(at)}` };
    },
  },
  {
    name: 'copy', weight: 1, apply: (rng, b, map) => {
      const len = rng.between(2, 64);
      const from = position(rng, map, b.length);
      const to = position(rng, map, b.length);
      b.copyWithin(to, from, Math.min(b.length, from + len));
      return { bytes: b, step: `copy ${len} bytes ${hex(from)} -> ${hex(to)}` };
    },
  },
  {
    name: 'zero', weight: 1, apply: (rng, b, map) => {
      const at = position(rng, map, b.length);
      const len = rng.between(1, 64);
      b.fill(0, at, Math.min(b.length, at + len));
      return { bytes: b, step: `zero ${len} bytes at ${hex(at)}` };
    },
  },
];

const TOTAL_WEIGHT = MUTATORS.reduce((s, m) => s + m.weight, 0);

/** Applies 1 to `max` weighted-random mutations to a copy of `input`. */
export function mutate(rng: Rng, input: Uint8Array, map: InputMap, max = 4): Mutated {
  let bytes: Uint8Array = input.slice();
  const steps: string[] = [];
  const n = rng.between(1, max);
  for (let i = 0; i < n && bytes.length > 0; i++) {
    let w = rng.below(TOTAL_WEIGHT);
    const m = MUTATORS.find((x) => (w -= x.weight) < 0)!;
    const r = m.apply(rng, bytes, map);
    bytes = r.bytes;
    steps.push(r.step);
  }
  return { bytes, steps };
}
