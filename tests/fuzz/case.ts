// One fuzz case from (campaign seed, index): which seed input, which mutations. Workers and --replay build
// cases the same way, so a reported index reproduces exactly.

import type { SeedInput } from './kind.ts';
import { mutate } from './mutators.ts';
import { Rng } from './rng.ts';

export interface FuzzCase {
  index: number;
  /** Name of the seed input mutated. */
  input: string;
  steps: string[];
  bytes: Uint8Array;
}

export function makeCase(seeds: readonly SeedInput[], campaignSeed: bigint, index: number): FuzzCase {
  const rng = Rng.forCase(campaignSeed, index);
  const seed = rng.pick(seeds);
  const m = mutate(rng, seed.bytes, seed.map);
  return { index, input: seed.name, steps: m.steps, bytes: m.bytes };
}
