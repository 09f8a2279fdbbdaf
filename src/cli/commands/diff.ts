// `wintrace diff a.mp b.mp`: where two recordings first behave differently, thread by thread and episode by
// episode, with the lines before it and the calls open there. Exit 0 the same, 1 different, 2 bad input.
// How lines are matched (exactly, by symbol across builds, or episode by episode across Go releases) is
// trace-diff.ts's DiffMode; the help text below says it for users.

import { basename } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import { tidName } from '../../replayer/describe.ts';
import { Replay } from '../../replayer/replay.ts';
import { type DiffMode, type Divergence, diffTraces, type EpisodePair, type RoutineDivergence } from '../../replayer/trace-diff.ts';
import { printLines } from '../../text/terminal.ts';
import { programOptions } from '../program-option.ts';

interface DiffArgs {
  a: string;
  b: string;
  context?: number;
  episodes?: boolean;
  symbolic?: boolean;
  exact?: boolean;
  program?: string[];
}

const MODE_TEXT: Record<DiffMode, string> = {
  exact: 'compared line by line, every value exact',
  symbolic: 'compared line by line by what values mean (data by symbol, heap and stack by region, relocated immediates masked)',
  episodes: 'compared episode by episode (dispatch path, handlers, outcome), then routine by routine inside the first that differs',
};

const EPILOGUE = `How lines are matched (by default chosen from the two programs):
  the same program (same sha256): every line exactly as \`wintrace dump\` prints it (--exact).
  two builds by the same Go (--symbolic): a line matches when it means the same: code by symbol+offset; an address
    inside a data symbol by the symbol alone (the linker packs strings, types and metadata into shared symbols, so
    one changed constant moves every offset after it); an address no symbol covers by its region (<stack> inside a
    thread's stack, <mem> inside anything mapped: heap arenas, goroutine stacks, TEBs); an ADRP's page and the low
    12 bits of the ADD/LDR/STR that completes it are masked (that instruction's result is compared). Counts, lengths,
    flags and bytes written stay exact, so the first divergence is the real change.
  programs built by different Go releases (--episodes): their instruction streams have nothing to align, so each
    k-th exception dispatch (and thread start) is compared with the other's by its dispatch path, handlers and
    outcome; inside the first that differs the routines each thread entered are aligned by name and the first
    divergence is where the two runtimes go into different routines (1.19's sigtramp_g0, 1.21+'s sigtrampgo);
    the first instruction that differs there (symbolically) follows.`;

function goOf(r: Replay): string {
  return r.trace.header.program.goVersion ?? 'Go version unknown';
}

function summary(r: Replay): string {
  const t = r.trace;
  const n = r.episodes().length;
  return `${t.header.program.name} (${goOf(r)}), ${t.totalSteps.toLocaleString('en-US')} steps from instruction ${t.header.firstStep}, ${t.threads().length} threads, ${n} episode${n === 1 ? '' : 's'}${t.truncated ? ' (cut short: no footer, compared up to its last step)' : ''}`;
}

