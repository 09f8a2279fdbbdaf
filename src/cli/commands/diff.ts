// `wintrace diff a.mp b.mp`: where two recordings first behave differently, thread by thread and episode by
// episode, with the lines before it and the calls open there. Exit 0 the same, 1 different, 2 bad input.

import { basename } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import { tidName } from '../../replayer/describe.ts';
import { Replay } from '../../replayer/replay.ts';
import { type Divergence, diffTraces, type EpisodePair } from '../../replayer/trace-diff.ts';

interface DiffArgs {
  a: string;
  b: string;
  context?: number;
}

function summary(r: Replay): string {
  const t = r.trace;
  const n = r.episodes().length;
  return `${t.header.program.name}, ${t.totalSteps.toLocaleString('en-US')} steps from instruction ${t.header.firstStep}, ${t.threads().length} threads, ${n} episode${n === 1 ? '' : 's'}`;
}

export function formatDivergence(d: Divergence, nameA: string, nameB: string): string[] {
  const where = (l: Divergence['a'], name: string) => (l ? `${name} ${l.kind === 'step' ? 'step' : 'position'} ${l.position}` : `${name} has no more lines of this thread`);
  const out = [
    `first divergence: ${d.tid === undefined ? 'outside any thread' : `thread ${tidName(d.tid)}`}, after ${d.matched.toLocaleString('en-US')} matching lines of it (${where(d.a, nameA)}; ${where(d.b, nameB)})`,
  ];
  if (d.callPath.length) out.push(`  calls open: ${d.callPath.join(' > ')}`);
  for (const l of d.context) out.push(`    ${l.text}`);
  out.push(`  - ${d.a ? d.a.text : '(nothing)'}`, `  + ${d.b ? d.b.text : '(nothing)'}`);
  return out;
}

function episodeLine(p: EpisodePair, nameA: string, nameB: string): string {
  if (!p.b) return `  episode:${p.a!.index} ${p.a!.name}: only in ${nameA}`;
  if (!p.a) return `  episode:${p.b.index} ${p.b.name}: only in ${nameB}`;
  const label = `  episode:${p.a.index}${p.a.index === p.b.index ? '' : `/${p.b.index}`} ${p.a.name}`;
  const d = p.divergence;
  if (!d) return `${label}: same`;
  const at = d.a ?? d.b!;
  return `${label}: differs after ${d.matched} matching lines, at ${at.text.replace(/\s+/g, ' ').slice(0, 100)}`;
}

export const diffCommand: CommandModule<object, DiffArgs> = {
  command: 'diff <a> <b>',
  describe: 'Compare two traces thread by thread and episode by episode; print the first divergence (exit 0 same, 1 different)',
  builder: (y: Argv) =>
    y
      .positional('a', { type: 'string', demandOption: true, describe: 'first trace' })
      .positional('b', { type: 'string', demandOption: true, describe: 'second trace' })
      .option('context', { type: 'number', default: 8, describe: 'lines of the thread to show before the divergence' }) as Argv<DiffArgs>,
  handler: async (argv: ArgumentsCamelCase<DiffArgs>) => {
    const context = argv.context ?? 8;
    if (!(Number.isInteger(context) && context >= 0)) throw new UsageError(`--context ${argv.context}: expected a whole number of lines`);
    const a = Replay.open(argv.a);
    try {
      const b = Replay.open(argv.b);
      try {
        await a.disassembler();
        await b.disassembler();
        const na = basename(argv.a) === basename(argv.b) ? argv.a : basename(argv.a);
        const nb = basename(argv.a) === basename(argv.b) ? argv.b : basename(argv.b);
        const d = diffTraces(a, b, { context });
        const out = [`${na}: ${summary(a)}`, `${nb}: ${summary(b)}`];
        if (!d.whole) out.push('the traces start at different instructions: compared episode by episode');
        else if (d.whole.divergence) out.push(...formatDivergence(d.whole.divergence, na, nb));
        if (d.ends) out.push(`the runs ended differently: ${na} ${d.ends.a}, ${nb} ${d.ends.b}`);
        const pairs = d.episodes;
        if (pairs.some((p) => !p.a || !p.b || p.divergence) || !d.whole) {
          out.push('episodes:', ...pairs.map((p) => episodeLine(p, na, nb)));
          const firstEpisode = pairs.find((p) => p.divergence);
          if (!d.whole && firstEpisode) out.push(...formatDivergence(firstEpisode.divergence!, na, nb));
        }
        const episodes = `${pairs.length} episode${pairs.length === 1 ? '' : 's'}`;
        if (!d.same) out.push('the traces differ');
        else out.push(d.whole ? `no differences: ${d.whole.steps.toLocaleString('en-US')} steps compared, ${episodes}` : `no differences in the ${episodes}`);
        process.stdout.write(`${out.join('\n')}\n`);
        process.exitCode = d.same ? 0 : 1;
      } finally {
        b.close();
      }
    } finally {
      a.close();
    }
  },
};
