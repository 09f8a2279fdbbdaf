// A fuzz worker: a child process that loads one kind, then checks the cases the campaign sends it one at a time.
// It runs in its own process so that the campaign can kill it when a case hangs and can watch its memory.

import type { CheckOptions, FuzzKind, SeedInput } from './kind.ts';
import type { KindRef } from './kinds.ts';
import { makeCase } from './case.ts';

export type WorkerRequest =
  | { type: 'init'; kind: KindRef; seed: string; options: CheckOptions }
  | { type: 'case'; index: number };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'started'; index: number; input: string; steps: string[] }
  | {
    type: 'result'; index: number; outcome: 'rejected' | 'loaded' | 'exception'; message: string;
    /** Growth of the process's peak resident set while this case ran, in KiB. */
    peakGrowthKb: number;
  };

let kind: FuzzKind;
let seeds: SeedInput[];
let campaignSeed: bigint;
let options: CheckOptions;

const send = (m: WorkerReply): void => {
  process.send!(m);
};

async function runCase(index: number): Promise<void> {
  const c = makeCase(seeds, campaignSeed, index);
  send({ type: 'started', index, input: c.input, steps: c.steps });
  const before = process.resourceUsage().maxRSS;
  let outcome: 'rejected' | 'loaded' | 'exception';
  let message: string;
  try {
    const r = await kind.check(c.bytes, c.input, options);
    outcome = r.outcome;
    message = r.outcome === 'rejected' ? r.message : r.detail;
  } catch (e) {
    outcome = 'exception';
    const err = e as Error;
    message = `${err?.name ?? 'throw'}: ${err?.message ?? String(e)} | ${(err?.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' | ')}`;
  }
  send({ type: 'result', index, outcome, message, peakGrowthKb: process.resourceUsage().maxRSS - before });
}

process.on('message', (m: WorkerRequest) => {
  if (m.type === 'init') {
    void import(m.kind.module).then((mod: Record<string, FuzzKind>) => {
      kind = mod[m.kind.export]!;
      seeds = kind.seeds();
      campaignSeed = BigInt(m.seed);
      options = m.options;
      send({ type: 'ready' });
    });
  } else {
    void runCase(m.index);
  }
});
process.on('disconnect', () => process.exit(0));
