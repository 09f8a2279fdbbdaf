// `npm run fuzz`: a fuzz campaign over mutated inputs of one kind (tests/fuzz/kinds.ts), with counts per outcome.
//
//   npm run fuzz -- [--kind pe] [--cases 10000] [--seed 1] [--first 0] [--jobs N] [--timeout-ms 10000]
//                   [--memory-mb 512] [--run-instructions 0] [--replay INDEX]
//
// Exits 1 when any case failed (exception, hang, memory, crash), listing each with its index; `--replay INDEX`
// runs that one case in this process and prints its mutations and the full error.

import { availableParallelism } from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCampaign, type CampaignResult, OUTCOMES } from '../tests/fuzz/campaign.ts';
import { makeCase } from '../tests/fuzz/case.ts';
import type { FuzzKind } from '../tests/fuzz/kind.ts';
import { kindRef, KINDS } from '../tests/fuzz/kinds.ts';

const argv = yargs(hideBin(process.argv))
  .scriptName('npm run fuzz --')
  .option('kind', { type: 'string', default: 'pe', choices: Object.keys(KINDS), describe: 'what to mutate' })
  .option('cases', { type: 'number', default: 10_000, describe: 'mutated inputs to check' })
  .option('seed', { type: 'string', default: '1', describe: 'campaign seed (cases are reproducible from it)' })
  .option('first', { type: 'number', default: 0, describe: 'index of the first case' })
  .option('jobs', { type: 'number', default: Math.max(1, Math.min(4, availableParallelism())), describe: 'worker processes' })
  .option('timeout-ms', { type: 'number', default: 10_000, describe: 'time bound per input' })
  .option('memory-mb', { type: 'number', default: 512, describe: 'memory bound per input (peak RSS growth) and worker heap' })
  .option('run-instructions', { type: 'number', default: 0, describe: 'after loading, run this many instructions (0 = load and boot only)' })
  .option('replay', { type: 'number', describe: 'run one case in this process and show what happens' })
  .strict()
  .parseSync();

const seed = BigInt(argv.seed);
const check = { runInstructions: argv.runInstructions };

async function replay(index: number): Promise<void> {
  const ref = kindRef(argv.kind);
  const kind = (await import(ref.module) as Record<string, FuzzKind>)[ref.export]!;
  const c = makeCase(kind.seeds(), seed, index);
  console.log(`case ${index}: ${c.input}, ${c.bytes.length} bytes\n  ${c.steps.join('\n  ')}`);
  console.log(await kind.check(c.bytes, c.input, check)); // a failure throws here with its stack
}

function report(r: CampaignResult): string {
  const lines = [
    `kind ${argv.kind}, seed ${argv.seed}, cases ${argv.first}..${argv.first + argv.cases - 1}, ` +
      `${(r.elapsedMs / 1000).toFixed(1)} s, slowest case #${r.slowest.index}: ${r.slowest.ms.toFixed(0)} ms (bound ${argv.timeoutMs} ms)`,
    ...OUTCOMES.map((o) => `  ${o.padEnd(9)} ${r.counts[o]}`),
    `loaded inputs by what followed:`,
    ...[...r.loaded].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`),
    `rejections: ${r.defects.size} distinct defects, most frequent:`,
    ...[...r.defects].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`),
  ];
  for (const f of r.failures) lines.push(`FAILED case ${f.index} (${f.outcome}) ${f.input} [${f.steps.join('; ')}]: ${f.message}`);
  return lines.join('\n');
}

if (argv.replay !== undefined) {
  await replay(argv.replay);
} else {
  const every = Math.max(1, Math.floor(argv.cases / 20));
  const result = await runCampaign({
    kind: argv.kind, cases: argv.cases, first: argv.first, seed, jobs: argv.jobs,
    timeoutMs: argv.timeoutMs, memoryLimitMb: argv.memoryMb, check,
    onCase: (_r, done) => {
      if (done % every === 0) process.stderr.write(`fuzz: ${done}/${argv.cases}\n`);
    },
  });
  console.log(report(result));
  process.exitCode = result.failures.length > 0 ? 1 : 0;
}
