// `wintrace dump trace.mp [--episode K] [--thread T...] [--depth N] [--raw] [--lines]`: the trace as reviewable text, one
// line per instruction (src/replayer/dump.ts says what a line holds and what is normalised).

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import { type DumpSelection, episodeSelection, threadsSelection, wholeTrace } from '../../replayer/dump-selection.ts';
import { dumpTextLines } from '../../replayer/dump.ts';
import { Replay } from '../../replayer/replay.ts';
import { printLines } from '../../text/terminal.ts';
import { threadOption } from '../thread-option.ts';
import { PROGRAM_OPTION, programOption } from '../program-option.ts';

interface DumpArgs {
  trace: string;
  program?: string;
  episode?: number;
  thread?: string[];
  depth?: number;
  raw?: boolean;
  lines?: boolean;
}

/** Lines are written in batches: a full trace is millions of lines. */
const BATCH = 4096;

/** The selection the options ask for; an unknown episode or thread is a usage error naming what exists. */
export function selectionFor(replay: Replay, episode: number | undefined, threads: readonly string[]): DumpSelection {
  const trace = replay.trace;
  let sel = wholeTrace(trace);
  if (episode !== undefined) {
    const list = replay.episodes();
    const e = list[episode];
    if (!Number.isInteger(episode) || !e) {
      throw new UsageError(`--episode ${episode}: ${trace.path} has ${list.length} episode${list.length === 1 ? '' : 's'} (0-${list.length - 1}; wintrace episodes lists them)`);
    }
    sel = episodeSelection(trace, e);
  }
  if (threads.length === 0) return sel;
  const tids = threadOption(trace, threads);
  const only = threadsSelection(trace, tids);
  if (episode === undefined) return only;
  return {
    label: `${sel.label}, ${only.label}`,
    from: sel.from,
    to: sel.to,
    includes: (tid, p) => only.includes(tid, p) && sel.includes(tid, p),
    concerns: (tid) => only.concerns!(tid) && (sel.concerns?.(tid) ?? true),
  };
}

export const dumpCommand: CommandModule<object, DumpArgs> = {
  command: 'dump <trace>',
  describe: 'Print a trace as text, one line per instruction: thread, symbol+offset, instruction, registers and memory it changed',
  builder: (y: Argv) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file written by wintrace record' })
      .option('program', PROGRAM_OPTION)
      .option('episode', { type: 'number', describe: 'only episode K (wintrace episodes lists them) on its own threads' })
      .option('thread', { type: 'string', array: true, describe: 'only these threads (0x1004); other threads fold into one line' })
      .option('depth', { type: 'number', describe: 'fold each call made N calls below the first line into one line' })
      .option('raw', { type: 'boolean', describe: 'every value in hex: no symbols for addresses, clock values shown' })
      .option('lines', { type: 'boolean', describe: "each instruction's Go source line (main.go:42) from the program's pclntab" }) as Argv<DumpArgs>,
  handler: async (argv: ArgumentsCamelCase<DumpArgs>) => {
    if (argv.depth !== undefined && !(Number.isInteger(argv.depth) && argv.depth >= 0)) {
      throw new UsageError(`--depth ${argv.depth}: expected a whole number of calls, 0 or more`);
    }
    const replay = Replay.open(argv.trace, programOption(argv.program));
    try {
      const sel = selectionFor(replay, argv.episode, argv.thread ?? []);
      await replay.disassembler();
      let buf: string[] = [];
      for (const line of dumpTextLines(replay, sel, { ...(argv.depth !== undefined ? { depth: argv.depth } : {}), raw: argv.raw ?? false, lines: argv.lines ?? false })) {
        buf.push(line);
        if (buf.length >= BATCH) {
          printLines(buf);
          buf = [];
        }
      }
      printLines(buf);
    } finally {
      replay.close();
    }
  },
};