export function formatDivergence(d: Divergence, nameA: string, nameB: string): string[] {
  const where = (l: Divergence['a'], name: string) => (l ? `${name} ${l.kind === 'step' ? 'step' : 'position'} ${l.position}` : `${name} has no more lines of this thread`);
  const out = [
    `first divergence: ${d.tid === undefined ? 'outside any thread' : `thread ${tidName(d.tid)}`}, after ${d.matched.toLocaleString('en-US')} matching lines of it (${where(d.a, nameA)}; ${where(d.b, nameB)})`,
  ];
  if (d.callPath.length) out.push(`  calls open: ${d.callPath.join(' > ')}`);
  for (const l of d.context) out.push(`    ${l.text}`);
  out.push(`  - ${d.a ? d.a.text : '(nothing)'}`, `  + ${d.b ? d.b.text : '(nothing)'}`);
  const v = d.values;
  if (v) {
    const valueOnly = v.first.a === d.a;
    out.push(valueOnly
      ? `  the same instructions ran to the end, but ${v.count.toLocaleString('en-US')} line${v.count === 1 ? '' : 's'} of this thread had other values${v.count > 1 ? '; the last:' : ''}`
      : `  before it the same instructions ran with other values at ${v.count.toLocaleString('en-US')} line${v.count === 1 ? '' : 's'} of this thread; the ${v.count > 1 ? 'first and the last' : 'one'}:`);
    const pairs = valueOnly ? (v.count > 1 ? [v.last] : []) : v.count > 1 ? [v.first, v.last] : [v.first];
    for (const p of pairs) out.push(`  - ${p.a.text}  (${nameA} step ${p.a.position})`, `  + ${p.b.text}  (${nameB} step ${p.b.position})`);
  }
  const t = d.detours;
  if (t && t.first.a !== d.a) {
    out.push(`  before it ${t.count.toLocaleString('en-US')} call${t.count === 1 ? '' : 's'} of this thread went another way inside and returned to the same place; the first:`,
      `  - ${t.first.a.text}  (${nameA} step ${t.first.a.position})`, `  + ${t.first.b.text}  (${nameB} step ${t.first.b.position})`);
  }
  return out;
}

/** The routine-level divergence of an episode: the routines both went through, then where each went on. */
export function formatRoutines(p: EpisodePair, d: RoutineDivergence, nameA: string, nameB: string, context: number): string[] {
  const into = (r: RoutineDivergence['a'], name: string) => (r ? `${name} goes into ${r.name} (step ${r.first.position})` : `${name} has no more steps of it`);
  const label = `episode:${p.a!.index}${p.a!.index === p.b!.index ? '' : `/${p.b!.index}`} ${p.a!.name}`;
  const out = [
    `first divergence: ${label}, thread ${tidName(d.tid)}, after ${d.matched.length} routine${d.matched.length === 1 ? '' : 's'} the same: ${into(d.a, nameA)}; ${into(d.b, nameB)}`,
  ];
  if (d.a) out.push(`  calls open in ${nameA}: ${d.a.callPath.join(' > ')}`);
  if (d.b) out.push(`  calls open in ${nameB}: ${d.b.callPath.join(' > ')}`);
  if (d.matched.length) {
    const shown = d.matched.slice(-Math.max(context, 1));
    const more = d.matched.length - shown.length;
    out.push(`  routines before, in both (steps in ${nameA}/${nameB}): ${more ? `... ${more} more > ` : ''}${shown.map((m) => `${m.name} (${m.stepsA}/${m.stepsB})`).join(' > ')}`);
  }
  for (const [sign, r] of [['-', d.a], ['+', d.b]] as const) {
    if (!r) {
      out.push(`  ${sign} (nothing)`);
      continue;
    }
    if (r.before) out.push(`  ${sign}   ${r.before.text}`);
    out.push(`  ${sign} ${r.first.text}`);
  }
  return out;
}

