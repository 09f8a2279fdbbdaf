// `wintrace episodes trace.mp`: the exception dispatches and thread starts of a recording, as named spans.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { tidName } from '../../replayer/describe.ts';
import { Replay } from '../../replayer/replay.ts';
import { jsonText, printLines } from '../../text/terminal.ts';
import { PROGRAM_OPTION, programOption } from '../program-option.ts';

interface EpisodesArgs {
  trace: string;
  program?: string;
  marks?: boolean;
  json?: boolean;
}

export const episodesCommand: CommandModule<object, EpisodesArgs> = {
  command: 'episodes <trace>',
  describe: 'List exception dispatches and thread starts as spans you can jump to (--at episode:K)',
  builder: (y: Argv) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file written by wintrace record' })
      .option('program', PROGRAM_OPTION)
      .option('marks', { type: 'boolean', describe: 'also list each step of every episode (raise, handlers, resume, ...)' })
      .option('json', { type: 'boolean', describe: 'print as JSON' }) as Argv<EpisodesArgs>,
  handler: (argv: ArgumentsCamelCase<EpisodesArgs>) => {
    const replay = Replay.open(argv.trace, programOption(argv.program));
    try {
      const list = replay.episodes();
      if (argv.json) {
        process.stdout.write(`${jsonText(JSON.stringify(list, null, 2))}\n`);
        return;
      }
      if (list.length === 0) {
        process.stdout.write('no episodes (no exception was dispatched and no thread was started in the recorded window)\n');
        return;
      }
      for (const e of list) {
        const out = [`episode:${e.index}  ${e.kind.padEnd(12)} positions ${e.start}-${e.end}  thread ${tidName(e.tid)}  ${e.name}: ${e.outcome}`];
        if (e.path) out.push(`    ${e.path.runtime} runtime path: ${e.path.routines.length ? e.path.routines.join(' > ') : 'none of its dispatch routines ran'}`);
        if (argv.marks) for (const m of e.marks) out.push(`    ${String(m.position).padStart(10)}  ${m.label}`);
        printLines(out);
      }
    } finally {
      replay.close();
    }
  },
};
