// `wintrace events trace.mp [--kind K...] [--thread T]`: the typed events of a recording, one per line.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import { describeEvent, EVENT_KINDS, tidName } from '../../replayer/describe.ts';
import { Replay } from '../../replayer/replay.ts';
import type { EventKind } from '../../trace/schema.ts';
import { jsonText, printLines } from '../../text/terminal.ts';
import { parseTid, threadOption } from '../thread-option.ts';
import { PROGRAM_OPTION, programOption } from '../program-option.ts';

interface EventsArgs {
  trace: string;
  program?: string;
  kind?: string[];
  thread?: string;
  json?: boolean;
}

export const eventsCommand: CommandModule<object, EventsArgs> = {
  command: 'events <trace>',
  describe: 'List the events of a trace: API calls, threads, exceptions, handlers, resumes, exits',
  builder: (y: Argv) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file written by wintrace record' })
      .option('program', PROGRAM_OPTION)
      .option('kind', { type: 'string', array: true, describe: `only these kinds: ${EVENT_KINDS.join(', ')}` })
      .option('thread', { type: 'string', describe: 'only this thread (id in hex, e.g. 0x1000, or decimal)' })
      .option('json', { type: 'boolean', describe: 'one JSON object per line' }) as Argv<EventsArgs>,
  handler: async (argv: ArgumentsCamelCase<EventsArgs>) => {
    const kinds = new Set(argv.kind ?? []);
    const unknown = [...kinds].filter((k) => !EVENT_KINDS.includes(k as never));
    if (unknown.length) throw new UsageError(`--kind ${unknown.join(', ')}: no such event kind; kinds are ${EVENT_KINDS.join(', ')}`);
    if (argv.thread !== undefined) parseTid(argv.thread);
    const replay = Replay.open(argv.trace, programOption(argv.program));
    try {
      const tid = argv.thread === undefined ? undefined : threadOption(replay.trace, [argv.thread])[0];
      // Printed a segment's worth at a time: on a long recording the first lines come before the last segment is read.
      let lines: string[] = [];
      const flush = () => {
        if (argv.json) process.stdout.write(lines.length ? `${lines.join('\n')}\n` : '');
        else printLines(lines);
        lines = [];
      };
      if (!argv.json) lines.push(`${'event'.padStart(6)}  ${'position'.padStart(10)}  thread  kind`);
      for (const { index, position, event } of replay.trace.eventStream(kinds.size ? (kinds as Set<EventKind>) : undefined)) {
        if (kinds.size && !kinds.has(event.kind)) continue;
        if (tid !== undefined && event.tid !== tid) continue;
        if (argv.json) {
          // The step is a count, as the position is: a number; addresses and values stay hex strings.
          const { regs: _regs, step, ...rest } = event as typeof event & { regs?: unknown };
          lines.push(jsonText(JSON.stringify({ index, position, step: Number(step), ...rest }, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))));
        } else {
          lines.push(`${String(index).padStart(6)}  ${String(position).padStart(10)}  ${tidName(event.tid).padEnd(7)} ${event.kind.padEnd(16)} ${describeEvent(event, replay.trace.symbols)}`);
        }
        if (lines.length >= 256) {
          flush();
          // A reader that closed the pipe (`| head`) is reported between writes: let it end the process now.
          await new Promise((r) => setImmediate(r));
        }
      }
      flush();
    } finally {
      replay.close();
    }
  },
};