function episodeLine(p: EpisodePair, nameA: string, nameB: string): string {
  if (!p.b) return `  episode:${p.a!.index} ${p.a!.name}: only in ${nameA}`;
  if (!p.a) return `  episode:${p.b.index} ${p.b.name}: only in ${nameB}`;
  const label = `  episode:${p.a.index}${p.a.index === p.b.index ? '' : `/${p.b.index}`} ${p.a.name}`;
  if (p.facts) return `${label}: differs in ${p.facts.differences.map((x) => x.what).join(', ')}`;
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
      .option('context', { type: 'number', default: 8, describe: 'lines of the thread to show before the divergence' })
      .option('episodes', { type: 'boolean', describe: 'compare episodes by what they did, then routines inside the first that differs (default when the Go releases differ)' })
      .option('symbolic', { type: 'boolean', describe: 'compare lines by what values mean (default for two builds by one Go)' })
      .option('exact', { type: 'boolean', describe: 'compare lines exactly (default for the same program)' })
      .option('program', {
        type: 'string', array: true,
        describe: 'the program file of a trace recorded by reference that has moved (see record --self-contained): once for both traces, or twice, in the order of the traces (a.mp\'s, then b.mp\'s); checked by size and sha256',
      })
      .conflicts('episodes', ['symbolic', 'exact'])
      .conflicts('symbolic', 'exact')
      .epilogue(EPILOGUE) as Argv<DiffArgs>,
  handler: async (argv: ArgumentsCamelCase<DiffArgs>) => {
    const context = argv.context ?? 8;
    if (!(Number.isInteger(context) && context >= 0)) throw new UsageError(`--context ${argv.context}: expected a whole number of lines`);
    const forced: DiffMode | undefined = argv.episodes ? 'episodes' : argv.symbolic ? 'symbolic' : argv.exact ? 'exact' : undefined;
    const [programA, programB] = programOptions(argv.program, 2);
    const a = Replay.open(argv.a, programA);
    try {
      const b = Replay.open(argv.b, programB);
      try {
        await a.disassembler();
        await b.disassembler();
        const na = basename(argv.a) === basename(argv.b) ? argv.a : basename(argv.a);
        const nb = basename(argv.a) === basename(argv.b) ? argv.b : basename(argv.b);
        const d = diffTraces(a, b, { context, ...(forced ? { mode: forced } : {}) });
        const out = [
          `wintrace diff ${na} (${goOf(a)}) ${nb} (${goOf(b)}): ${MODE_TEXT[d.mode]}`,
          `${na}: ${summary(a)}`,
          `${nb}: ${summary(b)}`,
        ];
        const pairs = d.episodes;
        if (d.mode === 'episodes') {
          out.push('episodes:', ...pairs.map((p) => episodeLine(p, na, nb)));
          const f = d.first;
          if (f?.a && f.b) {
            const w = Math.max(na.length, nb.length);
            for (const x of f.facts?.differences ?? []) out.push(`  ${x.what} in episode:${f.a.index}:`, `    ${na.padEnd(w)}  ${x.a}`, `    ${nb.padEnd(w)}  ${x.b}`);
            if (f.routines) out.push(...formatRoutines(f, f.routines, na, nb, context));
            if (f.divergence) {
              const [head, ...rest] = formatDivergence(f.divergence, na, nb);
              out.push(head!.replace(/^first divergence/, 'first instruction that differs in that episode'), ...rest);
            }
          }
          if (d.ends) out.push(`the runs ended differently: ${na} ${d.ends.a}, ${nb} ${d.ends.b}`);
          out.push(d.same ? `no differences in the ${pairs.length} episode${pairs.length === 1 ? '' : 's'}` : 'the traces differ');
        } else {
          if (!d.whole) out.push('the traces start at different instructions: compared episode by episode');
          else if (d.whole.divergence) out.push(...formatDivergence(d.whole.divergence, na, nb));
          if (d.ends) out.push(`the runs ended differently: ${na} ${d.ends.a}, ${nb} ${d.ends.b}`);
          if (pairs.some((p) => !p.a || !p.b || p.divergence) || !d.whole) {
            out.push('episodes:', ...pairs.map((p) => episodeLine(p, na, nb)));
            const firstEpisode = pairs.find((p) => p.divergence);
            if (!d.whole && firstEpisode) out.push(...formatDivergence(firstEpisode.divergence!, na, nb));
          }
          const episodes = `${pairs.length} episode${pairs.length === 1 ? '' : 's'}`;
          if (!d.same) out.push('the traces differ');
          else out.push(d.whole ? `no differences: ${d.whole.steps.toLocaleString('en-US')} steps compared, ${episodes}` : `no differences in the ${episodes}`);
        }
        printLines(out);
        process.exitCode = d.same ? 0 : 1;
      } finally {
        b.close();
      }
    } finally {
      a.close();
    }
  },
};
